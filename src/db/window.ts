// A clustered table's window: its most recent maximum_data_count rows (by the time column, else by the key), read
// either as SQL for the SQL engine or into JavaScript, and the cluster numbers written back to it.
//
// Rows are written back by their identity (the key, and on a hypertable its time dimension) with every value as
// its text form cast back to the column's type, so keys of any type with equality (uuid, timestamps with
// microseconds, numeric, text) match exactly; they never pass through a JavaScript value of their own type.

import type { Settings } from '../config/settings';
import { featureValue, FEATURE_MAX, FEATURE_ZERO } from '../core/features';
import type { Points } from '../core/types';
import { arrayOf, float, ident, integer, text } from '../sql/quote';
import { type Column, identityColumns, notUniqueError, oldestSql, orderColumn, type Table, timeValueSql } from './catalog';
import { exec, one } from './pl';

/** A feature column as a float8 expression: NULL when the value makes the row invalid, 0 below FEATURE_ZERO. */
export function featureSql(column: Column, expression = ident(column.name)): string {
  if (column.kind === 'integer') return `${expression}::float8`;
  const max = float(FEATURE_MAX);
  const zero = float(FEATURE_ZERO);
  // numeric is compared before the cast: a numeric beyond float8's range would make the cast fail.
  const x = column.kind === 'numeric' ? expression : `${expression}::float8`;
  return `CASE WHEN pg_catalog.abs(${x}) <= ${column.kind === 'numeric' ? `${max}::numeric` : max} THEN CASE WHEN pg_catalog.abs(${x}) < ${column.kind === 'numeric' ? `${zero}::numeric` : zero} THEN 0::float8 ELSE ${expression}::float8 END END`;
}

/** The clustering columns of the settings, as the table has them. */
function featureColumns(table: Table, s: Settings): Column[] {
  return s.clustering_columns.map((c) => table.columns.get(c) as Column);
}

/**
 * The window as SQL: columns k (key), t (time dimension, when the table has one apart from the key), c0..c{d-1}
 * (features as float8, NULL when invalid), l (current label), o (the order column). Rows with a NULL key are left
 * out: no label could be written back to them.
 */
export function windowSql(table: Table, s: Settings, identity: { keys: 'native' | 'text' } = { keys: 'native' }): string {
  const order = orderColumn(table, s) ?? s.key_column;
  const ids = identityColumns(table, s);
  const asKey = (c: string) => (identity.keys === 'text' ? `${ident(c)}::text` : ident(c));
  const time = ids.length > 1 ? `, ${asKey(ids[1] as string)} AS t` : '';
  const cols = featureColumns(table, s).map((c, j) => `${featureSql(c)} AS c${j}`).join(', ');
  // Event time on half_life's scale (tv), and the current anomaly flag (a), when the settings use them.
  const tv = s.half_life !== null ? `, ${timeValueSql(table, s)} AS tv` : '';
  const flag = s.anomaly_column !== null ? `, ${ident(s.anomaly_column)} AS a` : '';
  const rows = `SELECT ${asKey(s.key_column)} AS k${time}, ${cols}, ${ident(s.cluster_number_column as string)}::int4 AS l, ${ident(order)} AS o${tv}${flag}
      FROM ${table.sql} WHERE ${ident(s.key_column)} IS NOT NULL ORDER BY ${ident(order)} DESC LIMIT ${integer(s.maximum_data_count)}`;
  if (s.distance_type !== 'cosine') return rows;
  // Cosine: each row scaled to unit length; a zero row has no direction (invalid: all NULL).
  const d = s.clustering_columns.length;
  const cs = Array.from({ length: d }, (_, j) => `c${j}`);
  const rest = ['l', 'o', ...(s.half_life !== null ? ['tv'] : []), ...(s.anomaly_column !== null ? ['a'] : [])];
  const zero = float(FEATURE_ZERO);
  return `SELECT k${time ? ', t' : ''}, ${cs.map((c) => `CASE WHEN nn > 0 THEN CASE WHEN pg_catalog.abs(${c} / nn) < ${zero} THEN 0::float8 ELSE ${c} / nn END END AS ${c}`).join(', ')}, ${rest.join(', ')}
      FROM (SELECT *, pg_catalog.sqrt(${cs.map((c) => `${c} * ${c}`).join(' + ')}) AS nn FROM (${rows}) r OFFSET 0) u`;
}

/** The lightest weight half_life gives a row (2^-250: older rows weigh this much), so no float8 product underflows. */
export const MIN_WEIGHT_EXPONENT = -250;

/** A row's weight under half_life h: 2^((t - newest) / h), at least 2^MIN_WEIGHT_EXPONENT. */
export function halfLifeWeight(t: number, newest: number, h: number): number {
  return Math.pow(2, Math.max(MIN_WEIGHT_EXPONENT, (t - newest) / h));
}

/** SQL: true when a window row's features are all valid. */
export function validSql(d: number): string {
  return Array.from({ length: d }, (_, j) => `c${j} IS NOT NULL`).join(' AND ');
}

/** The window read into JavaScript: identities as text, valid rows' features, their current labels. */
export interface Window {
  keys: string[];
  /** The time dimension's values as text, when it is part of the identity. */
  times: string[] | null;
  points: Points;
  labels: (number | null)[];
  /** Rows left out for an invalid feature. */
  invalid: number;
  /** The smallest order value of the window, as text (bounds the label update to the window's chunks). */
  since: string | null;
  /** Valid rows' event times on half_life's scale, when half_life is set. */
  eventTimes: Float64Array | null;
  /** Valid rows' current anomaly flags, when anomaly_column is set. */
  flags: (boolean | null)[] | null;
}

/** Reads the window into JavaScript in one query (one array_agg per column). */
export function readWindow(table: Table, s: Settings): Window {
  const d = s.clustering_columns.length;
  const hasTime = identityColumns(table, s).length > 1;
  const aggs = Array.from({ length: d }, (_, j) => `pg_catalog.array_agg(c${j}) AS c${j}`).join(', ');
  const row = one<Record<string, unknown>>(
    `SELECT pg_catalog.array_agg(k) AS keys, ${hasTime ? 'pg_catalog.array_agg(t) AS times, ' : ''}${aggs}, pg_catalog.array_agg(l) AS labels,
            ${oldestSql(table, s)} AS since${s.half_life !== null ? ', pg_catalog.array_agg(tv) AS tv' : ''}${s.anomaly_column !== null ? ', pg_catalog.array_agg(a) AS a' : ''}
       FROM (${windowSql(table, s, { keys: 'text' })}) w`,
  );
  const rawKeys = (row?.keys as string[] | null) ?? [];
  const rawTv = s.half_life !== null ? ((row?.tv as number[] | null) ?? []) : null;
  const rawFlags = s.anomaly_column !== null ? ((row?.a as (boolean | null)[] | null) ?? []) : null;
  const eventTimes = rawTv ? new Float64Array(rawKeys.length) : null;
  const flags: (boolean | null)[] | null = rawFlags ? [] : null;
  const rawTimes = hasTime ? ((row?.times as string[] | null) ?? []) : null;
  const columns = Array.from({ length: d }, (_, j) => (row?.[`c${j}`] as (number | null)[] | null) ?? []);
  const rawLabels = (row?.labels as (number | null)[] | null) ?? [];
  const data = new Float64Array(rawKeys.length * d);
  const keys: string[] = [];
  const times: string[] | null = rawTimes ? [] : null;
  const labels: (number | null)[] = [];
  let n = 0;
  let invalid = 0;
  for (let i = 0; i < rawKeys.length; i++) {
    let ok = true;
    for (let j = 0; j < d && ok; j++) {
      const v = featureValue((columns[j] as (number | null)[])[i]);
      if (v === null) ok = false;
      else data[n * d + j] = v;
    }
    if (!ok) {
      invalid++;
      continue;
    }
    keys.push(rawKeys[i] as string);
    if (times && rawTimes) times.push(rawTimes[i] as string);
    labels.push(rawLabels[i] ?? null);
    if (eventTimes && rawTv) eventTimes[n] = Number(rawTv[i]);
    if (flags && rawFlags) flags.push(rawFlags[i] ?? null);
    n++;
  }
  return {
    keys,
    times,
    points: { data: data.subarray(0, n * d), n, d },
    labels,
    invalid,
    since: (row?.since as string | null) ?? null,
    eventTimes: eventTimes ? eventTimes.subarray(0, n) : null,
    flags,
  };
}

/** What is written to a window row besides its cluster number, when the settings name the columns. */
export interface Extra {
  distances: number[] | null;
  anomalies: boolean[] | null;
}

/**
 * Writes the given labels (and distances, anomaly flags) to the window rows at the given indexes, in one UPDATE
 * matched on the rows' identity, limited to the window's order range (chunk exclusion). Throws when an identity
 * matches more rows than it should: the key does not identify rows, and writing on would label rows it was not
 * computed for.
 */
export function writeLabels(table: Table, s: Settings, w: Window, rows: number[], labels: number[], extra: Extra = { distances: null, anomalies: null }): number {
  if (rows.length === 0) return 0;
  const ids = identityColumns(table, s);
  const keyType = table.columns.get(s.key_column)?.type ?? 'text';
  const seen = new Set<string>();
  for (const i of rows) {
    const id = w.times ? `${w.keys[i]}\u0000${w.times[i]}` : (w.keys[i] as string);
    if (seen.has(id)) throw notUniqueError(table, s, ids, w.times ? `${w.keys[i]}, ${w.times[i]}` : (w.keys[i] as string));
    seen.add(id);
  }
  const keys = arrayOf(rows.map((i) => w.keys[i] as string), 'text');
  const times = w.times ? arrayOf(rows.map((i) => (w.times as string[])[i] as string), 'text') : null;
  const time = ids[1];
  const timeType = time ? table.columns.get(time)?.type : null;
  const order = orderColumn(table, s) ?? s.key_column;
  const orderType = table.columns.get(order)?.type;
  const bound = orderType && w.since !== null ? ` AND t.${ident(order)} >= ${text(w.since)}::${orderType}` : '';
  const sets = [`${ident(s.cluster_number_column as string)} = u.l`];
  const arrays = [`pg_catalog.unnest(${keys})`, ...(times ? [`pg_catalog.unnest(${times})`] : []), `pg_catalog.unnest(${arrayOf(labels, 'int4')})`];
  const names = ['k', ...(times ? ['tm'] : []), 'l'];
  if (s.distance_column !== null && extra.distances) {
    sets.push(`${ident(s.distance_column)} = u.dist`);
    arrays.push(`pg_catalog.unnest(${arrayOf(extra.distances, 'float8')})`);
    names.push('dist');
  }
  if (s.anomaly_column !== null && extra.anomalies) {
    sets.push(`${ident(s.anomaly_column)} = u.anomaly`);
    arrays.push(`pg_catalog.unnest(${arrayOf(extra.anomalies, 'bool')})`);
    names.push('anomaly');
  }
  const written = exec(
    `UPDATE ${table.sql} AS t SET ${sets.join(', ')}
       FROM ROWS FROM (${arrays.join(', ')}) AS u(${names.join(', ')})
      WHERE t.${ident(s.key_column)} = u.k::${keyType}${time && timeType ? ` AND t.${ident(time)} = u.tm::${timeType}` : ''}${bound}`,
  );
  if (written > rows.length) throw notUniqueError(table, s, ids, null);
  return written;
}
