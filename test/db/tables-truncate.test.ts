// Issue 11, matrix 8: TRUNCATE resets the stored state. Afterwards centroid.status shows no centroids, rows inserted
// below minimum_data_count stay unlabelled (nothing labels them from the old centroids), and clustering starts
// again once there are enough, under every policy and on every kind of table.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { labelFacts } from './tables-helpers';

const CONFIG = { key_column: 'id', clustering_columns: ['a'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 };
const KINDS: Record<string, (t: string) => string[]> = {
  hypertable: (t) => [
    `CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL DEFAULT clock_timestamp(), a float8, cl int)`,
    `SELECT create_hypertable('${t}', 'ts', chunk_time_interval => interval '1 hour')`,
  ],
  plain: (t) => [`CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a float8, cl int)`],
  partitioned: (t) => [
    `CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY, a float8, cl int) PARTITION BY RANGE (id)`,
    `CREATE TABLE ${t}_1 PARTITION OF ${t} FOR VALUES FROM (MINVALUE) TO (15)`,
    `CREATE TABLE ${t}_2 PARTITION OF ${t} FOR VALUES FROM (15) TO (MAXVALUE)`,
  ],
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_truncate');
});
afterAll(async () => {
  await db?.close();
});

const rows = (t: string, n: number, offset = 0) => `INSERT INTO ${t} (a) SELECT (i % 2) * 100 + ${offset} FROM generate_series(1, ${n}) i`;

describe('TRUNCATE resets the stored state', () => {
  for (const [kind, create] of Object.entries(KINDS)) {
    for (const policy of ['statement', 'row', 'online'] as const) {
      it(`${kind}, policy ${policy}`, async () => {
        const t = `tr_${kind}_${policy}`;
        for (const sql of create(t)) await db.client.query(sql);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [t, { ...CONFIG, refit: policy }]);
        await db.client.query(rows(t, 30));
        expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${t}`)).rows[0].l).toBe(30);
        expect((await db.client.query(`SELECT centroid.status($1) AS s`, [t])).rows[0].s.clusters).toHaveLength(2);

        await db.client.query(`TRUNCATE ${t}`);
        const status = (await db.client.query(`SELECT centroid.status($1) AS s`, [t])).rows[0].s;
        expect(status).toMatchObject({ rows: 0, labelled_rows: 0, centroids: null, clusters: [], trigger: true });
        expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.state WHERE table_name = $1::regclass`, [t])).rows[0].n).toBe(0);

        // Below minimum_data_count: nothing is labelled, one statement or several.
        await db.client.query(rows(t, 5, 1));
        await db.client.query(rows(t, 4, 1));
        expect((await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${t}`)).rows[0]).toEqual({ n: 9, l: 0 });
        // The tenth row starts clustering again, from these rows only.
        await db.client.query(rows(t, 1, 1));
        expect(await labelFacts(db.client, t, ['a'])).toMatchObject({ n: 10, labelled: 10 });
        const s = (await db.client.query(`SELECT centroids, rows_used, refits FROM centroid.state WHERE table_name = $1::regclass`, [t])).rows[0];
        expect(s.rows_used).toBe(10);
        expect(s.centroids.map((c: number[]) => c[0]).sort((x: number, y: number) => x - y)).toEqual([1, 101]);
        expect(s.refits).toBe(1);
      });
    }
  }
});
