// Issue 13: a database with tables clustered on pgvector columns (hidden centroid stores, inline centroids) and a
// vector model, dumped and restored into a brand-new database with TimescaleDB's documented steps only: pgvector,
// pljs and pg_centroid come back, so do the stores with their contents and grants, and inserts are labelled with the
// restored centroids at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTool } from './dump';
import { createDatabase, type TestDatabase } from './database';
import { notNearest, type Topics, topicVector, vectorDatabase } from './vectors-helpers';

const T: Topics = { dims: 16, topics: 4, noise: 0.3 };
let source: TestDatabase;
let target: TestDatabase;
const file = `/tmp/pg_centroid_vectors_restore_${process.pid}.dump`;
const insert = (table: string, from: number, to: number) => `INSERT INTO ${table} (e) SELECT ${topicVector(T, 'g')} FROM generate_series(${from}, ${to}) g ORDER BY g`;

beforeAll(async () => {
  source = await vectorDatabase('vectors_restore_src');
  target = await createDatabase('vectors_restore_dst', ['timescaledb']);
  await source.client.query(`CREATE TABLE h (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), e vector(16), cl int)`);
  await source.client.query(`SELECT create_hypertable('h', 'ts')`);
  await source.client.query(`CREATE TABLE p (id bigserial PRIMARY KEY, e halfvec(16), cl int)`);
  const config = { key_column: 'id', clustering_columns: ['e'], cluster_count: 4, cluster_number_column: 'cl', distance_type: 'cosine', minimum_data_count: 40 };
  await source.client.query(`SELECT centroid.attach('h', $1)`, [config]);
  await source.client.query(`SELECT centroid.attach('p', $1)`, [{ ...config, inline_centroids: true }]);
  await source.client.query(insert('h', 1, 200));
  await source.client.query(insert('p', 1, 200).replace(`::vector(16)`, `::halfvec(16)`));
  await source.client.query(`SELECT centroid.fit('vm', 'h', '{"key_column": "id", "clustering_columns": ["e"], "cluster_count": 4}')`);
}, 300_000);
afterAll(async () => {
  await source?.close();
  await target?.close();
});

/** Settings, state, models and the stores' contents, comparable across databases. */
async function stored(db: TestDatabase): Promise<unknown> {
  const state = (await db.client.query(`SELECT table_name::text AS t, centroids, sizes, rows_used, refits FROM centroid.state ORDER BY 1`)).rows;
  const models = (await db.client.query(`SELECT model, version, centroids, vector_type, cost FROM centroid.models ORDER BY 1, 2`)).rows;
  const stores = (await db.client.query(`SELECT c.relname::text AS s, has_table_privilege('public', c.oid, 'SELECT') AS public FROM pg_class c WHERE c.relnamespace = 'centroid_internal'::regnamespace AND c.relkind = 'r' ORDER BY 1`)).rows;
  const contents = [];
  for (const s of stores) contents.push((await db.client.query(`SELECT cluster, factor, tie, centroid::text, anomaly_limit FROM centroid_internal.${s.s} ORDER BY 1`)).rows);
  return { state, models, stores, contents };
}

describe('dump and restore of vector tables into a brand-new database', () => {
  it('restores pgvector, the stores with their grants, state and models; inserts are labelled by the restored centroids', async () => {
    pgTool('pg_dump', ['-Fc', '-f', file], source.name);
    await target.client.query('SELECT timescaledb_pre_restore()');
    pgTool('pg_restore', [file], target.name);
    await target.client.query('SELECT timescaledb_post_restore()');
    const ext = (await target.client.query(`SELECT array_agg(extname::text ORDER BY extname) AS e FROM pg_extension`)).rows[0].e;
    expect(ext).toEqual(expect.arrayContaining(['pg_centroid', 'pljs', 'timescaledb', 'vector']));
    const [a, b] = [await stored(source), await stored(target)];
    expect(b).toEqual(a);
    expect((b as { stores: unknown[] }).stores).toHaveLength(1);

    const c = await target.connect();
    for (const t of ['h', 'p']) {
      await c.query(t === 'p' ? insert(t, 201, 260).replace(`::vector(16)`, `::halfvec(16)`) : insert(t, 201, 260));
      const n = (await c.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${t}`)).rows[0];
      expect(n).toEqual({ n: 260, l: 260 });
      expect(await notNearest(c, t === 'p' ? `(SELECT id, e::vector AS e, cl FROM p)` : t, 'e', 'cl', `SELECT cluster, centroid FROM centroid.centroids('${t}', NULL::vector)`, true)).toEqual({ wrong: 0, n: 260 });
      expect((await c.query(`SELECT centroid.refit($1) AS r`, [t])).rows[0].r).toMatchObject({ status: 'refitted', engine: 'vector', rows: 260 });
    }
    const p = (await c.query(`SELECT count(*) FILTER (WHERE centroid.predict('vm', e) IS NOT NULL)::int AS n FROM h`)).rows[0];
    expect(p.n).toBe(260);
  });
});
