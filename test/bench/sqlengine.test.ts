// The SQL engine (src/db/sqlengine.ts) against the JS engine on the real server: same clusters, labels
// and facts on a window above its threshold; and the memory check that guards the JS engine.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from '../db/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('sqlengine');
});
afterAll(async () => {
  await db?.close();
});

const ROWS = 25000;

/** A hypertable of ROWS rows around three centers (plus a NaN row and a NULL row), clustered with the given settings. */
async function table(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const c = db.client;
  await c.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL, v1 float8, v2 float8, v3 float8, cluster_number int)`);
  await c.query(`SELECT create_hypertable('${name}', 'ts')`);
  await c.query(`INSERT INTO ${name} (ts, v1, v2, v3)
    SELECT timestamptz '2024-01-01' + i * interval '1 minute', ((i % 3) = 1)::int * 6 + (hashint4(i * 3) % 1000) / 250.0,
           ((i % 3) = 2)::int * 6 + (hashint4(i * 3 + 1) % 1000) / 250.0, (hashint4(i * 3 + 2) % 1000) / 250.0
      FROM generate_series(1, ${ROWS}) i`);
  await c.query(`INSERT INTO ${name} (ts, v1, v2, v3) VALUES ('2023-12-01', 'NaN', 1, 1), ('2023-12-02', NULL, 1, 1)`);
  await c.query('INSERT INTO centroid.settings (table_name, config) VALUES ($1, $2)', [
    name,
    // tolerance 0: both engines iterate to the fixed point, so their results can be compared exactly.
    { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'cluster_number', center_choice: 'k-means++', tolerance: 0, ...extra },
  ]);
}

/** Refits with the given engine and returns the outcome, stored state and labels. */
async function refit(name: string, engine: 'js' | 'sql') {
  const c = db.client;
  await c.query(`SET pg_centroid.engine = '${engine}'`);
  const outcome = (await c.query(`SELECT centroid.refit('${name}') AS r`)).rows[0].r;
  await c.query('RESET pg_centroid.engine');
  const state = (await c.query(`SELECT centroids, sizes, radii, cost, rows_used FROM centroid.state WHERE table_name = '${name}'::regclass`)).rows[0];
  const labels = (await c.query(`SELECT cluster_number AS l FROM ${name} ORDER BY id`)).rows.map((r) => r.l as number | null);
  return { outcome, state, labels };
}

describe('the SQL engine', () => {
  it('reaches the centroids, labels, sizes, radii and cost of the JS engine from the same stored centroids', async () => {
    await table('same');
    await refit('same', 'js');
    // Move the stored centroids away, so both engines start from the same poor point and iterate.
    await db.client.query(`UPDATE centroid.state SET centroids = '{{1,1,1},{2,2,2},{3,3,3}}' WHERE table_name = 'same'::regclass`);
    const js = await refit('same', 'js');
    await db.client.query(`UPDATE centroid.state SET centroids = '{{1,1,1},{2,2,2},{3,3,3}}' WHERE table_name = 'same'::regclass`);
    await db.client.query(`UPDATE same SET cluster_number = NULL`);
    const sql = await refit('same', 'sql');
    expect(sql.outcome.status).toBe('refitted');
    expect(sql.outcome.rows).toBe(ROWS);
    expect(sql.outcome.iterations).toBe(js.outcome.iterations);
    expect(sql.outcome.changed).toBe(ROWS);
    expect(sql.labels).toEqual(js.labels);
    expect(sql.labels.filter((l) => l === null)).toHaveLength(2);
    expect(sql.state.sizes).toEqual(js.state.sizes);
    expect(sql.state.rows_used).toBe(ROWS);
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < 3; j++) expect(sql.state.centroids[c][j]).toBeCloseTo(js.state.centroids[c][j], 9);
      expect(sql.state.radii[c]).toBeCloseTo(js.state.radii[c], 9);
    }
    expect(sql.state.cost).toBeCloseTo(js.state.cost, 6);
  });

  it('writes only the labels that changed on a warm refit of an unchanged window', async () => {
    const again = await refit('same', 'sql');
    expect(again.outcome.changed).toBe(0);
    expect(again.outcome.iterations).toBeLessThanOrEqual(1);
  });

  it('is chosen by default above 20,000 rows, and gives a first clustering from a sample as good as the JS engine', async () => {
    await table('fresh');
    const auto = await refit('fresh', 'sql');
    await db.client.query(`DELETE FROM centroid.state WHERE table_name = 'fresh'::regclass`);
    const js = await refit('fresh', 'js');
    expect(auto.outcome.status).toBe('refitted');
    expect(auto.state.cost).toBeLessThanOrEqual(js.state.cost * 1.001);
    // The same clusters: both stop by the relative tolerance, so a few boundary rows may fall either way.
    const a = [...auto.state.sizes].sort((x: number, y: number) => x - y);
    const j = [...js.state.sizes].sort((x: number, y: number) => x - y);
    a.forEach((n: number, i: number) => expect(Math.abs(n - (j[i] as number))).toBeLessThanOrEqual(0.005 * (j[i] as number)));
  });

  it('labels the pending row of the row policy with its nearest final centroid', async () => {
    await table('rowpolicy', { refit: 'row', maximum_data_count: 30000 });
    await db.client.query(`CREATE TRIGGER c BEFORE INSERT ON rowpolicy FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
    await db.client.query(`SELECT centroid.refit('rowpolicy')`);
    const r = await db.client.query(`INSERT INTO rowpolicy (ts, v1, v2, v3) VALUES ('2025-01-01', 6, 0, 0) RETURNING cluster_number`);
    const { centroids } = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'rowpolicy'::regclass`)).rows[0];
    const d = (centroids as number[][]).map((c) => (c[0]! - 6) ** 2 + c[1]! ** 2 + c[2]! ** 2);
    expect(r.rows[0].cluster_number).toBe(d.indexOf(Math.min(...d)));
  });
});

describe('the memory check of the JS engine', () => {
  it('refuses a window that cannot fit in pljs.memory_limit, naming maximum_data_count and pljs.memory_limit', async () => {
    // k-medians needs the window in memory; 1,000 columns x 25,000 rows is ~400 MB as JS arrays.
    const c = db.client;
    const cols = Array.from({ length: 1000 }, (_, j) => `f${j}`);
    await c.query(`CREATE TABLE wide (id bigserial, ${cols.map((f) => `${f} float4`).join(', ')}, cluster_number int)`);
    await c.query(`INSERT INTO wide (${cols.join(', ')}) SELECT ${cols.map((_, j) => `(i * ${j + 1}) % 97`).join(', ')} FROM generate_series(1, 25000) i`);
    await c.query('INSERT INTO centroid.settings (table_name, config) VALUES ($1, $2)', [
      'wide',
      { key_column: 'id', clustering_columns: cols, clustering_algorithm: 'k-medians', distance_type: 'manhattan', cluster_count: 3, cluster_number_column: 'cluster_number', maximum_data_count: 25000 },
    ]);
    const e = await failure(c, `SELECT centroid.refit('wide')`);
    expect(e.message).toMatch(/^pg_centroid: the window of wide \(25000 rows x 1000 columns, about \d+ MB in JavaScript\) does not fit in half of pljs.memory_limit \(512 MB\)$/);
    expect(e.hint).toMatch(/lower maximum_data_count to at most \d+ in centroid.settings, or raise pljs.memory_limit/);
    expect(e.code).toBe('54000');
  });
});
