// Shared fixtures for the core tests: the paper's 15 points and seeded synthetic data.

import { createRandom } from '../../src/core/random';
import type { FitOptions, Points } from '../../src/core/types';

/** The paper's 15 points in 3-D, around (5,5,5), (15,5,5) and (5,15,5). */
export const paperRows = [
  [10, 8, 1], [3, 2, 8], [5, 3, 6], [6, 4, 5], [7, 8, 4], [12, 6, 7], [17, 2, 1], [11, 1, 7],
  [13, 5, 8], [11, 3, 2], [6, 15, 6], [8, 14, 2], [2, 16, 7], [1, 13, 8], [9, 15, 5],
];

/** The labels the paper prints for its 15 points with k = 3. */
export const paperLabels = [2, 0, 0, 0, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1];

/** Points from an array of rows. */
export function toPoints(rows: number[][]): Points {
  const d = rows[0]?.length ?? 0;
  return { data: Float64Array.from(rows.flat()), n: rows.length, d };
}

/** Rows of Points, for libraries that want number[][]. */
export function toRows(points: Points): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < points.n; i++) rows.push(Array.from(points.data.subarray(i * points.d, (i + 1) * points.d)));
  return rows;
}

/** n seeded gaussian points around `blobs` random centers in [0, spread)^d. */
export function blobs(n: number, d: number, blobCount: number, seed: number, spread = 20): Points {
  const rng = createRandom(seed);
  const centers: number[] = [];
  for (let i = 0; i < blobCount * d; i++) centers.push(rng.next() * spread);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = i % blobCount;
    for (let j = 0; j < d; j++) {
      const u = rng.next() || 1e-12;
      const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
      data[i * d + j] = (centers[b * d + j] as number) + g;
    }
  }
  return { data, n, d };
}

/** n seeded uniform points in [0, 1)^d. */
export function uniform(n: number, d: number, seed: number): Points {
  const rng = createRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { data, n, d };
}

/** Fit options with test defaults, overridden by `over`. */
export function options(over: Partial<FitOptions> & { k: number }): FitOptions {
  return {
    algorithm: 'k-means',
    distance: 'euclidean',
    centerChoice: 'random',
    seed: 42,
    starts: 1,
    maxIterations: 300,
    tolerance: 0,
    ...over,
  };
}

/** Sum of squared euclidean distances from each point to the center of its label. */
export function inertia(points: Points, centers: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { data, n, d } = points;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    for (let j = 0; j < d; j++) {
      const t = (data[i * d + j] as number) - (centers[c * d + j] as number);
      s += t * t;
    }
  }
  return s;
}

/** Mean of each labelled cluster (k * d); NaN for an empty cluster. */
export function clusterMeans(points: Points, labels: ArrayLike<number>, k: number): Float64Array {
  const { data, n, d } = points;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    counts[c] = (counts[c] as number) + 1;
    for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) + (data[i * d + j] as number);
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) / (counts[c] as number);
  return sums;
}
