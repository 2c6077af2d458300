// Security, scheduling: a table owner that is not a superuser schedules and unschedules its own refits and fits in
// pg_cron's database once a superuser ran the GRANT that the refusal before names; no other role schedules its
// table or removes its jobs; from another database without dblink (or with dblink but no password) the refusal
// gives the statement to run in pg_cron's database, and that statement works. The commands pg_centroid schedules,
// and the statements it sends through dblink, run under the role's own search_path there: objects planted on it
// never run.
//
// pg_cron lives in one database of a server (cron.database_name = postgres on the stack). So that nothing here
// touches the postgres database other tests share, this runs on a separate server of the embedded stack.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, separateInstance, up } from '../../src/stack/stack';
import { plantedRuns, plantSql, roleSuffix } from './security';

// A port away from the stack's and its shards' (see reliability-crash.test.ts).
const instance = separateInstance('security_cron', 52000 + (process.pid % 1000));
const suffix = roleSuffix();
const OWNER = `sec_cr_owner_${suffix}`;
const OTHER = `sec_cr_other_${suffix}`;
const SUPER = `sec_cr_super_${suffix}`;
const DB2 = `sec_cr_db2_${suffix}`;

let base: string;
let su: pg.Client;
const clients: pg.Client[] = [];

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4 };
const FIT = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'label' };

/** A connection to a database of the separate server, as a role. */
async function connect(database: string, user = 'postgres'): Promise<pg.Client> {
  const url = new URL(base);
  url.pathname = `/${database}`;
  url.username = user;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('notice', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

/** Runs a statement expected to fail; returns the error. */
async function refusal(c: pg.Client, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  try {
    await c.query(sql, params);
  } catch (e) {
    return e as pg.DatabaseError;
  }
  throw new Error(`expected this to fail: ${sql}`);
}

/** Waits for pg_cron's first finished run of a job; returns its status and message. */
async function firstRun(jobid: number, ms = 90_000): Promise<{ status: string; return_message: string }> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await su.query(`SELECT status, return_message FROM cron.job_run_details WHERE jobid = $1 AND status IN ('succeeded', 'failed') ORDER BY runid LIMIT 1`, [jobid]);
    if (r.rows[0] || Date.now() > end) return r.rows[0] ?? { status: 'never ran', return_message: '' };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The jobs pg_cron has, as its superuser sees them. */
async function jobs(): Promise<{ jobname: string; username: string; database: string; command: string }[]> {
  return (await su.query(`SELECT jobname, username, database, command FROM cron.job ORDER BY jobname, username`)).rows;
}

/** A clustered table of the owner's, with 20 rows. */
async function clusteredTable(c: pg.Client, name: string): Promise<void> {
  await c.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)`);
  await c.query(`INSERT INTO ${name} (v1, v2) SELECT g % 2 * 10, g % 3 FROM generate_series(1, 20) g`);
  await c.query(`SELECT centroid.attach('${name}', $1)`, [CONFIG]);
}

beforeAll(async () => {
  base = up(() => {}, instance);
  su = new pg.Client({ connectionString: base });
  su.on('notice', () => {});
  await su.connect();
  // The server is this file's own: start from nothing of an earlier run.
  await su.query(`CREATE EXTENSION IF NOT EXISTS pg_cron`);
  await su.query(`DELETE FROM cron.job`);
  await su.query(`DROP EXTENSION IF EXISTS pg_centroid CASCADE`);
  await su.query(`DROP SCHEMA IF EXISTS sched, evil CASCADE`);
  await su.query(`CREATE EXTENSION IF NOT EXISTS pljs`);
  await su.query(`CREATE EXTENSION pg_centroid`);
  for (const r of [OWNER, OTHER]) await su.query(`CREATE ROLE ${r} LOGIN`);
  await su.query(`CREATE ROLE ${SUPER} LOGIN SUPERUSER`);
  await su.query(`CREATE SCHEMA sched AUTHORIZATION ${OWNER}`);
  await su.query(`CREATE SCHEMA evil AUTHORIZATION ${OTHER}`);
  await su.query(`GRANT USAGE ON SCHEMA sched TO ${OTHER}`);
  const owner = await connect('postgres', OWNER);
  await clusteredTable(owner, 'sched.t');
  await owner.query(`CREATE TABLE sched.src (id int PRIMARY KEY, v1 float8, v2 float8, label int)`);
  await owner.query(`INSERT INTO sched.src SELECT g, (g % 2) * 10 + g * 0.01, g % 3 FROM generate_series(1, 50) g`);
  await owner.query(`CREATE MATERIALIZED VIEW sched.mv AS SELECT id, v1, v2 FROM sched.src`);
  await owner.query(`CREATE UNIQUE INDEX ON sched.mv (id)`);
  await owner.query(`CREATE TABLE sched.secret (x text)`);
  await owner.query(`GRANT SELECT ON sched.t TO ${OTHER}`);
  // Another database of the server, where pg_cron is not.
  await su.query(`CREATE DATABASE ${DB2}`);
  const db2 = await connect(DB2);
  await db2.query(`CREATE EXTENSION pljs`);
  await db2.query(`CREATE EXTENSION pg_centroid`);
  await db2.query(`CREATE SCHEMA sched AUTHORIZATION ${OWNER}`);
  await clusteredTable(await connect(DB2, OWNER), 'sched.t2');
}, 300_000);

afterAll(async () => {
  await su?.query(`DELETE FROM cron.job`).catch(() => {});
  for (const c of clients) await c.end().catch(() => {});
  if (su) {
    await su.query(`DROP DATABASE IF EXISTS ${DB2} WITH (FORCE)`).catch(() => {});
    await su.query(`DROP EXTENSION IF EXISTS pg_centroid CASCADE`).catch(() => {});
    await su.query(`DROP SCHEMA IF EXISTS sched, evil CASCADE`).catch(() => {});
    for (const r of [OWNER, OTHER, SUPER]) {
      await su.query(`DROP OWNED BY ${r}`).catch(() => {});
      await su.query(`DROP ROLE IF EXISTS ${r}`).catch(() => {});
    }
    await su.end();
  }
  down(instance);
});

describe('scheduling by a table owner that is not a superuser', () => {
  it('is refused before USAGE on schema cron, naming exactly what to grant', async () => {
    const owner = await connect('postgres', OWNER);
    for (const sql of [
      `SELECT centroid.schedule_refit('sched.t', '0 3 * * *')`,
      `SELECT centroid.unschedule_refit('sched.t')`,
      `SELECT centroid.schedule_fit('m', 'sched.src', '${JSON.stringify(FIT)}', '0 3 * * *', 'sched.mv')`,
      `SELECT centroid.unschedule_fit('m')`,
    ]) {
      const e = await refusal(owner, sql);
      expect({ sql, message: e.message, hint: e.hint, code: e.code }).toEqual({
        sql,
        message: `pg_centroid: role ${OWNER} may not use pg_cron`,
        hint: `a superuser can allow it: GRANT USAGE ON SCHEMA cron TO ${OWNER}; (in database postgres)`,
        code: '42501',
      });
    }
    expect(await jobs()).toEqual([]);
    // The statement the hint names is the one that is needed.
    const e = await refusal(owner, `SELECT centroid.schedule_refit('sched.t', '0 3 * * *')`);
    await su.query((e.hint?.match(/GRANT USAGE ON SCHEMA cron TO \S+;/) as RegExpMatchArray)[0]);
  });

  it('schedules its own refits, which pg_cron runs as the owner, and unschedules them', async () => {
    const owner = await connect('postgres', OWNER);
    const refits = async () => Number((await su.query(`SELECT refits FROM centroid.state WHERE table_name = 'sched.t'::regclass`)).rows[0].refits);
    const before = await refits();
    const job = (await owner.query(`SELECT centroid.schedule_refit('sched.t', '1 seconds') AS j`)).rows[0].j;
    expect(job).toMatchObject({ job_name: 'pg_centroid refit table postgres sched.t', command: `SELECT centroid.refit('sched.t'::pg_catalog.regclass)`, cron_database: 'postgres' });
    expect(await jobs()).toEqual([{ jobname: job.job_name, username: OWNER, database: 'postgres', command: job.command }]);
    expect(await firstRun(job.job_id)).toMatchObject({ status: 'succeeded' });
    expect(await refits()).toBeGreaterThan(before);
    expect((await owner.query(`SELECT centroid.unschedule_refit('sched.t') AS u`)).rows[0].u).toBe(true);
    expect(await jobs()).toEqual([]);
    expect((await owner.query(`SELECT centroid.unschedule_refit('sched.t') AS u`)).rows[0].u).toBe(false);
  });

  it('schedules its own fits (refreshing a materialized view first), which pg_cron runs as the owner, and unschedules them', async () => {
    const owner = await connect('postgres', OWNER);
    const job = (await owner.query(`SELECT centroid.schedule_fit('m', 'sched.mv', $1, '1 seconds', 'sched.mv') AS j`, [{ ...FIT, output_table: 'sched.src' }])).rows[0].j;
    expect(job.job_name).toBe('pg_centroid refit postgres m');
    expect(job.command).toContain('REFRESH MATERIALIZED VIEW CONCURRENTLY sched.mv; SELECT centroid.fit(');
    expect(job.command).toMatch(/::pg_catalog\.jsonb\)$/);
    expect((await jobs()).map((j) => [j.jobname, j.username])).toEqual([[job.job_name, OWNER]]);
    expect(await firstRun(job.job_id)).toMatchObject({ status: 'succeeded' });
    expect((await su.query(`SELECT owner::text AS owner FROM centroid.models WHERE model = 'm' ORDER BY version LIMIT 1`)).rows).toEqual([{ owner: OWNER }]);
    expect((await su.query(`SELECT count(label)::int AS n FROM sched.src`)).rows[0].n).toBe(50);
    expect((await owner.query(`SELECT centroid.unschedule_fit('m') AS u`)).rows[0].u).toBe(true);
    expect(await jobs()).toEqual([]);
    expect((await owner.query(`SELECT centroid.unschedule_fit('m') AS u`)).rows[0].u).toBe(false);
  });

  it('lets no other role schedule the owner\'s table, see its jobs or remove them', async () => {
    await su.query(`GRANT USAGE ON SCHEMA cron TO ${OTHER}`);
    const owner = await connect('postgres', OWNER);
    const other = await connect('postgres', OTHER);
    const e = await refusal(other, `SELECT centroid.schedule_refit('sched.t', '0 3 * * *')`);
    expect(e.message).toBe('pg_centroid: only the owner of table sched.t can schedule its refits');
    expect(e.code).toBe('42501');
    const refit = (await owner.query(`SELECT centroid.schedule_refit('sched.t', '0 3 * * *') AS j`)).rows[0].j;
    const fit = (await owner.query(`SELECT centroid.schedule_fit('m', 'sched.src', $1, '0 4 * * *') AS j`, [FIT])).rows[0].j;
    expect((await other.query(`SELECT count(*)::int AS n FROM cron.job`)).rows[0].n).toBe(0);
    expect((await other.query(`SELECT centroid.unschedule_refit('sched.t') AS u`)).rows[0].u).toBe(false);
    expect((await other.query(`SELECT centroid.unschedule_fit('m') AS u`)).rows[0].u).toBe(false);
    // Nor through pg_cron itself.
    for (const id of [refit.job_id, fit.job_id]) {
      expect((await refusal(other, `SELECT cron.unschedule($1::bigint)`, [id])).message).toBe('permission denied for table job');
    }
    expect((await jobs()).map((j) => j.username)).toEqual([OWNER, OWNER]);
    // Its own fit job of the same model name is its own; removing it leaves the owner's.
    await other.query(`SELECT centroid.schedule_fit('m', 'sched.t', $1, '0 5 * * *')`, [{ key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2 }]);
    expect((await jobs()).map((j) => [j.jobname, j.username])).toEqual([
      ['pg_centroid refit postgres m', OTHER],
      ['pg_centroid refit postgres m', OWNER],
      ['pg_centroid refit table postgres sched.t', OWNER],
    ]);
    expect((await other.query(`SELECT centroid.unschedule_fit('m') AS u`)).rows[0].u).toBe(true);
    expect((await jobs()).map((j) => [j.jobname, j.username])).toEqual([
      ['pg_centroid refit postgres m', OWNER],
      ['pg_centroid refit table postgres sched.t', OWNER],
    ]);
    expect((await owner.query(`SELECT centroid.unschedule_refit('sched.t') AND centroid.unschedule_fit('m') AS u`)).rows[0].u).toBe(true);
    expect(await jobs()).toEqual([]);
  });
});

describe('scheduling from another database', () => {
  it('without dblink: refuses with the statement to run in pg_cron\'s database, which works', async () => {
    const owner2 = await connect(DB2, OWNER);
    const owner = await connect('postgres', OWNER);
    const e = await refusal(owner2, `SELECT centroid.schedule_refit('sched.t2', '1 seconds')`);
    expect(e.message).toBe(`pg_centroid: pg_cron runs in database "postgres", not in this database ("${DB2}"), and dblink is not installed here to reach it`);
    expect(e.code).toBe('55000');
    const statement = `SELECT cron.schedule_in_database('pg_centroid refit table ${DB2} sched.t2', '1 seconds', 'SELECT centroid.refit(''sched.t2''::pg_catalog.regclass)', '${DB2}')::pg_catalog.text`;
    expect(e.hint).toBe(
      `run CREATE EXTENSION dblink; here and call this again (pg_centroid then registers the job in postgres itself), or connect to database postgres and run: ${statement}; ` +
        `a role that is not a superuser needs there first, from a superuser: GRANT USAGE ON SCHEMA cron TO ${OWNER}; GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean) TO ${OWNER};`,
    );
    // Which it does: as it is, the statement is refused.
    expect((await refusal(owner, statement)).message).toBe('permission denied for function schedule_in_database');
    await su.query((e.hint?.match(/GRANT EXECUTE ON FUNCTION cron\.schedule_in_database\(.*\) TO \S+;/) as RegExpMatchArray)[0]);
    const refits = async () => Number((await owner2.query(`SELECT refits FROM centroid.state WHERE table_name = 'sched.t2'::regclass`)).rows[0].refits);
    const before = await refits();
    const id = Number((await owner.query(statement)).rows[0].schedule_in_database);
    expect(await jobs()).toEqual([{ jobname: `pg_centroid refit table ${DB2} sched.t2`, username: OWNER, database: DB2, command: `SELECT centroid.refit('sched.t2'::pg_catalog.regclass)` }]);
    expect(await firstRun(id)).toMatchObject({ status: 'succeeded' });
    expect(await refits()).toBeGreaterThan(before);
    // Unscheduling says the same, with its own statement.
    const u = await refusal(owner2, `SELECT centroid.unschedule_refit('sched.t2')`);
    expect(u.hint).toMatch(new RegExp(`; a role that is not a superuser needs there first, from a superuser: GRANT USAGE ON SCHEMA cron TO ${OWNER};$`));
    const unschedule = (u.hint?.match(/connect to database postgres and run: (.*::pg_catalog\.text); a role/) as RegExpMatchArray)[1] as string;
    expect((await owner.query(unschedule)).rows[0]).toEqual({ coalesce: 'true' });
    expect(await jobs()).toEqual([]);
  });

  it('with dblink but no password: refuses with what to do; a superuser registers through dblink', async () => {
    await su.query(`GRANT USAGE ON SCHEMA cron TO ${OWNER}`);
    const db2 = await connect(DB2);
    await db2.query('CREATE EXTENSION IF NOT EXISTS dblink');
    const owner2 = await connect(DB2, OWNER);
    const e = await refusal(owner2, `SELECT centroid.schedule_refit('sched.t2', '0 3 * * *')`);
    expect(e.message).toBe(`pg_centroid: could not register the job in pg_cron's database "postgres" as role ${OWNER}: password or GSSAPI delegated credentials required`);
    expect(e.code).toBe('42501');
    expect(e.hint).toBe(
      `connect to database postgres and run: SELECT cron.schedule_in_database('pg_centroid refit table ${DB2} sched.t2', '0 3 * * *', 'SELECT centroid.refit(''sched.t2''::pg_catalog.regclass)', '${DB2}')::pg_catalog.text; ` +
        `a role that is not a superuser needs there first, from a superuser: GRANT USAGE ON SCHEMA cron TO ${OWNER}; GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean) TO ${OWNER}; ` +
        '(dblink connects such a role only with a password in the connection string, which pg_centroid does not send)',
    );
    expect(await jobs()).toEqual([]);
    const sup = await connect(DB2, SUPER);
    const job = (await sup.query(`SELECT centroid.schedule_refit('sched.t2', '0 3 * * *') AS j`)).rows[0].j;
    expect(await jobs()).toEqual([{ jobname: job.job_name, username: SUPER, database: DB2, command: job.command }]);
    expect((await sup.query(`SELECT centroid.unschedule_refit('sched.t2') AS u`)).rows[0].u).toBe(true);
    expect(await jobs()).toEqual([]);
  });
});

describe('scheduled commands and statements sent to pg_cron\'s database', () => {
  it('never run objects planted on the search_path of the role in that database', async () => {
    await su.query(`GRANT USAGE ON SCHEMA cron TO ${OWNER}`);
    await (await connect(DB2)).query('CREATE EXTENSION IF NOT EXISTS dblink');
    const other = await connect('postgres', OTHER);
    await other.query(plantSql('evil', 'sched.secret', OTHER));
    // The roles' own search_path in pg_cron's database puts the planted schema first and pg_catalog last: pg_cron runs
    // their jobs under it, and dblink's connections start with it.
    await su.query(`ALTER ROLE ${OWNER} IN DATABASE postgres SET search_path = evil, sched, pg_catalog`);
    await su.query(`ALTER ROLE ${SUPER} IN DATABASE postgres SET search_path = evil, public, pg_catalog`);
    const planted = async () => plantedRuns(su, 'evil');
    // The planted objects do run for code that does not qualify its names (the kit works here).
    const owner = await connect('postgres', OWNER);
    await owner.query(`SELECT 1.5::float8`);
    expect((await planted()).runs).toBeGreaterThan(0);
    // (Run as the owner, the planted object granted the owner's secret: revoked again.)
    await owner.query(`REVOKE SELECT ON sched.secret FROM ${OTHER}`);
    await su.query(`TRUNCATE evil.log`);
    await su.query(`SELECT setval('evil.hits', 1, false)`);

    const refit = (await owner.query(`SELECT centroid.schedule_refit('sched.t', '1 seconds') AS j`)).rows[0].j;
    const fit = (await owner.query(`SELECT centroid.schedule_fit('m2', 'mv', $1, '1 seconds', 'mv') AS j`, [{ ...FIT, output_table: 'src' }])).rows[0].j;
    expect(fit.command).toMatch(/^SET search_path TO evil, sched, pg_catalog; REFRESH MATERIALIZED VIEW CONCURRENTLY sched\.mv; SELECT centroid\.fit\('m2', 'mv', /);
    expect(await firstRun(refit.job_id)).toMatchObject({ status: 'succeeded' });
    expect(await firstRun(fit.job_id)).toMatchObject({ status: 'succeeded' });
    expect((await owner.query(`SELECT centroid.unschedule_refit('sched.t') AND centroid.unschedule_fit('m2') AS u`)).rows[0].u).toBe(true);
    // Through dblink, as a superuser whose connections there start with the planted path.
    const sup = await connect(DB2, SUPER);
    const viaDblink = (await sup.query(`SELECT centroid.schedule_refit('sched.t2', '1 seconds') AS j`)).rows[0].j;
    expect(await firstRun(viaDblink.job_id)).toMatchObject({ status: 'succeeded' });
    expect((await sup.query(`SELECT centroid.unschedule_refit('sched.t2') AS u`)).rows[0].u).toBe(true);
    expect(await jobs()).toEqual([]);
    const after = await planted();
    expect([...new Set(after.log.map((l) => `${l.what} (as ${l.who})`))]).toEqual([]);
    expect(after.runs).toBe(0);
    expect((await su.query(`SELECT has_table_privilege($1, 'sched.secret', 'SELECT') AS r, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS s`, [OTHER])).rows[0]).toEqual({ r: false, s: false });
  });
});
