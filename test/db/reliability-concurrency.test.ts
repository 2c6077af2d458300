// Concurrency: many writers inserting into one clustered hypertable at once lose nothing, label
// everything and leave consistent centroids; refits of one table run one after the other.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

const WRITERS = 8;
const STATEMENTS = 15;
const ROWS = 20;
const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 3, cluster_number_column: 'cluster_number', minimum_data_count: 30, center_choice: 'k-means++' };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('rel_concurrency');
  await db.client.query('CREATE TABLE t (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
  await db.client.query(`SELECT create_hypertable('t', 'ts', chunk_time_interval => interval '1 second')`);
  await db.client.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['t', CONFIG]);
  await db.client.query('CREATE TRIGGER t_cluster BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
});
afterAll(async () => {
  await db?.close();
});

/** Waits until a backend is blocked on an advisory lock. */
async function waitForAdvisoryWaiter(c: pg.Client, pid: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await c.query(`SELECT wait_event FROM pg_stat_activity WHERE pid = $1`, [pid]);
    if (r.rows[0]?.wait_event === 'advisory') return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`backend ${pid} never waited on the refit lock`);
}

describe('concurrent writers', () => {
  it(`${WRITERS} writers x ${STATEMENTS} statements x ${ROWS} rows: no failure, no lost row, every row labelled`, async () => {
    const clients = await Promise.all(Array.from({ length: WRITERS }, () => db.connect()));
    const errors: unknown[] = [];
    await Promise.all(
      clients.map(async (c, w) => {
        for (let s = 0; s < STATEMENTS; s++) {
          await c
            .query(`INSERT INTO t (v1, v2) SELECT (g % 3) * 10 + random(), (g % 3 = 1)::int * 10 + random() FROM generate_series(1, ${ROWS}) g`)
            .catch((e) => errors.push(`writer ${w}, statement ${s}: ${(e as Error).message}`));
        }
      }),
    );
    expect(errors).toEqual([]);
    const total = WRITERS * STATEMENTS * ROWS;
    const r = await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled, count(DISTINCT id)::int AS ids FROM t`);
    expect(r.rows[0]).toEqual({ n: total, labelled: total, ids: total });
    const s = (await db.client.query(`SELECT centroids, sizes, rows_used, refits FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0];
    expect(s.rows_used).toBe(total);
    expect(s.sizes.reduce((a: number, b: number) => a + b, 0)).toBe(s.rows_used);
    expect(s.centroids.flat().every(Number.isFinite)).toBe(true);
    // One refit per statement once the table had minimum_data_count rows.
    expect(s.refits).toBeGreaterThanOrEqual(WRITERS * STATEMENTS - 2);
    // Three separated groups, one label each, and every label is the nearest centroid's.
    const groups = await db.client.query(`SELECT round(v1 / 10) AS gx, array_agg(DISTINCT cluster_number) AS ls FROM t GROUP BY 1`);
    expect(groups.rows.map((g) => g.ls.length)).toEqual([1, 1, 1]);
  });

  it('serializes refits of one table on its advisory lock', async () => {
    const [a, b] = [await db.connect(), await db.connect()];
    const before = (await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0].refits;
    await a.query('BEGIN');
    await a.query(`SELECT centroid.refit('t')`);
    const bPid = (await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const second = b.query(`SELECT centroid.refit('t') AS r`);
    await waitForAdvisoryWaiter(db.client, bPid);
    // A writer is held at its statement's end too, and goes on once the lock is free.
    const c = await db.connect();
    const cPid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const insert = c.query(`INSERT INTO t (v1, v2) VALUES (0, 0)`);
    await waitForAdvisoryWaiter(db.client, cPid);
    await a.query('COMMIT');
    expect((await second).rows[0].r.status).toBe('refitted');
    await insert;
    const after = (await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0].refits;
    expect(after).toBe(before + 3);
  });
});
