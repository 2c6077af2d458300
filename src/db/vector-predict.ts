// Labelling with a vector model (a version of centroid.models fitted on a pgvector column) or a clustered vector
// table's live centroids: centroid.predict of one embedding and centroid.score of a whole query, both with pgvector's
// distances in SQL (the nearest-center key of src/sql/vector.ts, so they agree with the labels fits and refits
// write); and centroid.centroids, one row per cluster of any model or clustered table.

import { float, ident, text } from '../sql/quote';
import { keyLabel, keySquared, nearestKey, type Pgvector, rowVector } from '../sql/vector';
import { resolveSource, type Source } from './batch-source';
import { guarded, UserError } from './errors';
import { pgvectorSchema } from './pgvector';
import { one } from './pl';
import { checkScoreSource, predictGuarded, resolveScorer, type Scorer, scoreSql, statementScorer } from './predict';

/** pgvector's schema, or a UserError saying to install it. */
function pgvector(name: string): Pgvector {
  const schema = pgvectorSchema();
  if (schema === null) throw new UserError(`pg_centroid: "${name}" clusters vectors, and pgvector is not installed in this database`, 'CREATE EXTENSION vector;');
  return { schema };
}

/** The query that labels one embedding (its literal appended), per scorer: built once, as it holds every centroid. */
const predictSql = new WeakMap<Scorer, { head: string; tail: string }>();

/** centroid.predict(model, embedding): the nearest cluster of a vector model or table; null for a NULL, zero (cosine) or too long vector. */
export function predictVector(name: string, embedding: string | null, version: number | null, stamp: number, callerPath: string): number | null {
  const m = statementScorer(name, version, stamp, callerPath);
  if (m.vectorType === null) {
    throw new UserError(`pg_centroid: ${m.kind === 'model' ? 'model' : 'table'} "${name}" clusters numeric columns (${m.columns.join(', ')}), not vectors`, `pass one number per clustering column: centroid.predict(${text(name)}, ARRAY[${m.columns.join(', ')}])`);
  }
  if (embedding === null) return null;
  let values: unknown;
  try {
    values = JSON.parse(embedding);
  } catch {
    values = null;
  }
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) {
    throw new UserError(`pg_centroid: ${JSON.stringify(embedding.slice(0, 40))} is not a vector`, `pass a vector of ${m.d} numbers, e.g. '[0.1, 0.2, ...]'::vector`);
  }
  if (values.length !== m.d) {
    throw new UserError(`pg_centroid: ${m.kind === 'model' ? 'model' : 'table'} "${name}" expects vectors of ${m.d} dimensions, not ${values.length}`, `pass a vector of ${m.d} numbers (the dimensions of ${m.columns[0] ?? 'its column'})`);
  }
  let q = predictSql.get(m);
  if (!q) {
    const p = pgvector(name);
    const v = rowVector(p, 'x', 'vector', m.distance === 'cosine');
    q = {
      head: `SELECT ${keyLabel('m')} AS l FROM (SELECT ${nearestKey(p, 'e', m.centers, m.k, m.d)} AS m FROM (SELECT CASE WHEN ${v.valid} THEN ${v.vector} END AS e FROM (SELECT `,
      tail: `::${ident(p.schema)}.${ident('vector')} AS x) i OFFSET 0) v OFFSET 0) w`,
    };
    predictSql.set(m, q);
  }
  const r = one<{ l: number | null }>(`${q.head}${text(embedding)}${q.tail}`);
  return r?.l === null || r?.l === undefined ? null : Number(r.l);
}

/** Refuses to score a source whose column is not a vector of the scorer's dimensions. */
export function checkVectorSource(m: Scorer, source: Source): void {
  const name = m.columns[0] as string;
  const c = source.table.columns.get(name);
  if (!c) throw new UserError(`pg_centroid: column "${name}" does not exist in ${source.display}`, `columns of ${source.display}: ${[...source.table.columns.keys()].join(', ')}`);
  if (!c.vector) throw new UserError(`pg_centroid: column "${name}" of ${source.display} is ${c.type}, not a vector`, `score a source whose "${name}" is a vector(${m.d}) column`);
  if (c.vector.dims !== null && c.vector.dims !== m.d) {
    throw new UserError(`pg_centroid: column "${name}" of ${source.display} is ${c.type}, and "${m.name}" clusters vectors of ${m.d} dimensions`, `score vectors of ${m.d} dimensions`);
  }
}

/** The query centroid.score runs for a vector scorer: every row's key, cluster, distance, normalized distance and anomaly flag. */
export function vectorScoreSql(m: Scorer, source: Source): string {
  const p = pgvector(m.name);
  const c = source.table.columns.get(m.columns[0] as string);
  const unit = m.distance === 'cosine';
  const v = rowVector(p, ident(m.columns[0] as string), c?.vector?.type ?? 'vector', unit);
  const dist = unit ? `(${keySquared('m')} / 2)` : `pg_catalog.sqrt(${keySquared('m')})`;
  const normalized = m.rms
    ? `CASE nl ${Array.from(m.rms, (r, i) => (r > 0 ? `WHEN ${i} THEN dist / ${float(r)}` : `WHEN ${i} THEN CASE WHEN dist > 0 THEN 'Infinity'::float8 ELSE 0::float8 END`)).join(' ')} END`
    : 'NULL::float8';
  const anomaly = m.rms && m.threshold !== null ? `(${normalized}) > ${float(m.threshold)}` : 'NULL::bool';
  const key = `${ident(m.key)}::text`;
  return `SELECT key, nl AS cluster, dist AS distance, ${normalized} AS normalized_distance, ${anomaly} AS is_anomaly
    FROM (SELECT key, ${keyLabel('m')} AS nl, ${dist} AS dist
            FROM (SELECT key, ${nearestKey(p, 'e', m.centers, m.k, m.d)} AS m FROM (SELECT ${key} AS key, ${v.vector} AS e FROM ${source.sql} WHERE ${v.valid} OFFSET 0) r OFFSET 0) a) b
   UNION ALL
  SELECT ${key}, NULL::int4, NULL::float8, NULL::float8, NULL::bool FROM ${source.sql} WHERE NOT coalesce(${v.valid}, false)`;
}

/** One row of centroid.centroids. */
export interface CentroidRow {
  cluster: number;
  size: number | null;
  radius: number | null;
  /** As text: a vector's ([...]) for vector columns, a float8[]'s ({...}) otherwise. */
  centroid: string;
}

/** centroid.centroids(model or table): one row per cluster with its size, mean radius and centroid (original units). */
export function centroidsOf(name: string, version: number | null, callerPath: string): { vector_type: string | null; rows: CentroidRow[] } {
  const m = resolveScorer(name, version, callerPath);
  const rows: CentroidRow[] = [];
  for (let c = 0; c < m.k; c++) {
    const center = m.original.subarray(c * m.d, (c + 1) * m.d);
    const body = m.vectorType !== null ? `[${new Float32Array(center).join(',')}]` : `{${center.join(',')}}`;
    rows.push({ cluster: c, size: m.sizes?.[c] ?? null, radius: m.radii?.[c] ?? null, centroid: body });
  }
  return { vector_type: m.vectorType, rows };
}

/** centroid.score(model_or_table, source, version): the query to run (the source left resolved for it), as JSON text. */
export function scoreEntry(name: string, sourceArg: string, version: number | null, callerPath: string): string {
  return JSON.stringify(
    guarded(() => {
      const m = resolveScorer(name, version, callerPath);
      const source = resolveSource(sourceArg, callerPath);
      if (m.vectorType !== null) {
        checkVectorSource(m, source);
        return { sql: vectorScoreSql(m, source), temporary: source.kind === null };
      }
      checkScoreSource(m, source);
      return { sql: scoreSql(m, source), temporary: source.kind === null };
    }),
  );
}

/** predictVector for the SQL wrapper (see predictGuarded). */
export function predictVectorEntry(name: string, embedding: string | null, version: number | null, stamp: number, callerPath: string): number | null {
  return predictGuarded(() => predictVector(name, embedding, version, stamp, callerPath));
}

/** centroidsOf for the SQL wrapper: JSON text, or a user error. */
export function centroidsEntry(name: string, version: number | null, callerPath: string): string {
  return JSON.stringify(guarded(() => centroidsOf(name, version, callerPath)));
}
