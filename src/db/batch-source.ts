// Where a batch fit reads its rows (a table, view, materialized view or SELECT) and where it writes
// its labels (a table the caller owns), read in one query with one array_agg per column.
//
// Names the caller gives (the source, output_table) are resolved under the caller's search_path; a SELECT source
// is parsed under it into a temporary view. Everything pg_centroid itself runs uses a pinned search_path, so
// nothing planted on the caller's path (an array_agg, an operator) runs in a fit.

import type { Settings } from '../config/settings';
import { geometry } from '../core/unit';
import type { Points } from '../core/types';
import { arrayOf, ident, integer, text } from '../sql/quote';
import { type Column, describe, type Table, uniqueByIndex } from './catalog';
import { checkCenterDimensions, notANumber } from './columns';
import { checkVectorSettings } from './pgvector';
import { UserError } from './errors';
import { exec, one, query, underCallerPath } from './pl';
import { featureSql } from './window';

/** A source of rows, ready to be put after FROM. */
export interface Source {
  /** SQL after FROM: a quoted relation name (a SELECT source is a temporary view). */
  sql: string;
  display: string;
  /** The relation (for a SELECT, its temporary view). */
  table: Table;
  /** relkind of the relation: r, p (tables), v, m, f; null for a SELECT. */
  kind: string | null;
}

/** The temporary view a SELECT source is parsed into, dropped at the end of the fit. */
const SOURCE_VIEW = 'centroid_fit_source';

/**
 * Where the keys of the rows read wait for writeLabels: in a temporary table, as one array in the order the rows
 * were read (they never pass through JavaScript), or as text in JavaScript when the role may not create temporary
 * tables.
 */
export type Keys = { table: string } | { text: string[] };

/** Rows read from a source: valid rows as points, and every key with its row's validity. */
export interface Rows {
  points: Points;
  /** The keys of every row read, valid or not; null when labels are not written. */
  keys: Keys | null;
  /** For each row read, its index among the points, or -1 when its features are invalid. */
  index: Int32Array;
  skipped: number;
  /**
   * For each row read, the cluster number the output table holds for it now (NO_LABEL for NULL), read in the same query
   * when the output is the source itself or its key is unique by index; null when not read (labels are then matched
   * and compared by joining the output table).
   */
  prior: Int32Array | null;
}

/** A NULL cluster number among the prior labels read with the rows (no int4 label can be it: int4's minimum). */
const NO_LABEL = -2147483648;

/** The temporary table holding the keys of the rows a fit read, dropped once the labels are written. */
const KEYS_TABLE = 'pg_temp.centroid_fit_keys';

/**
 * At most this many numbers (rows x (dimensions + 1)) are read into memory: past it a fit is refused
 * with a hint instead of running pljs out of memory (its default limit is 512 MB).
 */
export const MAX_VALUES = 30_000_000;

const QUERY_START = /^\s*(\(|select\b|with\b|values\b|table\b)/i;
const TABLE_KINDS = new Set(['r', 'p']);
const SOURCE_KINDS = new Set(['r', 'p', 'v', 'm', 'f']);

/** Finds a relation by name under the caller's search_path, with its kind; null when there is none. */
function relation(name: string, callerPath: string): { oid: number; kind: string } | null {
  const oid = underCallerPath(callerPath, () => one<{ oid: bigint | number | null }>(`SELECT pg_catalog.to_regclass(${text(name)})::pg_catalog.oid::pg_catalog.int8 AS oid`)?.oid);
  if (oid === null || oid === undefined) return null;
  const row = one<{ kind: string }>(`SELECT c.relkind::text AS kind FROM pg_catalog.pg_class c WHERE c.oid = ${integer(oid)}::oid`);
  return row ? { oid: Number(oid), kind: row.kind } : null;
}

/** True when the current role may create temporary tables and views in this database. */
function mayCreateTemp(): boolean {
  return one<{ ok: boolean }>(`SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') AS ok`)?.ok === true;
}

/** Drops a temporary relation of this session if it exists (DROP ... IF EXISTS would print a NOTICE). */
function dropTemp(kind: 'VIEW' | 'TABLE', name: string): void {
  const exists = one(`SELECT 1 FROM pg_catalog.pg_class c WHERE c.relname = ${text(name)} AND c.relnamespace = pg_catalog.pg_my_temp_schema()`);
  if (exists) exec(`DROP ${kind} pg_temp.${ident(name)}`);
}

/** Parses a SELECT source under the caller's search_path into a temporary view (so its names mean what the caller meant). */
function queryView(query: string, callerPath: string): number {
  if (!mayCreateTemp()) {
    throw new UserError(
      'pg_centroid: a SELECT source is read through a temporary view, and this role may not create temporary objects in this database',
      `fit a table or view by name instead, or ask for the privilege: GRANT TEMPORARY ON DATABASE ${ident(one<{ d: string }>('SELECT pg_catalog.current_database() AS d')?.d ?? 'db')} TO ${ident(one<{ u: string }>('SELECT current_user::text AS u')?.u ?? 'role')};`,
      '',
      '42501',
    );
  }
  dropTemp('VIEW', SOURCE_VIEW);
  const body = query.trim().replace(/;+\s*$/, '');
  // Wrapped in a subquery, a second statement is a syntax error instead of a second command.
  underCallerPath(callerPath, () => exec(`CREATE TEMPORARY VIEW ${ident(SOURCE_VIEW)} AS SELECT * FROM (${body}\n) AS src`));
  const oid = one<{ oid: bigint | number }>(
    `SELECT c.oid::int8 AS oid FROM pg_catalog.pg_class c WHERE c.relname = ${text(SOURCE_VIEW)} AND c.relnamespace = pg_catalog.pg_my_temp_schema()`,
  )?.oid;
  return Number(oid);
}

/** Drops the temporary view of a SELECT source. */
export function releaseSource(source: Source): void {
  if (source.kind === null) dropTemp('VIEW', SOURCE_VIEW);
}

/** Resolves the source argument, under the caller's search_path: a SELECT (or WITH, VALUES, TABLE) statement, or a relation name. */
export function resolveSource(source: string, callerPath: string): Source {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new UserError('pg_centroid: source is empty', "give a table, view or materialized view name, or a SELECT statement, e.g. 'customer_features'");
  }
  if (QUERY_START.test(source)) {
    const table = describe(queryView(source, callerPath));
    return { sql: table.sql, display: 'the query', table, kind: null };
  }
  const rel = relation(source, callerPath);
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
export function resolveOutput(s: Settings, source: Source, callerPath: string): Table | null {
  if (s.cluster_number_column === null) {
    if (s.output_table !== null) {
      throw new UserError('pg_centroid setting output_table: it is given but cluster_number_column is missing', 'add "cluster_number_column": "<integer column of the output table>", or remove output_table');
    }
    return null;
  }
  let table: Table;
  if (s.output_table !== null) {
    const rel = relation(s.output_table, callerPath);
    if (!rel || !TABLE_KINDS.has(rel.kind)) {
      throw new UserError(`pg_centroid setting output_table: "${s.output_table}" is not a table`, 'name an existing table (schema-qualified if it is not on the search_path) that has the key column and an integer cluster number column');
    }
    table = describe(rel.oid);
  } else if (source.kind !== null && TABLE_KINDS.has(source.kind)) {
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

/** Checks that the source has the key column and numeric clustering columns. */
export function checkSourceColumns(source: Source, s: Settings, needKey: boolean): void {
  const table = source.table;
  const need = (key: string, name: string) => {
    const c = table.columns.get(name);
    if (!c) throw new UserError(`pg_centroid setting ${key}: column "${name}" does not exist in ${table.display}`, `columns of ${table.display}: ${[...table.columns.keys()].join(', ')}`);
    return c;
  };
  if (needKey) need('key_column', s.key_column);
  for (const name of s.clustering_columns) {
    const c = need('clustering_columns', name);
    if (c.kind === null && !c.vector) throw notANumber(table, c);
  }
  checkVectorSettings(table, s);
  checkCenterDimensions(table, s);
}

/** SQL for the source's key as the output table's key type (as text first when the types differ, as labels always were matched). */
function keyAs(source: Source, s: Settings, output: Table, alias = ''): { sql: string; type: string } {
  const type = output.columns.get(s.key_column)?.type ?? 'text';
  const from = source.table?.columns.get(s.key_column)?.type;
  const key = `${alias}${ident(s.key_column)}`;
  return { sql: from === type ? key : `${key}::text::${type}`, type };
}

/**
 * Reads every row of the source in one query (one array_agg per column), leaving out invalid rows. With an output
 * table, the same query keeps the keys in a temporary table (or returns them as text when temporary tables are not
 * allowed), so the labels can be written without reading the source again.
 */
export function readRows(source: Source, s: Settings, output: Table | null): Rows {
  const d = s.clustering_columns.length;
  const cap = Math.floor(MAX_VALUES / (d + 1));
  // The output's current cluster numbers, read with the features: from the source itself, or joined on a key the
  // output proves unique (a join on a key that is not could repeat source rows).
  const priorFrom = output === null ? null : output.oid === source.table.oid ? 'self' : uniqueByIndex(output, [s.key_column]) ? 'join' : null;
  const r = (name: string) => `r.${ident(name)}`;
  const cols = s.clustering_columns.map((c, j) => `${featureSql(source.table.columns.get(c) as Column, r(c))} AS c${j}`).join(', ');
  const label = output === null ? '' : ident(s.cluster_number_column as string);
  const priorCol = priorFrom === 'self' ? `, ${r(s.cluster_number_column as string)}::int4 AS pl` : priorFrom === 'join' ? `, o.${label}::int4 AS pl` : '';
  const join = priorFrom === 'join' && output ? ` LEFT JOIN ${output.sql} o ON o.${ident(s.key_column)} = ${keyAs(source, s, output, 'r.').sql}` : '';
  const priorAgg = priorCol ? `, array_agg(coalesce(pl, ${NO_LABEL})) AS pl` : '';
  const aggs = s.clustering_columns.map((_, j) => `array_agg(c${j}) AS c${j}`).join(', ') + priorAgg;
  const outs = s.clustering_columns.map((_, j) => `c${j}`).join(', ') + (priorCol ? ', pl' : '');
  const limited = (key: string) => `SELECT ${key}${cols}${priorCol} FROM ${source.sql} r${join} LIMIT ${integer(cap + 1)}`;
  let sql: string;
  let inTable = false;
  if (output === null) {
    sql = `SELECT count(*)::int8 AS n, ${aggs} FROM (${limited('')}) r`;
  } else if (mayCreateTemp()) {
    const key = keyAs(source, s, output, 'r.');
    dropTemp('TABLE', KEYS_TABLE.slice('pg_temp.'.length));
    exec(`CREATE TEMPORARY TABLE ${KEYS_TABLE.slice('pg_temp.'.length)} (keys ${key.type}[]) ON COMMIT DROP`);
    // Uncompressed: compressing the one big array costs ~100 ms per 100,000 keys, and the table lives one statement.
    exec(`ALTER TABLE ${KEYS_TABLE} ALTER COLUMN keys SET STORAGE EXTERNAL`);
    // One statement reads the source once: the keys go to the temporary table, the features come back.
    sql = `WITH r AS (${limited(`${key.sql} AS k, `)}),
         a AS (SELECT count(*)::int8 AS n, array_agg(k) AS keys, ${aggs} FROM r),
         w AS (INSERT INTO ${KEYS_TABLE} (keys) SELECT keys FROM a)
       SELECT n, ${outs} FROM a`;
    inTable = true;
  } else {
    sql = `SELECT count(*)::int8 AS n, array_agg(k) AS keys, ${aggs} FROM (${limited(`${r(s.key_column)}::text AS k, `)}) r`;
  }
  const row = one<Record<string, unknown>>(sql);
  const total = Number(row?.n ?? 0);
  if (total > cap) {
    throw new UserError(`pg_centroid: ${source.display} has more than ${cap} rows, more than a fit reads into memory at ${d} features`, `fit on a sample: SELECT ... FROM ${source.display} TABLESAMPLE SYSTEM (10), then write labels with centroid.predict`);
  }
  const columns = s.clustering_columns.map((_, j) => (row?.[`c${j}`] as (number | null)[] | null) ?? []);
  // Cosine: a row of zeros has no direction, so it is left out like a row with a NULL.
  const { data, index, n } = validRows(columns, total, d, geometry(s.distance_type).unit);
  const keys: Keys | null = output === null ? null : inTable ? { table: KEYS_TABLE } : { text: (row?.keys as string[] | null) ?? [] };
  const prior = priorCol ? priorLabels((row?.pl as (number | null)[] | null) ?? []) : null;
  return { points: { data: data.subarray(0, n * d), n, d }, keys, index, skipped: total - n, prior: prior && prior.length === total ? prior : null };
}

/** The output's current cluster numbers as read (NO_LABEL for none). */
function priorLabels(values: (number | null)[]): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = typeof v === 'number' ? v : NO_LABEL;
  }
  return out;
}

/**
 * The rows of feature columns (featureSql's values: a number, or NULL for an invalid one) as points, leaving out rows
 * with a NULL (and, with `unit`, rows of zeros); index[i] is row i's point, or -1. Column by column, as QuickJS runs
 * simple loops over one array several times faster than a loop over rows that reads every column.
 */
function validRows(columns: (number | null)[][], total: number, d: number, unit: boolean): { data: Float64Array; index: Int32Array; n: number } {
  const left = new Uint8Array(total);
  const nonzero = unit ? new Uint8Array(total) : null;
  for (const col of columns) {
    for (let i = 0; i < total; i++) {
      const v = col[i];
      if (typeof v !== 'number') left[i] = 1;
      else if (nonzero && v !== 0) nonzero[i] = 1;
    }
  }
  const index = new Int32Array(total);
  let n = 0;
  for (let i = 0; i < total; i++) index[i] = left[i] === 0 && (nonzero === null || nonzero[i] === 1) ? n++ : -1;
  const data = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const col = columns[j] as number[];
    if (n === total) for (let i = 0, at = j; i < total; i++, at += d) data[at] = col[i] as number;
    else for (let i = 0; i < total; i++) if ((index[i] as number) >= 0) data[(index[i] as number) * d + j] = col[i] as number;
  }
  return { data, index, n };
}

/** Per valid row (by point index), its distance to its centroid and whether it is an anomaly, for the output's columns. */
export interface RowExtras {
  distances: Float64Array | null;
  anomalies: Uint8Array | null;
}

/**
 * The read rows' keys zipped with their labels (-1 for invalid rows) and, when given, distances and anomaly flags
 * (NULL for invalid rows), as a subquery of columns k, l, dist, a; null without rows.
 */
function zipped(output: Table, s: Settings, rows: Rows, labels: Int32Array, extras: RowExtras = { distances: null, anomalies: null }, onlyChanged = false): string | null {
  const keys = rows.keys;
  const total = rows.index.length;
  if (keys === null || total === 0) return null;
  const out = new Int32Array(total);
  const dist: (number | null)[] | null = extras.distances ? new Array(total) : null;
  const flags: (boolean | null)[] | null = extras.anomalies ? new Array(total) : null;
  for (let i = 0; i < total; i++) {
    const p = rows.index[i] as number;
    out[i] = p < 0 ? -1 : (labels[p] as number);
    // -2: the output already holds this label (or NULL for an invalid row), so the row is left out of the UPDATE.
    if (onlyChanged && rows.prior && (p < 0 ? NO_LABEL : out[i]) === rows.prior[i]) out[i] = -2;
    if (dist && extras.distances) dist[i] = p < 0 ? null : (extras.distances[p] as number);
    if (flags && extras.anomalies) flags[i] = p < 0 ? null : extras.anomalies[p] === 1;
  }
  const columns = [`pg_catalog.unnest(${arrayOf(out, 'int4')}) AS l`];
  if (dist) columns.push(`pg_catalog.unnest(${arrayOf(dist, 'float8')}) AS dist`);
  if (flags) columns.push(`pg_catalog.unnest(${arrayOf(flags, 'bool')}) AS a`);
  const filter = onlyChanged ? ' WHERE z.l <> -2' : '';
  if ('table' in keys) return `SELECT * FROM (SELECT pg_catalog.unnest(f.keys) AS k, ${columns.join(', ')} FROM ${keys.table} f) z${filter}`;
  const keyType = output.columns.get(s.key_column)?.type ?? 'text';
  return `SELECT * FROM (SELECT pg_catalog.unnest(${arrayOf(keys.text, 'text')}::${keyType}[]) AS k, ${columns.join(', ')}) z${filter}`;
}

/**
 * Counts, for each new cluster j and each number c from 0 to k - 1 already in the output column, the rows
 * of cluster j that hold c now (k x k, row-major): what numbering the new clusters keeps most labels with.
 */
export function labelAgreement(output: Table, s: Settings, rows: Rows, labels: Int32Array, k: number): Float64Array {
  const agreement = new Float64Array(k * k);
  if (rows.prior) {
    // The current numbers were read with the rows: counted here, no join.
    for (let i = 0; i < rows.index.length; i++) {
      const p = rows.index[i] as number;
      const c = rows.prior[i] as number;
      if (p >= 0 && c >= 0 && c < k) agreement[(labels[p] as number) * k + c] = (agreement[(labels[p] as number) * k + c] as number) + 1;
    }
    return agreement;
  }
  const from = zipped(output, s, rows, labels);
  if (from === null) return agreement;
  const label = ident(s.cluster_number_column as string);
  for (const r of query<{ j: number; c: number; n: bigint | number }>(
    `SELECT u.l AS j, t.${label}::int4 AS c, count(*) AS n FROM ${output.sql} AS t JOIN (${from}) AS u ON t.${ident(s.key_column)} = u.k
      WHERE u.l >= 0 AND t.${label} BETWEEN 0 AND ${integer(k - 1)} GROUP BY 1, 2`,
  )) {
    agreement[r.j * k + r.c] = Number(r.n);
  }
  return agreement;
}

/**
 * Writes every read row's label (NULL for invalid rows), and its distance and anomaly flag when the settings name
 * those columns, in one UPDATE that skips rows already holding them: the values go as array literals zipped with the
 * keys in the order they were read.
 */
export function writeLabels(output: Table, s: Settings, rows: Rows, labels: Int32Array, extras: RowExtras = { distances: null, anomalies: null }): number {
  const keys = rows.keys;
  if (keys === null) return 0;
  const wanted: RowExtras = { distances: s.distance_column !== null ? extras.distances : null, anomalies: s.anomaly_column !== null ? extras.anomalies : null };
  // Knowing the current labels, only rows whose label changes are sent (distances and flags need every row compared).
  const from = zipped(output, s, rows, labels, wanted, rows.prior !== null && !wanted.distances && !wanted.anomalies);
  const label = ident(s.cluster_number_column as string);
  const sets = [`${label} = u.l`];
  const differs = [`t.${label} IS DISTINCT FROM u.l`];
  const carried = ['z.k', 'NULLIF(z.l, -1) AS l'];
  if (wanted.distances && s.distance_column !== null) {
    sets.push(`${ident(s.distance_column)} = u.dist`);
    differs.push(`t.${ident(s.distance_column)} IS DISTINCT FROM u.dist`);
    carried.push('z.dist');
  }
  if (wanted.anomalies && s.anomaly_column !== null) {
    sets.push(`${ident(s.anomaly_column)} = u.a`);
    differs.push(`t.${ident(s.anomaly_column)} IS DISTINCT FROM u.a`);
    carried.push('z.a');
  }
  const changed = from === null
    ? 0
    : exec(
        `UPDATE ${output.sql} AS t SET ${sets.join(', ')} FROM (SELECT ${carried.join(', ')} FROM (${from}) AS z) AS u
          WHERE t.${ident(s.key_column)} = u.k AND (${differs.join(' OR ')})`,
      );
  if ('table' in keys) exec(`DROP TABLE ${keys.table}`);
  return changed;
}
