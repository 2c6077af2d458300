// pg-centroid demo against a server of one's own (DATABASE_URL): it works in that database, in a
// schema of its own, never drops a database nor touches the database's own tables, asks (or wants
// --reset) before dropping an earlier run, and installs pg_centroid the way the server allows.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, urlFor, type TestDatabase } from '../db/database';
import { cli } from './run';

let db: TestDatabase;
const extra: string[] = [];

beforeAll(async () => {
  // Only TimescaleDB: the demo installs pg_centroid itself. The database's own tables share names with the demo's.
  db = await createDatabase('cli_dm', ['timescaledb']);
  await db.client.query(`CREATE TABLE customers (customer_id int PRIMARY KEY, name text)`);
  await db.client.query(`INSERT INTO customers VALUES (1, 'kept')`);
  await db.client.query(`CREATE TABLE readings (id int)`);
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  for (const name of extra) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.end();
  await db?.close();
});

/** Tables of a schema, by name. */
async function tables(client: pg.Client, schema: string): Promise<string[]> {
  return (await client.query(`SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p', 'm') ORDER BY 1`, [schema])).rows.map((r) => r.relname);
}

describe('demo against DATABASE_URL', () => {
  it('installs pg_centroid and runs in the URL\'s database, in schema centroid_demo, leaving the database\'s own tables alone', async () => {
    const r = await cli(['demo', '--quick'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('== Clustering on insert: 4 drifting sources, 3 batches of 400 rows ==');
    expect(r.stdout).toContain('0 rows unlabelled.');
    expect(r.stdout).toContain('revenue_pct');
    expect(r.stdout).toContain(`The demo's tables are kept in schema centroid_demo: psql "${db.url}"`);
    expect(r.stderr).toMatch(/^pg_centroid [\d.]+ created in cli_dm/);
    expect((await db.client.query(`SELECT extname FROM pg_extension WHERE extname = 'pg_centroid'`)).rows).toHaveLength(1);
    expect(await tables(db.client, 'centroid_demo')).toEqual(['customer_features', 'customers', 'orders', 'readings']);
    expect((await db.client.query(`SELECT * FROM public.customers`)).rows).toEqual([{ customer_id: 1, name: 'kept' }]);
    expect((await db.client.query(`SELECT count(*) AS n FROM public.readings`)).rows[0].n).toBe(0);
    expect((await db.client.query(`SELECT count(*) AS n, count(cluster_number) AS labelled FROM centroid_demo.readings`)).rows[0]).toEqual({ n: 1200, labelled: 1200 });
  });

  it('refuses to run over an earlier run without --reset (exit 2), dropping nothing', async () => {
    const r = await cli(['demo', '--quick'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: schema centroid_demo in database ${db.name} holds an earlier demo run`);
    expect(r.stderr).toContain('hint: run the demo with --reset');
    expect((await db.client.query(`SELECT count(*) AS n FROM centroid_demo.readings`)).rows[0].n).toBe(1200);
  });

  it('--reset drops the earlier run\'s schema (and its model versions) and starts again', async () => {
    const r = await cli(['demo', '--quick', '--reset'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('dropping schema centroid_demo of an earlier run');
    expect(r.stdout).toMatch(/^version 1: \d+ customers clustered/m);
    expect((await db.client.query(`SELECT * FROM public.customers`)).rows).toEqual([{ customer_id: 1, name: 'kept' }]);
  });

  it('--database uses another database of the same server, created when missing', async () => {
    const other = `${db.name}_other`;
    extra.push(other);
    const r = await cli(['demo', '--quick', '--database', other], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`creating database ${other} on `);
    const c = new pg.Client({ connectionString: urlFor(other) });
    await c.connect();
    try {
      expect(await tables(c, 'centroid_demo')).toEqual(['customer_features', 'customers', 'orders', 'readings']);
    } finally {
      await c.end();
    }
  });

  it('installs with the plain SQL installer on a server that offers only that', async () => {
    const managed = await createDatabase('cli_dm_managed', ['timescaledb', 'pljs']);
    try {
      // No pg_centroid in pg_available_extensions, and its directory hidden from the CLI (a managed server).
      await managed.client.query(`ALTER DATABASE ${managed.name} SET extension_control_path = '/nonexistent'`);
      const hidden = { PG_CENTROID_STACK: mkdtempSync(join(tmpdir(), 'pg-centroid-no-stack-')) };
      const r = await cli(['demo', '--quick'], managed.url, hidden);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`created in ${managed.name} (plain SQL installer; language pljs)`);
      expect((await managed.client.query(`SELECT count(cluster_number) AS n FROM centroid_demo.readings`)).rows[0].n).toBe(1200);
    } finally {
      await managed.close();
    }
  });
});
