// Test helper for pgvector columns: a database with pgvector, seeded embeddings with real structure (topic directions
// plus noise, every value a hash of row and stream, so the same call gives the same rows), and checks computed by
// pgvector's own operators, independently of pg_centroid's code.

import type pg from 'pg';
import { createDatabase, type TestDatabase } from './database';

/** A fresh database with pgvector besides the usual extensions, and the generator's functions. */
export async function vectorDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createDatabase(prefix, ['timescaledb', 'pljs', 'vector', 'pg_centroid']);
  await db.client.query(`
    CREATE FUNCTION tu(i int8, s int8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT ((hashint8extended(i, s) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0 $$;
    CREATE FUNCTION tn(i int8, s int8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT sqrt(-2 * ln(tu(i, s))) * cos(2 * pi() * tu(i, s + 1000003)) $$;`);
  return db;
}

/** What the generator makes: n rows from id `from`, of `topics` directions in `dims` dimensions, noise `noise` a coordinate. */
export interface Topics {
  dims: number;
  topics: number;
  noise: number;
  /** Rows of topic t are t-th in turn (id % topics); `scaled` multiplies each row by a length from 0.1 to 10.1. */
  scaled?: boolean;
  seed?: number;
}

/** SQL: the vector of row `id` (topic id % topics), as an expression over column id. */
export function topicVector(t: Topics, id = 'id'): string {
  const seed = t.seed ?? 7;
  const scale = t.scaled ? ` * (0.1 + 10 * tu(${id}, 99))` : '';
  return `ARRAY(SELECT (tn((${id} % ${t.topics}) * 1000 + j, ${seed}) + ${t.noise} * tn(${id} * 1000 + j, ${seed + 4}))${scale} FROM generate_series(1, ${t.dims}) j)::vector(${t.dims})`;
}

/** INSERT of rows from..to into table (columns id and the vector column). */
export function insertTopics(table: string, column: string, t: Topics, from: number, to: number, withId = true): string {
  return withId
    ? `INSERT INTO ${table} (id, ${column}) SELECT g, ${topicVector(t, 'g')} FROM generate_series(${from}, ${to}) g`
    : `INSERT INTO ${table} (${column}) SELECT ${topicVector(t, 'g')} FROM generate_series(${from}, ${to}) g`;
}

/**
 * Rows whose cluster number is not the nearest of the given centroids by pgvector's own distance (ties to the lowest
 * number), and how many rows were compared: pg_centroid's labels checked without its code. `centroids` is SQL of
 * rows (cluster, centroid vector).
 */
export async function notNearest(c: pg.Client, table: string, column: string, label: string, centroids: string, cosine: boolean): Promise<{ wrong: number; n: number }> {
  const e = cosine ? `l2_normalize(t.${column})` : `t.${column}`;
  const r = await c.query(`SELECT count(*) FILTER (WHERE n.cluster IS DISTINCT FROM t.${label})::int AS wrong, count(*)::int AS n
    FROM ${table} t CROSS JOIN LATERAL (SELECT c.cluster FROM (${centroids}) c ORDER BY vector_l2_squared_distance(${e}, c.centroid), c.cluster LIMIT 1) n
   WHERE t.${column} IS NOT NULL AND (NOT ${cosine} OR vector_norm(t.${column}) > 0)`);
  return r.rows[0];
}

/**
 * Per topic (id % topics), how many distinct cluster numbers its labelled generated rows (ids up to 5000) have, and
 * the distinct numbers overall.
 */
export async function purity(c: pg.Client, table: string, label: string, topics: number): Promise<{ mixed: number; clusters: number }> {
  const r = await c.query(`SELECT count(*) FILTER (WHERE k > 1)::int AS mixed, (SELECT count(DISTINCT ${label})::int FROM ${table} WHERE id <= 5000) AS clusters
    FROM (SELECT id % ${topics} AS t, count(DISTINCT ${label}) AS k FROM ${table} WHERE ${label} IS NOT NULL AND id <= 5000 GROUP BY 1) x`);
  return r.rows[0];
}
