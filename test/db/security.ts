// Test helper of the security suite (test/db/security-*.test.ts): roles made per test file (trust authentication,
// dropped at the end), connections as them, and a planting kit: objects an attacker puts on another role's
// search_path that record every time they run.

import pg from 'pg';
import { urlFor, type TestDatabase } from './database';

/** A suffix that keeps this file's roles apart from other files' (roles are cluster-wide). */
export function roleSuffix(): string {
  return `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

/** Runs SQL on the server's postgres database as the superuser. */
export async function admin(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: urlFor('postgres') });
  c.on('notice', () => {});
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** Creates login roles (dropped by dropRoles). */
export async function createRoles(...roles: string[]): Promise<void> {
  for (const r of roles) await admin(`CREATE ROLE ${pg.escapeIdentifier(r)} LOGIN`);
}

/** Drops roles whose databases are gone (objects elsewhere first: DROP OWNED in postgres). */
export async function dropRoles(...roles: string[]): Promise<void> {
  for (const r of roles) {
    await admin(`DROP OWNED BY ${pg.escapeIdentifier(r)}`).catch(() => {});
    await admin(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(r)}`).catch(() => {});
  }
}

/** A connection to the test database as a role, with the server's notices (warnings included) collected. */
export interface RoleClient extends pg.Client {
  notices: string[];
}

/** Connects to the test database as a role (trust authentication); closed by db.close(). */
export async function connectAs(db: TestDatabase, role: string): Promise<RoleClient> {
  const c = (await db.connect({ user: role })) as RoleClient;
  c.notices = [];
  c.on('notice', (n) => c.notices.push(n.message ?? ''));
  return c;
}

/** Types a planted operator is defined on, pairwise (same types as built-ins, and pairs built-ins only reach by a cast). */
const NUMBER_TYPES = ['float8', 'float4', 'numeric', 'int2', 'int4', 'int8'];
const NUMBER_OPERATORS = ['=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/'];
const OTHER_OPERATORS: [string, string, string][] = [
  ...['=', '<>', '<', '<=', '>', '>=', '||'].map((o): [string, string, string] => [o, 'text', 'text']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'name', 'name']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'name', 'text']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'text', 'name']),
  ...['=', '<>', '<', '>='].map((o): [string, string, string] => [o, 'uuid', 'uuid']),
  ...['=', '<>', '<', '<=', '>', '>='].map((o): [string, string, string] => [o, 'timestamptz', 'timestamptz']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'oid', 'oid']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'regclass', 'regclass']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'regclass', 'oid']),
  ...['=', '<>'].map((o): [string, string, string] => [o, 'bool', 'bool']),
  ['=', '"char"', '"char"'],
  ['=', 'int4[]', 'int4[]'],
  ['=', 'float8[]', 'float8[]'],
  ['||', 'text[]', 'text'],
  ['||', 'float8[]', 'float8[]'],
  ['->', 'jsonb', 'text'],
  ['->', 'jsonb', 'int4'],
  ['->>', 'jsonb', 'text'],
  ['->>', 'jsonb', 'int4'],
  ['?', 'jsonb', 'text'],
  ['||', 'jsonb', 'jsonb'],
  ['@>', 'jsonb', 'jsonb'],
  ['~~', 'text', 'text'],
  ['~', 'text', 'text'],
  ['&', 'int4', 'int4'],
  ['|', 'int4', 'int4'],
];
const PREFIX_OPERATORS: [string, string][] = [
  ['-', 'float8'],
  ['-', 'numeric'],
  ['-', 'int4'],
  ['-', 'int8'],
  ['@', 'float8'],
];

/** Functions planted with the built-in's exact argument types, or exact types where the built-in is polymorphic or variadic. */
const FUNCTIONS: [string, string[], string][] = [
  ['abs', ['float8'], 'float8'],
  ['abs', ['float4'], 'float4'],
  ['abs', ['numeric'], 'numeric'],
  ['abs', ['int4'], 'int4'],
  ['abs', ['int8'], 'int8'],
  ['sqrt', ['float8'], 'float8'],
  ['floor', ['float8'], 'float8'],
  ['round', ['float8'], 'float8'],
  ['power', ['float8', 'float8'], 'float8'],
  ['random', [], 'float8'],
  ['concat', ['text', 'text'], 'text'],
  ['concat', ['text', 'text', 'text'], 'text'],
  ['concat_ws', ['text', 'text', 'text'], 'text'],
  ['format', ['text'], 'text'],
  ['format', ['text', 'text'], 'text'],
  ['format', ['text', 'text', 'text'], 'text'],
  ['format', ['text', 'regclass'], 'text'],
  ['format', ['text', 'name'], 'text'],
  ['format', ['text', 'text', 'regclass'], 'text'],
  ['to_regclass', ['text'], 'regclass'],
  ['set_config', ['text', 'text', 'bool'], 'text'],
  ['current_setting', ['text'], 'text'],
  ['current_setting', ['text', 'bool'], 'text'],
  ['pg_advisory_xact_lock', ['int8'], 'void'],
  ['pg_advisory_xact_lock', ['int4', 'int4'], 'void'],
  ['quote_ident', ['text'], 'text'],
  ['quote_literal', ['text'], 'text'],
  ['hashtext', ['text'], 'int4'],
  ['now', [], 'timestamptz'],
  ['clock_timestamp', [], 'timestamptz'],
  ['current_database', [], 'name'],
  ['pg_my_temp_schema', [], 'oid'],
  ['pg_backend_pid', [], 'int4'],
  ['has_database_privilege', ['text', 'text'], 'bool'],
  ['has_table_privilege', ['regclass', 'text'], 'bool'],
  ['has_table_privilege', ['oid', 'text'], 'bool'],
  ['has_schema_privilege', ['text', 'text'], 'bool'],
  ['has_function_privilege', ['text', 'oid', 'text'], 'bool'],
  ['pg_has_role', ['name', 'oid', 'text'], 'bool'],
  ['pg_get_userbyid', ['oid'], 'name'],
  ['format_type', ['oid', 'int4'], 'text'],
  ['date_part', ['text', 'timestamptz'], 'float8'],
  ['array_length', ['float8[]', 'int4'], 'int4'],
  ['array_length', ['int4[]', 'int4'], 'int4'],
  ['array_length', ['text[]', 'int4'], 'int4'],
  ['cardinality', ['float8[]'], 'int4'],
  ['array_append', ['float8[]', 'float8'], 'float8[]'],
  ['array_cat', ['float8[]', 'float8[]'], 'float8[]'],
  ['jsonb_build_object', ['text', 'text'], 'jsonb'],
  ['jsonb_build_object', ['text', 'jsonb'], 'jsonb'],
  ['jsonb_array_length', ['jsonb'], 'int4'],
  ['to_jsonb', ['text'], 'jsonb'],
  ['to_jsonb', ['float8[]'], 'jsonb'],
  ['split_part', ['text', 'text', 'int4'], 'text'],
  ['regexp_replace', ['text', 'text', 'text'], 'text'],
  ['replace', ['text', 'text', 'text'], 'text'],
  ['lower', ['text'], 'text'],
  ['length', ['text'], 'int4'],
  ['pg_partition_root', ['regclass'], 'regclass'],
  ['nextval', ['regclass'], 'int8'],
];
const SET_FUNCTIONS: [string, string[], string][] = [
  ['unnest', ['text[]'], 'text'],
  ['unnest', ['int4[]'], 'int4'],
  ['unnest', ['int8[]'], 'int8'],
  ['unnest', ['float8[]'], 'float8'],
  ['generate_series', ['int4', 'int4'], 'int4'],
];

/** Aggregates planted: name, argument type, state type, state function body (s: state, v: value), initial state. */
const AGGREGATES: [string, string, string, string, string | null][] = [
  ...['float8', 'float4', 'numeric', 'int4', 'int8', 'text', 'bool', 'timestamptz', 'uuid'].map(
    (t): [string, string, string, string, string | null] => ['array_agg', t, `${t}[]`, 'pg_catalog.array_append(s, v)', null],
  ),
  ['array_agg', 'float8[]', 'float8[]', 'pg_catalog.array_cat(s, ARRAY[v])', null],
  ['array_agg', 'int4[]', 'int4[]', 'pg_catalog.array_cat(s, ARRAY[v])', null],
  ...['float8', 'int4', 'int8', 'text', 'timestamptz'].map(
    (t): [string, string, string, string, string | null] => ['count', t, 'int8', `CASE WHEN v IS NULL THEN s ELSE s OPERATOR(pg_catalog.+) 1 END`, '0'],
  ),
  ...['float8', 'int8', 'int4', 'numeric'].map((t): [string, string, string, string, string | null] => ['sum', t, t, `s OPERATOR(pg_catalog.+) v`, null]),
  ...['float8', 'int8', 'timestamptz', 'text', 'numeric'].map(
    (t): [string, string, string, string, string | null] => ['min', t, t, `CASE WHEN v OPERATOR(pg_catalog.<) s THEN v ELSE s END`, null],
  ),
  ...['float8', 'int8', 'int4', 'timestamptz'].map(
    (t): [string, string, string, string, string | null] => ['max', t, t, `CASE WHEN v OPERATOR(pg_catalog.>) s THEN v ELSE s END`, null],
  ),
  ['bool_or', 'bool', 'bool', 's OR v', null],
  ['bool_and', 'bool', 'bool', 's AND v', null],
  ['jsonb_agg', 'jsonb', 'jsonb', `s OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(v)`, '[]'],
];

/** Type names planted as domains whose CHECK records that they were used. */
const DOMAINS = [
  'float8', 'float4', 'int2', 'int8', 'text', 'jsonb', 'json', 'regclass', 'regprocedure', 'regnamespace', 'regtype', 'oid', 'bool',
  'name', 'timestamptz', 'uuid', 'bpchar', 'date', '"char"',
];
/** Type names planted as composite types with casts from built-in types (the caster owns the target type). */
const CAST_TYPES = ['int4'];
/** Catalogs and our temporary objects' names, planted as views or tables. */
const RELATIONS = [
  'pg_class', 'pg_namespace', 'pg_proc', 'pg_trigger', 'pg_roles', 'pg_index', 'pg_attribute', 'pg_type', 'pg_inherits', 'pg_extension',
  'pg_language', 'pg_opclass', 'pg_am', 'pg_depend', 'pg_settings', 'pg_event_trigger_ddl_commands',
];
const TABLES = ['centroid_fit_source', 'centroid_fit_keys', 'centroid_new_rows', 'settings', 'state', 'models', 'job'];

/** What a planted object does when it runs: record itself (non-transactionally too) and try to take more. */
function spySql(schema: string, secret: string, attacker: string): string {
  const s = pg.escapeIdentifier(schema);
  const grant = `GRANT SELECT ON ${secret} TO ${pg.escapeIdentifier(attacker)}`;
  const promote = `ALTER ROLE ${pg.escapeIdentifier(attacker)} SUPERUSER`;
  return `
CREATE TABLE ${s}.log (who text, what text);
GRANT INSERT, SELECT ON ${s}.log TO PUBLIC;
CREATE SEQUENCE ${s}.hits;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE ${s}.hits TO PUBLIC;
CREATE FUNCTION ${s}.spy(what text) RETURNS bool LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $spy$
BEGIN
  PERFORM pg_catalog.nextval(${pg.escapeLiteral(`${schema}.hits`)});
  RAISE WARNING 'planted object ran: % (as %)', what, current_user;
  BEGIN
    INSERT INTO ${s}.log VALUES (current_user, what);
    EXECUTE ${pg.escapeLiteral(grant)};
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
  BEGIN
    EXECUTE ${pg.escapeLiteral(promote)};
  EXCEPTION WHEN OTHERS THEN NULL;
  END;
  RETURN true;
END $spy$;
GRANT EXECUTE ON FUNCTION ${s}.spy(text) TO PUBLIC;`;
}

/** SQL (run by the attacker) that plants the whole kit in a schema it may create in. */
export function plantSql(schema: string, secret: string, attacker: string): string {
  const s = pg.escapeIdentifier(schema);
  // Planted under a path of pg_catalog alone, so the kit's own type names are the built-in ones.
  const out: string[] = ['SET search_path = pg_catalog;', spySql(schema, secret, attacker)];
  const spy = (what: string) => `${s}.spy(${pg.escapeLiteral(what)})`;
  let n = 0;
  const fn = (name: string, args: string[], returns: string, body: string, setof = false) => {
    const params = args.map((t, i) => `a${i} ${t === '"char"' ? 'pg_catalog."char"' : `pg_catalog.${t}`}`).join(', ');
    const ret = returns === 'void' ? 'pg_catalog.void' : `pg_catalog.${returns}`;
    out.push(`CREATE FUNCTION ${s}.${name}(${params}) RETURNS ${setof ? 'SETOF ' : ''}${ret} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${body} END $f$;`);
  };
  for (const [name, args, returns] of FUNCTIONS) {
    const call = `pg_catalog.${name}(${args.map((_, i) => `a${i}`).join(', ')})`;
    const what = `function ${name}(${args.join(', ')})`;
    fn(name, args, returns, returns === 'void' ? `PERFORM ${spy(what)}; PERFORM ${call};` : `PERFORM ${spy(what)}; RETURN ${call};`);
  }
  for (const [name, args, returns] of SET_FUNCTIONS) {
    const call = `pg_catalog.${name}(${args.map((_, i) => `a${i}`).join(', ')})`;
    fn(name, args, returns, `PERFORM ${spy(`function ${name}(${args.join(', ')})`)}; RETURN QUERY SELECT * FROM ${call};`, true);
  }
  for (const [name, arg, state, step, init] of AGGREGATES) {
    const sfunc = `agg_${n++}`;
    const what = `aggregate ${name}(${arg})`;
    out.push(
      `CREATE FUNCTION ${s}.${sfunc}(s pg_catalog.${state}, v pg_catalog.${arg}) RETURNS pg_catalog.${state} LANGUAGE plpgsql${init === null && state === arg ? ' STRICT' : ''} SET search_path = pg_catalog, pg_temp AS $f$ BEGIN PERFORM ${spy(what)}; RETURN ${step}; END $f$;`,
      `CREATE AGGREGATE ${s}.${name}(pg_catalog.${arg}) (SFUNC = ${s}.${sfunc}, STYPE = pg_catalog.${state}${init === null ? '' : `, INITCOND = ${pg.escapeLiteral(init)}`});`,
    );
  }
  // count(*): an aggregate of no arguments.
  out.push(
    `CREATE FUNCTION ${s}.count_star(s pg_catalog.int8) RETURNS pg_catalog.int8 LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN PERFORM ${spy('aggregate count(*)')}; RETURN s OPERATOR(pg_catalog.+) 1; END $f$;`,
    `CREATE AGGREGATE ${s}.count(*) (SFUNC = ${s}.count_star, STYPE = pg_catalog.int8, INITCOND = '0');`,
  );
  // Operators: each returns what the built-in one returns for those types, after recording itself.
  const pairs: [string, string, string][] = [];
  for (const l of NUMBER_TYPES) for (const r of NUMBER_TYPES) for (const o of NUMBER_OPERATORS) pairs.push([o, l, r]);
  pairs.push(...OTHER_OPERATORS);
  const q = (t: string) => (t.startsWith('"') ? `pg_catalog.${t}` : t.endsWith('[]') ? `pg_catalog.${t.slice(0, -2)}[]` : `pg_catalog.${t}`);
  out.push(`DO $do$
DECLARE
  ops text[] := ${pg.escapeLiteral(`{${pairs.map(([o, l, r]) => `"${o} ${l.replace(/"/g, '\\"')} ${r.replace(/"/g, '\\"')}"`).join(',')}}`)};
  prefix text[] := ${pg.escapeLiteral(`{${PREFIX_OPERATORS.map(([o, r]) => `"${o} ${r}"`).join(',')}}`)};
  item text; o text; l text; r text; ret text; body text; i int := 0;
BEGIN
  FOREACH item IN ARRAY ops LOOP
    o := pg_catalog.split_part(item, ' ', 1); l := pg_catalog.split_part(item, ' ', 2); r := pg_catalog.split_part(item, ' ', 3);
    body := pg_catalog.format('a OPERATOR(pg_catalog.%s) b', o);
    BEGIN
      EXECUTE pg_catalog.format('SELECT pg_catalog.pg_typeof(NULL::%s OPERATOR(pg_catalog.%s) NULL::%s)::pg_catalog.text', l, o, r) INTO ret;
    EXCEPTION WHEN OTHERS THEN
      -- No built-in operator reaches these types: the planted one still records itself.
      ret := 'boolean';
      body := 'NULL';
    END;
    i := i OPERATOR(pg_catalog.+) 1;
    EXECUTE pg_catalog.format('CREATE FUNCTION %I.op_%s(a %s, b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN PERFORM %I.spy(%L); RETURN %s; END $f$',
      ${pg.escapeLiteral(schema)}, i, l, r, ret, ${pg.escapeLiteral(schema)}, pg_catalog.format('operator %s %s %s', l, o, r), body);
    EXECUTE pg_catalog.format('CREATE OPERATOR %I.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %I.op_%s)', ${pg.escapeLiteral(schema)}, o, l, r, ${pg.escapeLiteral(schema)}, i);
  END LOOP;
  FOREACH item IN ARRAY prefix LOOP
    o := pg_catalog.split_part(item, ' ', 1); r := pg_catalog.split_part(item, ' ', 2);
    i := i OPERATOR(pg_catalog.+) 1;
    EXECUTE pg_catalog.format('CREATE FUNCTION %I.op_%s(b %s) RETURNS %s LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN PERFORM %I.spy(%L); RETURN OPERATOR(pg_catalog.%s) b; END $f$',
      ${pg.escapeLiteral(schema)}, i, r, r, ${pg.escapeLiteral(schema)}, pg_catalog.format('operator %s %s', o, r), o);
    EXECUTE pg_catalog.format('CREATE OPERATOR %I.%s (RIGHTARG = %s, FUNCTION = %I.op_%s)', ${pg.escapeLiteral(schema)}, o, r, ${pg.escapeLiteral(schema)}, i);
  END LOOP;
END $do$;`);
  for (const t of DOMAINS) {
    out.push(`CREATE DOMAIN ${s}.${t} AS pg_catalog.${t} CHECK (${spy(`type ${t}`)} OR VALUE IS NULL);`);
  }
  for (const t of CAST_TYPES) {
    out.push(`CREATE TYPE ${s}.${t} AS (v pg_catalog.${t});`);
    for (const from of ['numeric', 'float8', 'float4', 'int8', 'int4', 'text']) {
      out.push(
        `CREATE FUNCTION ${s}.cast_${from}_${t}(a pg_catalog.${from}) RETURNS ${s}.${t} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN PERFORM ${spy(`cast ${from} as ${t}`)}; RETURN ROW(a::pg_catalog.${t}); END $f$;`,
        `CREATE CAST (pg_catalog.${from} AS ${s}.${t}) WITH FUNCTION ${s}.cast_${from}_${t}(pg_catalog.${from}) AS IMPLICIT;`,
      );
    }
  }
  for (const r of RELATIONS) {
    // pg_attribute has a column of a pseudo-type, which a view cannot have.
    const columns = r === 'pg_attribute' ? 'attrelid, attname, atttypid, atttypmod, attnum, attisdropped' : '*';
    const from = r === 'pg_event_trigger_ddl_commands' ? 'pg_catalog.pg_class' : `pg_catalog.${r}`;
    out.push(`CREATE VIEW ${s}.${r} AS SELECT ${columns} FROM ${from} WHERE ${spy(`relation ${r}`)};`, `GRANT SELECT ON ${s}.${r} TO PUBLIC;`);
  }
  for (const t of TABLES) {
    out.push(`CREATE VIEW ${s}.${t} AS SELECT * FROM (VALUES (1)) v(x) WHERE ${spy(`relation ${t}`)};`, `GRANT SELECT ON ${s}.${t} TO PUBLIC;`);
  }
  out.push(`GRANT USAGE ON SCHEMA ${s} TO PUBLIC;`, 'RESET search_path;');
  return out.join('\n');
}

/** What the planted objects of a schema recorded: runs (non-transactional, errors included) and the log's rows. */
export async function plantedRuns(client: pg.Client, schema: string): Promise<{ runs: number; log: { who: string; what: string }[] }> {
  const s = pg.escapeIdentifier(schema);
  const seq = await client.query(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${s}.hits`);
  const log = await client.query(`SELECT who, what FROM ${s}.log ORDER BY what`);
  return { runs: Number(seq.rows[0].n), log: log.rows };
}

/** The number of planted objects of each kind in a schema (to check the kit was really planted). */
export async function plantedCounts(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const r = await client.query(
    `SELECT (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.prokind = 'f')::int AS functions,
            (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.prokind = 'a')::int AS aggregates,
            (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace = $1::regnamespace)::int AS operators,
            (SELECT count(*) FROM pg_catalog.pg_type t WHERE t.typnamespace = $1::regnamespace AND t.typtype = 'd')::int AS domains,
            (SELECT count(*) FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_type t ON t.oid = c.casttarget WHERE t.typnamespace = $1::regnamespace)::int AS casts,
            (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'v')::int AS views`,
    [schema],
  );
  return r.rows[0];
}
