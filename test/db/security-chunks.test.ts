// A role that may insert into a hypertable and create operators must not get its code run with the owner's
// rights: TimescaleDB 2.31 builds a new chunk's CHECK constraint with the operators the inserting session's
// search_path finds, and a refit rewrites labels (so checks constraints) as the owner. Refits refuse such a table.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix } from './security';

const suffix = roleSuffix();
const OWNER = `chk_owner_${suffix}`;
const ATTACKER = `chk_attacker_${suffix}`;

let db: TestDatabase;
let owner: pg.Client;
let attacker: pg.Client;

beforeAll(async () => {
  await createRoles(OWNER, ATTACKER);
  db = await createDatabase('sec_chunks');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}`);
  await db.client.query(`CREATE SCHEMA evil AUTHORIZATION ${ATTACKER}`);
  owner = await connectAs(db, OWNER);
  attacker = await connectAs(db, ATTACKER);
  await owner.query(`CREATE TABLE secret (x int)`);
  await owner.query(`CREATE TABLE vh (id bigserial, ts timestamptz NOT NULL DEFAULT '2000-06-01', v1 real, v2 real, cluster_number int, PRIMARY KEY (id, ts))`);
  await owner.query(`SELECT create_hypertable('vh', 'ts')`);
  await owner.query(`INSERT INTO vh (v1, v2) SELECT (g % 2) * 10, 1 FROM generate_series(1, 20) g`);
  await owner.query(`SELECT centroid.attach('vh', '{"key_column": "id", "clustering_columns": ["v1", "v2"], "cluster_count": 2, "cluster_number_column": "cluster_number", "minimum_data_count": 4}')`);
  await owner.query(`GRANT INSERT ON vh TO ${ATTACKER}`);
  await owner.query(`GRANT USAGE ON SEQUENCE vh_id_seq TO ${ATTACKER}`);
  await attacker.query(`GRANT USAGE ON SCHEMA evil TO PUBLIC`);
  for (const [name, op] of [['lt', '<'], ['ge', '>=']] as const) {
    await attacker.query(`CREATE FUNCTION evil.${name}(a timestamptz, b timestamptz) RETURNS bool LANGUAGE plpgsql AS $$ BEGIN
        BEGIN EXECUTE 'GRANT SELECT ON public.secret TO ${ATTACKER}'; EXCEPTION WHEN OTHERS THEN NULL; END;
        RETURN a OPERATOR(pg_catalog.${op}) b; END $$`);
    await attacker.query(`CREATE OPERATOR evil.${op} (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.${name})`);
  }
}, 120_000);
afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, ATTACKER);
});

describe('chunks made under a planted search_path', () => {
  it('make refits refuse, naming the chunk and the operator, instead of running it as the owner', async () => {
    await attacker.query(`SET search_path = evil, public, pg_catalog`);
    // A new chunk, whose CHECK constraint TimescaleDB builds with evil's operators.
    const e = await failure(attacker, `INSERT INTO public.vh (ts, v1, v2) VALUES ('2001-01-03', 4.9, 1), ('2001-01-03 00:00:01', 5.1, 1)`);
    expect(e.message).toMatch(/^pg_centroid: constraint .* calls evil\.(<|>=)\(timestamp with time zone,timestamp with time zone\) of role chk_attacker_/);
    expect(e.hint).toMatch(/keep pg_catalog first on the search_path of roles that insert/);
    expect((await attacker.query(`SELECT pg_catalog.has_table_privilege(current_user, 'public.secret', 'SELECT') AS granted`)).rows[0].granted).toBe(false);
    // The owner's refit refuses too (the chunk stays only if the refused statement's own chunk creation was kept).
    const chunks = (await owner.query(`SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'vh'`)).rows[0].n;
    if (chunks > 1) expect((await failure(owner, `SELECT centroid.refit('vh')`)).code).toBe('42501');
    expect((await owner.query(`SELECT count(*)::int AS n FROM vh`)).rows[0].n).toBe(20);
  });
});
