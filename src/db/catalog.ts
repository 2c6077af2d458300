// What the server's catalogs say about a clustered table: its kind, owner, columns (domains resolved to their
// base types), time dimension, the columns that identify a row, and whether an index proves them unique.

import type { Settings } from '../config/settings';
import { arrayOf, ident, integer, qualified, text } from '../sql/quote';
import { UserError } from './errors';
import { one, query } from './pl';

/** How a column's values become float8: integers always fit; numeric may hold values float8 cannot. */
export type NumberKind = 'integer' | 'float' | 'numeric';

/** One column of a table. */
export interface Column {
  name: string;
  /** The type as format_type prints it (a domain's own name). */
  type: string;
  /** The number kind of the type or of the domain's base type; null when it is not a number. */
  kind: NumberKind | null;
  /** True when the type (or base type) is smallint, integer or bigint. */
  integer: boolean;
  /** The base type's name (pg_type.typname: int4, float8, bool, timestamptz, ...). */
  base: string;
  /** True when the type has an equality operator (a default btree or hash operator class). */
  equality: boolean;
  /** True when pg_catalog.min takes the type (a window's oldest order value can be found; uuid has no min). */
  minimum: boolean;
  /** pgvector's vector or halfvec (or a domain over one): its dimensions (null when undeclared) and pgvector's schema. */
  vector: { type: 'vector' | 'halfvec'; dims: number | null; schema: string } | null;
}

/** A table as pg_centroid sees it. */
export interface Table {
  oid: number;
  /** schema.table, quoted, ready for SQL. */
  sql: string;
  /** schema.table as the user would write it, for messages. */
  display: string;
  /** relkind: r (table, hypertable) or p (partitioned). */
  kind: string;
  owner: string;
  columns: Map<string, Column>;
  /** The hypertable's time dimension, if any. */
  timeDimension: string | null;
  /** Row-level security enabled, and forced on the owner too. */
  rowSecurity: boolean;
  forceRowSecurity: boolean;
}

const BASE_KINDS: Record<string, NumberKind> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  float4: 'float',
  float8: 'float',
  numeric: 'numeric',
};

/** SQL: the base type of a column's type (domains unwrapped), for type t. */
const BASE_TYPE = `(WITH RECURSIVE b(oid, base) AS (SELECT t.oid, t.typbasetype FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid
                     UNION ALL SELECT t.oid, t.typbasetype FROM pg_catalog.pg_type t JOIN b ON t.oid = b.base WHERE b.base <> 0)
                    SELECT b.oid FROM b WHERE b.base = 0 LIMIT 1)`;

const parents = new Map<number, number>();

/** The table a row trigger fired for: a chunk's hypertable, a partition's root, or the table itself (cached). */
export function tableOf(relid: number): number {
  const cached = parents.get(relid);
  if (cached !== undefined) return cached;
  const row = one<{ parent: bigint | number | null }>(
    `SELECT coalesce(
        (SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE i.inhrelid = ${integer(relid)}::oid AND n.nspname = '_timescaledb_internal'),
        (SELECT pg_catalog.pg_partition_root(c.oid) FROM pg_catalog.pg_class c WHERE c.oid = ${integer(relid)}::oid AND c.relispartition),
        ${integer(relid)}::oid)::oid::int8 AS parent`,
  );
  const parent = row?.parent === null || row?.parent === undefined ? relid : Number(row.parent);
  parents.set(relid, parent);
  return parent;
}

/** Reads a table's name, kind, owner, columns and time dimension. */
export function describe(oid: number): Table {
  const rel = one<{ schema: string; name: string; kind: string; owner: string; rls: boolean; force: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, pg_catalog.pg_get_userbyid(c.relowner)::text AS owner,
            c.relrowsecurity AS rls, c.relforcerowsecurity AS force
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${integer(oid)}::oid`,
  );
  if (!rel) throw new UserError(`pg_centroid: table with oid ${oid} does not exist`, 'it may have been dropped');
  const columns = new Map<string, Column>();
  for (const c of query<{ name: string; type: string; base: string; equality: boolean; minimum: boolean; vschema: string | null; typmod: number }>(
    `SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, bt.typname::text AS base,
            pg_catalog.to_regprocedure('pg_catalog.min(' || pg_catalog.format_type(bt.oid, NULL) || ')') IS NOT NULL AS minimum,
            -- pgvector's types: the schema of the extension that owns the base type, and the declared dimensions.
            (SELECT n.nspname::text FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_extension e ON e.oid = dep.refobjid
               JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
              WHERE dep.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dep.objid = bt.oid AND dep.deptype = 'e'
                AND dep.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND e.extname = 'vector'
                AND bt.typname IN ('vector', 'halfvec')) AS vschema,
            CASE WHEN a.atttypmod > 0 THEN a.atttypmod ELSE (SELECT t.typtypmod FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid) END AS typmod,
            EXISTS (SELECT 1 FROM pg_catalog.pg_opclass oc JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod
                     WHERE oc.opcdefault AND am.amname IN ('btree', 'hash')
                       AND (oc.opcintype IN (bt.oid,
                             CASE WHEN bt.typcategory = 'A' THEN 'pg_catalog.anyarray'::pg_catalog.regtype END,
                             CASE WHEN bt.typtype = 'e' THEN 'pg_catalog.anyenum'::pg_catalog.regtype END,
                             CASE WHEN bt.typtype = 'r' THEN 'pg_catalog.anyrange'::pg_catalog.regtype END,
                             CASE WHEN bt.typtype = 'm' THEN 'pg_catalog.anymultirange'::pg_catalog.regtype END,
                             CASE WHEN bt.typtype = 'c' THEN 'pg_catalog.record'::pg_catalog.regtype END)
                            -- As PostgreSQL finds a default operator class: also one of a type this one is binary
                            -- coercible to (varchar uses text's).
                            OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast ca WHERE ca.castsource = bt.oid AND ca.casttarget = oc.opcintype
                                          AND ca.castmethod = 'b' AND ca.castcontext = 'i'))) AS equality
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type bt ON bt.oid = ${BASE_TYPE}
      WHERE a.attrelid = ${integer(oid)}::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  )) {
    const kind = BASE_KINDS[c.base] ?? null;
    const vector = c.vschema === null ? null : { type: c.base as 'vector' | 'halfvec', dims: Number(c.typmod) > 0 ? Number(c.typmod) : null, schema: c.vschema };
    columns.set(c.name, { name: c.name, type: c.type, kind, integer: kind === 'integer', base: c.base, equality: c.equality, minimum: c.minimum === true, vector });
  }
  return {
    oid,
    sql: qualified(rel.schema, rel.name),
    display: rel.schema === 'public' ? rel.name : `${rel.schema}.${rel.name}`,
    kind: rel.kind,
    owner: rel.owner,
    columns,
    timeDimension: timeDimension(rel.schema, rel.name),
    rowSecurity: rel.rls,
    forceRowSecurity: rel.force,
  };
}

/** The time dimension of a hypertable, or null for a plain table (or without TimescaleDB). */
function timeDimension(schema: string, name: string): string | null {
  const hasTimescale = one(`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'`);
  if (!hasTimescale) return null;
  const row = one<{ column_name: string }>(
    `SELECT column_name::text AS column_name FROM timescaledb_information.dimensions
      WHERE hypertable_schema = ${text(schema)} AND hypertable_name = ${text(name)}
      ORDER BY dimension_number LIMIT 1`,
  );
  return row ? row.column_name : null;
}

/** True when a column holds points in time (timestamp, timestamptz, date): half_life is then an interval. */
export function isTimeType(c: Column | undefined): boolean {
  return c !== undefined && (c.base === 'timestamptz' || c.base === 'timestamp' || c.base === 'date');
}

const halfLives = new Map<string, number>();

/**
 * half_life in the order column's own units: seconds for a timestamp or date column (from the interval, as
 * PostgreSQL reads it), else the number given; null without half_life. Throws a UserError naming the fix when it
 * does not fit the column.
 */
export function halfLifeUnits(table: Table, s: Settings): number | null {
  const h = s.half_life;
  if (h === null) return null;
  const order = orderColumn(table, s);
  const column = order === null ? undefined : table.columns.get(order);
  if (!column) {
    throw new UserError('pg_centroid setting half_life: the table has no time column to measure event time on', 'set "time_column": "<a timestamp or number column>", or remove half_life');
  }
  if (isTimeType(column)) {
    if (typeof h !== 'string') {
      throw new UserError(`pg_centroid setting half_life: ${h} is a number, but time column "${column.name}" is ${column.type}`, `write it as an interval, e.g. "half_life": "${h} days"`);
    }
    let seconds = halfLives.get(h);
    if (seconds === undefined) {
      const ok = one<{ ok: boolean }>(`SELECT pg_catalog.pg_input_is_valid(${text(h)}, 'interval') AS ok`)?.ok;
      if (!ok) throw new UserError(`pg_centroid setting half_life: "${h}" is not an interval`, 'write it as PostgreSQL reads intervals, e.g. "half_life": "7 days" or "12 hours"');
      seconds = Number(one<{ s: number }>(`SELECT pg_catalog.date_part('epoch', ${text(h)}::interval)::float8 AS s`)?.s);
      halfLives.set(h, seconds);
    }
    if (!(seconds > 0)) throw new UserError(`pg_centroid setting half_life: "${h}" is not a positive interval`, 'write a positive interval, e.g. "half_life": "7 days"');
    return seconds;
  }
  if (column.kind === null) {
    throw new UserError(`pg_centroid setting half_life: time column "${column.name}" is ${column.type}, neither a timestamp nor a number`, 'set "time_column" to a timestamp, date or number column, or remove half_life');
  }
  if (typeof h !== 'number') {
    throw new UserError(`pg_centroid setting half_life: "${h}" is an interval, but time column "${column.name}" is ${column.type}`, `write it as a number of ${column.name}'s units, e.g. "half_life": 100`);
  }
  return h;
}

/** SQL: the order column as a number on the half_life scale (seconds since the epoch for times). */
export function timeValueSql(table: Table, s: Settings, alias = ''): string | null {
  const order = orderColumn(table, s);
  if (order === null) return null;
  const column = table.columns.get(order);
  const ref = `${alias}${ident(order)}`;
  return isTimeType(column) ? `pg_catalog.date_part('epoch', ${ref})::float8` : `${ref}::float8`;
}

/** The column that orders the window: the setting, else the time dimension, else none (the key orders it). */
export function orderColumn(table: Table, s: Settings): string | null {
  return s.time_column ?? table.timeDimension;
}

/**
 * The aggregate of a window's oldest order value as text (column o of the window; it bounds the label UPDATE to the
 * window's chunks or partitions), or NULL when pg_catalog.min does not take the order column's type (a uuid key).
 */
export function oldestSql(table: Table, s: Settings, o = 'o'): string {
  return hasOldest(table, s) ? `pg_catalog.min(${o})::text` : 'NULL::text';
}

/** Whether pg_catalog.min takes the type of the column that orders the window (see oldestSql). */
export function hasOldest(table: Table, s: Settings): boolean {
  return table.columns.get(orderColumn(table, s) ?? s.key_column)?.minimum === true;
}

/**
 * The columns that identify a row when labels are written back: the key, and on a hypertable also its time
 * dimension (a hypertable's unique indexes must include it, so a key is often unique only together with it).
 */
export function identityColumns(table: Table, s: Settings): string[] {
  const time = table.timeDimension;
  return time !== null && time !== s.key_column ? [s.key_column, time] : [s.key_column];
}

/** True when a unique index without expressions or predicate covers only identity columns: rows are proven unique. */
export function uniqueByIndex(table: Table, columns: string[]): boolean {
  const row = one<{ ok: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_catalog.pg_index i
        WHERE i.indrelid = ${integer(table.oid)}::oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(i.indkey::int2[]) AS k(attnum)
                           JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                          WHERE a.attname::text <> ALL (${arrayOf(columns, 'text')}))
     ) AS ok`,
  );
  return row?.ok === true;
}

/** A value of the identity columns that more than one row holds, as text, or null when every row is unique. */
export function duplicateIdentity(table: Table, columns: string[]): string | null {
  const list = columns.map((c) => ident(c)).join(', ');
  const row = one<{ v: string }>(
    `SELECT pg_catalog.concat_ws(', ', ${columns.map((c) => `${ident(c)}::text`).join(', ')}) AS v FROM ${table.sql}
      WHERE ${columns.map((c) => `${ident(c)} IS NOT NULL`).join(' AND ')}
      GROUP BY ${list} HAVING count(*) > 1 LIMIT 1`,
  );
  return row ? row.v : null;
}

/** The error for labels that cannot be written because the identity columns do not identify rows. */
export function notUniqueError(table: Table, s: Settings, columns: string[], example: string | null): UserError {
  const what = columns.length > 1 ? `columns ${columns.join(', ')} (the key and the time dimension)` : `column "${s.key_column}"`;
  return new UserError(
    `pg_centroid setting key_column: ${what} of ${table.display} ${columns.length > 1 ? 'do' : 'does'} not identify rows: several rows hold ${example === null ? 'the same value' : `(${example})`}, so cluster numbers could be written to the wrong rows`,
    columns.length > 1
      ? `choose a key that is unique together with ${table.timeDimension}, e.g. add one: ALTER TABLE ${table.sql} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY, and set "key_column": "id"`
      : `choose a unique key column (a primary key), or add one: ALTER TABLE ${table.sql} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY, and set "key_column": "id"`,
    'labels are written back by the key (and, on a hypertable, its time dimension); a unique index on them proves they identify rows',
    '23505',
  );
}

/**
 * Refuses a table whose partitions (hypertable chunks) have constraints that call an operator or function owned by
 * a role other than the table's owner and the superusers: a refit rewrites labels with the owner's rights, and
 * rewriting a row checks its constraints. TimescaleDB 2.31 builds a new chunk's CHECK constraint with the operators
 * the inserting session's search_path finds, so a role that may insert and create an operator could otherwise have
 * its code run as the owner.
 */
export function checkPartitionConstraints(table: Table): void {
  const row = one<{ part: string; constraint: string; object: string; owner: string }>(
    `SELECT i.inhrelid::regclass::text AS part, con.conname::text AS "constraint",
            coalesce(op.oid::regoperator::text, pr.oid::regprocedure::text) AS object,
            pg_catalog.pg_get_userbyid(coalesce(op.oprowner, pr.proowner))::text AS owner
       FROM pg_catalog.pg_inherits i
       JOIN pg_catalog.pg_constraint con ON con.conrelid = i.inhrelid
       JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_catalog.pg_constraint'::regclass AND dep.objid = con.oid
       LEFT JOIN pg_catalog.pg_operator op ON dep.refclassid = 'pg_catalog.pg_operator'::regclass AND op.oid = dep.refobjid
       LEFT JOIN pg_catalog.pg_proc pr ON dep.refclassid = 'pg_catalog.pg_proc'::regclass AND pr.oid = dep.refobjid
       JOIN pg_catalog.pg_roles r ON r.oid = coalesce(op.oprowner, pr.proowner)
      WHERE i.inhparent = ${integer(table.oid)}::oid AND NOT r.rolsuper
        AND r.rolname::text <> ${text(table.owner)}
      LIMIT 1`,
  );
  if (!row) return;
  throw new UserError(
    `pg_centroid: constraint ${row.constraint} of ${row.part} (a part of ${table.display}) calls ${row.object} of role ${row.owner}, which a refit would run with the rights of ${table.owner}`,
    `find out why: TimescaleDB builds a new chunk's constraint with the operators the inserting role's search_path finds first; drop or rebuild that chunk, keep pg_catalog first on the search_path of roles that insert, and give them no CREATE on any schema`,
    'refits rewrite cluster numbers with the table owner\'s rights, and rewriting a row checks its constraints',
    '42501',
  );
}
