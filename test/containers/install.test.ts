// pg-centroid install into a container that has only PostgreSQL 18, TimescaleDB and pljs (the
// Dockerfile's bare stage): no pg_centroid files there and none reachable from here, so the CLI
// takes the plain SQL installer, after which clustering on insert and fit work.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run';
import { BARE_IMAGE, startServer, type Server } from './server';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let server: Server;
let c: pg.Client;

beforeAll(async () => {
  server = await startServer(BARE_IMAGE);
  c = await server.connect();
  await c.query('CREATE EXTENSION timescaledb');
});
afterAll(async () => {
  await server?.stop();
});

describe('install into a server without pg_centroid', () => {
  it('the server offers no pg_centroid and has no JavaScript language yet', async () => {
    expect((await c.query(`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'pg_centroid'`)).rows[0].n).toBe(0);
    expect((await c.query(`SELECT count(*)::int AS n FROM pg_language WHERE lanname IN ('pljs', 'plv8')`)).rows[0].n).toBe(0);
  });

  it('installs with the plain SQL installer, creating pljs first', async () => {
    const r = await cli(['install', '--json'], server.url());
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ database: 'postgres', method: 'sql', share_dir: null, language: 'pljs', version: VERSION, action: 'created', reason: expect.stringMatching(/^the server offers no pg_centroid/) });
    expect((await c.query(`SELECT extname FROM pg_extension WHERE extname IN ('pg_centroid', 'pljs') ORDER BY 1`)).rows).toEqual([{ extname: 'pljs' }]);
  });

  it('says so when run again', async () => {
    const r = await cli(['install'], server.url());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`pg_centroid ${VERSION} is already installed in postgres`);
  });

  it('then clusters a hypertable on insert and segments a table', async () => {
    await c.query(`CREATE TABLE r (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 float8, v2 float8, k int)`);
    await c.query(`SELECT create_hypertable('r', 'ts')`);
    await c.query(`SELECT centroid.attach('r', $1)`, [{ key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'k', minimum_data_count: 10 }]);
    await c.query(`INSERT INTO r (v1, v2) SELECT g % 2 * 10 + sin(g), cos(g) FROM generate_series(1, 200) g`);
    const labels = (await c.query(`SELECT count(*)::int AS n, count(k)::int AS l, count(DISTINCT k)::int AS k FROM r`)).rows[0];
    expect(labels).toEqual({ n: 200, l: 200, k: 2 });
    const fit = (await c.query(`SELECT centroid.fit('m', 'r', $1) AS f`, [{ key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2 }])).rows[0].f;
    expect(fit).toMatchObject({ model: 'm', rows_used: 200, k: 2 });
  });
});
