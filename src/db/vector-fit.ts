// centroid.fit on a pgvector column: the rows never reach JavaScript as vectors. The fit runs in SQL passes
// (vector-kmeans.ts); its labelling pass returns each row's key, label and squared distance, grouped by cluster with
// the clusters' sums, from which the labels are renumbered to follow the output column, written back, and the
// metrics computed (the silhouette on a sample of the rows in SQL, as every distance at 384 dimensions must be).

import type { Metrics, ModelFit } from '../config/results';
import type { Settings } from '../config/settings';
import { contaminationThreshold, normalizedDistance, rmsRadii } from '../core/anomaly';
import { matchLabels, permute } from '../core/match';
import type { FitResult } from '../core/types';
import { ident, integer } from '../sql/quote';
import { distance, nearestKey, pv, rowVector, vectorLiteral } from '../sql/vector';
import { labelAgreement, type Rows, type Source, writeLabels } from './batch-source';
import type { Table } from './catalog';
import { UserError } from './errors';
import type { VectorFeature } from './pgvector';
import { now, one, query } from './pl';
import { LABEL, SQUARED, type VectorRows, withVectorSettings } from './vector-engine';
import { tooFewDistinctError, TooFewDistinct, vectorKmeans, vectorOptions } from './vector-kmeans';

/** Bytes a row of a vector fit costs in JavaScript: its key as text, label and distance (plus array overhead). */
const BYTES_PER_KEYED_ROW = 96;
const BYTES_PER_ROW = 24;

/** Rows of the silhouette's sample. */
const SILHOUETTE_SAMPLE = 1000;

/** What the labelling pass of a vector fit read: per cluster its rows (keys, squared distances). */
interface Labelled {
  keys: string[];
  labels: Int32Array;
  squared: Float64Array;
  /** Per read row (valid or not), its index among the valid rows, or -1. */
  index: Int32Array;
  counts: Float64Array;
}

/** The SQL of a source's rows for a vector fit: h (seeded hash of the key, else of the vector) and e, valid rows only. */
export function vectorRowsSql(f: VectorFeature, from: string, s: Settings, key: string | null, k: number): VectorRows {
  const unit = s.distance_type === 'cosine';
  const v = rowVector(f, ident(f.column), f.type, unit);
  const raw = f.type === 'halfvec' ? `${ident(f.column)}::${pv(f, 'vector')}` : ident(f.column);
  const h = key !== null ? `pg_catalog.hashtextextended(${key}::text, ${integer(s.seed)})` : `pg_catalog.hash_array_extended(${raw}::pg_catalog.float4[], ${integer(s.seed)})`;
  return { schema: f.schema, k, d: f.dims, from, valid: v.valid, hash: h, vector: v.vector };
}

/** Refuses a fit whose labelling pass would not fit in half of pljs's memory, before any work. */
function checkMemory(n: number, keyed: boolean, display: string): void {
  const limitMb = Number(one<{ m: string | null }>(`SELECT pg_catalog.current_setting('pljs.memory_limit', true) AS m`)?.m ?? 512) || 512;
  const per = keyed ? BYTES_PER_KEYED_ROW : BYTES_PER_ROW;
  const budget = (limitMb * 1048576) / 2;
  if (n * per <= budget) return;
  throw new UserError(
    `pg_centroid: ${display} has ${n} rows; a vector fit keeps each row's ${keyed ? 'key, ' : ''}label and distance in JavaScript, about ${Math.ceil((n * per) / 1048576)} MB, more than half of pljs.memory_limit (${limitMb} MB)`,
    `fit on a sample: SELECT ... FROM ${display} TABLESAMPLE SYSTEM (${Math.max(1, Math.floor((100 * budget) / (n * per)))}), then label with centroid.score; or raise pljs.memory_limit (as a superuser: ALTER SYSTEM SET pljs.memory_limit = ${Math.ceil((2 * n * per) / 1048576)}; then SELECT pg_reload_conf())`,
    '',
    '54000',
  );
}

/** The labelling pass: every row's cluster (NULL when invalid), key and squared distance. */
function labelPass(f: VectorFeature, source: Source, s: Settings, centers: Float64Array, k: number, keyed: boolean): Labelled {
  const unit = s.distance_type === 'cosine';
  const v = rowVector(f, ident(f.column), f.type, unit);
  const kt = keyed ? `${ident(s.key_column)}::text` : 'NULL::text';
  const nearest = `CASE WHEN ${v.valid} THEN ${v.vector} END`;
  // Invalid rows (NULL vectors, zero vectors under cosine) have no key m, so no label.
  const keyedRows = `SELECT kt, e, ${nearestKey(f, 'e', centers, k, f.dims)} AS m FROM (SELECT ${kt} AS kt, ${nearest} AS e FROM ${source.sql} OFFSET 0) s OFFSET 0`;
  const rows = query<{ l: number | null; n: bigint | number; keys: string[] | null; q: number[] | null }>(
    `SELECT ${LABEL} AS l, count(*) AS n, ${keyed ? 'pg_catalog.array_agg(kt)' : 'NULL::text[]'} AS keys, pg_catalog.array_agg(${SQUARED}) FILTER (WHERE m IS NOT NULL) AS q
       FROM (${keyedRows}) a GROUP BY 1 ORDER BY 1 NULLS LAST`,
  );
  const counts = new Float64Array(k);
  let total = 0;
  let valid = 0;
  for (const r of rows) {
    total += Number(r.n);
    if (r.l !== null) valid += Number(r.n);
  }
  const keys: string[] = keyed ? new Array(total) : [];
  const labels = new Int32Array(valid);
  const squared = new Float64Array(valid);
  const index = new Int32Array(total);
  let at = 0;
  let point = 0;
  for (const r of rows) {
    const n = Number(r.n);
    const ks = r.keys ?? [];
    if (r.l === null) {
      for (let i = 0; i < n; i++) {
        if (keyed) keys[at] = ks[i] as string;
        index[at++] = -1;
      }
      continue;
    }
    const c = Number(r.l);
    counts[c] = n;
    const q = r.q ?? [];
    for (let i = 0; i < n; i++) {
      if (keyed) keys[at] = ks[i] as string;
      index[at++] = point;
      labels[point] = c;
      squared[point++] = Number(q[i]);
    }
  }
  return { keys, labels, squared, index, counts };
}

/** Silhouette of a sample of the rows (the sample table's first rows, in hash order), in SQL; null below 2 clusters. */
function silhouetteSql(f: VectorFeature, sampleTable: string, centers: Float64Array, k: number): { value: number | null; n: number } {
  const labelled = `SELECT r, e, ${LABEL} AS l FROM (SELECT r, e, ${nearestKey(f, 'e', centers, k, f.dims)} AS m FROM ${sampleTable} WHERE r <= ${integer(SILHOUETTE_SAMPLE)} OFFSET 0) x`;
  // Per sampled row, a LATERAL aggregate over the other sampled rows grouped by cluster (small hash tables, one a row).
  const r = one<{ s: number | null; n: bigint | number; c: bigint | number }>(
    `WITH s AS MATERIALIZED (${labelled})
     SELECT avg(z.sv) AS s, count(*) AS n, count(DISTINCT s.l) AS c
       FROM s, LATERAL (
         SELECT CASE WHEN a IS NULL OR b IS NULL OR GREATEST(a, b) = 0 THEN 0 ELSE (b - a) / GREATEST(a, b) END AS sv
           FROM (SELECT max(md) FILTER (WHERE l = s.l) AS a, min(md) FILTER (WHERE l <> s.l) AS b
                   FROM (SELECT o.l, avg(${distance(f, 's.e', 'o.e')}) AS md FROM s o WHERE o.r <> s.r GROUP BY o.l) g) h) z`,
  );
  const n = Number(r?.n ?? 0);
  return { value: Number(r?.c ?? 0) >= 2 && r?.s !== null && r?.s !== undefined ? Number(r.s) : null, n };
}

/** Distances between every two centers (k x k), computed by pgvector. */
function centerDistances(f: VectorFeature, centers: Float64Array, k: number): Float64Array {
  const d = f.dims;
  const values = Array.from({ length: k }, (_, c) => `(${c}, ${vectorLiteral(f, centers, c * d, d)})`).join(', ');
  const out = new Float64Array(k * k);
  for (const r of query<{ a: number; b: number; x: number }>(`SELECT a.i AS a, b.i AS b, ${distance(f, 'a.v', 'b.v')} AS x FROM (VALUES ${values}) a(i, v), (VALUES ${values}) b(i, v) WHERE a.i < b.i`)) {
    out[r.a * k + r.b] = Number(r.x);
    out[r.b * k + r.a] = Number(r.x);
  }
  return out;
}

/** Metrics of a vector fit, as metricsOf computes them for numeric columns (see src/db/batch.ts). */
function vectorMetrics(f: VectorFeature, result: FitResult, dist: Float64Array, lab: Labelled, sampleTable: string): { metrics: Metrics; times: Record<string, number> } {
  const { k, centers, labels } = result;
  const d = f.dims;
  const n = labels.length;
  // Mean euclidean (chord, under cosine) distance of each cluster's rows to its center.
  const radius = new Float64Array(k);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    radius[c] = (radius[c] as number) + Math.sqrt(lab.squared[i] as number);
    sizes[c] = (sizes[c] as number) + 1;
  }
  for (let c = 0; c < k; c++) radius[c] = (sizes[c] as number) > 0 ? (radius[c] as number) / (sizes[c] as number) : 0;
  const tm0 = now();
  const sep = centerDistances(f, centers, k);
  const tm1 = now();
  let db = 0;
  let clusters = 0;
  for (let a = 0; a < k; a++) {
    if (sizes[a] === 0) continue;
    clusters++;
    let worst = 0;
    for (let b = 0; b < k; b++) {
      if (b === a || sizes[b] === 0) continue;
      const x = sep[a * k + b] as number;
      if (x > 0) worst = Math.max(worst, ((radius[a] as number) + (radius[b] as number)) / x);
    }
    db += worst;
  }
  // Calinski-Harabasz from the centroids (the means of the rows' clusters before the labelling pass): between from
  // the centroids around their weighted mean, within the squared euclidean distances of the labelling pass.
  const overall = new Float64Array(d);
  let within = 0;
  for (let i = 0; i < n; i++) within += lab.squared[i] as number;
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) overall[j] = (overall[j] as number) + (sizes[c] as number) * (centers[c * d + j] as number);
  let between = 0;
  for (let c = 0; c < k; c++) {
    if (sizes[c] === 0) continue;
    let s2 = 0;
    for (let j = 0; j < d; j++) {
      const t = (centers[c * d + j] as number) - (overall[j] as number) / n;
      s2 += t * t;
    }
    between += (sizes[c] as number) * s2;
  }
  const ch = clusters < 2 || clusters > n - 1 ? NaN : within <= 0 ? 1 : between / (clusters - 1) / (within / (n - clusters));
  const tm2 = now();
  const sil = silhouetteSql(f, sampleTable, centers, k);
  const times = { separation_ms: tm1 - tm0, quality_ms: tm2 - tm1, silhouette_ms: now() - tm2 };
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const metrics: Metrics = {
    inertia: result.cost,
    silhouette: sil.value,
    silhouette_sample: sil.n,
    davies_bouldin: clusters < 2 ? null : finite(db / clusters),
    calinski_harabasz: finite(ch),
    cluster_sizes: Array.from(sizes),
    radii: Array.from(radius),
    rms_radii: Array.from(rmsRadii(dist, labels, k)),
    anomaly_threshold: null,
  };
  return { metrics, times };
}

/** What a vector fit hands back to fitModel: the result, metrics, the write and timings. */
export interface VectorFitDone {
  result: FitResult;
  metrics: Metrics;
  rowsUsed: number;
  rowsSkipped: number;
  changed: number;
  timings: Record<string, number>;
}

/** Fits a vector column of a source (checked by the caller, who releases it), writes labels when there is an output, computes metrics. */
export function fitVectors(f: VectorFeature, source: Source, output: Table | null, s: Settings): VectorFitDone {
  return withVectorSettings(() => fitVectorsHashed(f, source, output, s));
}

/** fitVectors, with enable_sort off. */
function fitVectorsHashed(f: VectorFeature, source: Source, output: Table | null, s: Settings): VectorFitDone {
  const t0 = now();
  const k = s.cluster_count;
  const unit = s.distance_type === 'cosine';
  const keyed = output !== null;
  const key = source.table.columns.has(s.key_column) ? ident(s.key_column) : null;
  const src = vectorRowsSql(f, source.sql, s, key, k);
  const v = rowVector(f, ident(f.column), f.type, unit);
  const counted = one<{ total: bigint | number; n: bigint | number }>(`SELECT count(*) AS total, count(*) FILTER (WHERE ${v.valid}) AS n FROM ${source.sql}`);
  const total = Number(counted?.total ?? 0);
  const n = Number(counted?.n ?? 0);
  if (n < k) {
    throw new UserError(
      `pg_centroid: ${source.display} has ${n} rows with valid vectors (${total - n} left out for NULL${unit ? ' or zero' : ''} vectors), fewer than cluster_count ${k}`,
      n > 0 ? `lower cluster_count to at most ${n}, or add rows` : `the source has no rows with a ${unit ? 'nonzero ' : ''}vector in ${f.column}: check its query and columns`,
    );
  }
  checkMemory(total, keyed, source.display);
  let lab: Labelled | null = null;
  const centers = s.center_choice === 'manual' && s.starting_centers ? Float64Array.from(s.starting_centers.flat()) : null;
  const t1 = now();
  let run;
  try {
    run = vectorKmeans(src, vectorOptions(s, n, centers, (c) => {
      lab = labelPass(f, source, s, c, k, keyed);
      return lab.counts;
    }));
  } catch (e) {
    if (e instanceof TooFewDistinct) throw tooFewDistinctError(k, e.distinct);
    throw e;
  }
  const t2 = now();
  const done = lab as unknown as Labelled;
  const sizes = new Int32Array(k);
  let cost = 0;
  for (let i = 0; i < done.labels.length; i++) {
    sizes[done.labels[i] as number] = (sizes[done.labels[i] as number] as number) + 1;
    cost += done.squared[i] as number;
  }
  const fitted: FitResult = { k, d: f.dims, centers: run.centers, labels: done.labels, cost: unit ? cost / 2 : cost, iterations: run.iterations, converged: run.converged, sizes, algorithmUsed: 'k-means' };
  const rows: Rows = { points: { data: new Float64Array(0), n: done.labels.length, d: f.dims }, keys: keyed ? { text: done.keys } : null, index: done.index, skipped: total - n, prior: null };
  // Cluster numbers follow the ones already in the output column (see fitModel).
  const perm = output ? matchLabels(labelAgreement(output, s, rows, fitted.labels, k), k) : Int32Array.from({ length: k }, (_, c) => c);
  const result = permute(fitted, perm);
  const t3 = now();
  // Reported distances: euclidean, or 1 - cos (half the squared distance between unit vectors).
  const dist = Float64Array.from(done.squared, (q) => (unit ? q / 2 : Math.sqrt(q)));
  const { metrics, times } = vectorMetrics(f, result, dist, { ...done, labels: result.labels }, run.sampleTable);
  const normalized = Float64Array.from(dist, (x, i) => normalizedDistance(x, metrics.rms_radii[result.labels[i] as number] as number));
  const threshold = s.contamination !== null ? contaminationThreshold(normalized, s.contamination) : (s.anomaly_threshold ?? 3);
  metrics.anomaly_threshold = Number.isFinite(threshold) ? threshold : null;
  const t4 = now();
  const anomalies = Uint8Array.from(normalized, (x) => (x > threshold ? 1 : 0));
  const changed = output ? writeLabels(output, s, rows, result.labels, { distances: dist, anomalies }) : 0;
  return {
    result,
    metrics,
    rowsUsed: n,
    rowsSkipped: total - n,
    changed,
    timings: { read_ms: t1 - t0, fit_ms: t2 - t1, renumber_ms: t3 - t2, metrics_ms: t4 - t3, write_ms: now() - t4, ...run.timings, sample_rows: run.sample, ...run.spent, ...times },
  };
}
