// Starting centers: random distinct rows, greedy k-means++, or centers given by the caller.

import { manhattan, squaredEuclidean } from './distance';
import { kernelsFor } from './kernels';
import type { Random } from './random';
import { ClusteringError, type DistanceType, type Points } from './types';

/** The error raised when the data cannot hold k clusters. */
export function fewerDistinctError(k: number, distinct: number): ClusteringError {
  return new ClusteringError(
    `k = ${k} is more than the ${distinct} distinct points in the data; lower k to at most ${distinct}`,
    `lower cluster_count to at most ${distinct}, or cluster more varied rows`,
  );
}

/** True when rows i and j of data are equal in every dimension. */
function sameRow(data: Float64Array, i: number, j: number, d: number): boolean {
  const a = i * d;
  const b = j * d;
  for (let t = 0; t < d; t++) if (data[a + t] !== data[b + t]) return false;
  return true;
}

/** Number of distinct rows, counting only up to `limit` (so data with many distinct rows stops early). */
export function countDistinct(points: Points, limit: number): number {
  const { data, n, d } = points;
  const reps = new Int32Array(Math.max(0, limit));
  let count = 0;
  for (let i = 0; i < n && count < limit; i++) {
    let seen = false;
    for (let r = 0; r < count && !seen; r++) seen = sameRow(data, reps[r] as number, i, d);
    if (!seen) reps[count++] = i;
  }
  return count;
}

/** Copies the given rows into a new k * d array of centers. */
export function gatherRows(points: Points, rows: Int32Array): Float64Array {
  const { data, d } = points;
  const out = new Float64Array(rows.length * d);
  for (let c = 0; c < rows.length; c++) {
    const off = (rows[c] as number) * d;
    for (let j = 0; j < d; j++) out[c * d + j] = data[off + j] as number;
  }
  return out;
}

/** Rows 0..n-1 in an order whose first `count` entries are a uniform random sample (partial Fisher-Yates). */
function shuffledPrefix(n: number, count: number, rng: Random): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const stop = Math.min(count, n);
  for (let t = 0; t < stop; t++) {
    const j = t + rng.int(n - t);
    const tmp = idx[t] as number;
    idx[t] = idx[j] as number;
    idx[j] = tmp;
  }
  return idx;
}

/** Row indices of k random rows with pairwise distinct coordinates; throws if fewer than k distinct rows exist. */
export function randomStart(points: Points, k: number, rng: Random): Int32Array {
  const { data, n, d } = points;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const chosen = new Int32Array(k);
  let count = 0;
  // Shuffle lazily, one draw per inspected row, so the usual case costs k draws.
  for (let t = 0; t < n && count < k; t++) {
    const j = t + rng.int(n - t);
    const row = idx[j] as number;
    idx[j] = idx[t] as number;
    idx[t] = row;
    let dup = false;
    for (let c = 0; c < count && !dup; c++) dup = sameRow(data, chosen[c] as number, row, d);
    if (!dup) chosen[count++] = row;
  }
  if (count < k) throw fewerDistinctError(k, count);
  return chosen;
}

/** Cost weight between rows i and j: squared euclidean for k-means, else the distance itself. */
function weight(data: Float64Array, i: number, j: number, d: number, distance: DistanceType, squared: boolean): number {
  if (distance === 'manhattan') return manhattan(data, i * d, data, j * d, d);
  const s = squaredEuclidean(data, i * d, data, j * d, d);
  return squared ? s : Math.sqrt(s);
}

/** First index whose cumulative weight exceeds r (so a zero-weight row is never chosen); m when none does. */
export function upperBound(cum: Float64Array, m: number, r: number): number {
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Row of the whole data set farthest from the chosen rows, or -1 if every row sits on one of them. */
function farthestRow(
  points: Points,
  chosen: Int32Array,
  count: number,
  distance: DistanceType,
  squared: boolean,
): number {
  const { data, n, d } = points;
  let best = -1;
  let bestW = 0;
  for (let i = 0; i < n; i++) {
    let w = Infinity;
    for (let c = 0; c < count; c++) w = Math.min(w, weight(data, i, chosen[c] as number, d, distance, squared));
    if (w > bestW) {
      bestW = w;
      best = i;
    }
  }
  return best;
}

/** Distance evaluations k-means++ may spend on its rows (k x candidates per step x rows x d): ~0.2 s in pljs. */
export const PLUS_PLUS_BUDGET = 1e7;

/**
 * Default number of rows k-means++ looks at: every row while the budget allows, and at least max(10000, 50 k) (like
 * pgvector's sample). A sample misses the few far rows of heavy-tailed data that deserve a center of their own, so
 * seeding on every row is what keeps such fits near scikit-learn's (which seeds on every row).
 */
export function plusPlusSampleSize(k: number, d = 1): number {
  const trials = 2 + Math.floor(Math.log(k));
  return Math.max(10000, 50 * k, Math.floor(PLUS_PLUS_BUDGET / (k * trials * Math.max(1, d))));
}

/**
 * Row indices chosen by greedy k-means++ (2 + floor(ln k) candidates per step, as scikit-learn).
 * Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful seeding".
 */
export function plusPlusStart(
  points: Points,
  k: number,
  rng: Random,
  distance: DistanceType,
  squared: boolean,
  sampleSize: number = plusPlusSampleSize(k, points.d),
): Int32Array {
  const { data, n, d } = points;
  const m = Math.min(n, sampleSize);
  const rows = m < n ? shuffledPrefix(n, m, rng) : shuffledPrefix(n, 0, rng);
  const chosen = new Int32Array(k);
  let closest = new Float64Array(m);
  let trial = new Float64Array(m);
  let best = new Float64Array(m);
  const cum = new Float64Array(m);
  const trials = 2 + Math.floor(Math.log(k));
  // Weighted rows (weighted k-means) are drawn in proportion to weight x distance, as if repeated.
  const wt = points.weights ? Float64Array.from({ length: m }, (_, i) => (points.weights as Float64Array)[rows[i] as number] as number) : null;
  const toward = potentialOf(points, rows, m, distance, squared, wt);

  const first = rng.int(m);
  chosen[0] = rows[first] as number;
  closest.fill(Infinity);
  let pot = toward(first, closest, closest);
  for (let c = 1; c < k; c++) {
    let pick = -1;
    if (pot > 0) {
      let acc = 0;
      for (let i = 0; i < m; i++) {
        acc += wt ? (wt[i] as number) * (closest[i] as number) : (closest[i] as number);
        cum[i] = acc;
      }
      let bestPot = Infinity;
      for (let t = 0; t < trials; t++) {
        let at = upperBound(cum, m, rng.next() * acc);
        // Rounding can put r at the very top; fall back to the last row with weight.
        while (at >= m || (closest[at] as number) <= 0) at = at >= m ? m - 1 : at - 1;
        const p = toward(at, closest, trial);
        if (p < bestPot) {
          bestPot = p;
          pick = rows[at] as number;
          const tmp = best;
          best = trial;
          trial = tmp;
        }
      }
      const tmp = closest;
      closest = best;
      best = tmp;
      pot = bestPot;
    } else {
      // The sample has fewer than k distinct rows: take the farthest row of the whole data set.
      pick = farthestRow(points, chosen, c, distance, squared);
      if (pick < 0) throw fewerDistinctError(k, c);
      pot = 0;
      for (let i = 0; i < m; i++) {
        const w = Math.min(closest[i] as number, weight(data, rows[i] as number, pick, d, distance, squared));
        closest[i] = w;
        pot += wt ? (wt[i] as number) * w : w;
      }
    }
    chosen[c] = pick;
  }
  return chosen;
}

/** How one k-means++ candidate (sample position `at`) would lower each sample row's weight: out = min(closest, weight); returns the sum. */
type Potential = (at: number, closest: Float64Array, out: Float64Array) => number;

/** The potential of candidates over the sampled rows (weighted by wt): a compiled pass for squared euclidean, else a loop. */
function potentialOf(points: Points, rows: Int32Array, m: number, distance: DistanceType, squared: boolean, wt: Float64Array | null): Potential {
  const { data, d } = points;
  if (distance === 'euclidean' && squared) {
    // The sample copied contiguously, so the compiled pass reads it like any row-major block.
    const xs = new Float64Array(m * d);
    for (let i = 0, o = 0; i < m; i++) for (let at = (rows[i] as number) * d, end = at + d; at < end; at++) xs[o++] = data[at] as number;
    const pass = kernelsFor(1, d, wt !== null).potential;
    return (at, closest, out) => pass(xs, m, at * d, closest, out, wt);
  }
  return (at, closest, out) => {
    const cand = rows[at] as number;
    let p = 0;
    for (let i = 0; i < m; i++) {
      const w = Math.min(closest[i] as number, weight(data, rows[i] as number, cand, d, distance, squared));
      out[i] = w;
      p += wt ? (wt[i] as number) * w : w;
    }
    return p;
  };
}

/** Checks caller-given centers: exactly k * d finite numbers; returns a private copy. */
export function validateCenters(centers: Float64Array | undefined, k: number, d: number): Float64Array {
  if (centers === undefined) throw new Error('centers are required when centerChoice is manual');
  if (centers.length !== k * d) {
    throw new Error(`centers has ${centers.length} numbers, expected k * d = ${k} * ${d} = ${k * d}`);
  }
  for (let i = 0; i < centers.length; i++) {
    const v = centers[i] as number;
    if (!Number.isFinite(v)) {
      throw new Error(`center ${Math.floor(i / d)} dimension ${i % d} is ${v}, expected a finite number`);
    }
  }
  return Float64Array.from(centers);
}
