// Security, internal functions: every function of schemas centroid and centroid_internal (read from pg_proc, so a
// function added later fails this test until it is given its expectation here) is called by roles that do not own
// the victim's tables and models, with arguments naming them: each call is refused or changes nothing of the
// victim's (settings, stored state, cluster numbers, models, triggers, generated functions). Trigger functions cannot
// be called directly, and no other role can put the victim's generated trigger functions on a table of its own.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const OWNER = `sec_in_owner_${suffix}`;
const NOBODY = `sec_in_nobody_${suffix}`;
const INSERTER = `sec_in_inserter_${suffix}`;

let db: TestDatabase;
let owner: RoleClient;
let nobody: RoleClient;
let inserter: RoleClient;

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, seed: 1 };
const FIT = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2 };
const FIT_LABELS = { ...FIT, cluster_number_column: 'cluster_number', output_table: 'public.t' };

/** Everything of the victim's that no call by another role may change. */
async function snapshot(): Promise<unknown> {
  const q = async (sql: string) => (await db.client.query(sql)).rows;
  return {
    settings: await q(`SELECT table_name::text AS t, config FROM centroid.settings ORDER BY 1`),
    state: await q(`SELECT table_name::text AS t, pg_catalog.to_jsonb(s) - 'table_name' AS s FROM centroid.state s ORDER BY 1`),
    labels: {
      t: await q(`SELECT id, cluster_number FROM public.t ORDER BY id`),
      h: await q(`SELECT id, cluster_number FROM public.h ORDER BY id`),
      o: await q(`SELECT id, cluster_number FROM public.o ORDER BY id`),
    },
    models: await q(`SELECT owner, model, version, centroids, config, created_at::text FROM centroid.models WHERE owner = '${OWNER}' ORDER BY 2, 3`),
    triggers: await q(`SELECT tgrelid::regclass::text AS t, tgname, tgfoid::regprocedure::text AS fn, tgenabled, tgtype FROM pg_trigger
      WHERE tgrelid IN ('public.t'::regclass, 'public.h'::regclass, 'public.o'::regclass, 'public.u'::regclass) AND NOT tgisinternal ORDER BY 1, 2`),
    functions: await q(`SELECT p.oid::regprocedure::text AS fn, pg_catalog.md5(p.prosrc) AS src, pg_get_userbyid(p.proowner)::text AS owner, p.proacl::text AS acl,
      p.prosecdef, p.proconfig FROM pg_proc p WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) ORDER BY 1`),
  };
}

/** How a call by a non-owner must end: refused (an error, with one of these SQLSTATEs when given), or anything that changes nothing. */
type Outcome = { refused: true; codes?: string[] } | { refused: false };
const REFUSED = (...codes: string[]): Outcome => ({ refused: true, codes: codes.length ? codes : undefined });
const HARMLESS: Outcome = { refused: false };

const T = `'public.t'::regclass`;
const H = `'public.h'::regclass`;
const O = `'public.o'::regclass`;
const U = `'public.u'::regclass`;

/** Each function's calls (with the victim's table and model), and how a non-owner's call must end. */
const EXPECTED: Record<string, { calls: string[]; outcome: Outcome }> = {
  'centroid.cluster_on_insert()': { calls: ['SELECT centroid.cluster_on_insert()'], outcome: REFUSED('0A000') },
  'centroid.refit(regclass)': { calls: [`SELECT centroid.refit(${T})`, `SELECT centroid.refit(${H})`, `SELECT centroid.refit(${O})`], outcome: REFUSED('42501') },
  'centroid.schedule_refit(regclass,text)': { calls: [`SELECT centroid.schedule_refit(${T}, '0 3 * * *')`], outcome: REFUSED('42501') },
  'centroid.unschedule_refit(regclass)': { calls: [`SELECT centroid.unschedule_refit(${T})`], outcome: REFUSED('55000') },
  'centroid.attach(regclass,jsonb,boolean)': {
    calls: [`SELECT centroid.attach(${T}, '${JSON.stringify({ ...CONFIG, cluster_count: 3 })}')`, `SELECT centroid.attach(${U}, '${JSON.stringify(CONFIG)}', false)`],
    outcome: REFUSED('42501'),
  },
  'centroid.detach(regclass)': { calls: [`SELECT centroid.detach(${T})`, `SELECT centroid.detach(${H})`], outcome: REFUSED('42501') },
  // The victim's table is not among the caller's: "not clustered", as for any table the caller has not clustered.
  'centroid.status(regclass)': { calls: [`SELECT centroid.status(${T})`], outcome: REFUSED('22023') },
  'centroid.fit(text,text,jsonb)': {
    calls: [`SELECT centroid.fit('vmodel', 'public.t', '${JSON.stringify(FIT_LABELS)}')`, `SELECT centroid.fit('vmodel', 'SELECT id, v1, v2 FROM public.t', '${JSON.stringify(FIT_LABELS)}')`],
    outcome: REFUSED('42501'),
  },
  // Another role's model or table: "neither a model of yours nor a clustered table of yours", as for a name nobody has.
  'centroid.predict(text,anycompatible,integer)': {
    calls: [
      `SELECT centroid.predict('vmodel', '{1,1}')`,
      `SELECT centroid.predict('vmodel', '{1,1}', 1)`,
      `SELECT centroid.predict('public.t', '{1,1}')`,
      `SELECT centroid.predict('public.t', ARRAY[1, 1]::real[])`,
      `SELECT centroid.predict('vmodel', '[1,1]')`,
    ],
    outcome: REFUSED('22023'),
  },
  'centroid.centroids(text,integer)': {
    calls: [`SELECT * FROM centroid.centroids('vmodel')`, `SELECT * FROM centroid.centroids('vmodel', 1)`, `SELECT * FROM centroid.centroids('public.t')`],
    outcome: REFUSED('22023'),
  },
  'centroid.centroids(text,anyelement)': {
    calls: [`SELECT * FROM centroid.centroids('vmodel', NULL::float8[])`, `SELECT * FROM centroid.centroids('public.o', NULL::float8[])`],
    outcome: REFUSED('22023'),
  },
  'centroid.score(text,text,integer)': {
    calls: [`SELECT * FROM centroid.score('vmodel', 'public.t')`, `SELECT * FROM centroid.score('public.t', 'public.t')`],
    outcome: REFUSED('22023'),
  },
  'centroid.choose_k(text,jsonb,integer,integer)': { calls: [`SELECT centroid.choose_k('public.t', '${JSON.stringify(FIT)}', 2, 3)`], outcome: HARMLESS },
  'centroid.schedule_fit(text,text,jsonb,text,text)': {
    calls: [`SELECT centroid.schedule_fit('vmodel', 'public.t', '${JSON.stringify(FIT_LABELS)}', '0 3 * * *', 'public.mv')`],
    outcome: REFUSED('42501', '55000'),
  },
  'centroid.unschedule_fit(text)': { calls: [`SELECT centroid.unschedule_fit('vmodel')`], outcome: REFUSED('55000') },
  'centroid_internal._raise(jsonb)': { calls: [`SELECT centroid_internal._raise(NULL)`, `SELECT centroid_internal._raise('{"error": {"message": "m"}}')`], outcome: HARMLESS },
  'centroid_internal._load()': { calls: ['SELECT centroid_internal._load()'], outcome: HARMLESS },
  'centroid_internal._validate_settings(oid,jsonb)': { calls: [`SELECT centroid_internal._validate_settings(${T}, '${JSON.stringify(CONFIG)}')`], outcome: HARMLESS },
  'centroid_internal._check_settings_write(oid,jsonb)': {
    calls: [`SELECT centroid_internal._check_settings_write(${T}, '${JSON.stringify(CONFIG)}')`, `SELECT centroid_internal._check_settings_write(${U}, '${JSON.stringify(CONFIG)}')`],
    outcome: HARMLESS,
  },
  'centroid_internal._compile(oid)': {
    calls: [`SELECT centroid_internal._compile(${T})`, `SELECT centroid_internal._compile(${H})`, `SELECT centroid_internal._compile(${O})`, `SELECT centroid_internal._compile(${U})`],
    outcome: HARMLESS,
  },
  'centroid_internal._lock(oid,boolean)': { calls: [`SELECT centroid_internal._lock(${T}, true)`, `SELECT centroid_internal._lock(${T}, false)`], outcome: HARMLESS },
  'centroid_internal._settings_before()': { calls: ['SELECT centroid_internal._settings_before()'], outcome: REFUSED('42501') },
  'centroid_internal._settings_after()': { calls: ['SELECT centroid_internal._settings_after()'], outcome: REFUSED('42501') },
  'centroid_internal._on_sql_drop()': { calls: ['SELECT centroid_internal._on_sql_drop()'], outcome: REFUSED('42501') },
  'centroid_internal._on_ddl_end()': { calls: ['SELECT centroid_internal._on_ddl_end()'], outcome: REFUSED('42501') },
  'centroid_internal._nearest(oid,double precision,double precision[])': {
    calls: [`SELECT centroid_internal._nearest(${H}, 1, '{100,100}')`, `SELECT centroid_internal._nearest(${T}, 2, '{100,100}')`],
    outcome: HARMLESS,
  },
  'centroid_internal._nearest_label(oid,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision,double precision)': {
    calls: [`SELECT centroid_internal._nearest_label(${H}, 1, 100, 100)`, `SELECT centroid_internal._nearest_label(${T}, 2, 100, 100)`],
    outcome: HARMLESS,
  },
  'centroid.fit_statements(text,jsonb,double precision[])': {
    calls: [`SELECT centroid.fit_statements('public.t', '${JSON.stringify(FIT)}')`, `SELECT centroid.fit_statements('public.t', '${JSON.stringify(FIT_LABELS)}', '{{0,0},{1,1}}')`],
    outcome: HARMLESS,
  },
  'centroid_internal._fit_statements(text,jsonb,double precision[],text)': {
    calls: [`SELECT centroid_internal._fit_statements('public.t', '${JSON.stringify(FIT_LABELS)}', NULL, 'public')`],
    outcome: HARMLESS,
  },
  // Runs the statement it is given with the caller's own rights (a caller could run it without this function).
  'centroid_internal._remote(text,boolean)': {
    calls: [
      `SELECT centroid_internal._remote('DELETE FROM centroid.state', false)`,
      `SELECT centroid_internal._remote('UPDATE centroid.settings SET config = ''{}''', false)`,
      `SELECT centroid_internal._remote('SELECT * FROM centroid.state', true)`,
    ],
    outcome: HARMLESS,
  },
  'centroid_internal._label(oid,double precision[])': { calls: [`SELECT centroid_internal._label(${H}, '{100,100}')`, `SELECT centroid_internal._label(${T}, '{100,100}')`], outcome: HARMLESS },
  'centroid_internal._hook(oid,text)': {
    calls: ['before_insert', 'after_insert', 'truncate'].flatMap((e) => [`SELECT centroid_internal._raise(centroid_internal._hook(${T}, '${e}'))`, `SELECT centroid_internal._raise(centroid_internal._hook(${H}, '${e}'))`]),
    outcome: REFUSED('42501'),
  },
  'centroid_internal._online(oid,integer[],double precision[],double precision[])': {
    calls: [`SELECT centroid_internal._raise(centroid_internal._online(${O}, '{0,0,0}', '{100,100,100,100,100,100}', NULL))`],
    outcome: REFUSED('42501'),
  },
  'centroid_internal._run_hook(oid,text)': {
    calls: ['before_insert', 'after_insert', 'truncate'].map((e) => `SELECT centroid_internal._run_hook(${T}, '${e}')`),
    outcome: REFUSED('42501'),
  },
  'centroid_internal._run_online(oid,integer[],double precision[],double precision[])': {
    calls: [`SELECT centroid_internal._run_online(${O}, '{0,0,0}', '{100,100,100,100,100,100}', NULL)`],
    outcome: REFUSED('42501'),
  },
  'centroid_internal._rethrow(text)': { calls: [`SELECT centroid_internal._rethrow('Error: x')`], outcome: REFUSED('XX000') },
  'centroid_internal._refit(oid)': { calls: [`SELECT centroid_internal._raise(centroid_internal._refit(${T}))`], outcome: REFUSED('42501') },
  'centroid_internal._owns(regclass)': { calls: [`SELECT centroid_internal._owns(${T})`], outcome: HARMLESS },
  'centroid_internal._refit_job_name(regclass)': { calls: [`SELECT centroid_internal._refit_job_name(${T})`], outcome: HARMLESS },
  'centroid_internal._member_of(name)': { calls: [`SELECT centroid_internal._member_of('${OWNER}')`], outcome: HARMLESS },
  'centroid_internal._fit(text,text,jsonb,text)': {
    calls: [`SELECT centroid_internal._raise(centroid_internal._fit('vmodel', 'public.t', '${JSON.stringify(FIT_LABELS)}', 'public')::jsonb)`],
    outcome: REFUSED('42501'),
  },
  'centroid_internal._choose_k(text,jsonb,integer,integer,text)': { calls: [`SELECT centroid_internal._choose_k('public.t', '${JSON.stringify(FIT)}', 2, 3, 'public')`], outcome: HARMLESS },
  'centroid_internal._predict(text,double precision[],integer,double precision,text)': {
    calls: [`SELECT centroid_internal._predict('vmodel', '{1,1}', NULL, 1, 'public')`, `SELECT centroid_internal._predict('public.t', '{1,1}', NULL, 2, 'public')`],
    outcome: HARMLESS,
  },
  'centroid_internal._predict_vector(text,text,integer,double precision,text)': {
    calls: [`SELECT centroid_internal._predict_vector('vmodel', '[1,1]', NULL, 1, 'public')`, `SELECT centroid_internal._predict_vector('public.t', '[1,1]', NULL, 2, 'public')`],
    outcome: HARMLESS,
  },
  'centroid_internal._centroids(text,integer,text)': {
    calls: [`SELECT centroid_internal._centroids('vmodel', NULL, 'public')`, `SELECT centroid_internal._centroids('public.t', NULL, 'public')`],
    outcome: HARMLESS,
  },
  'centroid_internal._score_sql(text,text,integer,text)': { calls: [`SELECT centroid_internal._score_sql('vmodel', 'public.t', NULL, 'public')`], outcome: HARMLESS },
  'centroid_internal._score(text,text,integer,text)': { calls: [`SELECT * FROM centroid_internal._score('public.t', 'public.t', NULL, 'public')`], outcome: REFUSED('22023') },
  'centroid_internal._rethrow_fit(text)': { calls: [`SELECT centroid_internal._rethrow_fit('Error: x')`], outcome: REFUSED('22023') },
  'centroid_internal._take_predict_error()': { calls: ['SELECT centroid_internal._take_predict_error()'], outcome: HARMLESS },
  'centroid_internal._check_fit(text,jsonb,text)': {
    calls: [`SELECT centroid_internal._raise(centroid_internal._check_fit('public.t', '${JSON.stringify(FIT_LABELS)}', 'public'))`],
    outcome: REFUSED('42501'),
  },
  'centroid_internal._conninfo_value(text)': { calls: [`SELECT centroid_internal._conninfo_value('x')`], outcome: HARMLESS },
  'centroid_internal._cron_setting(text)': { calls: [`SELECT centroid_internal._cron_setting('cron.database_name')`, `SELECT centroid_internal._cron_setting('data_directory')`], outcome: HARMLESS },
  'centroid_internal._schedule_statement(text,text,text)': { calls: [`SELECT centroid_internal._schedule_statement('j', '0 3 * * *', 'SELECT 1')`], outcome: HARMLESS },
  'centroid_internal._in_cron_database(text)': { calls: [`SELECT centroid_internal._in_cron_database('SELECT 1::text')`], outcome: REFUSED('55000') },
  'centroid_internal._job_name(text)': { calls: [`SELECT centroid_internal._job_name('vmodel')`], outcome: HARMLESS },
  'centroid_internal._schedule_fit(text,text,jsonb,text,text,text)': {
    calls: [`SELECT centroid_internal._schedule_fit('vmodel', 'public.t', '${JSON.stringify(FIT_LABELS)}', '0 3 * * *', 'public.mv', 'public')`],
    outcome: REFUSED('42501', '55000'),
  },
  'centroid_internal._unschedule_job(text)': { calls: [`SELECT centroid_internal._unschedule_job(centroid_internal._job_name('vmodel'))`], outcome: REFUSED('55000') },
};

/** The generated trigger functions of the victim's tables, called directly. */
const GENERATED = /^centroid_internal\.(label|hook)_\d+(_\d+)?\(\)$/;

/** Runs a call; returns the error's SQLSTATE, or null when it succeeded. */
async function attempt(c: pg.Client, sql: string): Promise<string | null> {
  try {
    await c.query(sql);
    return null;
  } catch (e) {
    return (e as pg.DatabaseError).code ?? 'no code';
  }
}

beforeAll(async () => {
  await createRoles(OWNER, NOBODY, INSERTER);
  db = await createDatabase('sec_internals');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}, ${NOBODY}, ${INSERTER}`);
  owner = await connectAs(db, OWNER);
  nobody = await connectAs(db, NOBODY);
  inserter = await connectAs(db, INSERTER);
  await owner.query('CREATE TABLE t (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)');
  await owner.query('CREATE TABLE h (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int, PRIMARY KEY (id, ts))');
  await owner.query(`SELECT create_hypertable('h', 'ts')`);
  await owner.query('CREATE TABLE o (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)');
  for (const t of ['t', 'h', 'o']) await owner.query(`INSERT INTO ${t} (v1, v2) SELECT (g % 2) * 10 + g * 0.01, g % 3 FROM generate_series(1, 30) g`);
  await owner.query(`SELECT centroid.attach('t', $1)`, [CONFIG]);
  await owner.query(`SELECT centroid.attach('h', $1)`, [{ ...CONFIG, refit: 'row' }]);
  await owner.query(`SELECT centroid.attach('o', $1)`, [{ ...CONFIG, refit: 'online', standardize: 'zscore' }]);
  // A table of the owner's that is not clustered, with a trigger of its own that happens to bear a companion trigger's name.
  await owner.query('CREATE TABLE u (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)');
  await owner.query(`CREATE FUNCTION own_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
  await owner.query('CREATE TRIGGER centroid_truncate AFTER TRUNCATE ON u FOR EACH STATEMENT EXECUTE FUNCTION own_trigger()');
  await owner.query(`SELECT centroid.fit('vmodel', 't', $1)`, [FIT]);
  await owner.query('CREATE MATERIALIZED VIEW mv AS SELECT id, v1, v2 FROM t');
  for (const t of ['t', 'h', 'o']) {
    await owner.query(`GRANT SELECT, INSERT, UPDATE ON ${t} TO ${INSERTER}`);
    await owner.query(`GRANT USAGE ON SEQUENCE ${t}_id_seq TO ${INSERTER}`);
  }
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, NOBODY, INSERTER);
});

describe('internal functions called by roles that do not own the table', () => {
  it('has an expectation for every function of centroid and centroid_internal', async () => {
    const r = await db.client.query(`SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
      WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) ORDER BY 1`);
    const missing = r.rows.map((row) => row.fn as string).filter((fn) => !(fn in EXPECTED) && !GENERATED.test(fn));
    expect(missing).toEqual([]);
    // And no expectation names a function that is gone.
    const present = new Set(r.rows.map((row) => row.fn as string));
    expect(Object.keys(EXPECTED).filter((fn) => !present.has(fn))).toEqual([]);
    expect(r.rows.filter((row) => GENERATED.test(row.fn)).length).toBe(6);
  });

  for (const [who, client] of [
    ['a role with no privilege on the tables', () => nobody],
    ['a role with SELECT, INSERT and UPDATE on them', () => inserter],
  ] as const) {
    it(`refuses ${who}, or changes nothing of the owner's, in every function`, async () => {
      const c = client();
      const before = await snapshot();
      const fns = (await db.client.query(`SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
        WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) ORDER BY 1`)).rows.map((r) => r.fn as string);
      const results: { fn: string; sql: string; code: string | null; ok: boolean }[] = [];
      for (const fn of fns) {
        const expected = GENERATED.test(fn) ? { calls: [`SELECT ${fn}`], outcome: REFUSED('42501') } : (EXPECTED[fn] as { calls: string[]; outcome: Outcome });
        for (const sql of expected.calls) {
          const code = await attempt(c, sql);
          const o = expected.outcome;
          const ok = o.refused ? code !== null && (!o.codes || o.codes.includes(code)) : true;
          results.push({ fn, sql, code, ok });
          // Nothing of the owner's changed, whatever the call did.
          expect({ sql, after: await snapshot() }).toEqual({ sql, after: before });
        }
      }
      expect(results.filter((r) => !r.ok)).toEqual([]);
      // Such a role sees no clustered table at all.
      expect((await c.query('SELECT centroid.status() AS s')).rows).toEqual([]);
    });
  }

  it('lets no role read pg_cron settings beyond the two scheduling needs', async () => {
    const r = await nobody.query(`SELECT centroid_internal._cron_setting('cron.database_name') AS db, centroid_internal._cron_setting('data_directory') AS dir,
      centroid_internal._cron_setting('config_file') AS conf, centroid_internal._cron_setting('cron.use_background_workers') AS bg`);
    expect(r.rows[0]).toEqual({ db: 'postgres', dir: null, conf: null, bg: null });
  });

  it('cannot be called as trigger functions, and PUBLIC may not execute the generated ones', async () => {
    const e = await failure(nobody, 'SELECT centroid.cluster_on_insert()');
    expect(e.message).toBe('trigger functions can only be called as triggers');
    const generated = await db.client.query(`SELECT p.oid::regprocedure::text AS fn, has_function_privilege('public', p.oid, 'EXECUTE') AS public,
        has_function_privilege($1, p.oid, 'EXECUTE') AS owner
      FROM pg_proc p WHERE p.pronamespace = 'centroid_internal'::regnamespace AND p.proname ~ '^(label|hook)_' ORDER BY 1`, [OWNER]);
    expect(generated.rows.length).toBe(6);
    for (const row of generated.rows) expect(row).toEqual({ fn: row.fn, public: false, owner: true });
    // The owner (who owns them) gets "only as triggers" too.
    for (const row of generated.rows) {
      const own = await failure(owner, `SELECT ${row.fn}`);
      expect(own.message).toBe('trigger functions can only be called as triggers');
    }
  });

  it('lets no role put the owner\'s generated trigger functions on a table of its own (or have them rewritten as its own)', async () => {
    await inserter.query('CREATE TABLE mine (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)');
    await inserter.query(`INSERT INTO mine (v1, v2) SELECT g % 2 * 10, g % 3 FROM generate_series(1, 20) g`);
    const triggers = (await db.client.query(`SELECT tgname, tgfoid::regprocedure::text AS fn FROM pg_trigger WHERE tgrelid = 't'::regclass AND tgname LIKE 'centroid\\_%' AND tgname <> 'centroid_cluster'`)).rows;
    expect(triggers.map((f) => f.tgname).sort()).toEqual(['centroid_after_insert', 'centroid_label', 'centroid_truncate']);
    // Its label function and its hook function (which three triggers share between them).
    const fns = [...new Set(triggers.map((t) => t.fn as string))].map((fn) => ({ fn }));
    expect(fns).toHaveLength(2);
    const before = await snapshot();
    for (const { fn } of fns) {
      // Under the names compile reads back (centroid_label for a hook function, centroid_after_insert for a label function).
      for (const [name, timing] of [
        ['centroid_label', 'BEFORE INSERT ON mine FOR EACH ROW'],
        ['centroid_after_insert', 'AFTER INSERT ON mine FOR EACH STATEMENT'],
        ['centroid_truncate', 'AFTER TRUNCATE ON mine FOR EACH STATEMENT'],
      ]) {
        const e = await failure(inserter, `CREATE TRIGGER ${name} ${timing} EXECUTE FUNCTION ${fn}`);
        expect(e.message).toBe(`permission denied for function ${fn.replace('()', '')}`);
      }
    }
    // Its own clustered table gets functions of its own; the owner's stay the owner's, as they were.
    await inserter.query(`SELECT centroid.attach('mine', $1)`, [CONFIG]);
    const generated = (snap: unknown) => (snap as { functions: { fn: string }[] }).functions.filter((f) => fns.some((g) => g.fn === f.fn));
    expect(generated(await snapshot())).toEqual(generated(before));
    expect(generated(before).map((f) => (f as unknown as { owner: string }).owner)).toEqual(fns.map(() => OWNER));
    await owner.query(`INSERT INTO t (v1, v2) VALUES (1, 1), (10, 0)`);
    expect((await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM t`)).rows[0]).toEqual({ n: 32, l: 32 });
  });

  it('keeps a role\'s JavaScript to itself: a fake pg_centroid API planted in its own JS context changes nothing for the owner or a superuser', async () => {
    await inserter.query(`CREATE FUNCTION plant_api() RETURNS text LANGUAGE pljs AS $$
      const f = function () { pljs.execute("SELECT 1"); return { error: { message: 'planted API ran as ' + pljs.execute("SELECT current_user::text AS u")[0].u } }; };
      const api = { compile: f, hook: f, refit: f, online: f, label: function () { return 0; }, validateSettings: f, checkSettingsWrite: f,
                    fit: function () { return JSON.stringify(f()); }, chooseK: f, checkFit: f, predict: function () { return 0; }, takePredictError: f };
      for (const k of Object.getOwnPropertyNames(globalThis)) if (k.indexOf('__pg_centroid') === 0) globalThis[k] = api;
      globalThis.__pg_centroid_0_3_0 = api;
      return 'planted';
    $$`);
    expect((await inserter.query('SELECT plant_api() AS p')).rows[0].p).toBe('planted');
    // Its own calls now run its own code (in its own context)...
    expect((await inserter.query(`SELECT centroid_internal._validate_settings('t'::regclass, '{}') AS v`)).rows[0].v).toEqual({ error: { message: `planted API ran as ${INSERTER}` } });
    // ...but its inserts are refitted by the owner's code (the hook runs as the owner, in the owner's context), in every policy.
    const refits = async () => (await db.client.query(`SELECT table_name::text AS t, refits FROM centroid.state ORDER BY 1`)).rows;
    const before = await refits();
    await inserter.query(`INSERT INTO t (v1, v2) VALUES (1, 1), (10, 0)`);
    await inserter.query(`INSERT INTO h (v1, v2) VALUES (1, 1), (10, 0)`);
    await inserter.query(`INSERT INTO o (v1, v2) VALUES (1, 1), (10, 0)`);
    const after = await refits();
    expect(after.find((r) => r.t === 't')?.refits).toBe(Number(before.find((r) => r.t === 't')?.refits) + 1);
    expect(Number(after.find((r) => r.t === 'h')?.refits)).toBe(Number(before.find((r) => r.t === 'h')?.refits) + 2);
    for (const t of ['t', 'h', 'o']) {
      const r = await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM ${t}`);
      expect(r.rows[0].n).toBe(r.rows[0].l);
    }
    // And the superuser's compile (SECURITY DEFINER) is not the planted one either.
    expect((await inserter.query(`SELECT centroid_internal._compile('t'::regclass) AS c`)).rows[0].c).toBeNull();
  });
});
