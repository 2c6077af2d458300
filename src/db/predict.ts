// Labelling rows with a fitted model (a version of centroid.models) or with an attached table's live centroids:
// centroid.predict for one row, centroid.score for a whole query in one set-based statement (the nearest-centroid
// CASE of the SQL engine, with z-scores, manhattan distance, normalized distances and anomaly flags).

import { nearest } from '../core/assign';
import { featureValue, FEATURE_MAX, FEATURE_ZERO } from '../core/features';
import { standardize, unstandardize, type Scaler } from '../core/standardize';
import type { DistanceType } from '../core/types';
import { geometry, normalizeRows } from '../core/unit';
import { validateConfig } from '../config/settings';
import { float, ident, integer, text } from '../sql/quote';
import { type Column, describe } from './catalog';
import { dimensionsOf, vectorFeature } from './pgvector';
import { checkSourceColumns, resolveSource, type Source } from './batch-source';
import { guarded, isError, UserError, type ErrorResult } from './errors';
import { one, underCallerPath } from './pl';
import { loadSettings, loadState } from './state';

/** What predict and score label with. */
export interface Scorer {
  /** A model version (its owner and number), or an attached table (by oid). */
  kind: 'model' | 'table';
  name: string;
  version: number | null;
  k: number;
  d: number;
  /** Centers in the working space (standardized when the scaler is set). */
  centers: Float64Array;
  scaler: Scaler | null;
  distance: DistanceType;
  /** Each cluster's RMS radius and the anomaly threshold, when known (models fitted before 0.3.0 have none). */
  rms: Float64Array | null;
  threshold: number | null;
  columns: string[];
  key: string;
  /** pgvector's type of the clustered column (vector, halfvec), or null for numeric columns. */
  vectorType: 'vector' | 'halfvec' | null;
  /** Centers in original units (as stored and shown: centroid.centroids). */
  original: Float64Array;
  /** Rows per cluster and mean distance of each cluster's rows to its center, as fitted (or at the last refit). */
  sizes: number[] | null;
  radii: number[] | null;
}

/** A model row as stored. */
interface ModelRow {
  owner: string;
  version: number;
  centroids: number[];
  standardization: { means: number[]; scales: number[] } | null;
  config: unknown;
  metrics: { rms_radii?: number[]; anomaly_threshold?: number | null; cluster_sizes?: number[]; radii?: number[] } | null;
  d: number;
  owners: string[];
  vector_type: string | null;
}

/** The scaler as stored, or null. */
function scalerOf(z: { means: number[]; scales: number[] } | null): Scaler | null {
  return z ? { means: Float64Array.from(z.means), scales: Float64Array.from(z.scales) } : null;
}

/**
 * A model version by name (the caller's own model of that name, else the one model of that name among roles it
 * belongs to), the latest unless a version is given; else, when no model has that name, a clustered table of the
 * caller's of that name (under the caller's search_path) with its stored centroids. Throws a UserError when neither.
 */
export function resolveScorer(name: string, version: number | null, callerPath: string): Scorer {
  if (typeof name !== 'string' || name.trim() === '') throw new UserError('pg_centroid: model name is empty', "name a model fitted with centroid.fit, or a clustered table, e.g. 'customer_segments'");
  const row = one<ModelRow>(
    `SELECT m.owner::text AS owner, m.version, m.centroids, m.standardization, m.config, m.metrics, pg_catalog.array_length(m.centroids, 2) AS d, m.vector_type,
            (SELECT pg_catalog.array_agg(DISTINCT o.owner::text) FROM centroid.models o WHERE o.model = ${text(name)}) AS owners
       FROM centroid.models m
      WHERE m.model = ${text(name)}${version === null ? '' : ` AND m.version = ${integer(version)}`}
      ORDER BY m.owner = current_user DESC, m.version DESC LIMIT 1`,
  );
  if (row) {
    const mine = one<{ me: string }>('SELECT current_user::text AS me')?.me;
    if (row.owner !== mine && row.owners.length > 1) {
      throw new UserError(`pg_centroid: model "${name}" exists for several roles you belong to (${row.owners.join(', ')})`, 'fit a model of your own under that name, or SET ROLE to the role whose model you mean');
    }
    // The settings the version was fitted with, as stored (validated then, with defaults filled in).
    const s = row.config as { distance_type?: string; clustering_columns: string[]; key_column: string };
    const d = Number(row.d);
    const scaler = scalerOf(row.standardization);
    const raw = Float64Array.from(row.centroids, Number);
    const rms = row.metrics?.rms_radii;
    return {
      kind: 'model',
      name,
      version: Number(row.version),
      k: raw.length / d,
      d,
      centers: scaler ? standardize(raw, scaler) : raw,
      scaler,
      distance: s.distance_type === 'manhattan' || s.distance_type === 'cosine' ? s.distance_type : 'euclidean',
      rms: Array.isArray(rms) && rms.length === raw.length / d ? Float64Array.from(rms) : null,
      threshold: row.metrics?.anomaly_threshold ?? null,
      columns: s.clustering_columns,
      key: s.key_column,
      vectorType: row.vector_type === 'vector' || row.vector_type === 'halfvec' ? row.vector_type : null,
      original: raw,
      sizes: Array.isArray(row.metrics?.cluster_sizes) ? row.metrics.cluster_sizes : null,
      radii: Array.isArray(row.metrics?.radii) ? row.metrics.radii : null,
    };
  }
  if (version !== null) throw new UserError(`pg_centroid: model "${name}" has no version ${version}`, `list its versions: SELECT version, created_at FROM centroid.models WHERE model = ${text(name)}`);
  const oid = underCallerPath(callerPath, () => one<{ oid: bigint | number | null }>(`SELECT pg_catalog.to_regclass(${text(name)})::pg_catalog.oid::pg_catalog.int8 AS oid`)?.oid);
  const settings = oid === null || oid === undefined ? null : loadSettings(Number(oid));
  const table = settings ? describe(Number(oid)) : null;
  const feature = table && settings ? vectorFeature(table, settings) : null;
  const state = settings && table ? loadState(Number(oid), settings.cluster_count, dimensionsOf(table, settings)) : null;
  if (!settings || !state) {
    throw new UserError(
      `pg_centroid: "${name}" is neither a model of yours nor a clustered table of yours with centroids`,
      `fit a model first: SELECT centroid.fit(${text(name)}, '<source>', '{...}'), or attach the table: SELECT centroid.attach(${text(name)}, '{...}')`,
    );
  }
  return {
    kind: 'table',
    name,
    version: null,
    k: state.k,
    d: state.d,
    centers: state.centers,
    scaler: state.scaler,
    distance: settings.distance_type,
    rms: state.rms,
    threshold: state.threshold,
    columns: settings.clustering_columns,
    key: settings.key_column,
    vectorType: feature?.type ?? null,
    original: state.scaler ? unstandardize(state.centers, state.scaler) : state.centers,
    ...storedFacts(Number(oid)),
  };
}

/** A clustered table's cluster sizes and mean radii at its last refit. */
function storedFacts(oid: number): { sizes: number[] | null; radii: number[] | null } {
  const row = one<{ sizes: number[] | null; radii: number[] | null }>(`SELECT sizes, radii FROM centroid.state WHERE table_name = ${integer(oid)}::oid::regclass`);
  return { sizes: row?.sizes?.map(Number) ?? null, radii: row?.radii?.map(Number) ?? null };
}

/** The scorer of the current statement, by name and version (one lookup per statement, not per row). */
const cache = new Map<string, { stamp: number; scorer: Scorer }>();

/** Forgets the cached scorers (a fit in this session made a new version). */
export function forgetScorers(): void {
  cache.clear();
}

/** The scorer of a name for the current statement (looked up once per statement). */
export function statementScorer(name: string, version: number | null, stamp: number, callerPath: string): Scorer {
  const id = `${name}\u0000${version ?? ''}\u0000${callerPath}`;
  let hit = cache.get(id);
  if (!hit || hit.stamp !== stamp) {
    hit = { stamp, scorer: resolveScorer(name, version, callerPath) };
    cache.set(id, hit);
  }
  return hit.scorer;
}

/** centroid.predict(model, features): the nearest cluster, or null for invalid features. */
export function predictLabel(name: string, features: (number | null)[] | null, version: number | null, stamp: number, callerPath: string): number | null {
  const m = statementScorer(name, version, stamp, callerPath);
  if (m.vectorType !== null) {
    throw new UserError(`pg_centroid: ${m.kind === 'model' ? 'model' : 'table'} "${name}" clusters vectors (${m.vectorType}(${m.d})), not arrays of numbers`, `pass a vector (cast a text literal): centroid.predict(${text(name)}, '[...]'::${m.vectorType}), or a row's ${m.columns[0] ?? 'vector column'}`);
  }
  if (!Array.isArray(features) || features.length !== m.d) {
    throw new UserError(`pg_centroid: ${m.kind === 'model' ? 'model' : 'table'} "${name}" expects ${m.d} features, not ${Array.isArray(features) ? features.length : 0}`, `pass one number per clustering column, in the order of clustering_columns (${m.columns.join(', ')}): ARRAY[${m.columns.join(', ')}]`);
  }
  const x = new Float64Array(m.d);
  for (let j = 0; j < m.d; j++) {
    const v = featureValue(features[j]);
    if (v === null) return null;
    x[j] = m.scaler ? (v - (m.scaler.means[j] as number)) / (m.scaler.scales[j] as number) : v;
  }
  // Cosine: a row of zeros has no direction, so no cluster.
  if (geometry(m.distance).unit && normalizeRows(x, 1, m.d) > 0) return null;
  return nearest(x, 0, m.centers, m.k, m.d, m.distance);
}

let predictError: ErrorResult | null = null;

/** A prediction for the SQL wrapper: -1 after a user error, which takePredictError then returns. */
export function predictGuarded(fn: () => number | null): number | null {
  const r = guarded(fn);
  if (isError(r)) {
    predictError = r;
    return -1;
  }
  return r;
}

/** predictLabel for the SQL wrapper (see predictGuarded). */
export function predictEntry(name: string, features: (number | null)[] | null, version: number | null, stamp: number, callerPath: string): number | null {
  return predictGuarded(() => predictLabel(name, features, version, stamp, callerPath));
}

/** The user error of the last predictEntry that returned -1 (once). */
export function takePredictError(): ErrorResult | null {
  const e = predictError;
  predictError = null;
  return e;
}

/** A number as a float8 literal in generated SQL, 0 below FEATURE_ZERO (no square of a difference underflows). */
function constant(v: number): string {
  return `(${float(v < FEATURE_ZERO && v > -FEATURE_ZERO ? 0 : v)})`;
}

/**
 * The query centroid.score runs: for every row of the source, its key (as text), nearest cluster, distance,
 * normalized distance and anomaly flag; rows with an invalid feature get NULLs. One statement, no JavaScript per row.
 */
export function scoreSql(m: Scorer, source: Source): string {
  const { k, d } = m;
  const columns = m.columns.map((c) => source.table.columns.get(c) as Column);
  const features = columns.map((c, j) => {
    let x = c.kind === 'integer' ? `${ident(c.name)}::float8` : `CASE WHEN pg_catalog.abs(${ident(c.name)}) <= ${c.kind === 'numeric' ? `${float(FEATURE_MAX)}::numeric` : float(FEATURE_MAX)} THEN ${ident(c.name)}::float8 END`;
    if (m.scaler) x = `((${x}) - ${constant(m.scaler.means[j] as number)}) / ${constant(m.scaler.scales[j] as number)}`;
    return `${x} AS x${j}`;
  });
  const flush = (j: number, x = `x${j}`) => `CASE WHEN pg_catalog.abs(${x}) < ${float(FEATURE_ZERO)} THEN 0::float8 ELSE ${x} END`;
  const unit = geometry(m.distance).unit;
  // x is NULL for an invalid value (beyond FEATURE_MAX, NaN, infinite: the CASE above; an integer always fits); z-scores
  // of valid values can still exceed FEATURE_MAX (a tiny scale), so with a scaler the bound is checked again.
  let valid = m.scaler
    ? Array.from({ length: d }, (_, j) => `pg_catalog.abs(x${j}) <= ${float(FEATURE_MAX)}`).join(' AND ')
    : Array.from({ length: d }, (_, j) => `x${j} IS NOT NULL`).join(' AND ');
  // Cosine: a row of zeros (after flushing) has no direction and no cluster.
  if (unit) valid += ` AND (${Array.from({ length: d }, (_, j) => `pg_catalog.abs(x${j}) >= ${float(FEATURE_ZERO)}`).join(' OR ')})`;
  // One scan of the source: a row with an invalid feature keeps its key and gets NULLs (its y's are NULL, and so
  // is every value computed from them; the CASE of its cluster is guarded by ok).
  const flushed = `SELECT key, ok, ${Array.from({ length: d }, (_, j) => `CASE WHEN ok THEN ${flush(j)} END AS y${j}`).join(', ')}
                            FROM (SELECT key, coalesce(${valid}, false) AS ok, ${Array.from({ length: d }, (_, j) => `x${j}`).join(', ')}
                                    FROM (SELECT ${ident(m.key)}::text AS key, ${features.join(', ')} FROM ${source.sql}) f OFFSET 0) e`;
  // Cosine: rows scaled to unit length (flushed again, so no square of a difference underflows).
  const rows = unit
    ? `SELECT key, ok, ${Array.from({ length: d }, (_, j) => `${flush(j, `y${j} / nrm`)} AS y${j}`).join(', ')}
         FROM (SELECT *, pg_catalog.sqrt(${Array.from({ length: d }, (_, j) => `y${j} * y${j}`).join(' + ')}) AS nrm FROM (${flushed}) u) v`
    : flushed;
  const dists = Array.from({ length: k }, (_, c) => {
    const terms = Array.from({ length: d }, (_, j) => {
      const diff = `(y${j} - ${constant(m.centers[c * d + j] as number)})`;
      return m.distance === 'manhattan' ? `pg_catalog.abs${diff}` : `${diff} * ${diff}`;
    });
    return `${terms.join(' + ')} AS d${c}`;
  });
  const whens = Array.from({ length: k - 1 }, (_, c) => `WHEN ${Array.from({ length: k - c - 1 }, (_, o) => `d${c} <= d${c + o + 1}`).join(' AND ')} THEN ${c}`);
  const label = k === 1 ? 'CASE WHEN ok THEN 0 END' : `CASE WHEN NOT ok THEN NULL ${whens.join(' ')} ELSE ${k - 1} END`;
  const best = k === 1 ? 'd0' : `LEAST(${Array.from({ length: k }, (_, c) => `d${c}`).join(', ')})`;
  const dist = m.distance === 'manhattan' ? best : unit ? `${best} / 2` : `pg_catalog.sqrt(${best})`;
  const normalized = m.rms
    ? `CASE nl ${Array.from(m.rms, (r, c) => (r > 0 ? `WHEN ${c} THEN dist / ${float(r)}` : `WHEN ${c} THEN CASE WHEN dist > 0 THEN 'Infinity'::float8 ELSE 0::float8 END`)).join(' ')} END`
    : 'NULL::float8';
  const anomaly = m.rms && m.threshold !== null ? `(${normalized}) > ${float(m.threshold)}` : 'NULL::bool';
  return `SELECT key, nl AS cluster, dist AS distance, ${normalized} AS normalized_distance, ${anomaly} AS is_anomaly
    FROM (SELECT key, ${label} AS nl, ${dist} AS dist
            FROM (SELECT key, ok, ${dists.join(', ')}
                    FROM (${rows}) g OFFSET 0) h) a`;
}

/** Checks that a source has the scorer's key and numeric columns. */
export function checkScoreSource(m: Scorer, source: Source): void {
  checkSourceColumns(source, validateConfig({ key_column: m.key, clustering_columns: m.columns, cluster_count: m.k }, 'fit'), true);
}
