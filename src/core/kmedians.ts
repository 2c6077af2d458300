// k-medians: Lloyd-style iterations whose center update is the coordinate-wise median.
// With manhattan this minimises the cost (sum of L1 distances) and the cost never rises. With euclidean the
// assignment is euclidean but the update stays the coordinate-wise median (a robust heuristic, not the geometric
// median), so the cost may rise; the run therefore keeps the best centers it has seen.

import { assignAll } from './assign';
import { distance as distanceBetween } from './distance';
import { countLabels, relocateEmpty } from './empty';
import type { CenterRun, IterationOptions } from './kmeans';
import type { DistanceType, Points } from './types';

/** The kth smallest of a[0..m) (0-based), partitioning a around it; iterative Hoare quickselect. */
export function quickselect(a: Float64Array, m: number, kth: number): number {
  let lo = 0;
  let hi = m - 1;
  while (hi > lo) {
    const x = a[lo] as number;
    const y = a[(lo + hi) >>> 1] as number;
    const z = a[hi] as number;
    // Median of three keeps sorted and reversed input linear.
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return a[kth] as number;
  }
  return a[kth] as number;
}

/** Median of a[0..m) (the mean of the two middle values when m is even); reorders a. */
export function median(a: Float64Array, m: number): number {
  const half = m >>> 1;
  if (m % 2 === 1) return quickselect(a, m, half);
  const low = quickselect(a, m, half - 1);
  // After the select everything right of half - 1 is >= low, so the upper middle is their minimum.
  let high = Infinity;
  for (let t = half; t < m; t++) if ((a[t] as number) < high) high = a[t] as number;
  return (low + high) / 2;
}

/** Writes each cluster's coordinate-wise median into next (an empty cluster keeps its old center). */
function medians(
  points: Points,
  labels: Int32Array,
  counts: Int32Array,
  k: number,
  prev: Float64Array,
  next: Float64Array,
  order: Int32Array,
  start: Int32Array,
  scratch: Float64Array,
): void {
  const { data, n, d } = points;
  let acc = 0;
  for (let c = 0; c < k; c++) {
    start[c] = acc;
    acc += counts[c] as number;
  }
  // Counting sort of the rows by cluster, so each cluster's rows are contiguous in order.
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    order[start[c] as number] = i;
    start[c] = (start[c] as number) + 1;
  }
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    const s = (start[c] as number) - m;
    for (let j = 0; j < d; j++) {
      if (m === 0) {
        next[c * d + j] = prev[c * d + j] as number;
        continue;
      }
      for (let t = 0; t < m; t++) scratch[t] = data[(order[s + t] as number) * d + j] as number;
      next[c * d + j] = median(scratch, m);
    }
  }
}

/** Runs k-medians from `initial` (k * d); cost is the sum of distances of `distance`. */
export function kmedians(
  points: Points,
  initial: Float64Array,
  k: number,
  distance: DistanceType,
  options: IterationOptions,
): CenterRun {
  const { n, d } = points;
  let centers = Float64Array.from(initial);
  let next = new Float64Array(k * d);
  const best = Float64Array.from(initial);
  let bestCost = Infinity;
  const counts = new Int32Array(k);
  const order = new Int32Array(n);
  const start = new Int32Array(k);
  const scratch = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  for (;;) {
    const { labels, dist } = assignAll(points, centers, k, distance);
    let cost = 0;
    for (let i = 0; i < n; i++) cost += dist[i] as number;
    // <= prefers the later of equal-cost centers, i.e. the converged ones.
    if (cost <= bestCost) {
      bestCost = cost;
      best.set(centers);
    }
    if (converged || iterations >= options.maxIterations) break;
    countLabels(labels, k, counts);
    relocateEmpty(points, centers, k, labels, counts, distance);
    medians(points, labels, counts, k, centers, next, order, start, scratch);
    let maxMove = 0;
    for (let c = 0; c < k; c++) maxMove = Math.max(maxMove, distanceBetween(distance, centers, c * d, next, c * d, d));
    const tmp = centers;
    centers = next;
    next = tmp;
    iterations++;
    if (maxMove <= options.tolerance) converged = true;
  }
  const final = assignAll(points, best, k, distance);
  let cost = 0;
  for (let i = 0; i < n; i++) cost += final.dist[i] as number;
  return { centers: best, labels: final.labels, cost, iterations, converged };
}
