// A long session: over a million rows inserted through the clustering triggers in one connection.
// pljs 1.0.5 leaks memory converting rows (a pljs trigger that only returns NEW crashed the backend
// after ~700,000 rows here), so rows reach JavaScript only as float8[] arguments, which do not leak.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('rel_soak');
});
afterAll(async () => {
  await db?.close();
});

it('labels 1,202,000 rows inserted in one session without running out of memory', async () => {
  const c = db.client;
  await c.query('CREATE TABLE s (id bigserial, ts timestamptz NOT NULL, v1 real, v2 real, v3 real, cluster_number int)');
  await c.query(`SELECT create_hypertable('s', 'ts')`);
  await c.query(`SELECT centroid.attach('s', $1)`, [
    { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'cluster_number', maximum_data_count: 2000 },
  ]);
  // A first window's worth, so the table has centroids before the big statements.
  await c.query(`INSERT INTO s (ts, v1, v2, v3) SELECT now() - g * interval '1 ms', (g % 3) * 10 + random(), random(), random() FROM generate_series(1, 2000) g`);
  for (let i = 0; i < 12; i++) {
    await c.query(`INSERT INTO s (ts, v1, v2, v3) SELECT now() + ($1::int * 100000 + g) * interval '1 ms', (g % 3) * 10 + random(), random(), random()
                     FROM generate_series(1, 100000) g`, [i]);
  }
  const r = (await c.query('SELECT count(*)::int AS n, count(cluster_number)::int AS labelled FROM s')).rows[0];
  expect(r).toEqual({ n: 1202000, labelled: 1202000 });
  // Each group of the data has one cluster number.
  const groups = (await c.query(`SELECT round(v1 / 10) AS g, count(DISTINCT cluster_number)::int AS n FROM s GROUP BY 1`)).rows;
  expect(groups.map((g) => g.n)).toEqual([1, 1, 1]);
}, 300_000);
