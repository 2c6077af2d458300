// What the server's catalogs say about a clustered table: its hypertable, columns and time column.

import type { Settings } from '../config/settings';
import { ident, integer, qualified, text } from '../sql/quote';
import { UserError } from './errors';
import { one, query } from './pl';

/** One column of a table. */
export interface Column {
  name: string;
  type: string;
  numeric: boolean;
  integer: boolean;
}

/** A table as pg_centroid sees it. */
export interface Table {
  oid: number;
  /** schema.table, quoted, ready for SQL. */
  sql: string;
  /** schema.table as the user would write it, for messages. */
  display: string;
  columns: Map<string, Column>;
  /** The hypertable's time dimension, if any. */
  timeDimension: string | null;
}

const NUMERIC_TYPES = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric']);
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

const parents = new Map<number, number>();

/** The table a trigger fired for: a chunk's hypertable, or the table itself. Cached (chunks keep their parent). */
export function tableOf(relid: number): number {
  const cached = parents.get(relid);
  if (cached !== undefined) return cached;
  const row = one<{ parent: number }>(
    `SELECT i.inhparent::oid::int8 AS parent FROM pg_catalog.pg_inherits i
       JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE i.inhrelid = ${integer(relid)}::oid AND n.nspname = '_timescaledb_internal'`,
  );
  const parent = row ? Number(row.parent) : relid;
  parents.set(relid, parent);
  return parent;
}

/** Reads a table's name, columns and time dimension. */
export function describe(oid: number): Table {
  const rel = one<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${integer(oid)}::oid`,
  );
  if (!rel) throw new UserError(`table with oid ${oid} does not exist`, 'it may have been dropped');
  const columns = new Map<string, Column>();
  for (const c of query<{ name: string; type: string }>(
    `SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute
      WHERE attrelid = ${integer(oid)}::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  )) {
    const base = c.type.replace(/\(.*\)$/, '');
    columns.set(c.name, { name: c.name, type: c.type, numeric: NUMERIC_TYPES.has(base), integer: INTEGER_TYPES.has(base) });
  }
  return {
    oid,
    sql: qualified(rel.schema, rel.name),
    display: rel.schema === 'public' ? rel.name : `${rel.schema}.${rel.name}`,
    columns,
    timeDimension: timeDimension(rel.schema, rel.name),
  };
}

/** The time dimension of a hypertable, or null for a plain table (or without TimescaleDB). */
function timeDimension(schema: string, name: string): string | null {
  const hasTimescale = one(`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'`);
  if (!hasTimescale) return null;
  const row = one<{ column_name: string }>(
    `SELECT column_name FROM timescaledb_information.dimensions
      WHERE hypertable_schema = ${text(schema)} AND hypertable_name = ${text(name)}
      ORDER BY dimension_number LIMIT 1`,
  );
  return row ? row.column_name : null;
}

/** Checks settings against the table's current columns; throws a UserError naming the fix. */
export function checkColumns(table: Table, s: Settings, usage: 'insert' | 'fit'): void {
  const need = (key: string, column: string) => {
    const c = table.columns.get(column);
    if (!c) {
      const names = [...table.columns.keys()];
      throw new UserError(
        `pg_centroid setting ${key}: column "${column}" does not exist in table ${table.display}`,
        names.length ? `columns of ${table.display}: ${names.join(', ')}` : 'the table has no columns',
      );
    }
    return c;
  };
  need('key_column', s.key_column);
  for (const column of s.clustering_columns) {
    const c = need('clustering_columns', column);
    if (!c.numeric) {
      throw new UserError(
        `pg_centroid setting clustering_columns: column "${column}" of ${table.display} is ${c.type}, not a number`,
        'cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric)',
      );
    }
  }
  if (s.cluster_number_column !== null) {
    const c = need('cluster_number_column', s.cluster_number_column);
    if (!c.integer) {
      throw new UserError(
        `pg_centroid setting cluster_number_column: column "${s.cluster_number_column}" of ${table.display} is ${c.type}, not an integer`,
        `ALTER TABLE ${table.sql} ALTER COLUMN ${ident(s.cluster_number_column)} TYPE integer`,
      );
    }
  } else if (usage === 'insert') {
    throw new UserError('pg_centroid setting cluster_number_column is missing', 'add "cluster_number_column": "<integer column>"');
  }
  if (s.time_column !== null) need('time_column', s.time_column);
}

/** The column that orders the window: the setting, else the time dimension, else none (the key orders it). */
export function orderColumn(table: Table, s: Settings): string | null {
  return s.time_column ?? table.timeDimension;
}
