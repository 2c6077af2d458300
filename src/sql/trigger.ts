// The PL/pgSQL that pg_centroid generates for each clustered table (src/db/compile.ts installs it):
// - the label function, a BEFORE ROW trigger function that gives a row its cluster number (and its distance and
//   anomaly flag, when the settings name those columns). By default (mode hidden) it is SECURITY DEFINER as the
//   table's owner and hands the row's features to centroid_internal._nearest; with inline_centroids (mode inline)
//   the stored centroids are written in as constants, so a row is labelled without leaving PL/pgSQL (about 0.3 us
//   a row for k = 3 in 3 dimensions, against ~3 us for a call into pljs), with the inserting role's rights, so
//   every function, operator and type in it is schema-qualified: nothing on that role's search_path can stand in
//   for them.
// - the hook function, the statement triggers' function (SECURITY DEFINER, owned by the table's owner, under a
//   pinned search_path), which hands each event to the JavaScript side.
// Pure text generation, unit-tested without a database.

import { FEATURE_MAX, FEATURE_ZERO } from '../core/features';
import type { LabelModel as CoreLabelModel } from '../core/labeler';
import { ident, text } from './quote';
import { keyFactor, keyLabel, keySquared, keyTie, nearestKey, type Pgvector, pv, rowVector, type VectorType, vectorType } from './vector';

/** How a column's values become float8 (see src/db/catalog.ts). */
export type NumberKind = 'integer' | 'float' | 'numeric';

/** The model a label function labels with: the core's (centers in the working space, frozen z-scores), and more. */
export interface LabelModel extends CoreLabelModel {
  /** Each cluster's RMS radius and the anomaly threshold (normalized distance), when known. */
  rms: Float64Array | null;
  threshold: number | null;
}

/** What a table's label function is generated from. */
export interface LabelSpec {
  /** The function's qualified, quoted name. */
  name: string;
  /** The table, as users write it (for messages). */
  table: string;
  policy: 'statement' | 'row' | 'online';
  /**
   * inline: the centroids written in as constants (readable in pg_catalog.pg_proc by every role); hidden: each row's
   * features handed to centroid_internal._nearest, running as the table's owner, who alone reads the centroids.
   */
  mode: 'inline' | 'hidden';
  columns: { name: string; kind: NumberKind }[];
  clusterColumn: string;
  /** Cosine distance: rows scaled to unit length (a zero row is invalid), distances reported as 1 - cos. */
  unit: boolean;
  /** Columns that receive the row's distance to its centroid, and whether it is an anomaly (null: none). */
  distanceColumn: string | null;
  anomalyColumn: string | null;
  invalidRows: 'skip' | 'error';
  /** The stored centroids; null before the first clustering. */
  model: LabelModel | null;
  /** When the settings no longer fit the table: every insert raises this (the label function does nothing else). */
  broken: { message: string; hint: string } | null;
  /**
   * A pgvector column (the one clustering column): rows are labelled by pgvector's distances, from the centroids
   * written in as constants (inline) or read from the table's centroid store, a table of centroid_internal that only
   * the table's owner may read (hidden). Null for numeric columns.
   */
  vector: (Pgvector & { column: string; type: VectorType; dims: number; store: string }) | null;
}

/** The dollar-quote tag of generated bodies. */
const TAG = '$pg_centroid_body$';

/** A float8 constant that reads back exactly (the infinities as PostgreSQL spells them). */
export function float8(v: number): string {
  if (Number.isNaN(v)) throw new Error('trigger: NaN constant');
  if (!Number.isFinite(v)) return `'${v > 0 ? 'Infinity' : '-Infinity'}'::pg_catalog.float8`;
  return `'${Object.is(v, -0) ? 0 : v}'::pg_catalog.float8`;
}

/** The distance above which a row of a cluster is an anomaly: threshold x the cluster's RMS radius. */
function anomalyLimit(threshold: number, rms: number): number {
  // A cluster of radius 0: any distance above 0 is infinitely far in normalized terms.
  return rms > 0 ? threshold * rms : threshold < 0 ? -Infinity : 0;
}

/** a <op> b with a schema-qualified operator, parenthesized (OPERATOR() has one precedence for every operator). */
function op(a: string, o: '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '=', b: string): string {
  return `(${a} OPERATOR(pg_catalog.${o}) ${b})`;
}

/** A center coordinate as generated code uses it: 0 below FEATURE_ZERO, as features are. */
function coordinate(v: number): number {
  return v < FEATURE_ZERO && v > -FEATURE_ZERO ? 0 : v;
}

/** The condition that a column's value makes the row valid (finite, at most FEATURE_MAX in magnitude), never NULL-safe. */
function validCondition(column: { name: string; kind: NumberKind }, value = `NEW.${ident(column.name)}`): string {
  switch (column.kind) {
    case 'integer':
      return `(${value} IS NOT NULL)`;
    case 'numeric':
      // Compared as numeric: a numeric beyond float8's range would make the cast fail.
      return op(`pg_catalog.abs(${value})`, '<=', `'${FEATURE_MAX}'::pg_catalog.numeric`);
    case 'float':
      return op(`pg_catalog.abs(${value}::pg_catalog.float8)`, '<=', float8(FEATURE_MAX));
  }
}

/** Statements that set the cluster number and the distance and anomaly columns to NULL. */
function nullStatements(spec: LabelSpec): string {
  return [spec.clusterColumn, spec.distanceColumn, spec.anomalyColumn]
    .filter((c): c is string => c !== null)
    .map((c) => `NEW.${ident(c)} := NULL;`)
    .join(' ');
}

/**
 * A valid feature (see validCondition) as float8. A numeric below FEATURE_ZERO in magnitude becomes 0 before the
 * cast: one below float8's range (1e-400) would make the cast fail.
 */
function asFloat8(column: { kind: NumberKind }, value: string): string {
  if (column.kind !== 'numeric') return `${value}::pg_catalog.float8`;
  return `CASE WHEN ${op(`pg_catalog.abs(${value})`, '<', `'${FEATURE_ZERO}'::pg_catalog.numeric`)} THEN ${float8(0)} ELSE ${value}::pg_catalog.float8 END`;
}

/** Statements run for a row with an invalid feature: NULL results, or the refusal of invalid_rows = error. */
function invalidStatements(spec: LabelSpec): string {
  if (spec.invalidRows === 'skip') return `${nullStatements(spec)} RETURN NEW;`;
  const values = spec.columns.map((c) => `pg_catalog.concat(${text(`${c.name} = `)}, coalesce(NEW.${ident(c.name)}::pg_catalog.text, 'NULL'))`).join(', ');
  return `RAISE EXCEPTION USING
      MESSAGE = pg_catalog.concat(${text(`pg_centroid: a row of ${spec.table} has a NULL, NaN, infinite or out-of-range (beyond 1e150) clustering column (`)}, pg_catalog.concat_ws(', ', ${values}), ')'),
      HINT = ${text(`fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${spec.clusterColumn}`)},
      ERRCODE = '22P02';`;
}

/** Statements that set l to the nearest center of the model (ties to the lowest index) from the row's features. */
function nearestStatements(spec: LabelSpec, model: LabelModel): string[] {
  const { k, d, centers, scaler, distance } = model;
  const lines: string[] = [];
  for (let j = 0; j < d; j++) {
    const column = spec.columns[j] as { name: string; kind: NumberKind };
    let x = asFloat8(column, `NEW.${ident(column.name)}`);
    if (scaler) x = op(op(x, '-', float8(scaler.means[j] as number)), '/', float8(scaler.scales[j] as number));
    lines.push(`x${j} := ${x};`);
    if (scaler) {
      // A standardized value beyond FEATURE_MAX (a column of tiny spread) would overflow a square.
      lines.push(`IF NOT ${op(`pg_catalog.abs(x${j})`, '<=', float8(FEATURE_MAX))} THEN ${invalidStatements(spec)} END IF;`);
    }
    // A difference below ~1e-162 would underflow its square, which PostgreSQL raises as an error; with centers
    // and features 0 or at least FEATURE_ZERO in magnitude, only a center coordinate of 0 lets that happen.
    let zeroCenter = false;
    for (let c = 0; c < k; c++) if (coordinate(centers[c * d + j] as number) === 0) zeroCenter = true;
    // Cosine squares every feature for the row's length, so every one is flushed first.
    if (zeroCenter || scaler || spec.unit) {
      lines.push(`IF ${op(`pg_catalog.abs(x${j})`, '<', float8(FEATURE_ZERO))} THEN x${j} := ${float8(0)}; END IF;`);
    }
  }
  if (spec.unit) {
    // Cosine: the row on the unit sphere (its length is not 0: the validity check saw to that), then flushed as above.
    lines.push(`s := pg_catalog.sqrt(${Array.from({ length: d }, (_, j) => op(`x${j}`, '*', `x${j}`)).reduce((a, b) => op(a, '+', b))});`);
    for (let j = 0; j < d; j++) {
      lines.push(`x${j} := ${op(`x${j}`, '/', 's')}; IF ${op(`pg_catalog.abs(x${j})`, '<', float8(FEATURE_ZERO))} THEN x${j} := ${float8(0)}; END IF;`);
    }
  }
  // With an anomaly column, the nearest center's distance limit (threshold x its RMS radius) rides along in t.
  const flags = spec.anomalyColumn !== null && model.rms !== null && model.threshold !== null;
  const limit = (c: number) => (flags ? ` t := ${float8(anomalyLimit(model.threshold as number, (model.rms as Float64Array)[c] as number))};` : '');
  for (let c = 0; c < k; c++) {
    const terms: string[] = [];
    for (let j = 0; j < d; j++) {
      const diff = op(`x${j}`, '-', float8(coordinate(centers[c * d + j] as number)));
      terms.push(distance === 'manhattan' ? `pg_catalog.abs${diff}` : op(diff, '*', diff));
    }
    const sum = terms.reduce((acc, t) => op(acc, '+', t));
    if (c === 0) lines.push(`b := ${sum}; l := 0;${limit(0)}`);
    else lines.push(`s := ${sum}; IF ${op('s', '<', 'b')} THEN b := s; l := ${c};${limit(c)} END IF;`);
  }
  if (spec.distanceColumn !== null || spec.anomalyColumn !== null) {
    // b is the squared euclidean distance (cosine: between unit vectors, so 1 - cos is half of it), or the manhattan distance itself.
    lines.push(`dd := ${distance === 'manhattan' ? 'b' : spec.unit ? op('b', '/', float8(2)) : 'pg_catalog.sqrt(b)'};`);
    if (spec.distanceColumn !== null) lines.push(`NEW.${ident(spec.distanceColumn)} := dd;`);
    if (spec.anomalyColumn !== null) lines.push(`NEW.${ident(spec.anomalyColumn)} := ${flags ? op('dd', '>', 't') : 'NULL'};`);
  }
  return lines;
}

/** CREATE OR REPLACE FUNCTION for a table's label function. */
export function labelFunctionSql(spec: LabelSpec): string {
  if (spec.vector && !spec.broken) return vectorLabelFunctionSql(spec, spec.vector);
  const d = spec.columns.length;
  const declare = [...Array.from({ length: d }, (_, j) => `x${j} pg_catalog.float8;`), 'b pg_catalog.float8;', 's pg_catalog.float8;', 't pg_catalog.float8;', 'dd pg_catalog.float8;', 'l pg_catalog.int4;', 'r pg_catalog.float8[];'];
  const body: string[] = [];
  if (spec.broken) {
    body.push(`RAISE EXCEPTION USING MESSAGE = ${text(spec.broken.message)}, HINT = ${text(spec.broken.hint)}, ERRCODE = '22023';`);
  } else {
    // An UPDATE that leaves the clustering columns as they were (the refits' own label writes among them) keeps its label.
    const same = spec.columns
      .map((c) => `(${op(`NEW.${ident(c.name)}`, '=', `OLD.${ident(c.name)}`)} OR (NEW.${ident(c.name)} IS NULL AND OLD.${ident(c.name)} IS NULL))`)
      .join(' AND ');
    body.push(`IF ${op('TG_OP', '=', "'UPDATE'")} THEN IF coalesce(${same}, false) THEN RETURN NEW; END IF; END IF;`);
    let valid = spec.columns.map((c) => validCondition(c)).join(' AND ');
    if (spec.unit) {
      // Cosine: a row of length 0 (every feature 0 once flushed) has no direction.
      const nonzero = spec.columns.map((c) => op(`pg_catalog.abs(${asFloat8(c, `NEW.${ident(c.name)}`)})`, '>=', float8(FEATURE_ZERO)));
      valid += ` AND (${nonzero.join(' OR ')})`;
    }
    body.push(`IF NOT coalesce(${valid}, false) THEN ${invalidStatements(spec)} END IF;`);
    const cluster = `NEW.${ident(spec.clusterColumn)}`;
    // What a call into JavaScript returns: [cluster, distance, anomaly 1 / 0 / NaN for unknown], or [] for none.
    const features = spec.columns.map((c) => asFloat8(c, `NEW.${ident(c.name)}`)).join(', ');
    const sets = [`${cluster} := r[1]::pg_catalog.int4;`];
    if (spec.distanceColumn !== null) sets.push(`NEW.${ident(spec.distanceColumn)} := r[2];`);
    if (spec.anomalyColumn !== null) {
      sets.push(`NEW.${ident(spec.anomalyColumn)} := CASE WHEN ${op('r[3]', '=', `'NaN'::pg_catalog.float8`)} THEN NULL ELSE ${op('r[3]', '=', float8(1))} END;`);
    }
    const stamp = `pg_catalog.date_part('epoch', pg_catalog.statement_timestamp())`;
    // With only a cluster number to write and at most 8 features, they go as arguments and the cluster comes back alone.
    const scalar = spec.columns.length <= 8 && spec.distanceColumn === null && spec.anomalyColumn === null;
    const hidden = scalar
      ? [`l := centroid_internal._nearest_label(TG_RELID, ${stamp}, ${features});`, `IF ${op('l', '>=', '0')} THEN ${cluster} := l; ELSE ${cluster} := NULL; END IF;`]
      : [`r := centroid_internal._nearest(TG_RELID, ${stamp}, ARRAY[${features}]::pg_catalog.float8[]);`, ...sets];
    const labelled =
      spec.mode === 'hidden'
        ? hidden
        : spec.model
          ? [...nearestStatements(spec, spec.model), `${cluster} := l;`]
          : [nullStatements(spec)];
    if (spec.policy === 'row') {
      // The paper's policy: an inserted row is clustered with the window (in JavaScript); an updated one labelled as in the others.
      body.push(`IF ${op('TG_OP', '=', "'INSERT'")} THEN r := centroid_internal._label(TG_RELID, ARRAY[${features}]::pg_catalog.float8[]); ${sets.join(' ')} RETURN NEW; END IF;`);
    }
    body.push(...labelled);
  }
  body.push('RETURN NEW;');
  // Calls into JavaScript (policy row, hidden centroids) must run in the owner's context, which alone reads the state
  // (and where the row policy's statement trigger armed it).
  const security = spec.policy === 'row' || spec.mode === 'hidden' ? ' SECURITY DEFINER SET search_path = pg_catalog, pg_temp' : '';
  return wrap(spec.name, security, declare, body);
}

/** The anomaly limit of each cluster (threshold x its RMS radius), or null when the model has none. */
function anomalyLimits(model: LabelModel | null): Float64Array | null {
  if (!model || model.rms === null || model.threshold === null) return null;
  return Float64Array.from(model.rms, (r) => anomalyLimit(model.threshold as number, r));
}

/** The label function of a table clustered on a pgvector column (see LabelSpec.vector). */
function vectorLabelFunctionSql(spec: LabelSpec, v: NonNullable<LabelSpec['vector']>): string {
  const unit = spec.unit;
  const column = `NEW.${ident(v.column)}`;
  const row = rowVector(v, column, v.type, unit);
  const declare = [`x ${vectorType(v)};`, 'm pg_catalog.float8;', 'l pg_catalog.int4;', 'dd pg_catalog.float8;', 't pg_catalog.float8;', 'r pg_catalog.float8[];'];
  const body: string[] = [];
  // An UPDATE that leaves the vector as it was (the refits' own label writes among them) keeps its label.
  const same = `(${column} OPERATOR(${ident(v.schema)}.=) OLD.${ident(v.column)} OR (${column} IS NULL AND OLD.${ident(v.column)} IS NULL))`;
  body.push(`IF ${op('TG_OP', '=', "'UPDATE'")} THEN IF coalesce(${same}, false) THEN RETURN NEW; END IF; END IF;`);
  const refuse =
    spec.invalidRows === 'skip'
      ? `${nullStatements(spec)} RETURN NEW;`
      : `RAISE EXCEPTION USING MESSAGE = ${text(`pg_centroid: a row of ${spec.table} has a NULL${unit ? ', zero' : ''} or too long (1e18 or more) vector in ${v.column}`)},
      HINT = ${text(`fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${spec.clusterColumn}`)}, ERRCODE = '22P02';`;
  body.push(`IF NOT coalesce(${row.valid}, false) THEN ${refuse} END IF;`);
  const cluster = `NEW.${ident(spec.clusterColumn)}`;
  const sets = [`${cluster} := r[1]::pg_catalog.int4;`];
  if (spec.distanceColumn !== null) sets.push(`NEW.${ident(spec.distanceColumn)} := r[2];`);
  if (spec.anomalyColumn !== null) {
    sets.push(`NEW.${ident(spec.anomalyColumn)} := CASE WHEN ${op('r[3]', '=', `'NaN'::pg_catalog.float8`)} THEN NULL ELSE ${op('r[3]', '=', float8(1))} END;`);
  }
  if (spec.policy === 'row') {
    // The paper's policy: an inserted row is clustered with the window (its vector handed over as numbers).
    body.push(`IF ${op('TG_OP', '=', "'INSERT'")} THEN r := centroid_internal._label(TG_RELID, ${column}::pg_catalog.float4[]::pg_catalog.float8[]); ${sets.join(' ')} RETURN NEW; END IF;`);
  }
  body.push(`x := ${row.vector};`);
  const limits = spec.anomalyColumn !== null ? anomalyLimits(spec.model) : null;
  if (spec.mode === 'inline') {
    if (!spec.model) {
      body.push(nullStatements(spec), 'RETURN NEW;');
      return wrap(spec.name, spec.policy === 'row' ? ' SECURITY DEFINER SET search_path = pg_catalog, pg_temp' : '', declare, body);
    }
    body.push(`m := ${nearestKey(v, 'x', spec.model.centers, spec.model.k, spec.model.d)};`);
  } else {
    // The nearest centroid of the store, by the same key as every pass computes (factor and tie stored per cluster).
    body.push(`SELECT pg_catalog.min(${op(op(`${pv(v, 'vector_l2_squared_distance')}(c.centroid, x)`, '*', 'c.factor'), '+', 'c.tie')}) INTO m FROM ${v.store} c;`);
    body.push(`IF m IS NULL THEN ${nullStatements(spec)} RETURN NEW; END IF;`);
  }
  body.push(`l := ${keyLabel('m')};`, `${cluster} := l;`);
  if (spec.distanceColumn !== null || spec.anomalyColumn !== null) {
    body.push(`dd := ${unit ? op(keySquared('m'), '/', float8(2)) : `pg_catalog.sqrt(${keySquared('m')})`};`);
    if (spec.distanceColumn !== null) body.push(`NEW.${ident(spec.distanceColumn)} := dd;`);
    if (spec.anomalyColumn !== null) {
      if (spec.mode === 'hidden') body.push(`SELECT c.anomaly_limit INTO t FROM ${v.store} c WHERE ${op('c.cluster', '=', 'l')};`);
      else if (limits) body.push(`t := (${`ARRAY[${Array.from(limits, float8).join(', ')}]::pg_catalog.float8[]`})[${op('l', '+', '1')}];`);
      else body.push('t := NULL;');
      body.push(`NEW.${ident(spec.anomalyColumn)} := ${op('dd', '>', 't')};`);
    }
  }
  body.push('RETURN NEW;');
  // Hidden centroids are read from the store, which only the owner may read; the row policy calls into JavaScript.
  const security = spec.policy === 'row' || spec.mode === 'hidden' ? ' SECURITY DEFINER SET search_path = pg_catalog, pg_temp' : '';
  return wrap(spec.name, security, declare, body);
}

/** The rows of a vector table's centroid store: cluster, key factor and tie, centroid, anomaly limit (SQL VALUES). */
export function storeValues(p: Pgvector, model: LabelModel): string {
  const limits = anomalyLimits(model);
  const rows: string[] = [];
  for (let c = 0; c < model.k; c++) {
    const limit = limits ? float8(limits[c] as number) : 'NULL::pg_catalog.float8';
    rows.push(`(${c}, ${float8(keyFactor(c))}, ${float8(keyTie(c))}, ${vectorLiteralOf(p, model.centers, c * model.d, model.d)}, ${limit})`);
  }
  return rows.join(', ');
}

/** A vector literal (see src/sql/vector.ts). */
function vectorLiteralOf(p: Pgvector, values: Float64Array, offset: number, d: number): string {
  return `'[${new Float32Array(values.subarray(offset, offset + d)).join(',')}]'::${vectorType(p)}`;
}

/** What a table's hook function is generated from. */
export interface HookSpec {
  name: string;
  policy: 'statement' | 'row' | 'online';
  columns: { name: string; kind: NumberKind }[];
  clusterColumn: string;
  /** The column whose values weigh online moves by event time, and how it becomes seconds; null without one. */
  time: { name: string; kind: 'timestamp' | 'number' } | null;
  /** A pgvector column: the online policy hands its rows over as arrays of numbers. */
  vector: { column: string } | null;
}

/** CREATE OR REPLACE FUNCTION for a table's hook function (statement triggers). */
export function hookFunctionSql(spec: HookSpec): string {
  const body: string[] = [
    `IF ${op('TG_OP', '=', "'TRUNCATE'")} THEN PERFORM centroid_internal._run_hook(TG_RELID, 'truncate'); RETURN NULL; END IF;`,
    `IF ${op('TG_WHEN', '=', "'BEFORE'")} THEN PERFORM centroid_internal._run_hook(TG_RELID, 'before_insert'); RETURN NULL; END IF;`,
  ];
  const declare = ['labels pg_catalog.int4[];', 'features pg_catalog.float8[];', 'times pg_catalog.float8[];'];
  if (spec.policy === 'online') {
    const features = spec.vector
      ? `n.${ident(spec.vector.column)}::pg_catalog.float4[]::pg_catalog.float8[]`
      : `ARRAY[${spec.columns.map((c) => asFloat8(c, `n.${ident(c.name)}`)).join(', ')}]`;
    const time = spec.time
      ? spec.time.kind === 'timestamp'
        ? `pg_catalog.date_part('epoch', n.${ident(spec.time.name)})`
        : `n.${ident(spec.time.name)}::pg_catalog.float8`
      : 'NULL::pg_catalog.float8';
    // The transition table holds the rows the statement really inserted (not those ON CONFLICT skipped or a later
    // trigger dropped), with the cluster numbers they got, in the order they were inserted.
    body.push(
      `SELECT pg_catalog.array_agg(n.${ident(spec.clusterColumn)}), pg_catalog.array_agg(${features}), pg_catalog.array_agg(${time})
         INTO labels, features, times FROM centroid_new_rows n WHERE n.${ident(spec.clusterColumn)} IS NOT NULL;`,
      'PERFORM centroid_internal._run_online(TG_RELID, labels, features, times);',
    );
  } else if (spec.policy === 'row') {
    // The rows that reached the table: fewer than were clustered when ON CONFLICT or a later trigger dropped some.
    body.push(`PERFORM centroid_internal._run_hook(TG_RELID, 'after_insert:' OPERATOR(pg_catalog.||) (SELECT pg_catalog.count(*) FROM centroid_new_rows)::pg_catalog.text);`);
  } else {
    body.push(`PERFORM centroid_internal._run_hook(TG_RELID, 'after_insert');`);
  }
  body.push('RETURN NULL;');
  return wrap(spec.name, ' SECURITY DEFINER SET search_path = pg_catalog, pg_temp', declare, body);
}

/** The CREATE OR REPLACE FUNCTION statement around a body. */
function wrap(name: string, security: string, declare: string[], body: string[]): string {
  const source = `\nDECLARE\n  ${declare.join('\n  ')}\nBEGIN\n  ${body.join('\n  ')}\nEND\n`;
  if (source.includes(TAG)) throw new Error(`trigger: the generated body contains ${TAG}`);
  return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql${security} AS ${TAG}${source}${TAG}`;
}

/** The body of a generated function as pg_proc.prosrc holds it (to tell whether it must be replaced). */
export function functionSource(sql: string): string {
  const start = sql.indexOf(TAG);
  const end = sql.lastIndexOf(TAG);
  return sql.slice(start + TAG.length, end);
}
