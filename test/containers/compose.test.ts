// docker-compose.yml for real: `pg-centroid compose up -d --build` (docker compose, or docker-compose
// v1, on the engine the project prepared) brings the service up on 127.0.0.1 with a health check,
// the demo runs against it, and `compose down` leaves no container or network behind.

import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../src/stack/docker';
import { cli } from '../cli/run';

// A project and a port of this run's own, so a developer's `compose up` is left alone.
const PROJECT = `pg_centroid_test_${process.pid}`;
let port: number;
let env: Record<string, string>;

/** A TCP port free on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** `pg-centroid compose -p PROJECT args...`, failing with its output. */
async function compose(...args: string[]): Promise<string> {
  const r = await cli(['compose', '-p', PROJECT, ...args], null, env);
  if (r.code !== 0) throw new Error(`compose ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The project's resources the engine still has: containers and networks. */
function leftovers(): string[] {
  const label = `label=com.docker.compose.project=${PROJECT}`;
  return [...docker(['ps', '-aq', '--filter', label]).split('\n'), ...docker(['network', 'ls', '-q', '--filter', label]).split('\n')].filter(Boolean);
}

beforeAll(async () => {
  port = await freePort();
  env = { PG_CENTROID_COMPOSE_PORT: String(port) };
});
afterAll(async () => {
  if (leftovers().length) await compose('down', '-v');
});

describe('docker-compose.yml', () => {
  it('comes up healthy, listening on 127.0.0.1 only', async () => {
    await compose('up', '-d', '--build');
    const id = (await compose('ps', '-q', 'postgres')).trim();
    expect(id).toMatch(/^[0-9a-f]{12,}$/);
    const deadline = Date.now() + 120_000;
    let health = '';
    while ((health = docker(['inspect', '-f', '{{.State.Health.Status}}', id]).trim()) !== 'healthy' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(health).toBe('healthy');
    const ports = JSON.parse(docker(['inspect', '-f', '{{json .NetworkSettings.Ports}}', id]));
    expect(ports).toEqual({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  });

  it('runs the demo: every streamed row labelled, the article\'s segments fitted', async () => {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const r = await cli(['demo'], url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/40000 rows inserted in .* 0 rows unlabelled\./);
    expect(r.stdout).toMatch(/version 1: \d+ customers clustered, \d+ left out/);
    // The demo works in the database of its URL, in a schema of its own.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const rows = (await c.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM centroid_demo.readings`)).rows[0];
      expect(rows).toEqual({ n: 40000, l: 40000 });
    } finally {
      await c.end();
    }
  });

  it('goes down leaving no container or network', async () => {
    expect(leftovers().length).toBeGreaterThan(0);
    await compose('down', '-v');
    expect(leftovers()).toEqual([]);
  });
});
