// Privileges: only a table's owner (or a superuser) configures or refits it; a role that may only INSERT gets its
// rows labelled, and the refits its inserts start run in the table's hook function with the owner's rights (never a
// superuser's); it sees no settings or state; every SECURITY DEFINER function pins search_path.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, urlFor, type TestDatabase } from './database';

const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const OWNER = `rel_owner_${suffix}`;
const INTRUDER = `rel_intruder_${suffix}`;
const WRITER = `rel_writer_${suffix}`;
const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, center_choice: 'random' };

let db: TestDatabase;
let owner: pg.Client;
let intruder: pg.Client;
let writer: pg.Client;

/** Runs SQL on the server's postgres database as the superuser. */
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: urlFor('postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const clients: pg.Client[] = [];

/** A connection to the test database as another role (trust authentication). */
async function connectAs(role: string): Promise<pg.Client> {
  const url = new URL(db.url);
  url.username = role;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('notice', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  for (const r of [OWNER, INTRUDER, WRITER]) await admin(`CREATE ROLE ${r} LOGIN`);
  db = await createDatabase('rel_privileges');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}`);
  owner = await connectAs(OWNER);
  intruder = await connectAs(INTRUDER);
  writer = await connectAs(WRITER);
  await owner.query('CREATE TABLE t (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
  await owner.query(`SELECT create_hypertable('t', 'ts')`);
  await owner.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['t', CONFIG]);
  await owner.query('CREATE TRIGGER t_cluster BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
  await owner.query('INSERT INTO t (v1, v2) SELECT g % 2 * 10, g % 2 FROM generate_series(1, 20) g');
  await owner.query(`GRANT INSERT ON t TO ${WRITER}`);
  await owner.query(`GRANT USAGE ON SEQUENCE t_id_seq TO ${WRITER}`);
  await owner.query(`GRANT SELECT, UPDATE ON t TO ${INTRUDER}`);
}, 120_000);
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await db?.close();
  for (const r of [OWNER, INTRUDER, WRITER]) await admin(`DROP ROLE IF EXISTS ${r}`);
});

describe('privileges', () => {
  it('lets the owner, not a superuser, configure and refit the table', async () => {
    expect((await owner.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows[0].rolsuper).toBe(false);
    expect((await owner.query(`SELECT count(cluster_number)::int AS n FROM t`)).rows[0].n).toBe(20);
    expect((await owner.query(`SELECT centroid.refit('t') ->> 'status' AS s`)).rows[0].s).toBe('refitted');
    await owner.query(`UPDATE centroid.settings SET config = config || '{"seed": 7}' WHERE table_name = 't'::regclass`);
  });

  it('refuses another role that tries to configure the table, even with SELECT and UPDATE on it', async () => {
    const e = await failure(intruder, 'INSERT INTO centroid.settings VALUES ($1, $2)', ['t', CONFIG]);
    expect(e.message).toBe('pg_centroid: only the owner of table public.t can configure its clustering');
    expect(e.hint).toMatch(/ask the table's owner, or a superuser/);
    expect(e.code).toBe('42501');
    // The owner's row is invisible to it, so UPDATE and DELETE touch nothing.
    expect((await intruder.query(`UPDATE centroid.settings SET config = '{}' WHERE table_name = 't'::regclass`)).rowCount).toBe(0);
    expect((await intruder.query(`DELETE FROM centroid.settings WHERE table_name = 't'::regclass`)).rowCount).toBe(0);
    expect((await intruder.query(`SELECT count(*)::int AS n FROM centroid.settings`)).rows[0].n).toBe(0);
    expect((await owner.query(`SELECT config->>'seed' AS seed FROM centroid.settings WHERE table_name = 't'::regclass`)).rows[0].seed).toBe('7');
  });

  it('refuses another role that tries to refit the table, or attach to it, also through the internal functions', async () => {
    const e = await failure(intruder, `SELECT centroid.refit('t')`);
    expect(e.message).toBe('pg_centroid: only the owner of table public.t can refit it');
    expect(e.hint).toMatch(/ask the table's owner, or a superuser/);
    expect(e.code).toBe('42501');
    const a = await failure(intruder, `SELECT centroid.attach('t', $1)`, [CONFIG]);
    expect(a.code).toBe('42501');
    const i = await failure(intruder, `SELECT centroid_internal._raise(centroid_internal._refit('t'::regclass::oid))`);
    expect(i.message).toBe('pg_centroid: only the owner of table public.t can refit it');
    const h = await failure(intruder, `SELECT centroid_internal._run_hook('t'::regclass::oid, 'after_insert')`);
    expect(h.message).toBe('pg_centroid: only the owner of table public.t can run its clustering hooks');
  });

  it('lets a role with only INSERT insert, and its rows get labelled by refits that run as the owner', async () => {
    await writer.query('INSERT INTO t (v1, v2) VALUES (10, 1), (0, 0), (10, 1)');
    const r = await owner.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled FROM t`);
    expect(r.rows[0]).toEqual({ n: 23, labelled: 23 });
    expect((await owner.query(`SELECT rows_used FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0].rows_used).toBe(23);
    // Its rights stay its own: it reads nothing and changes no label.
    await failure(writer, 'SELECT * FROM t');
    await failure(writer, 'UPDATE t SET cluster_number = 0');
  });

  it('runs the owner\'s own code, when a refit rewrites labels, with the owner\'s rights and never a superuser\'s', async () => {
    // A trigger of the owner's on UPDATE records who runs it; the refit after an insert rewrites labels.
    await owner.query(`CREATE TABLE seen (who text)`);
    await owner.query(`CREATE FUNCTION spy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.seen VALUES (current_user); RETURN NEW; END $$`);
    await owner.query(`CREATE TRIGGER spy AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION spy()`);
    await owner.query(`UPDATE t SET cluster_number = NULL WHERE id <= 5`);
    await writer.query('INSERT INTO t (v1, v2) VALUES (10, 1)');
    const who = (await owner.query(`SELECT who, count(*)::int AS n FROM seen GROUP BY who ORDER BY who`)).rows;
    expect((await owner.query(`SELECT count(cluster_number)::int AS n FROM t`)).rows[0].n).toBe(24);
    expect(who).toEqual([{ who: OWNER, n: 10 }]); // 5 by the owner's UPDATE, 5 by the refit the writer's insert started
    await owner.query('DROP TRIGGER spy ON t');
  });

  it('shows an inserting role no settings or state of any table, and lets it change none', async () => {
    await owner.query('CREATE TABLE other (id bigserial, v1 real, v2 real, cluster_number int)');
    await owner.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['other', CONFIG]);
    expect((await writer.query(`SELECT count(*)::int AS n FROM centroid.settings`)).rows[0].n).toBe(0);
    expect((await writer.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
    expect((await writer.query(`UPDATE centroid.settings SET config = config || '{"seed": 1}'`)).rowCount).toBe(0);
    expect((await writer.query(`UPDATE centroid.state SET centroids = '{{0,0},{1,1}}'`)).rowCount).toBe(0);
    expect((await writer.query(`DELETE FROM centroid.state`)).rowCount).toBe(0);
    expect((await writer.query(`DELETE FROM centroid.settings`)).rowCount).toBe(0);
    expect((await intruder.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
    expect((await owner.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(1);
  });

  it('pins search_path in every SECURITY DEFINER function, generated ones included', async () => {
    const r = await db.client.query(`SELECT p.oid::regprocedure::text AS fn, p.proconfig FROM pg_proc p
      WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) AND p.prosecdef ORDER BY 1`);
    expect(r.rows.map((row) => row.fn)).toContain(`centroid_internal.hook_${(await db.client.query(`SELECT 't'::regclass::oid::int AS o`)).rows[0].o}()`);
    for (const row of r.rows) expect({ fn: row.fn, pinned: (row.proconfig ?? []).includes('search_path=pg_catalog, pg_temp') }).toEqual({ fn: row.fn, pinned: true });
    // The hook functions run as the table's owner, not as the extension's.
    const hooks = await db.client.query(`SELECT DISTINCT pg_get_userbyid(p.proowner)::text AS owner FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
      WHERE tg.tgrelid = 't'::regclass AND tg.tgname IN ('centroid_after_insert', 'centroid_truncate')`);
    expect(hooks.rows).toEqual([{ owner: OWNER }]);
  });
});
