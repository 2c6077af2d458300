// Lloyd's k-means (euclidean), accelerated with Hamerly's bounds.
// Hamerly 2010, "Making k-means even faster", SIAM SDM: https://epubs.siam.org/doi/10.1137/1.9781611972801.12

import { assignAll } from './assign';
import { countLabels, relocateEmpty } from './empty';
import type { Points } from './types';

/** Stopping rules of an iterative run. */
export interface IterationOptions {
  maxIterations: number;
  /** Stop when no center moves farther than this. */
  tolerance: number;
}

/** What one run of a center-moving algorithm returns. */
export interface CenterRun {
  centers: Float64Array;
  labels: Int32Array;
  cost: number;
  iterations: number;
  converged: boolean;
  medoids?: Int32Array;
}

/** Nearest and second-nearest center of row i, written into labels/upper/lower (distances not squared). */
function assignExact(
  data: Float64Array,
  i: number,
  centers: Float64Array,
  k: number,
  d: number,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
): void {
  let b1 = Infinity;
  let b2 = Infinity;
  let a = 0;
  const xo = i * d;
  for (let c = 0; c < k; c++) {
    let s = 0;
    const co = c * d;
    for (let j = 0; j < d; j++) {
      const t = (data[xo + j] as number) - (centers[co + j] as number);
      s += t * t;
    }
    if (s < b1) {
      b2 = b1;
      b1 = s;
      a = c;
    } else if (s < b2) {
      b2 = s;
    }
  }
  labels[i] = a;
  upper[i] = Math.sqrt(b1);
  lower[i] = Math.sqrt(b2);
}

/** Euclidean distance from row i to center c. */
function distToCenter(data: Float64Array, i: number, centers: Float64Array, c: number, d: number): number {
  let s = 0;
  const xo = i * d;
  const co = c * d;
  for (let j = 0; j < d; j++) {
    const t = (data[xo + j] as number) - (centers[co + j] as number);
    s += t * t;
  }
  return Math.sqrt(s);
}

/** Writes the mean of each cluster into next (an empty cluster keeps its old center). */
function means(points: Points, labels: Int32Array, counts: Int32Array, k: number, prev: Float64Array, next: Float64Array): void {
  const { data, n, d } = points;
  next.fill(0);
  for (let i = 0; i < n; i++) {
    const co = (labels[i] as number) * d;
    const xo = i * d;
    for (let j = 0; j < d; j++) next[co + j] = (next[co + j] as number) + (data[xo + j] as number);
  }
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    for (let j = 0; j < d; j++) {
      const at = c * d + j;
      next[at] = m > 0 ? (next[at] as number) / m : (prev[at] as number);
    }
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

/** Runs k-means from `initial` (k * d) and returns centers, labels and cost (sum of squared distances). */
export function kmeans(points: Points, initial: Float64Array, k: number, options: IterationOptions): CenterRun {
  const { data, n, d } = points;
  let centers = Float64Array.from(initial);
  let next = new Float64Array(k * d);
  const labels = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const counts = new Int32Array(k);
  const moved = new Float64Array(k);
  const half = new Float64Array(k);
  for (let i = 0; i < n; i++) assignExact(data, i, centers, k, d, labels, upper, lower);

  let iterations = 0;
  let converged = false;
  while (iterations < options.maxIterations) {
    countLabels(labels, k, counts);
    const relocated = relocateEmpty(points, centers, k, labels, counts, 'euclidean');
    for (let r = 0; r < relocated.length; r++) {
      const i = relocated[r] as number;
      upper[i] = Infinity;
      lower[i] = 0;
    }
    means(points, labels, counts, k, centers, next);
    let max1 = 0;
    let max2 = 0;
    let arg1 = -1;
    for (let c = 0; c < k; c++) {
      const p = distToCenter(centers, c, next, c, d);
      moved[c] = p;
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
    for (let i = 0; i < n; i++) {
      const a = labels[i] as number;
      upper[i] = (upper[i] as number) + (moved[a] as number);
      lower[i] = (lower[i] as number) - (a === arg1 ? max2 : max1);
    }
    if (max1 <= options.tolerance) {
      converged = true;
      break;
    }
    if (iterations >= options.maxIterations) break;
    halfSeparations(centers, k, d, half);
    for (let i = 0; i < n; i++) {
      const a = labels[i] as number;
      // Strict and with a rounding margin, so exact ties are rechecked and go to the lowest index as in nearest().
      const bound = Math.max(half[a] as number, lower[i] as number) * (1 - 1e-12);
      if ((upper[i] as number) < bound) continue;
      // Tighten the upper bound before paying for all k distances.
      const u = distToCenter(data, i, centers, a, d);
      upper[i] = u;
      if (u < bound) continue;
      assignExact(data, i, centers, k, d, labels, upper, lower);
    }
  }
  // One exact pass so labels and cost describe the final centers.
  const final = assignAll(points, centers, k, 'euclidean');
  let cost = 0;
  for (let i = 0; i < n; i++) cost += (final.dist[i] as number) * (final.dist[i] as number);
  return { centers, labels: final.labels, cost, iterations, converged };
}
