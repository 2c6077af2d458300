// Where a batch fit reads its rows (a table, view, materialized view or SELECT) and where it writes
// its labels (a table the caller owns), read in one query with one array_agg per column.

import type { Settings } from '../config/settings';
import type { Points } from '../core/types';
import { arrayOf, ident, integer, text } from '../sql/quote';
import { describe, type Table } from './catalog';
import { UserError } from './errors';
import { exec, one } from './pl';

/** A source of rows, ready to be put after FROM. */
export interface Source {
  /** SQL after FROM: a quoted table name or a parenthesised query with an alias. */
  sql: string;
  display: string;
  /** The relation, when the source is one (null for a SELECT). */
  table: Table | null;
  /** relkind of the relation: r, p (tables), v, m, f; null for a SELECT. */
  kind: string | null;
}

/** Rows read from a source: valid rows as points, and every key with its row's validity. */
export interface Rows {
  points: Points;
  /** Keys (as text) of every row read, valid or not; null when labels are not written. */
  keys: string[] | null;
  /** For each row read, its index among the points, or -1 when its features are invalid. */
  index: Int32Array;
  skipped: number;
}

/**
 * At most this many numbers (rows x (dimensions + 1)) are read into memory: past it a fit is refused
 * with a hint instead of running pljs out of memory (its default limit is 512 MB).
 */
export const MAX_VALUES = 30_000_000;

const QUERY_START = /^\s*(\(|select\b|with\b|values\b|table\b)/i;
const TABLE_KINDS = new Set(['r', 'p']);
const SOURCE_KINDS = new Set(['r', 'p', 'v', 'm', 'f']);

/** Finds a relation by name (search_path applies) with its kind; null when there is none. */
function relation(name: string): { oid: number; kind: string } | null {
  const row = one<{ oid: number | bigint; kind: string }>(
    `SELECT c.oid::int8 AS oid, c.relkind::text AS kind FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(${text(name)})`,
  );
  return row ? { oid: Number(row.oid), kind: row.kind } : null;
}

/** Resolves the source argument: a SELECT (or WITH, VALUES, TABLE) statement, or a relation name. */
export function resolveSource(source: string): Source {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new UserError('pg_centroid: source is empty', "give a table, view or materialized view name, or a SELECT statement, e.g. 'customer_features'");
  }
  if (QUERY_START.test(source)) {
    const body = source.trim().replace(/;+\s*$/, '');
    return { sql: `(${body}) AS src`, display: 'the query', table: null, kind: null };
  }
  const rel = relation(source);
  if (!rel) {
    throw new UserError(`pg_centroid: source "${source}" is neither a table, view or materialized view, nor a SELECT statement`, 'check the name and the search_path, or write the source as SELECT ... FROM ...');
  }
  if (!SOURCE_KINDS.has(rel.kind)) {
    throw new UserError(`pg_centroid: source "${source}" is not a table, view or materialized view (relkind ${rel.kind})`, 'read from a table or view, or write the source as a SELECT statement');
  }
  const table = describe(rel.oid);
  return { sql: table.sql, display: table.display, table, kind: rel.kind };
}

/** The table labels go to (output_table, else a table source), or null when no labels are written; checks it. */
export function resolveOutput(s: Settings, source: Source): Table | null {
  if (s.cluster_number_column === null) {
    if (s.output_table !== null) {
      throw new UserError('pg_centroid setting output_table: it is given but cluster_number_column is missing', 'add "cluster_number_column": "<integer column of the output table>", or remove output_table');
    }
    return null;
  }
  let table: Table;
  if (s.output_table !== null) {
    const rel = relation(s.output_table);
    if (!rel || !TABLE_KINDS.has(rel.kind)) {
      throw new UserError(`pg_centroid setting output_table: "${s.output_table}" is not a table`, 'name an existing table (schema-qualified if it is not on the search_path) that has the key column and an integer cluster number column');
    }
    table = describe(rel.oid);
  } else if (source.table && source.kind !== null && TABLE_KINDS.has(source.kind)) {
    table = source.table;
  } else {
    throw new UserError(`pg_centroid setting output_table is missing: ${source.display} is not a table, so labels need a table to go to`, 'add "output_table": "<table with the key column and the cluster number column>", e.g. "customers"');
  }
  checkOwner(table);
  checkOutputColumns(table, s);
  return table;
}

/** Refuses to write labels into a table the caller does not own (superusers own everything). */
function checkOwner(table: Table): void {
  const row = one<{ owns: boolean }>(
    `SELECT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') AS owns FROM pg_catalog.pg_class c WHERE c.oid = ${integer(table.oid)}::oid`,
  );
  if (!row?.owns) {
    throw new UserError(`pg_centroid: permission denied to write cluster numbers into ${table.display}: only its owner may`, `run the fit as the owner of ${table.display}, or leave out cluster_number_column to fit without writing labels`, '', '42501');
  }
}

/** Checks the output table has the key column and an integer cluster number column. */
function checkOutputColumns(table: Table, s: Settings): void {
  const names = () => [...table.columns.keys()].join(', ');
  if (!table.columns.has(s.key_column)) {
    throw new UserError(`pg_centroid setting key_column: column "${s.key_column}" does not exist in output table ${table.display}`, `columns of ${table.display}: ${names()}`);
  }
  const label = table.columns.get(s.cluster_number_column as string);
  if (!label) {
    throw new UserError(`pg_centroid setting cluster_number_column: column "${s.cluster_number_column}" does not exist in output table ${table.display}`, `ALTER TABLE ${table.sql} ADD COLUMN ${ident(s.cluster_number_column as string)} integer`);
  }
  if (!label.integer) {
    throw new UserError(`pg_centroid setting cluster_number_column: column "${label.name}" of ${table.display} is ${label.type}, not an integer`, `ALTER TABLE ${table.sql} ALTER COLUMN ${ident(label.name)} TYPE integer`);
  }
}

/** Checks that a relation source has the key column and numeric clustering columns. */
export function checkSourceColumns(source: Source, s: Settings, needKey: boolean): void {
  const table = source.table;
  if (!table) return;
  const need = (key: string, name: string) => {
    const c = table.columns.get(name);
    if (!c) throw new UserError(`pg_centroid setting ${key}: column "${name}" does not exist in ${table.display}`, `columns of ${table.display}: ${[...table.columns.keys()].join(', ')}`);
    return c;
  };
  if (needKey) need('key_column', s.key_column);
  for (const name of s.clustering_columns) {
    const c = need('clustering_columns', name);
    if (!c.numeric) {
      throw new UserError(`pg_centroid setting clustering_columns: column "${name}" of ${table.display} is ${c.type}, not a number`, 'cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric)');
    }
  }
}

/** Reads every row of the source in one query (one array_agg per column), leaving out invalid rows. */
export function readRows(source: Source, s: Settings, withKeys: boolean): Rows {
  const d = s.clustering_columns.length;
  const cap = Math.floor(MAX_VALUES / (d + 1));
  const cols = s.clustering_columns.map((c, j) => `${ident(c)}::float8 AS c${j}`).join(', ');
  const aggs = s.clustering_columns.map((_, j) => `array_agg(c${j}) AS c${j}`).join(', ');
  const key = withKeys ? `${ident(s.key_column)}::text AS k, ` : '';
  const keyAgg = withKeys ? 'array_agg(k) AS keys, ' : '';
  const row = one<Record<string, unknown>>(
    `SELECT count(*)::int8 AS n, ${keyAgg}${aggs} FROM (SELECT ${key}${cols} FROM ${source.sql} LIMIT ${integer(cap + 1)}) r`,
  );
  const total = Number(row?.n ?? 0);
  if (total > cap) {
    throw new UserError(`pg_centroid: ${source.display} has more than ${cap} rows, more than a fit reads into memory at ${d} features`, `fit on a sample: SELECT ... FROM ${source.display} TABLESAMPLE SYSTEM (10), then write labels with centroid.predict`);
  }
  const columns = s.clustering_columns.map((_, j) => (row?.[`c${j}`] as (number | null)[] | null) ?? []);
  const data = new Float64Array(total * d);
  const index = new Int32Array(total);
  let n = 0;
  for (let i = 0; i < total; i++) {
    let ok = true;
    for (let j = 0; j < d && ok; j++) {
      const v = (columns[j] as (number | null)[])[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) ok = false;
      else data[n * d + j] = v;
    }
    index[i] = ok ? n++ : -1;
  }
  const keys = withKeys ? ((row?.keys as string[] | null) ?? []) : null;
  return { points: { data: data.subarray(0, n * d), n, d }, keys, index, skipped: total - n };
}

/** Writes every read row's label (NULL for invalid rows) in one UPDATE, skipping rows that already hold it. */
export function writeLabels(output: Table, s: Settings, rows: Rows, labels: Int32Array): number {
  const keys = rows.keys ?? [];
  if (keys.length === 0) return 0;
  const out = new Array<number | null>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const p = rows.index[i] as number;
    out[i] = p < 0 ? null : (labels[p] as number);
  }
  const keyType = output.columns.get(s.key_column)?.type ?? 'text';
  const label = ident(s.cluster_number_column as string);
  return exec(
    `UPDATE ${output.sql} AS t SET ${label} = u.l
       FROM ROWS FROM (pg_catalog.unnest(${arrayOf(keys, 'text')}::${keyType}[]), pg_catalog.unnest(${arrayOf(out, 'int4')})) AS u(k, l)
      WHERE t.${ident(s.key_column)} = u.k AND t.${label} IS DISTINCT FROM u.l`,
  );
}
