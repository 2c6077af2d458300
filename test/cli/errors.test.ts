// Every failure a new user meets has its exit code and a message that says what to do: a missing
// database or role (the server answered: exit 5), a DATABASE_URL that is no URL, an unknown host, an
// unwritable output file, and a misspelt settings key on every command that takes settings.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, urlFor, type TestDatabase } from '../db/database';
import { cli } from './run';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-errors-'));
const server = new URL(urlFor('postgres'));
const SETTINGS = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'c' };

beforeAll(async () => {
  db = await createDatabase('cli_errors');
  await db.client.query(`CREATE TABLE pts (id int PRIMARY KEY, a float8, b float8, c int)`);
  await db.client.query(`INSERT INTO pts SELECT g, g % 2 * 10, g % 3, NULL FROM generate_series(1, 40) g`);
  expect((await cli(['attach', 'pts', '--config', JSON.stringify(SETTINGS)], db.url)).code).toBe(0);
});

afterAll(async () => {
  await db?.close();
});

describe('connecting', () => {
  it('a missing database: the server answered, so exit 5 with how to create it', async () => {
    const url = urlFor('no_such_database_here');
    const r = await cli(['status', '--json'], url);
    expect(r.code).toBe(5);
    expect(r.json.error.message).toBe(`database "no_such_database_here" does not exist (server ${server.hostname}:${server.port})`);
    expect(r.json.error.hint).toBe('create it (CREATE DATABASE "no_such_database_here"; or createdb), or point DATABASE_URL at an existing database');
  });

  it('an unknown role: exit 5 with a hint', async () => {
    const u = new URL(db.url);
    u.username = 'no_such_role_here';
    const r = await cli(['status'], u.toString());
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error: role "no_such_role_here" does not exist');
    expect(r.stderr).toContain('hint: connect as an existing role (the user in DATABASE_URL: postgres://USER@');
    expect(r.stderr).toContain('or create this one: CREATE ROLE "no_such_role_here" LOGIN;');
  });

  it('a DATABASE_URL that is not a URL: exit 2 and what a URL looks like, not ENOTFOUND', async () => {
    const r = await cli(['status'], 'not-a-url');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: DATABASE_URL is not a PostgreSQL URL: "not-a-url"\nhint: write it as postgres://user[:password]@host[:port]/database, e.g. postgres://postgres@127.0.0.1:5432/postgres\n');
  });

  it('never prints the password of a malformed URL', async () => {
    const r = await cli(['status'], 'postgres://me:s3cret@db.example:port/x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"postgres://me:***@db.example:port/x"');
    expect(r.stderr).not.toContain('s3cret');
  });

  it('an unknown host: exit 3, naming the host as the thing to check', async () => {
    const r = await cli(['status'], 'postgres://postgres@no-such-host.invalid:5432/postgres');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: cannot reach PostgreSQL at no-such-host.invalid:5432/postgres (ENOTFOUND: no such host)');
    expect(r.stderr).toContain('hint: check the host name in DATABASE_URL');
  });
});

describe('output files', () => {
  it('an --out in a missing directory: exit 2 before any query, with the directory named', async () => {
    const out = join(dir, 'missing', 'plot.svg');
    const r = await cli(['plot', 'pts', '--out', out], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: cannot write ${out}: there is no directory ${join(dir, 'missing')}\nhint: create the directory first, or write somewhere else\n`);
  });

  it('an --out that is a directory: exit 2', async () => {
    const r = await cli(['plot', 'pts', '--html', dir], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: cannot write ${dir}: it is a directory`);
  });
});

describe('a misspelt settings key', () => {
  const bad = JSON.stringify({ ...SETTINGS, minimun_data_count: 5 });
  const cases: [string, string[]][] = [
    ['attach', ['attach', 'pts', '--config', bad]],
    ['fit', ['fit', 'errs', '--source', 'pts', '--config', bad]],
    ['choose-k', ['choose-k', '--source', 'pts', '--config', bad]],
    ['schedule-fit', ['schedule-fit', 'errs', '--source', 'pts', '--config', bad, '--schedule', '0 3 * * *']],
  ];
  for (const [name, args] of cases) {
    it(`${name} prints the server's "did you mean" hint`, async () => {
      const r = await cli([...args, '--json'], db.url);
      expect(r.code).toBe(1);
      expect(r.json.error).toEqual({ message: 'pg_centroid setting minimun_data_count: unknown setting "minimun_data_count"', hint: 'did you mean "minimum_data_count"?' });
      expect(r.stderr).toBe('error: pg_centroid setting minimun_data_count: unknown setting "minimun_data_count"\nhint: did you mean "minimum_data_count"?\n');
    });
  }

  it('a settings value with a typo too (and no empty detail line)', async () => {
    const r = await cli(['attach', 'pts', '--config', JSON.stringify({ ...SETTINGS, distance_type: 'euclidan' })], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([expect.stringContaining('distance_type must be one of'), 'hint: did you mean "euclidean"?', '']);
  });
});
