// Lloyd's k-means: the one driver every engine runs under. The driver owns the rules (the first assignment,
// the mean update, the empty-cluster rule, the stopping rules, the iteration count); an engine only computes a
// pass: given centers, each cluster's row count and coordinate sums. The engines are hamerly.ts (any number of
// dimensions), filtering.ts (few dimensions, many rows), and, inside PostgreSQL, the SQL executor
// (src/db/sqlengine.ts); kmeans.ts picks between the JavaScript ones.

import { kernelsFor } from './kernels';
import type { Points } from './types';

/** Stopping rules of an iterative run. */
export interface IterationOptions {
  maxIterations: number;
  /** Relative: stop when the centers' squared shifts sum to at most tolerance x the data's mean variance. */
  tolerance: number;
  /** Called at each phase boundary (for benchmarks). */
  trace?: (phase: string, value: number) => void;
  /** Applied to the centers after each mean update (spherical k-means scales them back to unit length). */
  project?: (centers: Float64Array, k: number, d: number) => void;
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

/** One assignment of every row to its nearest center (ties to the lowest index). */
export interface Assignment {
  /** Rows per cluster (k). */
  counts: ArrayLike<number>;
  /** Coordinate sums per cluster (k * d). */
  sums: ArrayLike<number>;
  /** Labels changed since the engine's previous assignment, or null when the engine keeps no labels. */
  changed: number | null;
}

/** A row far from its own center: a candidate to re-seed an empty cluster. */
export interface Candidate {
  /** The engine's own name for the row (its index, for the JavaScript engines). */
  row: number;
  /** The cluster it is in under the engine's last assignment. */
  cluster: number;
  /** Its distance to that cluster's center (greater than 0). */
  dist: number;
  /** Its d coordinates. */
  x: Float64Array;
  /** Its weight (1 unless the rows carry weights). */
  weight: number;
}

/** What an engine supplies to the driver: passes over its rows, and the rows the empty-cluster rule needs. */
export interface LloydEngine {
  readonly k: number;
  readonly d: number;
  /**
   * Assigns every row to its nearest of `centers` (ties to the lowest index). `last` says that no further pass
   * follows unless this assignment changed nothing, so an engine may label its rows in the same pass.
   */
  assign(centers: Float64Array, last: boolean): Assignment;
  /** Up to m rows farthest from their own center under the last assignment, farthest first (ties: lowest row). */
  farthest(centers: Float64Array, m: number): Candidate[];
  /** Records that a row moved to another cluster, taken by the empty-cluster rule. */
  move(row: number, from: number, to: number): void;
}

/** What the driver returns: the final centers (the last assignment is for them) and the facts of the run. */
export interface LloydRun {
  centers: Float64Array;
  iterations: number;
  converged: boolean;
  /** True when the last assign() call was made with last = true. */
  labelled: boolean;
  /** Rows per cluster under the final centers (empty before any pass, at maxIterations = 0). */
  counts: Float64Array;
}

/** Euclidean distance from row i of data to center c. */
export function distToCenter(data: ArrayLike<number>, i: number, centers: ArrayLike<number>, c: number, d: number): number {
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
export function means(sums: ArrayLike<number>, counts: ArrayLike<number>, k: number, d: number, prev: Float64Array, next: Float64Array): void {
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

/**
 * The empty-cluster rule: each empty cluster, in order, takes the row farthest from its own center among rows of
 * clusters that keep at least one other row (never a row already on its center); the row leaves its old cluster's
 * count and sum (weighted rows: their weight, and a cluster keeps another row while its weight exceeds the row's). Updates counts and sums in place and tells the engine. A cluster stays empty (and keeps its
 * center) only when no such row exists, which fit() rules out by counting distinct rows first.
 */
export function reseedEmpty(engine: LloydEngine, centers: Float64Array, counts: Float64Array, sums: Float64Array): void {
  const { k, d } = engine;
  let empty = 0;
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty++;
  if (empty === 0) return;
  // Candidates from clusters of one row are skipped, so ask for more than the empty clusters need.
  let want = empty + k;
  let candidates = engine.farthest(centers, want);
  const taken = new Set<number>();
  let at = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] !== 0) continue;
    let pick: Candidate | null = null;
    for (;;) {
      while (at < candidates.length) {
        const cand = candidates[at++] as Candidate;
        if (!taken.has(cand.row) && cand.dist > 0 && (counts[cand.cluster] as number) > cand.weight) {
          pick = cand;
          break;
        }
      }
      if (pick || candidates.length < want) break;
      want *= 4;
      candidates = engine.farthest(centers, want);
      at = 0;
    }
    if (!pick) continue;
    taken.add(pick.row);
    const from = pick.cluster;
    counts[from] = (counts[from] as number) - pick.weight;
    counts[c] = pick.weight;
    for (let j = 0; j < d; j++) {
      sums[from * d + j] = (sums[from * d + j] as number) - pick.weight * (pick.x[j] as number);
      sums[c * d + j] = pick.weight * (pick.x[j] as number);
    }
    engine.move(pick.row, from, c);
  }
}

/** True when two assignments have the same counts and sums: the centers are already their means. */
function sameAssignment(counts: Float64Array, sums: Float64Array, next: Assignment): boolean {
  for (let c = 0; c < counts.length; c++) if (counts[c] !== next.counts[c]) return false;
  for (let t = 0; t < sums.length; t++) if (sums[t] !== next.sums[t]) return false;
  return true;
}

/**
 * Runs Lloyd's iterations from `initial` (k * d): assign, then repeatedly re-seed empty clusters, move every
 * center to its cluster's mean and assign again. Stops when an assignment changes nothing (the centers are the
 * means of their clusters, a fixed point), when the centers' squared shifts sum to at most `threshold` (see
 * shiftThreshold; a function is called once, after the first assignment, and ends the run there when it returns
 * null), or after maxIterations mean updates. The last assignment is for the returned centers.
 */
export function lloyd(engine: LloydEngine, initial: Float64Array, options: IterationOptions, threshold: number | (() => number | null)): LloydRun {
  const { k, d } = engine;
  let centers = Float64Array.from(initial);
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);
  let iterations = 0;
  let converged = false;
  let labelled = false;
  if (options.maxIterations <= 0) return { centers, iterations, converged, labelled, counts };
  let a = engine.assign(centers, false);
  counts.set(a.counts);
  sums.set(a.sums);
  options.trace?.('assigned', k);
  // An engine that learns the data's scale in its first pass (the SQL engine) gives the threshold as a function,
  // which returns null to end the run there (the window turned out too small to cluster).
  const limit = typeof threshold === 'function' ? threshold() : threshold;
  if (limit === null) return { centers, iterations, converged, labelled, counts };
  let next = new Float64Array(k * d);
  while (iterations < options.maxIterations) {
    reseedEmpty(engine, centers, counts, sums);
    means(sums, counts, k, d, centers, next);
    options.project?.(next, k, d);
    const shift = squaredShift(centers, next, k, d);
    [centers, next] = [next, centers];
    iterations++;
    // The last pass is known before it runs when it stops by shift or by count: the engine may label in it.
    labelled = shift <= limit || iterations === options.maxIterations;
    a = engine.assign(centers, labelled);
    options.trace?.('iteration', shift);
    const fixed = a.changed === null ? sameAssignment(counts, sums, a) : a.changed === 0;
    counts.set(a.counts);
    sums.set(a.sums);
    if (fixed || shift <= limit) {
      converged = true;
      break;
    }
  }
  return { centers, iterations, converged, labelled, counts };
}

/** What one pass over the data tells: its mean per-dimension variance and its bounding box. */
export interface Summary {
  /** Mean over the dimensions of each dimension's variance (population): the scale of the relative tolerance. */
  variance: number;
  /** Each dimension's minimum and maximum. */
  lo: Float64Array;
  hi: Float64Array;
  /** Each dimension's variance (population). */
  variances: Float64Array;
}

/** The data's summary, in one compiled pass (a NaN or infinite value makes the variance non-finite). */
export function summarize(points: Points): Summary {
  const lo = new Float64Array(points.d);
  const hi = new Float64Array(points.d);
  const variances = new Float64Array(points.d);
  const variance = kernelsFor(1, points.d).variance(points.data, points.n, lo, hi, variances);
  return { variance, lo, hi, variances };
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

/** The JavaScript engines' farthest(): every row's distance to its own center, the m largest, farthest first. */
export function farthestRows(points: Points, centers: Float64Array, labels: Int32Array, m: number): Candidate[] {
  const { data, n, d } = points;
  const far = new Float64Array(n);
  for (let i = 0; i < n; i++) far[i] = distToCenter(data, i, centers, labels[i] as number, d);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if ((far[i] as number) > 0) order.push(i);
  order.sort((a, b) => (far[b] as number) - (far[a] as number) || a - b);
  const w = points.weights;
  return order.slice(0, m).map((i) => ({ row: i, cluster: labels[i] as number, dist: far[i] as number, x: data.slice(i * d, i * d + d), weight: w ? (w[i] as number) : 1 }));
}
