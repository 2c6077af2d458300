// centroid.choose_k: fits every k of a range on the same rows and recommends one by silhouette,
// with the elbow of the cost curve beside it (like MADlib's kmeans_auto).

import { validateConfig } from '../config/settings';
import { fit } from '../core/fit';
import { checkSourceColumns, readRows, resolveSource } from './batch-source';
import { metricsOf, prepare } from './batch';
import { UserError } from './errors';
import { now } from './pl';
import { fitOptions } from './refit';

/** At most this many values of k are tried in one call. */
export const MAX_CANDIDATES = 50;

/** One k tried. */
export interface Candidate {
  k: number;
  cost: number;
  silhouette: number | null;
  davies_bouldin: number | null;
  calinski_harabasz: number | null;
  iterations: number;
}

/**
 * The elbow of a decreasing cost curve (Kneedle: Satopaa et al. 2011, https://doi.org/10.1109/ICDCSW.2011.20):
 * with k and cost scaled to [0, 1], the k farthest below the straight line from the first to the last point.
 * Null with fewer than 3 points or a flat curve.
 */
export function elbow(ks: number[], costs: number[]): number | null {
  const m = ks.length;
  if (m < 3) return null;
  const k0 = ks[0] as number;
  const k1 = ks[m - 1] as number;
  const c0 = costs[0] as number;
  const c1 = costs[m - 1] as number;
  if (!(c0 > c1)) return null;
  let best: number | null = null;
  let bestGap = 0;
  for (let i = 1; i < m - 1; i++) {
    const x = ((ks[i] as number) - k0) / (k1 - k0);
    const y = ((costs[i] as number) - c1) / (c0 - c1);
    // The line runs from (0, 1) to (1, 0); a point below it has y < 1 - x.
    const gap = 1 - x - y;
    if (gap > bestGap) {
      bestGap = gap;
      best = ks[i] as number;
    }
  }
  return best;
}

/** centroid.choose_k(source, config, k_min, k_max): every k's cost and quality, and the recommended k. */
export function chooseK(sourceArg: string, config: unknown, kMin: number, kMax: number): Record<string, unknown> {
  const started = now();
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax - kMin + 1 > MAX_CANDIDATES) {
    throw new UserError(`pg_centroid: k_min ${kMin} and k_max ${kMax} must satisfy 2 <= k_min <= k_max and at most ${MAX_CANDIDATES} values`, 'try k_min => 2, k_max => 10');
  }
  const raw = config !== null && typeof config === 'object' && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  // Labels are not written while choosing: only the fitting keys of the config are used.
  const { cluster_number_column: _c, output_table: _o, ...rest } = raw;
  const s = validateConfig({ ...rest, cluster_count: kMax }, 'fit');
  const source = resolveSource(sourceArg);
  checkSourceColumns(source, s, false);
  const rows = readRows(source, s, null);
  const p = prepare(rows, s, kMax, source.display);
  const candidates: Candidate[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const ks = { ...s, cluster_count: k };
    const result = fit(p.points, fitOptions(ks, null));
    const m = metricsOf(p.points, result, s.distance_type, s.seed);
    candidates.push({ k, cost: result.cost, silhouette: m.silhouette, davies_bouldin: m.davies_bouldin, calinski_harabasz: m.calinski_harabasz, iterations: result.iterations });
  }
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
    rows_used: p.points.n,
    rows_skipped: rows.skipped,
    duration_ms: now() - started,
    candidates,
  };
}
