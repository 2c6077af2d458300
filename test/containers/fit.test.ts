// Batch segmentation in a container of the project's image: centroid.fit labels a table, predict
// places new points, and a refit with the same seed changes no label.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './server';

const CONFIG = { key_column: 'id', clustering_columns: ['f1', 'f2', 'f3'], cluster_count: 3, seed: 7, output_table: 'customers', cluster_number_column: 'segment' };
const CENTERS = [[0, 0, 0], [20, 0, 5], [0, 20, 10]];

let server: Server;
let c: pg.Client;

beforeAll(async () => {
  server = await startServer();
  c = await server.connect();
  await c.query(`CREATE TABLE customers (id int PRIMARY KEY, grp int, f1 float8, f2 float8, f3 float8, segment int)`);
  await c.query(
    `INSERT INTO customers (id, grp, f1, f2, f3)
     SELECT i, i % 3, ($1::float8[])[i % 3 + 1][1] + sin(i), ($1::float8[])[i % 3 + 1][2] + cos(i * 3), ($1::float8[])[i % 3 + 1][3] + sin(i * 5)
       FROM generate_series(1, 600) i`,
    [CENTERS],
  );
  await c.query(`INSERT INTO customers (id, grp, f1, f2, f3) VALUES (1001, NULL, NULL, 1, 1), (1002, NULL, 'NaN', 1, 1)`);
});
afterAll(async () => {
  await server?.stop();
});

/** The segments each group got. */
async function segments(): Promise<number[][]> {
  return (await c.query(`SELECT array_agg(DISTINCT segment) AS s FROM customers WHERE grp IS NOT NULL GROUP BY grp ORDER BY grp`)).rows.map((r) => r.s);
}

describe('centroid.fit in a container', () => {
  it('labels every valid row, one segment per group, and leaves rows with missing features unlabelled', async () => {
    const r = (await c.query(`SELECT centroid.fit('segments', 'customers', $1) AS r`, [CONFIG])).rows[0].r;
    expect(r).toMatchObject({ model: 'segments', version: 1, rows_used: 600, rows_skipped: 2, k: 3, labels_changed: 600 });
    expect(r.centroids).toHaveLength(3);
    const s = await segments();
    expect(s.map((x) => x.length)).toEqual([1, 1, 1]);
    expect(new Set(s.flat()).size).toBe(3);
    expect((await c.query(`SELECT segment FROM customers WHERE id > 1000`)).rows).toEqual([{ segment: null }, { segment: null }]);
  });

  it('predict places each group\'s center in that group\'s segment, and NULL features nowhere', async () => {
    const s = (await segments()).map((x) => x[0]);
    for (const [g, center] of CENTERS.entries()) {
      expect((await c.query(`SELECT centroid.predict('segments', $1) AS p`, [center])).rows[0].p).toBe(s[g]);
    }
    expect((await c.query(`SELECT centroid.predict('segments', ARRAY[NULL, 1, 1]::float8[]) AS p`)).rows[0].p).toBeNull();
  });

  it('a second fit with the same seed is version 2 and rewrites no label', async () => {
    const before = await segments();
    const r = (await c.query(`SELECT centroid.fit('segments', 'customers', $1) AS r`, [CONFIG])).rows[0].r;
    expect(r).toMatchObject({ version: 2, labels_changed: 0 });
    expect(await segments()).toEqual(before);
  });
});
