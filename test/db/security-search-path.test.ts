// Security, search_path: a role that may create objects in a schema on another role's search_path (public, or a
// schema of its own put first, with pg_catalog explicitly last too) plants objects that shadow what pg_catalog has:
// aggregates, functions and operators of the built-ins' exact types (and of types the built-ins reach only by a cast),
// domains named like built-in types, a composite type with casts from built-in types, views named like catalogs.
// Each records every run (a sequence, so a rolled-back run still counts), warns, and tries to grant itself the
// victim's secret table and superuser. Then the victim, and a superuser, run every public function of pg_centroid
// and INSERT / UPDATE / TRUNCATE in every refit policy (and the attacker inserts into their tables): nothing planted
// may run.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, plantedCounts, plantedRuns, plantSql, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const VICTIM = `sec_sp_victim_${suffix}`;
const ATTACKER = `sec_sp_attacker_${suffix}`;
const SECRET = 'victim.secret';

let db: TestDatabase;
let su: RoleClient;
let victim: RoleClient;
let attacker: RoleClient;
/** A connection as the superuser of its own, for the superuser's runs (db.client stays clean for checks). */
let boss: RoleClient;

/** The paths a victim may have: the default (the attacker planted in public), the attacker's schema first, and pg_catalog explicitly last. */
const PATHS = [
  { name: 'the default path (public planted)', path: (_own: string) => '"$user", public' },
  { name: 'evil first, pg_catalog implicit', path: (_own: string) => 'evil, public' },
  { name: 'pg_catalog explicitly last', path: (own: string) => `${own}, evil, public, pg_catalog` },
];

/** What the planted objects recorded so far, in both planted schemas. */
async function runs(): Promise<{ runs: number; log: { who: string; what: string }[] }> {
  const a = await plantedRuns(db.client, 'evil');
  const b = await plantedRuns(db.client, 'public');
  return { runs: a.runs + b.runs, log: [...a.log, ...b.log] };
}

/** A statement that must succeed; returns its first row's first value. */
async function ok(c: pg.Client, sql: string): Promise<unknown> {
  try {
    const r = await c.query(sql);
    const row = r.rows?.[0];
    return row ? Object.values(row)[0] : null;
  } catch (e) {
    throw new Error(`${(e as Error).message}\n  in: ${sql}`);
  }
}

/** A statement that must fail with that SQLSTATE. */
async function refused(c: pg.Client, sql: string, code: string): Promise<string> {
  try {
    await c.query(sql);
  } catch (e) {
    const err = e as pg.DatabaseError;
    if (err.code !== code) throw new Error(`expected SQLSTATE ${code}, got ${err.code} ${err.message}\n  in: ${sql}`);
    return err.message;
  }
  throw new Error(`expected this to fail with ${code}: ${sql}`);
}

const lit = (v: unknown) => pg.escapeLiteral(typeof v === 'string' ? v : JSON.stringify(v));

/** The clustered tables of one run: every policy, default / zscore / manhattan settings, hypertable and plain table. */
function tablesOf(schema: string, tag: string): { name: string; hyper: boolean; config: Record<string, unknown> }[] {
  const out: { name: string; hyper: boolean; config: Record<string, unknown> }[] = [];
  const variants: Record<string, Record<string, unknown>> = {
    plain: {},
    zscore: { standardize: 'zscore', invalid_rows: 'error' },
    manhattan: { distance_type: 'manhattan', clustering_algorithm: 'k-medians', decay: 0.9 },
  };
  for (const hyper of [true, false]) {
    for (const refit of ['statement', 'row', 'online']) {
      for (const [variant, extra] of Object.entries(variants)) {
        out.push({
          name: `${schema}.${hyper ? 'h' : 'p'}_${refit}_${variant}_${tag}`,
          hyper,
          config: { key_column: 'id', clustering_columns: ['a', 'b', 'c'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, refit, seed: 3, ...extra },
        });
      }
    }
  }
  return out;
}

/** Creates a run's tables and fit sources under a path of pg_catalog alone (nothing planted is on it). */
async function setUp(owner: pg.Client, schema: string, tag: string): Promise<void> {
  await owner.query('SET search_path = pg_catalog');
  for (const t of tablesOf(schema, tag)) {
    await owner.query(
      `CREATE TABLE ${t.name} (id bigserial, ts timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(), a numeric, b real, c integer, cluster_number int, ${t.hyper ? 'PRIMARY KEY (id, ts)' : 'PRIMARY KEY (id)'})`,
    );
    // One chunk for every row of the run: TimescaleDB creates a chunk's constraints under the inserting session's
    // search_path (see below), so no chunk may be created under a planted path.
    if (t.hyper) await owner.query(`SELECT public.create_hypertable(${lit(t.name)}, 'ts', chunk_time_interval => interval '100 years')`);
    await owner.query(`INSERT INTO ${t.name} (a, b, c) SELECT (g % 2) * 10 + g * 0.01, (g % 3) * 0.5, (g % 2) * 7 + g % 3 FROM pg_catalog.generate_series(1, 24) g`);
    await owner.query(`GRANT INSERT ON ${t.name} TO ${ATTACKER}`);
    await owner.query(`GRANT USAGE ON SEQUENCE ${t.name}_id_seq TO ${ATTACKER}`);
  }
  await owner.query(`CREATE TABLE ${schema}.src_${tag} (id int8 PRIMARY KEY, a numeric, b real, c integer, label int)`);
  await owner.query(`INSERT INTO ${schema}.src_${tag} SELECT g, (g % 2) * 10 + g * 0.01, (g % 3) * 0.5, (g % 2) * 7 + g % 5 FROM pg_catalog.generate_series(1, 60) g`);
  await owner.query(`CREATE TABLE ${schema}.out_${tag} (id int8 PRIMARY KEY, label int)`);
  await owner.query(`INSERT INTO ${schema}.out_${tag} SELECT g FROM pg_catalog.generate_series(1, 60) g`);
  await owner.query(`CREATE VIEW ${schema}.src_v_${tag} AS SELECT id, a, b, c FROM ${schema}.src_${tag}`);
  await owner.query(`CREATE MATERIALIZED VIEW ${schema}.src_mv_${tag} AS SELECT id, a, b, c FROM ${schema}.src_${tag}`);
  await owner.query(`CREATE TABLE ${schema}.src_u_${tag} (id uuid PRIMARY KEY, ts timestamptz NOT NULL, x float8, y float8, label int)`);
  await owner.query(
    `INSERT INTO ${schema}.src_u_${tag} SELECT pg_catalog.md5(g::text)::uuid, '2024-01-01 00:00:00.123456+00'::timestamptz + g * interval '1 second', (g % 2) * 10 + g * 0.01, g % 3 FROM pg_catalog.generate_series(1, 40) g`,
  );
  await owner.query('RESET search_path');
}

/** Six rows of two groups, written as literals only (no operator or function of the caller's path). */
const ROWS = `(1.5, 0.5, 1), (2.5, 1.5, 2), (10.5, 0.5, 9), (11.5, 1.5, 10), (1.25, 0.75, 1), (10.25, 0.25, 9)`;

/**
 * Everything a role does with pg_centroid, under the given path: clustering on insert in every policy (and the
 * attacker's inserts into those tables), batch fits of every source kind, predict, choose_k, status, scheduling.
 * Its own statements use only literals and qualified operators, so whatever runs of the planted objects is ours.
 */
async function exercise(owner: pg.Client, schema: string, tag: string, path: string, engine: string): Promise<void> {
  await owner.query(`SET search_path = ${path}`);
  await attacker.query(`SET search_path = ${path}`);
  await owner.query(`SET pg_centroid.engine = ${engine}`);
  await attacker.query(`SET pg_centroid.engine = ${engine}`);
  for (const t of tablesOf(schema, tag)) {
    expect(await ok(owner, `SELECT centroid.attach(${lit(t.name)}, ${lit(t.config)})`)).toMatchObject({ table: t.name, trigger: 'centroid_cluster' });
    await ok(owner, `SELECT centroid.refit(${lit(t.name)})`);
    await ok(owner, `INSERT INTO ${t.name} (a, b, c) VALUES ${ROWS}`);
    await ok(attacker, `INSERT INTO ${t.name} (a, b, c) VALUES ${ROWS}`);
    await ok(owner, `UPDATE ${t.name} SET a = 7.5, b = 1.5 WHERE id OPERATOR(pg_catalog.=) 3`);
    await ok(owner, `UPDATE ${t.name} SET cluster_number = cluster_number WHERE id OPERATOR(pg_catalog.=) 4`);
    if (t.config.invalid_rows === 'error') {
      await refused(owner, `INSERT INTO ${t.name} (a, b, c) VALUES (NULL, 'NaN', 3)`, '22P02');
    } else {
      await ok(owner, `INSERT INTO ${t.name} (a, b, c) VALUES (NULL, 'NaN', 3), (1e200, 1, 1)`);
    }
    await ok(owner, `SELECT centroid.status(${lit(t.name)})`);
    await ok(owner, `ALTER TABLE ${t.name} ADD COLUMN extra int`);
    await ok(owner, `TRUNCATE ${t.name}`);
    if (t.hyper) {
      // TRUNCATE dropped the hypertable's chunks. TimescaleDB 2.31 (not pg_catalog) writes a new chunk's CHECK
      // constraint with the operators the inserting session's search_path finds (pg_catalog explicitly last: the
      // planted ones, bound into the chunk for good), so the chunk is made under a path of pg_catalog alone.
      await owner.query('SET search_path = pg_catalog');
      await ok(owner, `INSERT INTO ${t.name} (a, b, c) VALUES (0.5, 0.5, 0)`);
      await ok(owner, `DELETE FROM ${t.name}`);
      await owner.query(`SET search_path = ${path}`);
    }
    await ok(owner, `INSERT INTO ${t.name} (a, b, c) VALUES ${ROWS}`);
    await ok(attacker, `INSERT INTO ${t.name} (a, b, c) VALUES ${ROWS}`);
    await ok(owner, `SELECT centroid.refit(${lit(t.name)})`);
  }
  expect(((await owner.query(`SELECT centroid.status() AS s`)).rows as unknown[]).length).toBeGreaterThanOrEqual(18);
  // Scheduling: pg_cron lives in database postgres and dblink is not installed here, so each is refused (55000)
  // after its checks ran; the schedule test runs them for real.
  const first = tablesOf(schema, tag)[0]?.name as string;
  await refused(owner, `SELECT centroid.schedule_refit(${lit(first)}, '0 3 * * *')`, '55000');
  await refused(owner, `SELECT centroid.unschedule_refit(${lit(first)})`, '55000');

  const cols = { key_column: 'id', clustering_columns: ['a', 'b', 'c'], cluster_count: 2 };
  const fits: [string, string, Record<string, unknown>][] = [
    [`m1_${tag}`, `${schema}.src_${tag}`, { ...cols, cluster_number_column: 'label' }],
    [`m2_${tag}`, `SELECT id, a, b, c FROM ${schema}.src_${tag}`, { ...cols, cluster_number_column: 'label', output_table: `${schema}.out_${tag}`, standardize: 'zscore', distance_type: 'manhattan', clustering_algorithm: 'k-medians' }],
    [`m3_${tag}`, `${schema}.src_v_${tag}`, { ...cols, cluster_number_column: 'label', output_table: `${schema}.out_${tag}`, clustering_algorithm: 'k-medoids' }],
    [`m4_${tag}`, `${schema}.src_mv_${tag}`, { ...cols, clustering_algorithm: 'k-means++', standardize: 'zscore' }],
    [`m5_${tag}`, `${schema}.src_u_${tag}`, { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, cluster_number_column: 'label' }],
    [`m6_${tag}`, `WITH s AS (SELECT id, x, y FROM ${schema}.src_u_${tag}) SELECT * FROM s`, { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, cluster_number_column: 'label', output_table: `${schema}.src_u_${tag}` }],
  ];
  for (const [model, source, config] of fits) {
    expect(await ok(owner, `SELECT centroid.fit(${lit(model)}, ${lit(source)}, ${lit(config)})`)).toMatchObject({ model, version: 1 });
  }
  for (const [model, , config] of fits) {
    const d = (config.clustering_columns as string[]).length;
    expect(await ok(owner, `SELECT centroid.predict(${lit(model)}, ${lit(`{${Array(d).fill('1.5').join(',')}}`)})`)).toBeTypeOf('number');
    expect(await ok(owner, `SELECT centroid.predict(${lit(model)}, ${lit(`{${Array(d).fill('NULL').join(',')}}`)})`)).toBeNull();
  }
  expect(await ok(owner, `SELECT centroid.choose_k(${lit(`${schema}.src_${tag}`)}, ${lit(cols)}, 2, 4)`)).toMatchObject({ rows_used: 60 });
  expect(await ok(owner, `SELECT centroid.choose_k(${lit(`SELECT * FROM ${schema}.src_v_${tag}`)}, ${lit({ ...cols, standardize: 'zscore', distance_type: 'manhattan' })}, 2, 3)`)).toMatchObject({ rows_used: 60 });
  await refused(owner, `SELECT centroid.schedule_fit(${lit(`m1_${tag}`)}, ${lit(`${schema}.src_${tag}`)}, ${lit(cols)}, '0 3 * * *', ${lit(`${schema}.src_mv_${tag}`)})`, '55000');
  await refused(owner, `SELECT centroid.unschedule_fit(${lit(`m1_${tag}`)})`, '55000');
  for (const t of tablesOf(schema, tag)) {
    expect(await ok(owner, `SELECT centroid.detach(${lit(t.name)})`)).toMatchObject({ settings_removed: true });
  }
  await owner.query('RESET search_path');
  await attacker.query('RESET search_path');
}

/** Every row of every clustered table of a run got its cluster number, and the fits wrote theirs: the paths really ran. */
async function expectWorkDone(schema: string, tag: string): Promise<void> {
  for (const t of tablesOf(schema, tag)) {
    const r = await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled FROM ${t.name}`);
    expect({ table: t.name, ...r.rows[0] }).toEqual({ table: t.name, n: 12, labelled: 12 });
  }
  const fit = await db.client.query(`SELECT count(label)::int AS n FROM ${schema}.src_${tag}`);
  expect(fit.rows[0].n).toBe(60);
  const out = await db.client.query(`SELECT count(label)::int AS n FROM ${schema}.out_${tag}`);
  expect(out.rows[0].n).toBe(60);
}

/** Nothing planted ran, nobody was granted anything, the attacker is no superuser, and no warning came. */
async function expectNothingRan(before: number, clients: RoleClient[]): Promise<void> {
  const after = await runs();
  expect([...new Set(after.log.map((l) => `${l.what} (as ${l.who})`))]).toEqual([]);
  expect(after.runs).toBe(before);
  const privileges = await db.client.query(
    `SELECT has_table_privilege($1, 'victim.secret', 'SELECT') AS reads, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS super`,
    [ATTACKER],
  );
  expect(privileges.rows[0]).toEqual({ reads: false, super: false });
  for (const c of clients) expect(c.notices.filter((n) => n.startsWith('planted object ran'))).toEqual([]);
}

beforeAll(async () => {
  await createRoles(VICTIM, ATTACKER);
  db = await createDatabase('sec_search_path');
  su = db.client as RoleClient;
  // The checks' own queries run with nothing planted on their path.
  await su.query('SET search_path = pg_catalog');
  await su.query(`GRANT CREATE ON SCHEMA public TO ${VICTIM}, ${ATTACKER}`);
  await su.query(`CREATE SCHEMA evil AUTHORIZATION ${ATTACKER}`);
  await su.query(`CREATE SCHEMA victim AUTHORIZATION ${VICTIM}`);
  await su.query(`CREATE SCHEMA boss`);
  await su.query(`GRANT USAGE ON SCHEMA victim, boss TO ${ATTACKER}`);
  victim = await connectAs(db, VICTIM);
  attacker = await connectAs(db, ATTACKER);
  boss = await connectAs(db, 'postgres');
  await victim.query(`CREATE TABLE ${SECRET} (x text)`);
  await victim.query(`INSERT INTO ${SECRET} VALUES ('classified')`);
  await attacker.query(plantSql('evil', SECRET, ATTACKER));
  await attacker.query(plantSql('public', SECRET, ATTACKER));
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(VICTIM, ATTACKER);
});

describe('objects planted on the caller\'s search_path', () => {
  it('are planted, and run when the victim\'s own SQL calls them unqualified (the kit works)', async () => {
    // (public also holds TimescaleDB's functions and aggregates.)
    for (const schema of ['evil', 'public']) {
      const counts = await plantedCounts(db.client, schema);
      expect(counts.aggregates).toBeGreaterThanOrEqual(33);
      expect(counts.operators).toBe(412);
      expect(counts.domains).toBe(19);
      expect(counts.casts).toBe(6);
      expect(counts.views).toBeGreaterThanOrEqual(23);
    }
    expect((await plantedCounts(db.client, 'evil')).aggregates).toBe(33);
    expect((await plantedCounts(db.client, 'evil')).views).toBe(23);
    // A role may create a cast only between types it owns one of: not between built-in types.
    const cast = await refused(attacker, `CREATE CAST (pg_catalog.numeric AS pg_catalog.float8) WITH INOUT`, '42501');
    expect(cast).toBe('must be owner of type numeric or type double precision');
    const before = (await runs()).runs;
    // With pg_catalog first (implicitly), exact types beat polymorphic, variadic and cast-reached built-ins.
    await victim.query('SET search_path = evil, public');
    const probes = [
      [`SELECT array_agg(x) FROM (VALUES (1.5::pg_catalog.float8)) v(x)`, 'aggregate array_agg(float8)'],
      [`SELECT unnest('{a}'::pg_catalog.text[])`, 'function unnest(text[])'],
      [`SELECT concat('a'::pg_catalog.text, 'b'::pg_catalog.text)`, 'function concat(text, text)'],
      [`SELECT 1.5::pg_catalog.float8 = 1`, 'operator float8 = int4'],
    ];
    // With pg_catalog explicitly last, the same signatures as the built-ins win too.
    const last = [
      [`SELECT abs(1.5::pg_catalog.float8)`, 'function abs(float8)'],
      [`SELECT 1.5::pg_catalog.float8 * 2.5::pg_catalog.float8`, 'operator float8 * float8'],
      [`SELECT count(*) FROM (VALUES (1)) v(x)`, 'aggregate count(*)'],
      [`SELECT 2.5::float8`, 'type float8'],
      [`SELECT 2.5::int4`, 'cast numeric as int4'],
      [`SELECT 1 FROM pg_class LIMIT 1`, 'relation pg_class'],
    ];
    for (const [sql, what] of probes) {
      victim.notices.length = 0;
      await victim.query(sql as string);
      expect(victim.notices).toContain(`planted object ran: ${what} (as ${VICTIM})`);
    }
    await victim.query('SET search_path = evil, public, pg_catalog');
    for (const [sql, what] of last) {
      victim.notices.length = 0;
      await victim.query(sql as string);
      expect(victim.notices).toContain(`planted object ran: ${what} (as ${VICTIM})`);
    }
    await victim.query('RESET search_path');
    victim.notices.length = 0;
    expect((await runs()).runs).toBeGreaterThan(before);
    // Run as the victim, a planted object takes the victim's rights: here it granted the secret (revoked again).
    expect((await db.client.query(`SELECT has_table_privilege($1, $2, 'SELECT') AS r`, [ATTACKER, SECRET])).rows[0].r).toBe(true);
    await victim.query(`REVOKE SELECT ON ${SECRET} FROM ${ATTACKER}`);
    await db.client.query('TRUNCATE evil.log, public.log');
  });

  PATHS.forEach(({ name, path }, i) => {
    it(`never run when the table owner works with pg_centroid under ${name}`, async () => {
      const tag = `v${i}`;
      await setUp(victim, 'victim', tag);
      const before = (await runs()).runs;
      await exercise(victim, 'victim', tag, path('victim'), i % 2 === 0 ? 'auto' : 'sql');
      await expectNothingRan(before, [victim, attacker]);
      await expectWorkDone('victim', tag);
    });

    it(`never run when a superuser works with pg_centroid under ${name}`, async () => {
      const tag = `s${i}`;
      await setUp(boss, 'boss', tag);
      const before = (await runs()).runs;
      await exercise(boss, 'boss', tag, path('boss'), i % 2 === 0 ? 'sql' : 'auto');
      await expectNothingRan(before, [boss, attacker]);
      await expectWorkDone('boss', tag);
    });
  });
});
