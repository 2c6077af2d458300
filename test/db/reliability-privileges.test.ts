// Privileges: only a table's owner (or a superuser) configures or refits it; an inserting role
// re-clusters with its own rights (SELECT and UPDATE of the cluster number column, or a clear
// refusal naming the GRANT), never with more; every SECURITY DEFINER function pins search_path.

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

  it('refuses another role that tries to refit the table, or attach to it', async () => {
    const e = await failure(intruder, `SELECT centroid.refit('t')`);
    expect(e.message).toBe('pg_centroid: only the owner of table public.t can refit it');
    expect(e.hint).toMatch(/ask the table's owner, or a superuser/);
    expect(e.code).toBe('42501');
    const a = await failure(intruder, `SELECT centroid.attach('t', $1)`, [CONFIG]);
    expect(a.code).toBe('42501');
    // The unchecked internal entry finds no settings: row-level security hides them.
    const i = await failure(intruder, `SELECT centroid._raise(centroid._refit('t'::regclass::oid))`);
    expect(i.message).toMatch(/is not clustered/);
  });

  it('refuses a role with only INSERT, naming the GRANT that lets it insert, and inserts nothing', async () => {
    const e = await failure(writer, 'INSERT INTO t (v1, v2) VALUES (10, 1), (0, 0), (10, 1)');
    expect(e.code).toBe('42501');
    expect(e.message).toBe(`pg_centroid: role "${WRITER}" cannot insert into clustered table t: it lacks SELECT on t and UPDATE on its column cluster_number`);
    expect(e.hint).toBe(`clustering on insert re-clusters with the inserting role's rights; the owner can run: GRANT SELECT, UPDATE ("cluster_number") ON "public"."t" TO "${WRITER}";`);
    expect((await owner.query(`SELECT count(*)::int AS n FROM t`)).rows[0].n).toBe(20);
  });

  it('lets a role with INSERT, SELECT and UPDATE of the cluster number insert, and its rows get labelled', async () => {
    await owner.query(`GRANT SELECT, UPDATE (cluster_number) ON t TO ${WRITER}`);
    await writer.query('INSERT INTO t (v1, v2) VALUES (10, 1), (0, 0), (10, 1)');
    const r = await owner.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled FROM t`);
    expect(r.rows[0]).toEqual({ n: 23, labelled: 23 });
    expect((await owner.query(`SELECT rows_used FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0].rows_used).toBe(23);
    // Its rights stay its own: no UPDATE of other columns.
    await failure(writer, 'UPDATE t SET v1 = 0');
  });

  it('never runs the owner\'s code with more rights than the role that inserts', async () => {
    // A trigger of the owner's on UPDATE records who runs it; the refit after an insert rewrites labels.
    await owner.query(`CREATE TABLE seen (who text)`);
    await owner.query(`GRANT INSERT ON seen TO PUBLIC`);
    await owner.query(`CREATE FUNCTION spy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.seen VALUES (current_user); RETURN NEW; END $$`);
    await owner.query(`CREATE TRIGGER spy AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION spy()`);
    await owner.query(`UPDATE t SET cluster_number = NULL WHERE id <= 5`);
    await writer.query('INSERT INTO t (v1, v2) VALUES (10, 1)');
    const who = (await owner.query(`SELECT who, count(*)::int AS n FROM seen GROUP BY who ORDER BY who`)).rows;
    expect((await owner.query(`SELECT count(cluster_number)::int AS n FROM t`)).rows[0].n).toBe(24);
    expect(who).toEqual([OWNER, WRITER].sort().map((w) => ({ who: w, n: 5 }))); // 5 by the owner's UPDATE, 5 by the writer's refit
    await owner.query('DROP TRIGGER spy ON t');
  });

  it('lets the inserting role read the table\'s settings and state but not other tables\', and not change settings', async () => {
    await owner.query('CREATE TABLE other (id bigserial, v1 real, v2 real, cluster_number int)');
    await owner.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['other', CONFIG]);
    expect((await writer.query(`SELECT table_name::text AS t FROM centroid.settings`)).rows).toEqual([{ t: 't' }]);
    expect((await writer.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(1);
    expect((await writer.query(`UPDATE centroid.settings SET config = config || '{"seed": 1}'`)).rowCount).toBe(0);
    expect((await writer.query(`DELETE FROM centroid.settings`)).rowCount).toBe(0);
    expect((await intruder.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
  });

  it('pins search_path in every SECURITY DEFINER function', async () => {
    const r = await db.client.query(`SELECT p.oid::regprocedure::text AS fn, p.proconfig FROM pg_proc p
      WHERE p.pronamespace = 'centroid'::regnamespace AND p.prosecdef ORDER BY 1`);
    expect(r.rows.length).toBeGreaterThanOrEqual(1);
    // The insert path has none: it acts with the inserting role's rights.
    expect(r.rows.map((row) => row.fn)).not.toContain('centroid._after_insert()');
    for (const row of r.rows) expect({ fn: row.fn, pinned: (row.proconfig ?? []).includes('search_path=pg_catalog, pg_temp') }).toEqual({ fn: row.fn, pinned: true });
    // A function of an inserting role's own schema cannot stand in for a catalog one.
    const unpinned = await db.client.query(`SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'centroid'::regnamespace AND prosecdef AND proconfig IS NULL`);
    expect(unpinned.rows[0].n).toBe(0);
  });
});
