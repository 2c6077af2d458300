// Dump and restore inside a container of the project's image: pg_dump and pg_restore (with
// TimescaleDB's pre and post restore steps) keep a clustered hypertable's settings and clusters,
// and the restored table goes on labelling inserted rows.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './server';

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, center_choice: 'random' };

let server: Server;
let source: pg.Client;
let target: pg.Client;

beforeAll(async () => {
  server = await startServer();
  const admin = await server.connect();
  await admin.query('CREATE DATABASE src');
  await admin.query('CREATE DATABASE dst');
  source = await server.connect('src');
  for (const e of ['timescaledb', 'pljs', 'pg_centroid']) await source.query(`CREATE EXTENSION ${e}`);
  // pljs first: pg_restore creates extensions in name order, pg_centroid before pljs.
  target = await server.connect('dst');
  for (const e of ['timescaledb', 'pljs']) await target.query(`CREATE EXTENSION ${e}`);
  await source.query('CREATE TABLE m (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
  await source.query(`SELECT create_hypertable('m', 'ts')`);
  await source.query('INSERT INTO m (v1, v2) SELECT g % 2 * 10 + sin(g), cos(g) FROM generate_series(1, 50) g');
  await source.query(`SELECT centroid.attach('m', $1)`, [CONFIG]);
});
afterAll(async () => {
  await server?.stop();
});

/** What a database says about m: settings, the status without timings, rows and labels. */
async function stored(c: pg.Client): Promise<unknown> {
  const settings = (await c.query(`SELECT table_name::text, config FROM centroid.settings`)).rows;
  const { refitted_at: _at, duration_ms: _ms, ...status } = (await c.query(`SELECT centroid.status('m') AS s`)).rows[0].s;
  const rows = (await c.query('SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM m')).rows[0];
  return { settings, status, rows };
}

describe('pg_dump and pg_restore in the container', () => {
  it('keep settings and clusters, and the restored table labels new rows', async () => {
    await server.exec(['pg_dump', '-h', '/tmp', '-U', 'postgres', '-Fc', '-f', '/tmp/src.dump', 'src']);
    await target.query('SELECT timescaledb_pre_restore()');
    await server.exec(['pg_restore', '-h', '/tmp', '-U', 'postgres', '--no-owner', '-d', 'dst', '/tmp/src.dump']);
    await target.query('SELECT timescaledb_post_restore()');
    const [a, b] = [await stored(source), await stored(target)];
    expect(b).toEqual(a);
    expect(a).toMatchObject({ rows: { n: 50, l: 50 }, status: { trigger: true, refits: 1 } });
    // A new connection: the restored extension loads its code from scratch.
    const c = await server.connect('dst');
    await c.query('INSERT INTO m (v1, v2) SELECT g % 2 * 10 + sin(g), cos(g) FROM generate_series(1, 10) g');
    const s = (await c.query(`SELECT centroid.status('m') AS s`)).rows[0].s;
    expect(s).toMatchObject({ rows: 60, labelled_rows: 60, rows_used: 60, refits: 2 });
    const triggers = (await c.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'm'::regclass AND NOT tgisinternal ORDER BY 1`)).rows.map((r) => r.tgname);
    expect(triggers).toContain('centroid_cluster');
    // The companion triggers came back exactly once.
    expect(new Set(triggers).size).toBe(triggers.length);
  });
});
