// Crashes: a backend killed with SIGKILL in the middle of a re-clustering loses nothing that was
// committed, and after recovery the next insert works and is labelled.
//
// Killing a backend makes PostgreSQL restart every backend, so this runs on a separate server of
// the embedded stack (its own data directory and port), never on the one other tests share.

import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { down, separateInstance, up } from '../../src/stack/stack';

// A port of its own, away from the stack's (54329) and its shards' (the 16 ports after it), and from the other
// separate servers' (52000 + and 53000 + the worker's pid % 1000), which may run at the same time in other workers.
const instance = separateInstance('crash_test', 55000 + (process.pid % 1000));
let url: string;
let c: pg.Client;

/** Connects, retrying while the server recovers from the crash. */
async function connect(deadline = Date.now() + 60_000): Promise<pg.Client> {
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return client;
    } catch (e) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  const server = up(() => {}, instance);
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS crash WITH (FORCE)');
  await admin.query('CREATE DATABASE crash');
  await admin.end();
  url = server.replace(/\/postgres$/, '/crash');
  c = await connect();
  for (const e of ['timescaledb', 'pljs', 'pg_centroid']) await c.query(`CREATE EXTENSION ${e}`);
  await c.query('CREATE TABLE r (id bigserial, ts timestamptz NOT NULL, v1 real, v2 real, v3 real, cluster_number int)');
  await c.query(`SELECT create_hypertable('r', 'ts')`);
  // A window big enough that a refit takes a while (the SQL executor engine, many Lloyd iterations).
  await c.query(`INSERT INTO r (ts, v1, v2, v3) SELECT now() - g * interval '1 second', random() * 100, random() * 100, random() * 100 FROM generate_series(1, 300000) g`);
  const config = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 12, cluster_number_column: 'cluster_number', maximum_data_count: 300000, max_iterations: 20 };
  await c.query(`SELECT centroid.attach('r', $1)`, [config]);
  // From now on a refit iterates to exact convergence: on uniform data that takes many iterations.
  await c.query(`UPDATE centroid.settings SET config = $1 WHERE table_name = 'r'::regclass`, [{ ...config, tolerance: 0, max_iterations: 10000 }]);
}, 300_000);

afterAll(async () => {
  await c?.end().catch(() => {});
  down(instance);
});

it('loses nothing committed when a backend is killed mid-refit, and the next insert works', async () => {
  const before = (await c.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled, (SELECT refits FROM centroid.state) AS refits,
                                        (SELECT centroids FROM centroid.state) AS centroids FROM r`)).rows[0];
  expect(before).toMatchObject({ n: 300000, labelled: 300000 });

  const victim = await connect();
  const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  await victim.query(`SET statement_timeout = '10min'`);
  // Shift the data so the refit has work to do, then insert: the statement-level refit starts.
  await victim.query('BEGIN');
  const inserting = victim.query(`INSERT INTO r (ts, v1, v2, v3) SELECT now() + g * interval '1 ms', random() * 100 + 50, random() * 100, random() * 100 FROM generate_series(1, 1000) g`).catch((e: Error) => e);
  // Wait until the refit runs inside that INSERT (its backend is busy in our functions).
  const watcher = await connect();
  for (let i = 0; i < 400; i++) {
    const a = (await watcher.query(`SELECT state, query FROM pg_stat_activity WHERE pid = $1`, [pid])).rows[0];
    if (a?.state === 'active') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 300));
  await watcher.end().catch(() => {});
  process.kill(pid, 'SIGKILL');
  const outcome = await inserting;
  expect(outcome).toBeInstanceOf(Error);
  await victim.end().catch(() => {});
  await c.end().catch(() => {});

  c = await connect();
  const after = (await c.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled, (SELECT refits FROM centroid.state) AS refits,
                                       (SELECT centroids FROM centroid.state) AS centroids FROM r`)).rows[0];
  expect(after).toEqual(before);

  // Back to a quick refit, then the next insert.
  await c.query(`UPDATE centroid.settings SET config = config || '{"tolerance": 0.0001, "max_iterations": 20}' WHERE table_name = 'r'::regclass`);
  await c.query(`INSERT INTO r (ts, v1, v2, v3) VALUES (now() + interval '1 hour', 1, 2, 3)`);
  const last = (await c.query(`SELECT cluster_number, (SELECT refits FROM centroid.state) AS refits FROM r ORDER BY ts DESC LIMIT 1`)).rows[0];
  expect(last.cluster_number).not.toBeNull();
  expect(Number(last.refits)).toBe(Number(before.refits) + 1);
}, 300_000);
