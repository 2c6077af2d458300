// Issue 11, matrix 11: a dump restored into a brand-new database with only TimescaleDB's documented steps
// (pg_dump -Fc; a new database; CREATE EXTENSION timescaledb; SELECT timescaledb_pre_restore(); pg_restore;
// SELECT timescaledb_post_restore()) and nothing else: no pljs created beforehand. The restore brings the language
// itself (pg_centroid requires it), settings, stored centroids and models come back intact, and inserts are labelled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTool } from './dump';
import { createDatabase, type TestDatabase } from './database';
import { labelFacts } from './tables-helpers';

const BASE = { clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 };
/** The clustered tables of the source database: kind, key and policy vary. */
const TABLES: { name: string; create: string[]; config: Record<string, unknown>; insert: (from: number, to: number) => string }[] = [
  {
    name: 'r_uuid',
    create: [`CREATE TABLE r_uuid (k uuid NOT NULL, ts timestamptz NOT NULL, a float8, b float8, cl int)`, `SELECT create_hypertable('r_uuid', 'ts', chunk_time_interval => interval '10 minutes')`],
    config: { ...BASE, key_column: 'k' },
    insert: (f, t) => `INSERT INTO r_uuid SELECT md5(i::text)::uuid, '2024-01-01'::timestamptz + i * interval '1 minute 0.000001 s', (i % 2) * 100, (i % 2) * 100 + i % 3, NULL FROM generate_series(${f}, ${t}) i`,
  },
  {
    name: 'r_row',
    create: [`CREATE TABLE r_row (k timestamptz NOT NULL, t int NOT NULL, a numeric, b numeric, cl int)`, `SELECT create_hypertable('r_row', 't', chunk_time_interval => 5)`],
    config: { ...BASE, key_column: 'k', refit: 'row' },
    insert: (f, t) => `INSERT INTO r_row SELECT '2024-01-01 00:00:00.000001+00'::timestamptz + i * interval '0.000001 s', i, (i % 2) * 100, (i % 2) * 100 + i % 3, NULL FROM generate_series(${f}, ${t}) i`,
  },
  {
    name: 'r_online',
    create: [`CREATE TABLE r_online (k text PRIMARY KEY, a real, b real, cl int)`],
    config: { ...BASE, key_column: 'k', refit: 'online', standardize: 'zscore' },
    insert: (f, t) => `INSERT INTO r_online SELECT 'кл''' || i, (i % 2) * 100, (i % 2) * 100 + i % 3, NULL FROM generate_series(${f}, ${t}) i`,
  },
  {
    name: 'r_part',
    create: [
      `CREATE TABLE r_part (k int8 NOT NULL, a float8, b float8, cl int) PARTITION BY RANGE (k)`,
      `CREATE TABLE r_part_1 PARTITION OF r_part FOR VALUES FROM (0) TO (20)`,
      `CREATE TABLE r_part_2 PARTITION OF r_part FOR VALUES FROM (20) TO (1000)`,
    ],
    config: { ...BASE, key_column: 'k' },
    insert: (f, t) => `INSERT INTO r_part SELECT i, (i % 2) * 100, (i % 2) * 100 + i % 3, NULL FROM generate_series(${f}, ${t}) i`,
  },
];

let source: TestDatabase;
let target: TestDatabase;
const file = `/tmp/pg_centroid_tables_restore_${process.pid}.dump`;

beforeAll(async () => {
  source = await createDatabase('tables_restore_src');
  // The new database gets what TimescaleDB's documented procedure creates, and nothing else.
  target = await createDatabase('tables_restore_dst', ['timescaledb']);
  for (const t of TABLES) {
    for (const sql of t.create) await source.client.query(sql);
    await source.client.query(`SELECT centroid.attach($1, $2)`, [t.name, t.config]);
    await source.client.query(t.insert(1, 20));
    await source.client.query(t.insert(21, 30));
  }
  await source.client.query(`SELECT centroid.fit('restored_model', 'r_uuid', '{"key_column": "k", "clustering_columns": ["a", "b"], "cluster_count": 2, "standardize": "zscore"}')`);
}, 300_000);
afterAll(async () => {
  await source?.close();
  await target?.close();
});

/** Settings, state and models, comparable across databases. */
async function stored(db: TestDatabase): Promise<unknown> {
  const settings = (await db.client.query(`SELECT s.table_name::text AS t, s.config, st.centroids, st.standardization, st.counts, st.sizes, st.rows_used, st.refits
    FROM centroid.settings s JOIN centroid.state st USING (table_name) ORDER BY 1`)).rows;
  const models = (await db.client.query(`SELECT owner::text, model, version, config, centroids, standardization, cost FROM centroid.models ORDER BY model, version`)).rows;
  return { settings, models };
}

describe('dump and restore into a brand-new database, TimescaleDB\'s documented steps only', () => {
  it('restores the language, settings, state and models; inserts are labelled; triggers come back once', async () => {
    pgTool('pg_dump', ['-Fc', '-f', file], source.name);
    expect((await target.client.query(`SELECT count(*)::int AS n FROM pg_extension WHERE extname IN ('pljs', 'pg_centroid')`)).rows[0].n).toBe(0);
    await target.client.query('SELECT timescaledb_pre_restore()');
    // pg_restore exits non-zero on any error it met (it goes on past them): none may occur.
    pgTool('pg_restore', [file], target.name);
    await target.client.query('SELECT timescaledb_post_restore()');

    const ext = await target.client.query(`SELECT array_agg(extname::text ORDER BY extname) AS e FROM pg_extension`);
    expect(ext.rows[0].e).toEqual(expect.arrayContaining(['pg_centroid', 'pljs', 'timescaledb']));
    const [a, b] = [await stored(source), await stored(target)];
    expect(b).toEqual(a);
    expect((b as { settings: unknown[] }).settings).toHaveLength(TABLES.length);

    // A new connection: the restored extension loads its bundle from scratch.
    const c = await target.connect();
    for (const t of TABLES) {
      const triggers = (await c.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgparentid = 0 ORDER BY 1`, [t.name])).rows.map((r) => r.tgname);
      expect(triggers).toEqual(['centroid_after_insert', 'centroid_cluster', 'centroid_label', 'centroid_truncate'].concat(t.config.refit === 'row' ? ['centroid_before_insert'] : []).sort());
      await c.query(t.insert(31, 40));
      const facts = await labelFacts(c, t.name, ['a', 'b']);
      expect(facts).toMatchObject({ n: 40, labelled: 40 });
      if (t.config.refit !== 'online' && !t.config.standardize) expect(facts.wrong).toBe(0);
      const groups = await c.query(`SELECT (a > 50) AS hi, array_agg(DISTINCT cl) AS ls FROM ${t.name} GROUP BY 1 ORDER BY 1`);
      expect(groups.rows.map((g) => g.ls.length)).toEqual([1, 1]);
      const status = (await c.query(`SELECT centroid.status($1) AS s`, [t.name])).rows[0].s;
      expect(status).toMatchObject({ rows: 40, labelled_rows: 40, trigger: true, error: null });
      expect((await c.query(`SELECT centroid.refit($1) AS r`, [t.name])).rows[0].r).toMatchObject({ status: 'refitted', rows: 40 });
    }
    const predicted = (await c.query(`SELECT centroid.predict('restored_model', ARRAY[0, 1]) AS p, centroid.predict('restored_model', ARRAY[100, 1]) AS q`)).rows[0];
    const original = (await source.client.query(`SELECT centroid.predict('restored_model', ARRAY[0, 1]) AS p, centroid.predict('restored_model', ARRAY[100, 1]) AS q`)).rows[0];
    expect(predicted).toEqual(original);
    expect(predicted.p).not.toBe(predicted.q);
  });
});
