// Lloyd's k-means (euclidean), accelerated with Hamerly's bounds: the engine for any number of dimensions.
// Hamerly 2010, "Making k-means even faster", SIAM SDM: https://epubs.siam.org/doi/10.1137/1.9781611972801.12

import { relocateEmpty } from './empty';
import { kernelsFor } from './kernels';
import { type CenterRun, distToCenter, type IterationOptions, means, shiftThreshold } from './lloyd';
import type { Points } from './types';

/** Recomputes every cluster's sum from the labels (after empty clusters were re-seeded). */
function sumsOf(points: Points, labels: Int32Array, sums: Float64Array): void {
  const { data, n, d } = points;
  sums.fill(0);
  for (let i = 0; i < n; i++) {
    const co = (labels[i] as number) * d;
    const xo = i * d;
    for (let j = 0; j < d; j++) sums[co + j] = (sums[co + j] as number) + (data[xo + j] as number);
  }
}

/** Half the distance from each center to its nearest other center (Hamerly's s(j)). */
function halfSeparations(centers: Float64Array, k: number, d: number, out: Float64Array): void {
  out.fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const h = 0.5 * distToCenter(centers, a, centers, b, d);
      if (h < (out[a] as number)) out[a] = h;
      if (h < (out[b] as number)) out[b] = h;
    }
  }
}

/**
 * Hamerly's engine: runs k-means from `initial` (k * d) and returns centers, labels and cost (sum of squared distances). Each
 * iteration moves the centers to their clusters' means, then relabels (Hamerly's bounds skip most distances);
 * it stops when no label changed, or when the centers' squared shifts sum to at most `threshold` (see
 * shiftThreshold; computed here from options.tolerance unless given), or at maxIterations. Labels are always
 * exact for the returned centers.
 */
export function hamerly(points: Points, initial: Float64Array, k: number, options: IterationOptions, threshold?: number): CenterRun {
  const { data, n, d } = points;
  const limit = threshold ?? shiftThreshold(points, options.tolerance);
  const pass = kernelsFor(k, d);
  let centers = Float64Array.from(initial);
  let next = new Float64Array(k * d);
  const labels = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  const moved = new Float64Array(k);
  const half = new Float64Array(k);
  pass.exact(data, n, centers, labels, upper, lower, sums, counts);
  options.trace?.('assigned', n);

  let iterations = 0;
  let converged = false;
  while (iterations < options.maxIterations) {
    const relocated = relocateEmpty(points, centers, k, labels, counts, 'euclidean');
    if (relocated.length > 0) {
      for (let r = 0; r < relocated.length; r++) {
        const i = relocated[r] as number;
        upper[i] = Infinity;
        lower[i] = 0;
      }
      sumsOf(points, labels, sums);
    }
    means(sums, counts, k, d, centers, next);
    let max1 = 0;
    let max2 = 0;
    let arg1 = -1;
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const p = distToCenter(centers, c, next, c, d);
      moved[c] = p;
      shift += p * p;
      if (p > max1) {
        max2 = max1;
        max1 = p;
        arg1 = c;
      } else if (p > max2) {
        max2 = p;
      }
    }
    const tmp = centers;
    centers = next;
    next = tmp;
    iterations++;
    halfSeparations(centers, k, d, half);
    const changed = pass.bounds(data, n, centers, labels, upper, lower, sums, counts, moved, half, max1, max2, arg1);
    options.trace?.('iteration', shift);
    // No label changed: the centers are the means of their clusters, a fixed point.
    if (changed === 0 || shift <= limit) {
      converged = true;
      break;
    }
  }
  const cost = pass.cost(data, n, centers, labels);
  options.trace?.('finished', cost);
  return { centers, labels, cost, iterations, converged };
}
