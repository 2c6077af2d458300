// The k-means engine for any number of dimensions: Lloyd's passes accelerated with Hamerly's bounds, which skip
// most distance computations after the first pass. It runs under the driver in lloyd.ts.
// Hamerly 2010, "Making k-means even faster", SIAM SDM: https://epubs.siam.org/doi/10.1137/1.9781611972801.12

import { kernelsFor, type Kernels } from './kernels';
import {
  type Assignment,
  type Candidate,
  type CenterRun,
  distToCenter,
  farthestRows,
  type IterationOptions,
  lloyd,
  type LloydEngine,
  shiftThreshold,
} from './lloyd';
import type { Points } from './types';

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

/** Hamerly's engine over a set of rows: keeps each row's label and bounds, and the clusters' sums, between passes. */
export class HamerlyEngine implements LloydEngine {
  readonly k: number;
  readonly d: number;
  readonly labels: Int32Array;
  private readonly pass: Kernels;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private readonly weights: Float64Array | null;
  private readonly moved: Float64Array;
  private readonly half: Float64Array;
  private previous: Float64Array | null = null;

  constructor(private readonly points: Points, k: number) {
    this.k = k;
    this.d = points.d;
    this.weights = points.weights ?? null;
    this.pass = kernelsFor(k, points.d, this.weights !== null);
    this.labels = new Int32Array(points.n);
    this.upper = new Float64Array(points.n);
    this.lower = new Float64Array(points.n);
    this.sums = new Float64Array(k * points.d);
    this.counts = new Float64Array(k);
    this.moved = new Float64Array(k);
    this.half = new Float64Array(k);
  }

  assign(centers: Float64Array): Assignment {
    const { data, n } = this.points;
    const { k, d } = this;
    if (this.previous === null) {
      this.pass.exact(data, n, centers, this.labels, this.upper, this.lower, this.sums, this.counts, this.weights);
      this.previous = Float64Array.from(centers);
      return { counts: this.counts, sums: this.sums, changed: null };
    }
    // How far each center moved, and the largest two moves (the lower bounds drop by them).
    let max1 = 0;
    let max2 = 0;
    let arg1 = -1;
    for (let c = 0; c < k; c++) {
      const p = distToCenter(this.previous, c, centers, c, d);
      this.moved[c] = p;
      if (p > max1) {
        max2 = max1;
        max1 = p;
        arg1 = c;
      } else if (p > max2) {
        max2 = p;
      }
    }
    this.previous.set(centers);
    halfSeparations(centers, k, d, this.half);
    const changed = this.pass.bounds(data, n, centers, this.labels, this.upper, this.lower, this.sums, this.counts, this.moved, this.half, max1, max2, arg1, this.weights);
    return { counts: this.counts, sums: this.sums, changed };
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    return farthestRows(this.points, centers, this.labels, m);
  }


  move(row: number, from: number, to: number): void {
    const { data } = this.points;
    const { d } = this;
    const w = this.weights ? (this.weights[row] as number) : 1;
    this.labels[row] = to;
    this.counts[from] = (this.counts[from] as number) - w;
    this.counts[to] = (this.counts[to] as number) + w;
    for (let j = 0; j < d; j++) {
      const x = w * (data[row * d + j] as number);
      this.sums[from * d + j] = (this.sums[from * d + j] as number) - x;
      this.sums[to * d + j] = (this.sums[to * d + j] as number) + x;
    }
    // Its bounds no longer hold: the next pass computes its distances again.
    this.upper[row] = Infinity;
    this.lower[row] = 0;
  }

  /** Labels (exact for the last centers assigned) and the cost, the sum of squared distances. */
  finish(centers: Float64Array): { labels: Int32Array; cost: number } {
    if (this.previous === null) this.assign(centers);
    return { labels: this.labels, cost: this.pass.cost(this.points.data, this.points.n, centers, this.labels, this.weights) };
  }
}

/**
 * Runs k-means from `initial` (k * d) with Hamerly's engine and returns centers, labels and cost (sum of squared
 * distances); see lloyd() for the rules. `threshold` is the absolute stopping threshold (shiftThreshold of
 * options.tolerance unless given).
 */
export function hamerly(points: Points, initial: Float64Array, k: number, options: IterationOptions, threshold?: number): CenterRun {
  const engine = new HamerlyEngine(points, k);
  const run = lloyd(engine, initial, options, threshold ?? shiftThreshold(points, options.tolerance));
  const { labels, cost } = engine.finish(run.centers);
  options.trace?.('finished', cost);
  return { centers: run.centers, labels, cost, iterations: run.iterations, converged: run.converged };
}
