// Limits: a window too large for pljs's memory, or a statement timeout during a refit, fails with a
// clear error and leaves the table and the stored state as they were.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';

let db: TestDatabase;
const WIDE = Array.from({ length: 30 }, (_, j) => `w${j}`);

beforeAll(async () => {
  db = await createDatabase('rel_limits');
  const c = db.client;
  await c.query('CREATE TABLE big (id bigserial, ts timestamptz NOT NULL, v1 real, v2 real, v3 real, cluster_number int)');
  await c.query(`SELECT create_hypertable('big', 'ts')`);
  await c.query(`INSERT INTO big (ts, v1, v2, v3) SELECT now() - g * interval '1 second', random() * 100, random() * 100, random() * 100 FROM generate_series(1, 60000) g`);
  // Wide rows: 60,000 x 30 features is more than pljs's smallest memory limit (64 MB) allows.
  await c.query(`CREATE TABLE wide (id bigserial, ts timestamptz NOT NULL, ${WIDE.map((w) => `${w} real`).join(', ')}, cluster_number int)`);
  await c.query(`SELECT create_hypertable('wide', 'ts')`);
  await c.query(`INSERT INTO wide (ts, ${WIDE.join(', ')}) SELECT now() - g * interval '1 second', ${WIDE.map(() => 'random()').join(', ')} FROM generate_series(1, 60000) g`);
}, 120_000);
afterAll(async () => {
  await db?.close();
});

/** Rows, labelled rows and the stored state of a table, to compare before and after a failure. */
async function snapshot(table: string): Promise<unknown> {
  return (await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled,
      (SELECT row_to_json(s)::jsonb - 'table_name' FROM centroid.state s WHERE table_name = $1::regclass) AS state FROM ${table}`, [table])).rows[0];
}

it('refuses a window that does not fit in pljs.memory_limit, naming maximum_data_count and the limit, and changes nothing', async () => {
  const c = db.client;
  // k-medians needs the window in JavaScript (the SQL engine only does k-means). No first clustering yet.
  await c.query(`SELECT centroid.attach('wide', $1, false)`, [
    { key_column: 'id', clustering_columns: WIDE, cluster_count: 3, cluster_number_column: 'cluster_number', clustering_algorithm: 'k-medians', distance_type: 'manhattan', maximum_data_count: 60000 },
  ]);
  const before = await snapshot('wide');
  await c.query(`SET pljs.memory_limit = 64`);
  try {
    const e = await failure(c, `INSERT INTO wide (ts, w0) VALUES (now(), 1)`);
    expect(e.message).toMatch(/^pg_centroid: the window of wide \(60000 rows x 30 columns, about \d+ MB in JavaScript\) does not fit in half of pljs.memory_limit \(64 MB\)$/);
    expect(e.hint).toMatch(/lower maximum_data_count to at most \d+ in centroid.settings, or raise pljs.memory_limit/);
    expect(e.code).toBe('54000');
  } finally {
    await c.query('RESET pljs.memory_limit');
  }
  expect(await snapshot('wide')).toEqual(before);
  // The fix the HINT gives works: a smaller window.
  await c.query(`UPDATE centroid.settings SET config = config || '{"maximum_data_count": 2000}' WHERE table_name = 'wide'::regclass`);
  await c.query(`SET pljs.memory_limit = 64`);
  try {
    await c.query(`INSERT INTO wide (ts, ${WIDE.join(', ')}) VALUES (now(), ${WIDE.map(() => '0.5').join(', ')})`);
  } finally {
    await c.query('RESET pljs.memory_limit');
  }
  expect(await snapshot('wide')).toMatchObject({ n: 60001, labelled: 2000 });
});

it('fails cleanly when statement_timeout strikes during a refit, leaving table and state as they were', async () => {
  const c = db.client;
  await c.query(`SELECT centroid.attach('big', $1, false)`, [
    { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 10, cluster_number_column: 'cluster_number', maximum_data_count: 60000, tolerance: 0, max_iterations: 10000, center_choice: 'random', starts: 20, clustering_algorithm: 'k-medians' },
  ]);
  const before = await snapshot('big');
  await c.query(`SET statement_timeout = '300ms'`);
  try {
    const e = await failure(c, `INSERT INTO big (ts, v1, v2, v3) SELECT now() + g * interval '1 ms', 50, 50, 50 FROM generate_series(1, 100) g`);
    expect(e.message).toMatch(/^(pg_centroid: clustering was interrupted \(statement_timeout or a cancel request\)|canceling statement due to statement timeout)$/);
    expect(e.code).toBe('57014');
  } finally {
    await c.query('RESET statement_timeout');
  }
  expect(await snapshot('big')).toEqual(before);
});
