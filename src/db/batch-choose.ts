// centroid.choose_k: fits every k of a range on the same rows and recommends one by silhouette,
// with the elbow of the cost curve beside it (like MADlib's kmeans_auto).

import { validateConfig } from '../config/settings';
import { fit } from '../core/fit';
import type { Candidate, ChooseK } from '../config/results';
import { elbow } from '../core/elbow';
import type { Settings } from '../config/settings';
import { checkSourceColumns, readRows, releaseSource, resolveSource, type Source } from './batch-source';
import { vectorFeature, type VectorFeature } from './pgvector';
import { fitVectors } from './vector-fit';
import { FIT_SILHOUETTE_SAMPLE, metricsOf, prepare } from './batch';
import { UserError } from './errors';
import { now } from './pl';
import { fitOptions } from './refit';
import { candidatesByAggregates, fitRoute } from './sharded';

/** At most this many values of k are tried in one call. */
export const MAX_CANDIDATES = 50;

/** centroid.choose_k(source, config, k_min, k_max): every k's cost and quality, and the recommended k. */
export function chooseK(sourceArg: string, config: unknown, kMin: number, kMax: number, callerPath: string): ChooseK {
  const started = now();
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax - kMin + 1 > MAX_CANDIDATES) {
    throw new UserError(`pg_centroid: k_min ${kMin} and k_max ${kMax} must satisfy 2 <= k_min <= k_max and at most ${MAX_CANDIDATES} values`, 'try k_min => 2, k_max => 10');
  }
  const raw = config !== null && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  // Labels are not written while choosing: only the fitting keys of the config are used.
  const { cluster_number_column: _c, output_table: _o, ...rest } = raw;
  const s = validateConfig({ ...rest, cluster_count: kMax }, 'fit');
  const source = resolveSource(sourceArg, callerPath);
  checkSourceColumns(source, s, false);
  const feature = vectorFeature(source.table, s);
  if (feature) {
    try {
      return chooseVectorK(feature, source, s, kMin, kMax, started);
    } finally {
      releaseSource(source);
    }
  }
  const route = fitRoute(source, s, null, 'centroid.choose_k');
  let candidates: Candidate[] = [];
  let rowsUsed: number;
  let rowsSkipped: number;
  if (route.route === 'aggregates') {
    // A sharded source: each k's passes run where the rows are (src/db/sharded.ts).
    ({ candidates, rowsUsed, rowsSkipped } = candidatesByAggregates(source, s, route.layout, kMin, kMax, FIT_SILHOUETTE_SAMPLE));
    releaseSource(source);
  } else {
    const rows = readRows(source, s, null);
    releaseSource(source);
    const p = prepare(rows, s, kMax, source.display);
    for (let k = kMin; k <= kMax; k++) {
      const ks = { ...s, cluster_count: k };
      const result = fit(p.points, fitOptions(ks, null));
      const m = metricsOf(p.points, result, s.distance_type, s.seed);
      candidates.push({ k, cost: result.cost, silhouette: m.silhouette, davies_bouldin: m.davies_bouldin, calinski_harabasz: m.calinski_harabasz, iterations: result.iterations });
    }
    rowsUsed = p.points.n;
    rowsSkipped = rows.skipped;
  }
  return summarize(candidates, kMin, rowsUsed, rowsSkipped, started);
}

/** The recommendation from every k's figures: the highest silhouette, with the elbow of the cost curve beside it. */
function summarize(candidates: Candidate[], kMin: number, used: number, skipped: number, started: number): ChooseK {
  let bySilhouette: number | null = null;
  let bestScore = -Infinity;
  for (const c of candidates) {
    if (c.silhouette !== null && c.silhouette > bestScore) {
      bestScore = c.silhouette;
      bySilhouette = c.k;
    }
  }
  const byElbow = elbow(candidates.map((c) => c.k), candidates.map((c) => c.cost));
  return {
    recommended: bySilhouette ?? byElbow ?? kMin,
    by_silhouette: bySilhouette,
    by_elbow: byElbow,
    rows_used: used,
    rows_skipped: skipped,
    duration_ms: now() - started,
    candidates,
  };
}

/** choose_k of a pgvector column: a vector fit per k (nothing written), in SQL. */
function chooseVectorK(f: VectorFeature, source: Source, s: Settings, kMin: number, kMax: number, started: number): ChooseK {
  const candidates: Candidate[] = [];
  let used = 0;
  let skipped = 0;
  for (let k = kMin; k <= kMax; k++) {
    const done = fitVectors(f, source, null, { ...s, cluster_count: k });
    used = done.rowsUsed;
    skipped = done.rowsSkipped;
    const m = done.metrics;
    candidates.push({ k, cost: done.result.cost, silhouette: m.silhouette, davies_bouldin: m.davies_bouldin, calinski_harabasz: m.calinski_harabasz, iterations: done.result.iterations });
  }
  return summarize(candidates, kMin, used, skipped, started);
}
