// Re-clustering a table's window: read the most recent rows, fit from the stored centroids, write
// back only the labels that changed, and store the new centroids with the facts of the run.

import type { Settings } from '../config/settings';
import { assignAll } from '../core/assign';
import { fit } from '../core/fit';
import { countDistinct } from '../core/seeding';
import { matchCenters, permute } from '../core/match';
import { fitScaler, standardize, unstandardize, type Scaler } from '../core/standardize';
import type { FitOptions, FitResult, Points } from '../core/types';
import { arrayOf, ident, integer, text } from '../sql/quote';
import { orderColumn, type Table } from './catalog';
import { exec, now, one } from './pl';
import { saveRefit, type State } from './state';
import { refitInSql } from './sqlengine';

/** A row that is not in the table yet (the paper's row policy clusters it with the window). */
export interface PendingRow {
  x: Float64Array;
}

/** What one refit did. */
export interface RefitOutcome {
  status: 'refitted' | 'waiting' | 'too-few-distinct';
  rows: number;
  invalid: number;
  changed: number;
  iterations: number;
  cost: number;
  durationMs: number;
  /** The pending row's cluster, when one was given and the window was clustered. */
  pendingLabel: number | null;
}

/** The window as columns: keys, features (n x d), current labels. */
interface Window {
  keys: unknown[];
  points: Points;
  labels: (number | null)[];
  invalid: number;
  since: unknown;
}

/** Takes the table's refit lock for the rest of the transaction, so refits never run over each other. */
export function lockTable(oid: number): void {
  one(`SELECT pg_catalog.pg_advisory_xact_lock(${integer(LOCK_SPACE)}::int4, ${integer(oid)}::oid::int4)`);
}

/** Advisory-lock namespace of pg_centroid (first key of the two-key form). */
const LOCK_SPACE = 0x63656e74 & 0x7fffffff;

/** Reads the most recent maximum_data_count rows (by time, else by key), leaving out invalid rows. */
export function readWindow(table: Table, s: Settings): Window {
  const order = orderColumn(table, s) ?? s.key_column;
  const label = s.cluster_number_column as string;
  const cols = s.clustering_columns.map((c, j) => `${ident(c)}::float8 AS c${j}`).join(', ');
  const aggs = s.clustering_columns.map((_, j) => `array_agg(c${j}) AS c${j}`).join(', ');
  const row = one<Record<string, unknown[] | unknown>>(
    `SELECT array_agg(k) AS keys, ${aggs}, array_agg(l) AS labels, min(o)::text AS since
       FROM (SELECT ${ident(s.key_column)} AS k, ${cols}, ${ident(label)}::int4 AS l, ${ident(order)} AS o
               FROM ${table.sql} ORDER BY ${ident(order)} DESC LIMIT ${integer(s.maximum_data_count)}) w`,
  );
  const rawKeys = (row?.keys as unknown[] | null) ?? [];
  const columns = s.clustering_columns.map((_, j) => (row?.[`c${j}`] as (number | null)[] | null) ?? []);
  const rawLabels = (row?.labels as (number | null)[] | null) ?? [];
  const d = columns.length;
  const data = new Float64Array(rawKeys.length * d);
  const keys: unknown[] = [];
  const labels: (number | null)[] = [];
  let n = 0;
  let invalid = 0;
  for (let i = 0; i < rawKeys.length; i++) {
    let ok = true;
    for (let j = 0; j < d; j++) {
      const v = (columns[j] as (number | null)[])[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        ok = false;
        break;
      }
      data[n * d + j] = v;
    }
    if (!ok) {
      invalid++;
      continue;
    }
    keys.push(rawKeys[i]);
    labels.push(rawLabels[i] ?? null);
    n++;
  }
  return { keys, points: { data: data.subarray(0, n * d), n, d }, labels, invalid, since: row?.since ?? null };
}

/**
 * Small windows are also re-clustered from fresh starts, and the better of the warm and fresh
 * results kept: a clustering built on a nearly empty table recovers as data arrives, instead of
 * staying in the local optimum its first rows led to. Up to FRESH_ALWAYS rows this happens at
 * every refit (it is cheap); up to FRESH_UP_TO rows at refits 1, 2, 4, 8, ... (amortized).
 */
export const FRESH_ALWAYS = 1000;
export const FRESH_UP_TO = 10000;

/** True when this refit also tries fresh starts. */
function triesFreshStarts(n: number, refits: number): boolean {
  if (n <= FRESH_ALWAYS) return true;
  return n <= FRESH_UP_TO && ((refits + 1) & refits) === 0;
}

/** Fits the window: warm from the stored centroids, plus fresh starts on small windows (renumbered to match). */
function fitWindow(points: Points, s: Settings, state: State | null): FitResult {
  const warm = fit(points, fitOptions(s, state));
  if (!state || !triesFreshStarts(points.n, state.refits)) return warm;
  const fresh = fit(points, fitOptions(s, null));
  if (!(fresh.cost < warm.cost * (1 - 1e-9))) return warm;
  return permute(fresh, matchCenters(state.centers, fresh.centers, fresh.k, fresh.d));
}

/** The options of a fit: warm from stored centroids when there are some, else the settings' start. */
export function fitOptions(s: Settings, state: State | null): FitOptions {
  const base = {
    k: s.cluster_count,
    algorithm: s.clustering_algorithm,
    distance: s.distance_type,
    seed: s.seed,
    maxIterations: s.max_iterations,
    tolerance: s.tolerance,
  };
  if (state) return { ...base, centerChoice: 'manual', centers: state.centers, starts: 1 };
  if (s.center_choice === 'manual') {
    return { ...base, centerChoice: 'manual', centers: Float64Array.from((s.starting_centers ?? []).flat()), starts: 1 };
  }
  return { ...base, centerChoice: s.center_choice, starts: s.starts };
}

/** Re-clusters the window (plus a pending row) and writes changed labels and the new state. */
export function refitWindow(table: Table, s: Settings, state: State | null, pending?: PendingRow): { outcome: RefitOutcome; state: State | null } {
  const started = now();
  lockTable(table.oid);
  // Big k-means windows refit in the SQL executor (src/db/sqlengine.ts); others are read here, once checked to fit in memory.
  const inSql = refitInSql(table, s, state, pending);
  if (inSql) return inSql;
  const w = readWindow(table, s);
  let points = w.points;
  if (pending) {
    const data = new Float64Array((points.n + 1) * points.d);
    data.set(points.data);
    data.set(pending.x, points.n * points.d);
    points = { data, n: points.n + 1, d: points.d };
  }
  // z-scores are learnt from this window and frozen with the centroids until the next refit.
  const scaler = s.standardize === 'zscore' ? fitScaler(points) : null;
  if (scaler) points = { ...points, data: standardize(points.data, scaler) };
  const previous = state && inSpace(state, scaler);
  const waiting: RefitOutcome = { status: 'waiting', rows: points.n, invalid: w.invalid, changed: 0, iterations: 0, cost: 0, durationMs: now() - started, pendingLabel: null };
  if (points.n < s.minimum_data_count) return { outcome: waiting, state };
  if (countDistinct(points, s.cluster_count) < s.cluster_count) return { outcome: { ...waiting, status: 'too-few-distinct' }, state };

  const result = fitWindow(points, s, previous);
  const changedKeys: unknown[] = [];
  const changedLabels: number[] = [];
  for (let i = 0; i < w.points.n; i++) {
    const label = result.labels[i] as number;
    if (w.labels[i] !== label) {
      changedKeys.push(w.keys[i]);
      changedLabels.push(label);
    }
  }
  writeLabels(table, s, changedKeys, changedLabels, w.since);
  const radii = clusterRadii(points, result.centers, result.labels, s);
  const next: State = { centers: result.centers, scaler, k: result.k, d: result.d, counts: Float64Array.from(result.sizes), refits: (state?.refits ?? 0) + 1 };
  const durationMs = now() - started;
  saveRefit(table.oid, next, {
    rowsUsed: points.n,
    iterations: result.iterations,
    converged: result.converged,
    cost: result.cost,
    durationMs,
    sizes: result.sizes,
    radii,
    changed: changedKeys.length,
  });
  return {
    outcome: {
      status: 'refitted',
      rows: points.n,
      invalid: w.invalid,
      changed: changedKeys.length,
      iterations: result.iterations,
      cost: result.cost,
      durationMs,
      pendingLabel: pending ? (result.labels[points.n - 1] as number) : null,
    },
    state: next,
  };
}

/** A state's centers moved into another working space (another scaler, or original units). */
function inSpace(state: State, scaler: Scaler | null): State {
  if (state.scaler === scaler) return state;
  const original = state.scaler ? unstandardize(state.centers, state.scaler) : state.centers;
  return { ...state, centers: scaler ? standardize(original, scaler) : original, scaler };
}

/** Writes labels of the given keys in one statement, limited to the window's time range for chunk exclusion. */
function writeLabels(table: Table, s: Settings, keys: unknown[], labels: number[], since: unknown): void {
  if (keys.length === 0) return;
  const keyColumn = table.columns.get(s.key_column);
  const order = orderColumn(table, s) ?? s.key_column;
  const orderType = table.columns.get(order)?.type;
  const bound = orderType && typeof since === 'string' ? ` AND t.${ident(order)} >= ${text(since)}::${orderType}` : '';
  exec(
    `UPDATE ${table.sql} AS t SET ${ident(s.cluster_number_column as string)} = u.l
       FROM ROWS FROM (pg_catalog.unnest(${arrayOf(keys, keyColumn?.type ?? 'text')}), pg_catalog.unnest(${arrayOf(labels, 'int4')})) AS u(k, l)
      WHERE t.${ident(s.key_column)} = u.k${bound}`,
  );
}

/** Mean distance of each cluster's rows to its center (0 for an empty cluster). */
function clusterRadii(points: Points, centers: Float64Array, labels: Int32Array, s: Settings): Float64Array {
  const k = s.cluster_count;
  const { dist } = assignAll(points, centers, k, s.distance_type);
  const sum = new Float64Array(k);
  const count = new Float64Array(k);
  for (let i = 0; i < points.n; i++) {
    const c = labels[i] as number;
    sum[c] = (sum[c] as number) + (dist[i] as number);
    count[c] = (count[c] as number) + 1;
  }
  for (let c = 0; c < k; c++) sum[c] = (count[c] as number) > 0 ? (sum[c] as number) / (count[c] as number) : 0;
  return sum;
}
