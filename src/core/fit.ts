// The entry point: picks the algorithm, runs its starts, keeps the cheapest and checks the result.

import { type CenterRun, kmeans, summarize, type Summary } from './kmeans';
import { coresetRows, sampleRows } from './coreset';
import { kmedians } from './kmedians';
import { kmedoids } from './kmedoids';
import { createRandom, deriveSeed, type Random } from './random';
import {
  countDistinct,
  fewerDistinctError,
  gatherRows,
  plusPlusStart,
  randomStart,
  validateCenters,
} from './seeding';
import { distance as distanceBetween } from './distance';
import { normalizeRows, unitPoints } from './unit';
import { type Algorithm, type CenterChoice, ClusteringError, type DistanceType, type FitOptions, type FitResult, type Points } from './types';

/** Compile-time proof that a switch over a string union is exhaustive. */
function unreachable(value: never, what: string): never {
  throw new Error(`unknown ${what}: ${String(value)}`);
}

/** Checks that points are n rows of d finite numbers; returns the data's summary (variance, bounding box). */
function validatePoints(points: Points): Summary {
  const { data, n, d } = points;
  if (!Number.isInteger(n) || n < 1) throw new Error(`n is ${n}, expected an integer of at least 1 (no points to cluster)`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`d is ${d}, expected an integer of at least 1`);
  if (data.length !== n * d) throw new Error(`points hold ${data.length} numbers, expected n * d = ${n} * ${d} = ${n * d}`);
  if (points.weights !== undefined) {
    const w = points.weights;
    if (w.length !== n) throw new Error(`points have ${w.length} weights, expected one per point (${n})`);
    for (let i = 0; i < n; i++) {
      const v = w[i] as number;
      if (!(v > 0 && v < Infinity)) throw new Error(`point ${i} has weight ${v}, expected a positive finite number`);
    }
  }
  // One compiled pass: a NaN or infinite value makes the variance non-finite, and only then are values scanned.
  const summary = summarize(points);
  if (summary.variance - summary.variance === 0) return summary;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      throw new Error(`point ${Math.floor(i / d)} dimension ${i % d} is ${v}, expected a finite number`);
    }
  }
  return summary;
}

/** Checks the numeric options against their ranges. */
function validateOptions(options: FitOptions, n: number): void {
  const { k, starts, maxIterations, tolerance, seed } = options;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`k is ${k}, expected an integer from 1 to ${n} (the number of points)`);
  }
  if (!Number.isInteger(starts) || starts < 1) throw new Error(`starts is ${starts}, expected an integer of at least 1`);
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new Error(`maxIterations is ${maxIterations}, expected an integer of at least 0`);
  }
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new Error(`tolerance is ${tolerance}, expected a finite number >= 0`);
  if (!Number.isFinite(seed)) throw new Error(`seed is ${seed}, expected a finite number`);
}

/**
 * The algorithm actually run. Means minimise squared euclidean distance, not manhattan distance, so k-means with
 * manhattan runs k-medians (whose median update minimises manhattan distance) and reports it in algorithmUsed.
 */
export function algorithmFor(algorithm: Algorithm, distance: DistanceType): Algorithm {
  if ((algorithm === 'k-means' || algorithm === 'k-means++') && distance === 'manhattan') return 'k-medians';
  return algorithm;
}

/** The seeding used: algorithm `k-means++` means k-means++ seeding unless the caller gives centers. */
export function centerChoiceFor(algorithm: Algorithm, choice: CenterChoice): CenterChoice {
  return algorithm === 'k-means++' && choice === 'random' ? 'k-means++' : choice;
}

/** For each caller-given center, the nearest row not equal to a row already taken (for k-medoids). */
function nearestDistinctRows(points: Points, centers: Float64Array, k: number, distance: DistanceType): Int32Array {
  const { data, n, d } = points;
  const rows = new Int32Array(k);
  for (let c = 0; c < k; c++) {
    let pick = -1;
    let pickDist = Infinity;
    for (let i = 0; i < n; i++) {
      const v = distanceBetween(distance, data, i * d, centers, c * d, d);
      if (v >= pickDist) continue;
      let taken = false;
      for (let t = 0; t < c && !taken; t++) taken = distanceBetween(distance, data, i * d, data, (rows[t] as number) * d, d) === 0;
      if (!taken) {
        pick = i;
        pickDist = v;
      }
    }
    if (pick < 0) throw fewerDistinctError(k, c);
    rows[c] = pick;
  }
  return rows;
}

/** Starting rows (random or k-means++) for one start. */
function startRows(points: Points, options: FitOptions, choice: 'random' | 'k-means++', used: Algorithm, rng: Random): Int32Array {
  if (choice === 'random') return randomStart(points, options.k, rng);
  return plusPlusStart(points, options.k, rng, options.distance, used === 'k-means' || used === 'k-means++');
}

/** Starting centers (k * d) for one start. */
function startCenters(points: Points, options: FitOptions, choice: CenterChoice, used: Algorithm, rng: Random): Float64Array {
  switch (choice) {
    case 'manual':
      return validateCenters(options.centers, options.k, points.d);
    case 'random':
    case 'k-means++':
      return gatherRows(points, startRows(points, options, choice, used, rng));
    default:
      return unreachable(choice, 'centerChoice');
  }
}

/**
 * One start of the chosen algorithm; `variance` is the whole data's mean variance, the scale of the tolerance,
 * and `summary` the summary of these points when it is known.
 */
function runOnce(
  points: Points,
  options: FitOptions,
  used: Algorithm,
  choice: CenterChoice,
  rng: Random,
  variance: number,
  summary: Summary | undefined,
): CenterRun {
  const { k, distance } = options;
  switch (used) {
    case 'k-means':
    case 'k-means++': {
      const start = startCenters(points, options, choice, used, rng);
      options.trace?.('seeded', k);
      // scikit-learn's relative tolerance: see shiftThreshold.
      return kmeans(points, start, k, options, options.tolerance * variance, summary);
    }
    case 'k-medians':
      return kmedians(points, startCenters(points, options, choice, used, rng), k, distance, {
        maxIterations: options.maxIterations,
        tolerance: options.tolerance * Math.sqrt(variance),
      });
    case 'k-medoids': {
      const rows =
        choice === 'manual'
          ? nearestDistinctRows(points, validateCenters(options.centers, k, points.d), k, distance)
          : startRows(points, options, choice, used, rng);
      return kmedoids(points, rows, k, distance, options);
    }
    default:
      return unreachable(used, 'algorithm');
  }
}

/** Rows a k-means start runs on when the data has more than twice as many: max(20000, 100 k). */
export function kmeansSampleSize(k: number): number {
  return Math.max(20000, 100 * k);
}

/**
 * The rows k-means starts run on when the data is large and the starts are random or k-means++ (the best start is
 * then finished on all rows), else all rows. k-means++ starts run on a seeded lightweight coreset (src/core/coreset.ts:
 * weighted rows whose cost estimates the whole data's, far rows kept), random starts on a uniform sample (their
 * rows are drawn uniformly from the data).
 */
function startRowsFor(points: Points, options: FitOptions, used: Algorithm, choice: CenterChoice): Points {
  const means = used === 'k-means' || used === 'k-means++';
  const m = kmeansSampleSize(options.k);
  if (!means || choice === 'manual' || 2 * m > points.n) return points;
  // Its own stream (index -1), so the sample does not depend on the number of starts.
  const rng = createRandom(deriveSeed(options.seed, -1));
  const sample = choice === 'k-means++' ? coresetRows(points, m, rng) : sampleRows(points, m, rng);
  options.trace?.('sampled', sample.n);
  return sample;
}

/**
 * Throws unless the run has exactly k finite centers, n labels in range and a finite cost; returns the size of
 * each cluster (counted in the same pass over the labels).
 */
function checkRun(run: CenterRun, k: number, d: number, n: number): Int32Array {
  const { centers, labels } = run;
  if (centers.length !== k * d) throw new Error(`internal error: ${centers.length / d} centers, expected k = ${k}`);
  for (let i = 0; i < centers.length; i++) {
    if (!Number.isFinite(centers[i] as number)) {
      throw new Error(`internal error: center ${Math.floor(i / d)} dimension ${i % d} is ${centers[i]}`);
    }
  }
  if (labels.length !== n) throw new Error(`internal error: ${labels.length} labels, expected n = ${n}`);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    if (!(l >= 0 && l < k)) throw new Error(`internal error: label ${l} of point ${i}, expected 0 to ${k - 1}`);
    sizes[l] = (sizes[l] as number) + 1;
  }
  if (!Number.isFinite(run.cost)) throw new Error(`internal error: cost is ${run.cost}`);
  return sizes;
}

/** Scales each center of a flat k x d array back to unit length (spherical k-means). */
function toSphere(centers: Float64Array, k: number, d: number): void {
  normalizeRows(centers, k, d);
}

/**
 * Clusters `points` into k clusters; the same points, options and seed always give the same result. With cosine
 * distance this is spherical k-means: rows (nonzero) and centers on the unit sphere, cost the sum of 1 - cos.
 */
export function fit(points: Points, options: FitOptions): FitResult {
  if (options.distance === 'cosine') {
    if (options.algorithm !== 'k-means' && options.algorithm !== 'k-means++') {
      throw new ClusteringError(`cosine distance is clustered by spherical k-means, not ${options.algorithm}`, 'use "clustering_algorithm": "k-means" with cosine distance');
    }
    const centers = options.centers ? Float64Array.from(options.centers) : undefined;
    if (centers) normalizeRows(centers, centers.length / points.d, points.d);
    const r = fit(unitPoints(points), { ...options, distance: 'euclidean', ...(centers ? { centers } : {}), project: toSphere });
    return { ...r, cost: r.cost / 2 };
  }
  return fitEuclideanOrManhattan(points, options);
}

/** fit() for euclidean and manhattan distances. */
function fitEuclideanOrManhattan(points: Points, options: FitOptions): FitResult {
  const summary = validatePoints(points);
  const variance = summary.variance;
  validateOptions(options, points.n);
  const { k, seed } = options;
  const distinct = countDistinct(points, k);
  if (distinct < k) throw fewerDistinctError(k, distinct);
  options.trace?.('validated', points.n);
  const used = algorithmFor(options.algorithm, options.distance);
  if (points.weights !== undefined && used !== 'k-means' && used !== 'k-means++') {
    throw new ClusteringError(`weighted rows are clustered by k-means only, not ${used}`, 'use k-means with euclidean distance, or leave out the weights (half_life)');
  }
  const choice = centerChoiceFor(options.algorithm, options.centerChoice);
  const starts = choice === 'manual' ? 1 : options.starts;
  const on = startRowsFor(points, options, used, choice);
  let best: CenterRun | undefined;
  for (let s = 0; s < starts; s++) {
    const run = runOnce(on, options, used, choice, createRandom(deriveSeed(seed, s)), variance, on === points ? summary : undefined);
    // Strict < keeps the earliest start on ties.
    if (best === undefined || run.cost < best.cost) best = run;
  }
  if (best === undefined) throw new Error(`internal error: no start ran (starts = ${starts})`);
  if (on !== points) {
    // The best start on the sample, finished on every row: labels and cost are those of the whole data.
    const rest = { ...options, maxIterations: options.maxIterations - best.iterations };
    const full = kmeans(points, best.centers, k, rest, options.tolerance * variance, summary);
    best = { ...full, iterations: best.iterations + full.iterations };
  }
  const sizes = checkRun(best, k, points.d, points.n);
  const result: FitResult = {
    k,
    d: points.d,
    centers: best.centers,
    labels: best.labels,
    cost: best.cost,
    iterations: best.iterations,
    converged: best.converged,
    sizes,
    algorithmUsed: used,
  };
  if (best.medoids !== undefined) result.medoids = best.medoids;
  return result;
}
