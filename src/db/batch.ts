// Batch segmentation (the article's workflow): centroid.fit trains on a table, view or query, writes
// labels in one UPDATE and registers the model as a new version in centroid.models;
// centroid.predict labels a new row with the latest version.

import type { Metrics, ModelFit } from '../config/results';
import { validateConfig, type Settings } from '../config/settings';
import { fit } from '../core/fit';
import { contaminationThreshold, normalizedDistances, rmsRadii } from '../core/anomaly';
import { distancesToOwn } from '../core/assign';
import { clusterQuality, silhouette } from '../core/metrics';
import { countDistinct } from '../core/seeding';
import { fitScaler, standardize, unstandardize, type Scaler } from '../core/standardize';
import type { DistanceType, FitResult, Points } from '../core/types';
import { geometry, unitPoints } from '../core/unit';
import { float, integer, matrix, text } from '../sql/quote';
import { checkSourceColumns, labelAgreement, readRows, releaseSource, resolveOutput, resolveSource, writeLabels, type Rows, type Source } from './batch-source';
import { KMEDOIDS_MAX_POINTS } from '../core/kmedoids';
import { matchLabels, permute } from '../core/match';
import { guarded, isError, UserError, type ErrorResult } from './errors';
import type { Table } from './catalog';
import { vectorFeature, type VectorFeature } from './pgvector';
import { now, one } from './pl';
import { fitVectors } from './vector-fit';
import { forgetScorers } from './predict';
import { fitOptions } from './refit';
import { fitByAggregates, fitRoute } from './sharded';


/** The rows of a source, prepared for fitting: standardized when asked, with the scaler used. */
export interface Prepared {
  rows: Rows;
  points: Points;
  scaler: Scaler | null;
}

/**
 * Rows the silhouette of a fit is computed on (a seeded sample past it): its cost grows with the square
 * of this, and 1,000 rows keep it near a quarter of a second in pljs at 4 features.
 */
export const FIT_SILHOUETTE_SAMPLE = 1000;

/** Advisory-lock namespace of model versions (first key of the two-key form). */
const MODEL_LOCK_SPACE = 0x6d6f646c;

/** A finite number, or null (JSON has no NaN). */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Rows of a flat k x d array, for JSON. */
function rowsOf(flat: ArrayLike<number>, k: number, d: number): number[][] {
  return Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, j) => flat[c * d + j] as number));
}

/** Validates a model name: non-empty text of at most 200 characters. */
function checkModelName(model: unknown): string {
  if (typeof model !== 'string' || model.trim() === '' || model.length > 200) {
    throw new UserError(`pg_centroid: model name must be text of 1 to 200 characters, not ${JSON.stringify(model)}`, "name the model, e.g. 'customer_segments'");
  }
  return model;
}

/** Reads and (when asked) standardizes a source's rows; refuses fewer valid (or distinct) rows than k. */
export function prepare(rows: Rows, s: Settings, k: number, what: string): Prepared {
  const { n } = rows.points;
  if (n < k) {
    throw new UserError(
      `pg_centroid: ${what} has ${n} rows with valid features (${rows.skipped} left out for NULL, NaN or infinite values${s.distance_type === 'cosine' ? ', or all zeros under cosine distance' : ''}), fewer than cluster_count ${k}`,
      n > 0 ? `lower cluster_count to at most ${n}, or add rows` : 'the source has no rows with all clustering columns set: check its query and columns',
    );
  }
  const distinct = countDistinct(rows.points, k);
  if (distinct < k) {
    throw new UserError(`pg_centroid: ${what} has only ${distinct} distinct rows, fewer than cluster_count ${k}`, `lower cluster_count to at most ${distinct}`);
  }
  // Cosine: the fit, metrics and distances work on the rows scaled to unit length (zero rows were left out).
  if (geometry(s.distance_type).unit) return { rows, points: unitPoints(rows.points), scaler: null };
  if (s.standardize === 'none') return { rows, points: rows.points, scaler: null };
  const scaler = fitScaler(rows.points);
  return { rows, points: { ...rows.points, data: standardize(rows.points.data, scaler) }, scaler };
}

/**
 * Inertia, silhouette (seeded sample), Davies-Bouldin, Calinski-Harabasz, sizes and mean radii of a fit. Under cosine
 * distance the points are unit rows and the quality measures use the euclidean (chord) distance between them, a
 * monotone function of 1 - cos; inertia is the fit's cost (the sum of 1 - cos). With `dist` (n long), the pass the
 * radii take writes each row's distance (in the metric's terms) to its center there.
 */
export function metricsOf(points: Points, result: FitResult, distance: DistanceType, seed: number, sample = FIT_SILHOUETTE_SAMPLE, dist: Float64Array | null = null): Metrics {
  const { k, centers, labels } = result;
  const metric = geometry(distance).metric;
  const q = clusterQuality(points, labels, centers, k, metric, dist);
  return {
    inertia: result.cost,
    silhouette: finite(silhouette(points, labels, k, metric, { sampleSize: sample, seed })),
    silhouette_sample: Math.min(sample, points.n),
    davies_bouldin: finite(q.daviesBouldin),
    calinski_harabasz: finite(q.calinskiHarabasz),
    cluster_sizes: Array.from(result.sizes),
    radii: Array.from(q.radii.mean),
    rms_radii: [],
    anomaly_threshold: null,
  };
}

/** centroid.fit(model, source, config): fits, writes labels, registers a new version of the caller's model and summarizes it. */
export function fitModel(modelArg: unknown, sourceArg: string, config: unknown, callerPath: string): ModelFit {
  const started = now();
  // predict caches the model of a statement: a fit in this session makes a new version.
  forgetScorers();
  const model = checkModelName(modelArg);
  const s = validateConfig(config, 'fit');
  const source = resolveSource(sourceArg, callerPath);
  const output = resolveOutput(s, source, callerPath);
  checkSourceColumns(source, s, output !== null);
  checkAlgorithmLimits(s, source);
  // Versions of one role's model are numbered one after another.
  one(`SELECT pg_catalog.pg_advisory_xact_lock(${integer(MODEL_LOCK_SPACE)}::int4, pg_catalog.hashtext(current_user::text || '/' || ${text(model)}))`);

  const feature = vectorFeature(source.table, s);
  if (feature) return fitVectorModel(model, sourceArg, s, source, output, feature, started);
  const route = fitRoute(source, s, output, 'centroid.fit');
  if (route.route === 'aggregates') {
    // A sharded source: every pass runs where the rows are, and no row is read here (src/db/sharded.ts).
    const a = fitByAggregates(source, s, output, route.layout, FIT_SILHOUETTE_SAMPLE);
    const durationMs = now() - started;
    const { version, owner } = register(model, sourceArg, s, output?.display ?? null, a.fit, a.centers, a.scaler, a.fit.metrics, a.fit.rows_used, a.fit.rows_skipped, durationMs, null);
    releaseSource(source);
    return { model, version, owner, ...a.fit, duration_ms: durationMs };
  }

  const t0 = now();
  const rows = readRows(source, s, output);
  const p = prepare(rows, s, s.cluster_count, source.display);
  const t1 = now();
  const fitted = fit(p.points, fitOptions(s, null));
  const t2 = now();
  // Cluster numbers follow the ones already in the output column, so a refit that finds the same
  // segments keeps their numbers (and rewrites no row), whatever numbering its starts produced.
  const result = output ? permute(fitted, matchLabels(labelAgreement(output, s, rows, fitted.labels, fitted.k), fitted.k)) : fitted;
  const t2b = now();
  // The distances behind the anomaly rule: each cluster's RMS radius and the threshold, stored with the version. When
  // the metrics measure in the fit's own distance (euclidean, manhattan), their pass writes them; cosine takes one more.
  const fused = geometry(s.distance_type).metric === s.distance_type;
  const dist = fused ? new Float64Array(p.points.n) : null;
  const metrics = metricsOf(p.points, result, s.distance_type, s.seed, FIT_SILHOUETTE_SAMPLE, dist);
  const own = dist ?? distancesToOwn(p.points, result.centers, result.labels, s.distance_type);
  const rms = rmsRadii(own, result.labels, result.k);
  metrics.rms_radii = Array.from(rms);
  // Normalized distances only when a threshold is drawn from them or flags are written.
  const normalized = s.contamination !== null || s.anomaly_column !== null ? normalizedDistances(own, result.labels, rms) : null;
  const threshold = s.contamination !== null && normalized ? contaminationThreshold(normalized, s.contamination) : (s.anomaly_threshold ?? 3);
  metrics.anomaly_threshold = Number.isFinite(threshold) ? threshold : null;
  const t3 = now();
  const anomalies = s.anomaly_column !== null && normalized ? flags(normalized, threshold) : null;
  const changed = output ? writeLabels(output, s, rows, result.labels, { distances: own, anomalies }) : 0;
  const timings = { read_ms: t1 - t0, fit_ms: t2 - t1, renumber_ms: t2b - t2, metrics_ms: t3 - t2b, write_ms: now() - t3 };
  const centers = p.scaler ? unstandardize(result.centers, p.scaler) : result.centers;
  const durationMs = now() - started;
  const { version, owner } = register(model, sourceArg, s, output?.display ?? null, result, centers, p.scaler, metrics, p.points.n, rows.skipped, durationMs, null);
  releaseSource(source);
  return {
    model,
    version,
    owner,
    rows_used: p.points.n,
    rows_skipped: rows.skipped,
    k: result.k,
    algorithm: result.algorithmUsed ?? s.clustering_algorithm,
    cost: result.cost,
    iterations: result.iterations,
    converged: result.converged,
    duration_ms: durationMs,
    timings,
    vector_type: null,
    centroids: rowsOf(centers, result.k, result.d),
    standardization: p.scaler ? { means: Array.from(p.scaler.means), scales: Array.from(p.scaler.scales) } : null,
    metrics,
    output_table: output?.display ?? null,
    labels_changed: changed,
  };
}

/** 1 for each normalized distance above the threshold, else 0. */
function flags(normalized: Float64Array, threshold: number): Uint8Array {
  const out = new Uint8Array(normalized.length);
  for (let i = 0; i < normalized.length; i++) if ((normalized[i] as number) > threshold) out[i] = 1;
  return out;
}

/** Inserts the fit as the model's next version; returns the version. */
function register(
  model: string,
  source: string,
  s: Settings,
  output: string | null,
  result: Pick<FitResult, 'k' | 'cost' | 'iterations'>,
  centers: Float64Array,
  scaler: Scaler | null,
  metrics: Metrics,
  rowsUsed: number,
  rowsSkipped: number,
  durationMs: number,
  vectorType: string | null,
): { version: number; owner: string } {
  const standardization = scaler ? { means: Array.from(scaler.means), scales: Array.from(scaler.scales) } : null;
  const stored = { ...s, output_table: output };
  const row = one<{ version: number; owner: string }>(
    `INSERT INTO centroid.models (owner, model, version, source, config, centroids, standardization, cost, iterations, metrics, rows_used, rows_skipped, duration_ms, vector_type)
     SELECT current_user, ${text(model)}, coalesce(max(m.version), 0) + 1, ${text(source)}, ${text(JSON.stringify(stored))}::jsonb,
            ${matrix(centers, result.k, centers.length / result.k)}, ${standardization ? text(JSON.stringify(standardization)) + '::jsonb' : 'NULL'},
            ${float(result.cost)}, ${integer(result.iterations)}, ${text(JSON.stringify(metrics))}::jsonb,
            ${integer(rowsUsed)}, ${integer(rowsSkipped)}, ${float(durationMs)}, ${vectorType === null ? 'NULL' : text(vectorType)}
       FROM centroid.models m WHERE m.owner = current_user AND m.model = ${text(model)}
     RETURNING version, owner::text AS owner`,
  );
  return { version: Number(row?.version), owner: String(row?.owner) };
}

/** centroid.fit of a pgvector column (src/db/vector-fit.ts): the same summary and registry row as any fit. */
function fitVectorModel(model: string, sourceArg: string, s: Settings, source: Source, output: Table | null, f: VectorFeature, started: number): ModelFit {
  const done = fitVectors(f, source, output, s);
  releaseSource(source);
  const { result, metrics } = done;
  const durationMs = now() - started;
  const { version, owner } = register(model, sourceArg, s, output?.display ?? null, result, result.centers, null, metrics, done.rowsUsed, done.rowsSkipped, durationMs, f.type);
  return {
    model,
    version,
    owner,
    rows_used: done.rowsUsed,
    rows_skipped: done.rowsSkipped,
    k: result.k,
    algorithm: 'k-means',
    cost: result.cost,
    iterations: result.iterations,
    converged: result.converged,
    duration_ms: durationMs,
    timings: done.timings as ModelFit['timings'],
    vector_type: f.type,
    centroids: rowsOf(result.centers, result.k, result.d),
    standardization: null,
    metrics,
    output_table: output?.display ?? null,
    labels_changed: done.changed,
  };
}

/** Refuses a fit whose algorithm cannot take the source's rows (k-medoids' limit), before reading them. */
function checkAlgorithmLimits(s: Settings, source: Source): void {
  if (s.clustering_algorithm !== 'k-medoids') return;
  const n = Number(one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${source.sql} LIMIT ${integer(KMEDOIDS_MAX_POINTS + 1)}) x`)?.n ?? 0);
  if (n > KMEDOIDS_MAX_POINTS) {
    throw new UserError(
      `pg_centroid setting clustering_algorithm: k-medoids takes at most ${KMEDOIDS_MAX_POINTS} rows, and ${source.display} has more`,
      `use "clustering_algorithm": "k-medians" (which also minimizes manhattan distance), or fit on a sample: SELECT ... FROM ${source.display} TABLESAMPLE SYSTEM (10)`,
    );
  }
}

/** Validates fit settings against the source now (for schedule_fit, so a bad config fails now and not at night). */
export function checkFit(sourceArg: string, config: unknown, callerPath: string): { ok: true } {
  const s = validateConfig(config, 'fit');
  const source = resolveSource(sourceArg, callerPath);
  const output = resolveOutput(s, source, callerPath);
  checkSourceColumns(source, s, output !== null);
  releaseSource(source);
  return { ok: true };
}
