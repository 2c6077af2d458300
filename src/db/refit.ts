// Re-clustering a table's window, and the one place that picks the engine: the SQL engine (src/db/sqlengine.ts)
// for big k-means windows, else the window read into JavaScript (after a memory check) and fitted by the core.
// Either way only the labels that changed are written back, and the new centroids are stored with the facts of
// the run and compiled into the table's label function.

import type { RefitResult } from '../config/results';
import type { Settings } from '../config/settings';
import { distancesToOwn, nearest } from '../core/assign';
import { distance } from '../core/distance';
import { featureValue } from '../core/features';
import { fit } from '../core/fit';
import { lloyd } from '../core/lloyd';
import { matchCenters, permute } from '../core/match';
import { contaminationThreshold, normalizedDistance, normalizedDistances, rmsRadii } from '../core/anomaly';
import { countDistinct } from '../core/seeding';
import { fitScaler, standardize, unstandardize, type Scaler } from '../core/standardize';
import type { DistanceType, FitOptions, FitResult, Points } from '../core/types';
import { normalizeRows } from '../core/unit';
import { integer } from '../sql/quote';
import { checkPartitionConstraints, halfLifeUnits, hasOldest, type Table } from './catalog';
import { UserError } from './errors';
import { compileTable, compiledCentroids } from './compile';
import { now, one } from './pl';
import { engineWindow, finishInSql, SQL_ENGINE_MAX_K, SqlEngine, windowSample, withHashAggregate } from './sqlengine';
import { noneSince, type RefitReason, saveRefit, type State } from './state';
import { vectorFeature } from './pgvector';
import { refitVectors } from './vector-refit';
import { halfLifeWeight, readWindow, writeLabels } from './window';

/** Windows of more rows than this run in the SQL engine (when the settings allow it). */
export const SQL_ENGINE_FROM = 20000;

/** Rows sampled to seed a first clustering in SQL: ~50 per cluster, at least 10,000 (as pgvector does). */
export function sampleSize(k: number): number {
  return Math.max(10000, 50 * k);
}

/** Bytes a window row costs once read into JavaScript: keys, labels and d features as JS arrays and a typed copy. */
export function bytesPerRow(d: number): number {
  return (d + 4) * 16 + d * 8;
}

/** Which engine refits: `sql` (passes in the SQL executor) or `js` (the window read into the interpreter). */
export type Engine = 'js' | 'sql';

/** True when the SQL engine computes what the JS engine would: k-means, euclidean, unscaled, small k. */
export function sqlEngineSupports(s: Settings): boolean {
  return (
    (s.clustering_algorithm === 'k-means' || s.clustering_algorithm === 'k-means++') &&
    (s.distance_type === 'euclidean' || s.distance_type === 'cosine') &&
    s.standardize === 'none' &&
    s.cluster_count <= SQL_ENGINE_MAX_K
  );
}

/** Rows of the table, counted up to limit (cheap: no ordering). */
function rowsUpTo(table: Table, limit: number): number {
  const row = one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table.sql} LIMIT ${integer(limit)}) t`);
  return Number(row?.n ?? 0);
}

/** Picks the engine: the session's pg_centroid.engine (js, sql, auto) or, by default, the window's size. */
export function chooseEngine(table: Table, s: Settings): Engine {
  const forced = one<{ e: string | null }>(`SELECT pg_catalog.current_setting('pg_centroid.engine', true) AS e`)?.e ?? 'auto';
  if (!sqlEngineSupports(s) || forced === 'js') return 'js';
  if (forced === 'sql') return 'sql';
  if (s.maximum_data_count <= SQL_ENGINE_FROM) return 'js';
  return rowsUpTo(table, SQL_ENGINE_FROM + 1) > SQL_ENGINE_FROM ? 'sql' : 'js';
}

/** Throws a UserError when the window, read into JavaScript, would not fit in half of pljs's memory limit. */
export function checkWindowMemory(table: Table, s: Settings): void {
  const limitMb = Number(one<{ m: string | null }>(`SELECT pg_catalog.current_setting('pljs.memory_limit', true) AS m`)?.m ?? 512) || 512;
  // Half the limit: the fit's own arrays (labels, bounds, distances) need the rest.
  const budget = (limitMb * 1024 * 1024) / 2;
  const d = s.clustering_columns.length;
  if (s.maximum_data_count * bytesPerRow(d) <= budget) return;
  const rows = rowsUpTo(table, s.maximum_data_count);
  const need = rows * bytesPerRow(d);
  if (need <= budget) return;
  const fits = Math.floor(budget / bytesPerRow(d));
  throw new UserError(
    `pg_centroid: the window of ${table.display} (${rows} rows x ${d} columns, about ${Math.ceil(need / 1048576)} MB in JavaScript) does not fit in half of pljs.memory_limit (${limitMb} MB)`,
    `lower maximum_data_count to at most ${fits} in centroid.settings, or raise pljs.memory_limit (as a superuser: ALTER SYSTEM SET pljs.memory_limit = ${Math.ceil((2 * need) / 1048576)}; then SELECT pg_reload_conf())` +
      (sqlEngineSupports(s) ? '' : `; k-means with euclidean or cosine distance, no standardize and at most ${SQL_ENGINE_MAX_K} clusters runs in the SQL engine, without this limit`),
    `the ${s.clustering_algorithm} / ${s.distance_type} settings of this table need the window in memory`,
    '54000',
  );
}

/** Takes the table's locks in the one order (see centroid_internal._lock): the table, then its refit lock. */
export function lockTable(oid: number): void {
  one(`SELECT centroid_internal._lock(${integer(oid)}::oid, false)`);
}

/** Refuses a table whose row-level security applies to its owner: a refit would not see the whole window. */
export function checkRowSecurity(table: Table): void {
  if (!table.forceRowSecurity) return;
  throw new UserError(
    `pg_centroid: ${table.display} forces row-level security on its owner, so a refit would cluster only the rows its policies show`,
    `clustering on insert refits with the owner's rights and needs every row of the window: ALTER TABLE ${table.sql} NO FORCE ROW LEVEL SECURITY; (policies still apply to other roles), or cluster per tenant with centroid.fit on a view`,
    '',
    '42501',
  );
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

/** The options of a fit: warm from stored centroids when there are some, else the settings' start. */
export function fitOptions(s: Settings, state: { centers: Float64Array } | null): FitOptions {
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

/** Fits the window: warm from the stored centroids, plus fresh starts on small windows (renumbered to match). */
function fitWindow(points: Points, s: Settings, state: State | null): FitResult {
  const warm = fit(points, fitOptions(s, state));
  if (!state || !triesFreshStarts(points.n, state.refits)) return warm;
  const fresh = fit(points, fitOptions(s, null));
  if (!(fresh.cost < warm.cost * (1 - 1e-9))) return warm;
  return permute(fresh, matchCenters(state.centers, fresh.centers, fresh.k, fresh.d));
}

/** A state's centers moved into another working space (another scaler, or original units). */
function inSpace(state: State, scaler: Scaler | null): State {
  if (state.scaler === scaler) return state;
  const original = state.scaler ? unstandardize(state.centers, state.scaler) : state.centers;
  return { ...state, centers: scaler ? standardize(original, scaler) : original, scaler };
}

/** The outcome of a refit that did not cluster. */
function notClustered(status: RefitResult['status'], rows: number, invalid: number, started: number, engine: RefitResult['engine']): RefitResult {
  return { status, rows, invalid, changed: 0, iterations: 0, cost: 0, duration_ms: now() - started, engine, pending_label: null, pending_distance: null, pending_normalized: null };
}

/** How a refit is run: why (stored with it), and whether it compiles the new centroids into the label function. */
export interface RefitOptions {
  reason: RefitReason;
  compile: boolean;
}

/** Re-clusters the window (plus a pending row, policy row) and writes changed labels and the new state. */
export function refitWindow(
  table: Table,
  s: Settings,
  state: State | null,
  pending?: Float64Array,
  options: RefitOptions = { reason: 'refit', compile: true },
): { outcome: RefitResult; state: State | null } {
  const started = now();
  lockTable(table.oid);
  checkRowSecurity(table);
  checkPartitionConstraints(table);
  const x = pending ? Float64Array.from(pending, (v) => featureValue(v) ?? 0) : undefined;
  // Cosine: the pending row on the unit sphere too (the label function refused a zero row).
  if (x && s.distance_type === 'cosine') normalizeRows(x, 1, x.length);
  const vector = vectorFeature(table, s);
  const result = vector
    ? refitVectors(table, s, vector, state, started, options.reason, x)
    : chooseEngine(table, s) === 'sql'
      ? refitInSql(table, s, state, started, options.reason, x)
      : refitInJs(table, s, state, started, options.reason, x);
  // The label function labels the next rows with the new centroids (policy row compiles once, after its statement).
  // Hidden numeric labels read them from the state; inline ones and a vector column's store are written by _compile.
  if (result.state !== state && options.compile && compiledCentroids(table, s)) compileTable(table.oid);
  return result;
}

/** Row weights under half_life (relative to the newest row, which weighs 1), and that newest time; null without half_life. */
function windowWeights(eventTimes: Float64Array | null, h: number | null, pending: boolean): { weights: Float64Array; newest: number } | null {
  if (h === null || !eventTimes) return null;
  let newest = -Infinity;
  for (let i = 0; i < eventTimes.length; i++) if ((eventTimes[i] as number) > newest) newest = eventTimes[i] as number;
  const weights = new Float64Array(eventTimes.length + (pending ? 1 : 0));
  for (let i = 0; i < eventTimes.length; i++) weights[i] = halfLifeWeight(eventTimes[i] as number, newest, h);
  // A pending row (policy row) is the newest.
  if (pending) weights[eventTimes.length] = 1;
  return { weights, newest };
}

/** The JS engine: reads the window (checked to fit in memory first) and fits it in the interpreter. */
function refitInJs(table: Table, s: Settings, state: State | null, started: number, reason: RefitReason, pending?: Float64Array): { outcome: RefitResult; state: State | null } {
  checkWindowMemory(table, s);
  const w = readWindow(table, s);
  let points: Points = w.points;
  if (pending) {
    const data = new Float64Array((points.n + 1) * points.d);
    data.set(points.data);
    data.set(pending, points.n * points.d);
    points = { data, n: points.n + 1, d: points.d };
  }
  // z-scores are learnt from this window and frozen with the centroids until the next refit.
  const scaler = s.standardize === 'zscore' && points.n > 0 ? fitScaler(points) : null;
  if (scaler) points = { ...points, data: standardize(points.data, scaler) };
  const weighted = windowWeights(w.eventTimes, halfLifeUnits(table, s), pending !== undefined);
  if (weighted) points = { ...points, weights: weighted.weights };
  if (points.n < s.minimum_data_count) return { outcome: notClustered('waiting', points.n, w.invalid, started, 'js'), state };
  if (countDistinct(points, s.cluster_count) < s.cluster_count) return { outcome: notClustered('too-few-distinct', points.n, w.invalid, started, 'js'), state };

  const result = fitWindow(points, s, state && inSpace(state, scaler));
  const k = result.k;
  // Every row's distance to its center: the clusters' radii, the anomaly threshold, and the columns written.
  const dist = distancesToOwn(points, result.centers, result.labels, s.distance_type);
  const rms = rmsRadii(dist, result.labels, k, points.weights);
  const normalized = normalizedDistances(dist, result.labels, rms);
  const threshold = s.contamination !== null ? contaminationThreshold(normalized, s.contamination) : s.anomaly_threshold;
  const rows: number[] = [];
  const labels: number[] = [];
  const distances: number[] = [];
  const anomalies: boolean[] = [];
  for (let i = 0; i < w.points.n; i++) {
    const label = result.labels[i] as number;
    const anomaly = threshold !== null && (normalized[i] as number) > threshold;
    if (w.labels[i] !== label || (w.flags && w.flags[i] !== anomaly)) {
      rows.push(i);
      labels.push(label);
      distances.push(dist[i] as number);
      anomalies.push(anomaly);
    }
  }
  writeLabels(table, s, w, rows, labels, { distances, anomalies });
  const mean = meanRadii(dist, result.labels, k);
  const counts = new Float64Array(k);
  for (let i = 0; i < points.n; i++) {
    const c = result.labels[i] as number;
    counts[c] = (counts[c] as number) + (points.weights ? (points.weights[i] as number) : 1);
  }
  const next: State = {
    centers: result.centers,
    scaler,
    k,
    d: result.d,
    counts,
    refits: (state?.refits ?? 0) + 1,
    rms,
    threshold,
    since: noneSince(k),
    asOf: weighted ? weighted.newest : (state?.asOf ?? null),
  };
  const durationMs = now() - started;
  saveRefit(table.oid, next, {
    rowsUsed: points.n,
    iterations: result.iterations,
    converged: result.converged,
    cost: result.cost,
    durationMs,
    sizes: result.sizes,
    radii: mean,
    rms,
    threshold,
    changed: rows.length,
    reason,
  });
  return {
    outcome: {
      status: 'refitted',
      rows: points.n,
      invalid: w.invalid,
      changed: rows.length,
      iterations: result.iterations,
      cost: result.cost,
      duration_ms: durationMs,
      engine: 'js',
      pending_label: pending ? (result.labels[points.n - 1] as number) : null,
      pending_distance: pending ? (dist[points.n - 1] as number) : null,
      pending_normalized: pending ? (normalized[points.n - 1] as number) : null,
    },
    state: next,
  };
}

/** Each cluster's mean distance of its rows to its center (0 for an empty cluster). */
function meanRadii(dist: Float64Array, labels: Int32Array, k: number): Float64Array {
  const sum = new Float64Array(k);
  const count = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    sum[c] = (sum[c] as number) + (dist[i] as number);
    count[c] = (count[c] as number) + 1;
  }
  for (let c = 0; c < k; c++) sum[c] = (count[c] as number) > 0 ? (sum[c] as number) / (count[c] as number) : 0;
  return sum;
}

/** The SQL engine: seeds on a sample when there are no stored centroids, then runs the core's driver over SQL passes. */
function refitInSql(table: Table, s: Settings, state: State | null, started: number, reason: RefitReason, pending?: Float64Array): { outcome: RefitResult; state: State | null } {
  const k = s.cluster_count;
  const d = s.clustering_columns.length;
  const h = halfLifeUnits(table, s);
  const win = engineWindow(table, s, pending, h);
  return withHashAggregate(() => {
    let centers: Float64Array;
    // Warm: from the stored centroids, whose nearest-center labels the window's rows carry.
    const warm = state !== null && !state.scaler && state.centers.length === k * d;
    if (warm) {
      centers = Float64Array.from(state.centers);
    } else {
      const { n, sample, m } = windowSample(win, d, sampleSize(k));
      if (n < s.minimum_data_count) return { outcome: notClustered('waiting', n, 0, started, 'sql'), state };
      const points: Points = { data: sample, n: m, d };
      if (m < k || countDistinct(points, k) < k) return { outcome: notClustered('too-few-distinct', n, 0, started, 'sql'), state };
      const options = fitOptions(s, null);
      centers = options.centerChoice === 'manual' && options.centers ? options.centers : fit(points, options).centers;
    }
    const engine = new SqlEngine(win, k, d, h !== null, s.distance_type === 'cosine', warm, hasOldest(table, s));
    // Cosine: the window's rows are unit vectors (windowSql), and each new center is scaled back onto the sphere.
    const options = { maxIterations: s.max_iterations, tolerance: s.tolerance, ...(s.distance_type === 'cosine' ? { project: (c: Float64Array, kk: number, dd: number) => void normalizeRows(c, kk, dd) } : {}) };
    // The relative tolerance's scale comes from the first pass, which also counts the valid rows.
    const run = lloyd(engine, centers, options, () => (engine.valid < s.minimum_data_count ? null : s.tolerance * engine.variance));
    if (engine.valid < s.minimum_data_count) return { outcome: notClustered('waiting', engine.valid, engine.invalid, started, 'sql'), state };
    if (Array.from(run.counts).some((m) => m === 0)) {
      // A cluster stayed empty: every row sits on a center, fewer distinct rows than clusters.
      return { outcome: notClustered('too-few-distinct', engine.valid, engine.invalid, started, 'sql'), state };
    }
    // The driver's labelled pass (its last, for the final centers) already has what finishing needs.
    const done = finishInSql(table, s, win, run.centers, h !== null, run.labelled ? engine.finalPass : null);
    const next: State = {
      centers: run.centers,
      scaler: null,
      k,
      d,
      counts: done.weights,
      refits: (state?.refits ?? 0) + 1,
      rms: done.rms,
      threshold: done.threshold,
      since: noneSince(k),
      asOf: done.newest ?? state?.asOf ?? null,
    };
    const durationMs = now() - started;
    saveRefit(table.oid, next, {
      rowsUsed: done.rows,
      iterations: run.iterations,
      converged: run.converged,
      cost: done.cost,
      durationMs,
      sizes: done.sizes,
      radii: done.radii,
      rms: done.rms,
      threshold: done.threshold,
      changed: done.changed,
      reason,
    });
    return {
      outcome: {
        status: 'refitted',
        rows: done.rows,
        invalid: engine.invalid,
        changed: done.changed,
        iterations: run.iterations,
        cost: done.cost,
        duration_ms: durationMs,
        engine: 'sql',
        ...pendingFacts(pending, run.centers, done.rms, k, d, s.distance_type),
      },
      state: next,
    };
  });
}

/** The pending row's label, distance and normalized distance under the final centers (SQL engine: euclidean). */
function pendingFacts(pending: Float64Array | undefined, centers: Float64Array, rms: Float64Array, k: number, d: number, type: DistanceType): Pick<RefitResult, 'pending_label' | 'pending_distance' | 'pending_normalized'> {
  if (!pending) return { pending_label: null, pending_distance: null, pending_normalized: null };
  const c = nearest(pending, 0, centers, k, d, type);
  const dist = distance(type, pending, 0, centers, c * d, d);
  return { pending_label: c, pending_distance: dist, pending_normalized: normalizedDistance(dist, rms[c] as number) };
}
