// Lloyd's k-means (euclidean): picks the engine. Both run the same iterations from the same starts and stop by
// the same rules; they differ in how they find each row's nearest center.
// - filtering.ts: few dimensions (d <= 3) and many rows (FILTER_MIN_N); a grid-built tree gives whole boxes of
//   rows to a center.
// - hamerly.ts: any number of dimensions; per-row bounds skip most distances after the first iteration.

import { FILTER_MAX_D, FILTER_MIN_N, filtering } from './filtering';
import { hamerly } from './hamerly';
import { type CenterRun, type IterationOptions, shiftThreshold, type Summary } from './lloyd';
import type { Points } from './types';

export { type CenterRun, type IterationOptions, meanVariance, shiftThreshold, summarize, type Summary } from './lloyd';

/** The engine kmeans() runs for n rows of d dimensions (weighted rows run Hamerly's, whose passes weigh them). */
export function kmeansEngine(n: number, d: number, weighted = false): 'filtering' | 'hamerly' {
  return !weighted && d <= FILTER_MAX_D && n >= (FILTER_MIN_N[d] ?? Infinity) ? 'filtering' : 'hamerly';
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
  return kmeansEngine(points.n, points.d, points.weights !== undefined) === 'filtering'
    ? filtering(points, initial, k, options, threshold, summary)
    : hamerly(points, initial, k, options, threshold ?? shiftThreshold(points, options.tolerance, summary));
}
