// The project's image, started by testcontainers: the embedded stack's Debian packages and server
// settings, pg_centroid installed at this package's version, a health check that says when it is ready.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES, SERVER_SETTINGS } from '../../src/stack/stack';
import { BARE_IMAGE, startServer, type Server } from './server';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let server: Server;
let c: pg.Client;

beforeAll(async () => {
  server = await startServer();
  c = await server.connect();
});
afterAll(async () => {
  await server?.stop();
});

/** The Debian packages installed in a container. */
async function packages(s: Server): Promise<string[]> {
  return (await s.exec(['dpkg-query', '-W', '-f', '${db:Status-Status} ${Package}\\n'])).split('\n').filter((l) => l.startsWith('installed ')).map((l) => l.slice(10));
}

describe('the pg_centroid image', () => {
  it('has every Debian package of the embedded stack', async () => {
    expect(await packages(server)).toEqual(expect.arrayContaining(PACKAGES));
  });

  it('runs PostgreSQL 18 with the embedded stack\'s settings', async () => {
    expect((await c.query('SHOW server_version_num')).rows[0].server_version_num).toMatch(/^18\d{4}$/);
    for (const [name, value] of Object.entries(SERVER_SETTINGS)) {
      expect([name, (await c.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v]).toEqual([name, value]);
    }
  });

  it('has pg_centroid at this version with TimescaleDB and pljs in the postgres database, and offers pg_cron, pgvector and PL/Python', async () => {
    const installed = (await c.query(`SELECT extname, extversion FROM pg_extension ORDER BY 1`)).rows;
    expect(installed.map((e) => e.extname)).toEqual(['pg_centroid', 'pljs', 'plpgsql', 'timescaledb']);
    expect(installed.find((e) => e.extname === 'pg_centroid')?.extversion).toBe(VERSION);
    const available = (await c.query(`SELECT name FROM pg_available_extensions`)).rows.map((e) => e.name);
    expect(available).toEqual(expect.arrayContaining(['pg_cron', 'vector', 'plpython3u']));
    await c.query('CREATE EXTENSION pg_cron');
    expect((await c.query(`SELECT cron.schedule('noop', '0 0 1 1 *', 'SELECT 1') > 0 AS ok`)).rows[0].ok).toBe(true);
  });

  it('reports healthy once the server accepts connections', async () => {
    const inspect = await server.container.exec(['pg_isready', '-h', '/tmp', '-U', 'postgres']);
    expect(inspect.exitCode).toBe(0);
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(server.container.getId()));
    expect(info.State.Health?.Status).toBe('healthy');
  });
});

describe('the bare stage', () => {
  it('has PostgreSQL 18, TimescaleDB and pljs, and neither pg_centroid nor the other packages', async () => {
    const bare = await startServer(BARE_IMAGE);
    try {
      const pkgs = await packages(bare);
      expect(pkgs).toEqual(expect.arrayContaining(['postgresql-18', 'postgresql-18-timescaledb', 'postgresql-18-pljs']));
      expect(pkgs.filter((p) => PACKAGES.includes(p)).sort()).toEqual(['postgresql-18', 'postgresql-18-pljs', 'postgresql-18-timescaledb']);
      expect(await bare.exec(['sh', '-c', 'ls /usr/share/postgresql/18/extension | grep -c pg_centroid || true'])).toBe('0\n');
      const b = await bare.connect();
      expect((await b.query(`SELECT name FROM pg_available_extensions WHERE name IN ('pg_centroid', 'pljs', 'timescaledb') ORDER BY 1`)).rows.map((e) => e.name)).toEqual(['pljs', 'timescaledb']);
      expect((await b.query('SHOW shared_preload_libraries')).rows[0].shared_preload_libraries).toBe('timescaledb');
    } finally {
      await bare.stop();
    }
  });
});
