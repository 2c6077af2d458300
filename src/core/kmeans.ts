// Lloyd's k-means (euclidean): picks the engine. Both run the same iterations from the same starts and stop by
// the same rules; they differ in how they find each row's nearest center.
// - filtering.ts: few dimensions (d <= 3) and many rows (FILTER_MIN_N), not heavy-tailed (FILTER_MAX_SPREAD); a
//   grid-built tree gives whole boxes of rows to a center.
// - hamerly.ts: any number of dimensions; per-row bounds skip most distances after the first iteration.

import { FILTER_MAX_D, FILTER_MIN_N, filtering } from './filtering';
import { hamerly } from './hamerly';
import { type CenterRun, type IterationOptions, shiftThreshold, summarize, type Summary } from './lloyd';
import type { Points } from './types';

export { type CenterRun, type IterationOptions, meanVariance, shiftThreshold, summarize, type Summary } from './lloyd';

/**
 * Above this many standard deviations from its minimum to its maximum in some dimension, the data is heavy-tailed
 * and runs Hamerly's engine: the filtering engine's grid divides the bounding box evenly, so most rows share a few
 * cells near the origin and are compared one by one. Gaussian data spans ~10 deviations at 1M rows (~11.5 at 10M),
 * uniform 3.5, exponential ~15; the benchmark's heavy-tailed points 48-900 (100k x 3 in pljs: filtering 1.12 s,
 * Hamerly 0.70 s for 10 iterations, where on the other shapes filtering is the faster by 1.3-1.4x).
 */
export const FILTER_MAX_SPREAD = 30;

/** Whether some dimension spans more than FILTER_MAX_SPREAD standard deviations. */
export function heavyTailed(summary: Summary): boolean {
  for (let j = 0; j < summary.lo.length; j++) {
    const sd = Math.sqrt(summary.variances[j] as number);
    if (sd > 0 && (summary.hi[j] as number) - (summary.lo[j] as number) > FILTER_MAX_SPREAD * sd) return true;
  }
  return false;
}

/**
 * The engine kmeans() runs for n rows of d dimensions (weighted rows run Hamerly's, whose passes weigh them); with
 * the rows' summary, heavy-tailed rows run Hamerly's too.
 */
export function kmeansEngine(n: number, d: number, weighted = false, summary?: Summary): 'filtering' | 'hamerly' {
  const grid = !weighted && d <= FILTER_MAX_D && n >= (FILTER_MIN_N[d] ?? Infinity);
  return grid && !(summary && heavyTailed(summary)) ? 'filtering' : 'hamerly';
}

/**
 * Runs k-means from `initial` (k * d) and returns centers, labels and cost (sum of squared distances). Each
 * iteration moves the centers to their clusters' means, then relabels; it stops when no label changed, or when
 * the centers' squared shifts sum to at most `threshold` (see shiftThreshold; computed here from
 * options.tolerance unless given), or at maxIterations. Labels are always exact for the returned centers.
 * `summary`, when given, must be summarize(points) (it saves the filtering engine a pass).
 */
export function kmeans(
  points: Points,
  initial: Float64Array,
  k: number,
  options: IterationOptions,
  threshold?: number,
  summary?: Summary,
): CenterRun {
  // A grid candidate's summary decides (and the filtering engine reuses it).
  const known = summary ?? (kmeansEngine(points.n, points.d, points.weights !== undefined) === 'filtering' ? summarize(points) : undefined);
  return kmeansEngine(points.n, points.d, points.weights !== undefined, known) === 'filtering'
    ? filtering(points, initial, k, options, threshold, known)
    : hamerly(points, initial, k, options, threshold ?? shiftThreshold(points, options.tolerance, known));
}
