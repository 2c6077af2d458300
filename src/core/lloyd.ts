// What the k-means engines share: a run's options and result, the mean update and the relative stopping
// threshold. The engines are hamerly.ts (any number of dimensions) and filtering.ts (few dimensions, many rows);
// kmeans.ts picks one.

import { kernelsFor } from './kernels';
import type { Points } from './types';

/** Stopping rules of an iterative run. */
export interface IterationOptions {
  maxIterations: number;
  /** Relative: stop when the centers' squared shifts sum to at most tolerance x the data's mean variance. */
  tolerance: number;
  /** Called at each phase boundary (for benchmarks). */
  trace?: (phase: string, value: number) => void;
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

/** Euclidean distance from row i of data to center c. */
export function distToCenter(data: Float64Array, i: number, centers: Float64Array, c: number, d: number): number {
  let s = 0;
  const xo = i * d;
  const co = c * d;
  for (let j = 0; j < d; j++) {
    const t = (data[xo + j] as number) - (centers[co + j] as number);
    s += t * t;
  }
  return Math.sqrt(s);
}

/** Writes sums / counts into next (an empty cluster keeps its old center). */
export function means(sums: Float64Array, counts: Int32Array, k: number, d: number, prev: Float64Array, next: Float64Array): void {
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    for (let j = 0; j < d; j++) {
      const at = c * d + j;
      next[at] = m > 0 ? (sums[at] as number) / m : (prev[at] as number);
    }
  }
}

/** Sum over the centers of the squared distance each moved from `from` to `to`. */
export function squaredShift(from: Float64Array, to: Float64Array, k: number, d: number): number {
  let shift = 0;
  for (let c = 0; c < k; c++) {
    const p = distToCenter(from, c, to, c, d);
    shift += p * p;
  }
  return shift;
}

/** What one pass over the data tells: its mean per-dimension variance and its bounding box. */
export interface Summary {
  /** Mean over the dimensions of each dimension's variance (population): the scale of the relative tolerance. */
  variance: number;
  /** Each dimension's minimum and maximum. */
  lo: Float64Array;
  hi: Float64Array;
}

/** The data's summary, in one compiled pass (a NaN or infinite value makes the variance non-finite). */
export function summarize(points: Points): Summary {
  const lo = new Float64Array(points.d);
  const hi = new Float64Array(points.d);
  const variance = kernelsFor(1, points.d).variance(points.data, points.n, lo, hi);
  return { variance, lo, hi };
}

/** Mean over the dimensions of each dimension's variance (population), the scale of the relative tolerance. */
export function meanVariance(points: Points): number {
  return summarize(points).variance;
}

/**
 * The absolute stopping threshold of a relative tolerance, as scikit-learn: the sum over centers of the squared
 * distance each moved in one iteration must be at most tolerance times the data's mean per-dimension variance.
 */
export function shiftThreshold(points: Points, tolerance: number, summary?: Summary): number {
  return tolerance > 0 ? tolerance * (summary ?? summarize(points)).variance : 0;
}
