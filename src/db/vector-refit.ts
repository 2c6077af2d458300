// Re-clustering the window of a table clustered on a pgvector column: the rows stay in SQL (vector-kmeans.ts), warm
// from the stored centroids so clusters keep their numbers; the labelling pass returns, per cluster, its size, radii
// and cost and the identities of the rows whose label changed, which are written back by their identity as every
// refit writes them (window.ts writeLabels).

import type { RefitResult } from '../config/results';
import type { Settings } from '../config/settings';
import { normalizedDistance } from '../core/anomaly';
import { float, ident, integer } from '../sql/quote';
import { keyLabel, keySquared, nearestKey, rowVector, vectorLiteral } from '../sql/vector';
import { identityColumns, oldestSql, orderColumn, type Table } from './catalog';
import { UserError } from './errors';
import type { VectorFeature } from './pgvector';
import { now, one, query } from './pl';
import { noneSince, type RefitReason, saveRefit, type State } from './state';
import { LABEL, SQUARED, type VectorRows, withVectorSettings } from './vector-engine';
import { TooFewDistinct, vectorKmeans, vectorOptions } from './vector-kmeans';
import { type Window, writeLabels } from './window';

/** Bytes a window row may cost in JavaScript when its label changes (its identity as text, label, distance). */
const BYTES_PER_CHANGED_ROW = 128;

/** The window: the table's rows with a key, the most recent maximum_data_count by the order column (ties included). */
function windowFrom(table: Table, s: Settings, f: VectorFeature, pending: Float64Array | undefined): { from: string; rows: number } {
  const order = ident(orderColumn(table, s) ?? s.key_column);
  const key = ident(s.key_column);
  const ids = identityColumns(table, s);
  const time = ids.length > 1 ? `, ${ident(ids[1] as string)}::text AS t` : ', NULL::text AS t';
  const label = ident(s.cluster_number_column as string);
  const flag = s.anomaly_column !== null ? `, ${ident(s.anomaly_column)} AS a` : ', NULL::bool AS a';
  const cols = `${key}::text AS k${time}, ${ident(f.column)} AS x, ${label}::int4 AS l, ${order} AS o${flag}, false AS p`;
  const rows = Number(one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table.sql} WHERE ${key} IS NOT NULL LIMIT ${integer(s.maximum_data_count + 1)}) w`)?.n ?? 0);
  // A bound on the order column instead of ORDER BY ... LIMIT, so the passes can scan in parallel.
  const bound = rows > s.maximum_data_count
    ? ` AND ${order} >= (SELECT ${order} FROM ${table.sql} WHERE ${key} IS NOT NULL ORDER BY ${order} DESC OFFSET ${integer(s.maximum_data_count - 1)} LIMIT 1)`
    : '';
  let from = `SELECT ${cols} FROM ${table.sql} WHERE ${key} IS NOT NULL${bound}`;
  if (pending) {
    // Policy row: the row being inserted joins the window (it has no identity yet; p marks it).
    from += ` UNION ALL SELECT NULL::text, NULL::text, ${vectorLiteral(f, pending)}, NULL::int4, NULL, NULL::bool, true`;
  }
  return { from: `(${from}) w`, rows };
}

/** Refuses a window whose changed rows might not fit in half of pljs's memory. */
function checkMemory(table: Table, s: Settings, rows: number): void {
  const limitMb = Number(one<{ m: string | null }>(`SELECT pg_catalog.current_setting('pljs.memory_limit', true) AS m`)?.m ?? 512) || 512;
  const budget = (limitMb * 1048576) / 2;
  if (rows * BYTES_PER_CHANGED_ROW <= budget) return;
  throw new UserError(
    `pg_centroid: the window of ${table.display} (${rows} rows) could change more labels than fit in half of pljs.memory_limit (${limitMb} MB) at ${BYTES_PER_CHANGED_ROW} bytes a row`,
    `lower maximum_data_count to at most ${Math.floor(budget / BYTES_PER_CHANGED_ROW)} in centroid.settings, or raise pljs.memory_limit (as a superuser: ALTER SYSTEM SET pljs.memory_limit = ${Math.ceil((2 * rows * BYTES_PER_CHANGED_ROW) / 1048576)}; then SELECT pg_reload_conf())`,
    'a refit of a vector column keeps the identities of the rows whose label changed in JavaScript until it writes them',
    '54000',
  );
}

/** What the labelling pass of a refit found. */
interface Finish {
  sizes: Int32Array;
  radii: Float64Array;
  rms: Float64Array;
  cost: number;
  rows: number;
  /** Rows whose label (or anomaly flag) changed: identity, new label, distance, flag. */
  keys: string[];
  times: string[];
  labels: number[];
  distances: number[];
  anomalies: boolean[];
  since: string | null;
  threshold: number | null;
}

/** The labelling pass: per cluster its stats and the rows whose label changed; a second pass when anomaly flags are written. */
function finish(table: Table, src: VectorRows, s: Settings, centers: Float64Array, unit: boolean): Finish {
  const { k, d } = src;
  const reported = unit ? `(${SQUARED} / 2)` : `pg_catalog.sqrt(${SQUARED})`;
  const keyed = `SELECT k, t, l, a, o, p, ${nearestKey(src, 'e', centers, k, d)} AS m FROM (SELECT k, t, l, a, o, p, ${src.vector} AS e FROM ${src.from} WHERE ${src.valid} OFFSET 0) r OFFSET 0`;
  const changed = `p IS NOT TRUE AND l IS DISTINCT FROM ${LABEL}`;
  const rows = query<{ nl: number; n: bigint | number; radius: number; sq: number; cost: number; since: string | null; ks: string[] | null; ts: string[] | null; ds: number[] | null }>(
    `SELECT ${LABEL} AS nl, count(*) AS n, avg(${reported}) AS radius, sum(${reported} * ${reported}) AS sq, sum(${unit ? reported : SQUARED}) AS cost, ${oldestSql(table, s)} AS since,
            pg_catalog.array_agg(k) FILTER (WHERE ${changed}) AS ks, pg_catalog.array_agg(t) FILTER (WHERE ${changed}) AS ts,
            pg_catalog.array_agg(${reported}) FILTER (WHERE ${changed}) AS ds
       FROM (${keyed}) a GROUP BY 1`,
  );
  const out: Finish = { sizes: new Int32Array(k), radii: new Float64Array(k), rms: new Float64Array(k), cost: 0, rows: 0, keys: [], times: [], labels: [], distances: [], anomalies: [], since: null, threshold: s.anomaly_threshold };
  for (const r of rows) {
    const c = Number(r.nl);
    const n = Number(r.n);
    out.sizes[c] = n;
    out.radii[c] = Number(r.radius);
    out.rms[c] = n > 0 ? Math.sqrt(Number(r.sq) / n) : 0;
    out.cost += Number(r.cost);
    out.rows += n;
    if (r.since !== null && (out.since === null || r.since < out.since)) out.since = r.since;
    const ks = r.ks ?? [];
    for (let i = 0; i < ks.length; i++) {
      out.keys.push(ks[i] as string);
      out.times.push((r.ts ?? [])[i] as string);
      out.labels.push(c);
      out.distances.push(Number((r.ds ?? [])[i]));
    }
  }
  if (s.anomaly_column === null) return out;
  // Anomaly flags need this pass's radii: a second pass writes the rows whose label or flag changed.
  const normalized = `CASE ${LABEL} ${Array.from(out.rms, (r, c) => `WHEN ${c} THEN ${r > 0 ? `${reported} / ${float(r)}` : `CASE WHEN ${SQUARED} > 0 THEN 'Infinity'::float8 ELSE 0::float8 END`}`).join(' ')} END`;
  if (s.contamination !== null) {
    const flagged = Math.min(out.rows, Math.round(s.contamination * out.rows));
    out.threshold = flagged === out.rows ? -Infinity : Number(one<{ t: number }>(`SELECT ${normalized} AS t FROM (${keyed}) a WHERE p IS NOT TRUE ORDER BY 1 DESC OFFSET ${integer(flagged)} LIMIT 1`)?.t);
  }
  const flag = out.threshold === null ? 'false' : `(${normalized} > ${float(out.threshold)})`;
  const again = `p IS NOT TRUE AND (l IS DISTINCT FROM ${LABEL} OR a IS DISTINCT FROM ${flag})`;
  const r = one<{ ks: string[] | null; ts: string[] | null; ls: number[] | null; ds: number[] | null; fs: boolean[] | null }>(
    `SELECT pg_catalog.array_agg(k) AS ks, pg_catalog.array_agg(t) AS ts, pg_catalog.array_agg(${LABEL}) AS ls, pg_catalog.array_agg(${reported}) AS ds, pg_catalog.array_agg(${flag}) AS fs
       FROM (${keyed}) a WHERE ${again}`,
  );
  out.keys = r?.ks ?? [];
  out.times = r?.ts ?? [];
  out.labels = (r?.ls ?? []).map(Number);
  out.distances = (r?.ds ?? []).map(Number);
  out.anomalies = r?.fs ?? [];
  return out;
}

/** The outcome of a refit that did not cluster. */
function notClustered(status: RefitResult['status'], rows: number, invalid: number, started: number): RefitResult {
  return { status, rows, invalid, changed: 0, iterations: 0, cost: 0, duration_ms: now() - started, engine: 'vector', pending_label: null, pending_distance: null, pending_normalized: null };
}

/** Re-clusters the window of a vector table (plus a pending row, policy row); writes changed labels and the new state. */
export function refitVectors(table: Table, s: Settings, f: VectorFeature, state: State | null, started: number, reason: RefitReason, pending?: Float64Array): { outcome: RefitResult; state: State | null } {
  return withVectorSettings(() => refitVectorsHashed(table, s, f, state, started, reason, pending));
}

/** refitVectors, under withVectorSettings. */
function refitVectorsHashed(table: Table, s: Settings, f: VectorFeature, state: State | null, started: number, reason: RefitReason, pending?: Float64Array): { outcome: RefitResult; state: State | null } {
  const k = s.cluster_count;
  const d = f.dims;
  const unit = s.distance_type === 'cosine';
  const w = windowFrom(table, s, f, pending);
  const v = rowVector(f, 'x', f.type, unit);
  const src: VectorRows = { schema: f.schema, k, d, from: w.from, valid: v.valid, hash: `pg_catalog.hashtextextended(coalesce(k, ''), ${integer(s.seed)})`, vector: v.vector };
  const counted = one<{ n: bigint | number; total: bigint | number }>(`SELECT count(*) FILTER (WHERE ${v.valid}) AS n, count(*) AS total FROM ${w.from}`);
  const n = Number(counted?.n ?? 0);
  const invalid = Number(counted?.total ?? 0) - n;
  if (n < s.minimum_data_count) return { outcome: notClustered('waiting', n, invalid, started), state };
  checkMemory(table, s, w.rows);
  const warm = state && state.centers.length === k * d ? Float64Array.from(state.centers) : null;
  const manual = s.center_choice === 'manual' && s.starting_centers ? Float64Array.from(s.starting_centers.flat()) : null;
  let done: Finish | null = null;
  let run;
  try {
    run = vectorKmeans(src, vectorOptions(s, n, warm ?? manual, (c) => {
      done = finish(table, src, s, c, unit);
      return Float64Array.from(done.sizes);
    }));
  } catch (e) {
    if (e instanceof TooFewDistinct) return { outcome: notClustered('too-few-distinct', n, invalid, started), state };
    throw e;
  }
  const fin = done as unknown as Finish;
  const win: Window = { keys: fin.keys, times: identityColumns(table, s).length > 1 ? fin.times : null, points: { data: new Float64Array(0), n: 0, d }, labels: [], invalid, since: fin.since, eventTimes: null, flags: null };
  const indexes = fin.keys.map((_, i) => i);
  writeLabels(table, s, win, indexes, fin.labels, { distances: s.distance_column !== null ? fin.distances : null, anomalies: s.anomaly_column !== null ? fin.anomalies : null });
  const next: State = {
    centers: run.centers,
    scaler: null,
    k,
    d,
    counts: Float64Array.from(fin.sizes),
    refits: (state?.refits ?? 0) + 1,
    rms: fin.rms,
    threshold: fin.threshold,
    since: noneSince(k),
    asOf: state?.asOf ?? null,
  };
  const durationMs = now() - started;
  saveRefit(table.oid, next, { rowsUsed: fin.rows, iterations: run.iterations, converged: run.converged, cost: fin.cost, durationMs, sizes: fin.sizes, radii: fin.radii, rms: fin.rms, threshold: fin.threshold, changed: fin.keys.length, reason });
  const outcome: RefitResult = { status: 'refitted', rows: fin.rows, invalid, changed: fin.keys.length, iterations: run.iterations, cost: fin.cost, duration_ms: durationMs, engine: 'vector', pending_label: null, pending_distance: null, pending_normalized: null };
  if (pending) Object.assign(outcome, pendingFacts(f, pending, run.centers, fin.rms, k, unit));
  return { outcome, state: next };
}

/** The pending row's label, distance and normalized distance under the final centers (pgvector's distances). */
function pendingFacts(f: VectorFeature, pending: Float64Array, centers: Float64Array, rms: Float64Array, k: number, unit: boolean): Pick<RefitResult, 'pending_label' | 'pending_distance' | 'pending_normalized'> {
  const r = one<{ l: number; q: number }>(
    `SELECT ${keyLabel('m')} AS l, ${keySquared('m')} AS q FROM (SELECT ${nearestKey(f, 'e', centers, k, f.dims)} AS m FROM (SELECT ${vectorLiteral(f, pending)} AS e) x OFFSET 0) y`,
  );
  if (!r) return { pending_label: null, pending_distance: null, pending_normalized: null };
  const dist = unit ? Number(r.q) / 2 : Math.sqrt(Number(r.q));
  const label = Number(r.l);
  return { pending_label: label, pending_distance: dist, pending_normalized: normalizedDistance(dist, rms[label] as number) };
}

