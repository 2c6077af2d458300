// The rows a large k-means fit starts on: a lightweight coreset (Bachem, Lucic & Krause 2018, "Scalable k-means
// clustering via lightweight coresets"). Each row is drawn with probability
//   q(x) = 1/2 * w(x) / W + 1/2 * w(x) * |x - mean|^2 / sum of w |x - mean|^2
// and weighs w(x) / (m q(x)), so the weighted cost of any centers on the sample estimates their cost on every row.
// A uniform sample misses the few far rows of heavy-tailed data; this one keeps them (at a small weight), so the
// centers found on it are near those of the whole data, and finishing on every row takes fewer iterations.

import { kernelsFor } from './kernels';
import type { Random } from './random';
import { upperBound } from './seeding';
import type { Points } from './types';

/**
 * m draws (with replacement) of the coreset distribution from `rng`; a row drawn t times is one sample row of t
 * times the weight. Returns the rows' data and weights (summing to about the rows' total weight).
 */
export function coresetRows(all: Points, m: number, rng: Random): Points {
  // Beyond twice CORESET_POOL x m rows, the coreset is drawn from a uniform sample of P = CORESET_POOL x m of them (each
  // weighing for n / P rows): passes over every row cost more in pljs than the iterations the coreset saves, and the
  // pool holds the far rows in proportion.
  const points = all.n > 2 * CORESET_POOL * m ? pooled(all, CORESET_POOL * m, rng) : all;
  const { data, n, d, weights } = points;
  const total = weights ? sumOf(weights) : n;
  const mean = meanOf(points, total);
  // The squared distance of every row to the mean, by the compiled k-means++ pass (the mean appended as a row).
  const xs = new Float64Array((n + 1) * d);
  xs.set(data.subarray(0, n * d));
  xs.set(mean, n * d);
  const spreadOf = new Float64Array(n).fill(Infinity);
  kernelsFor(1, d).potential(xs, n, n * d, spreadOf, spreadOf, null);
  // cum[i]: the sum of w |x - mean|^2 over rows 0..i; cumWeights likewise of the weights (unweighted rows need none).
  const cum = new Float64Array(n);
  let spread = 0;
  for (let i = 0; i < n; i++) cum[i] = spread += weights ? (weights[i] as number) * (spreadOf[i] as number) : (spreadOf[i] as number);
  let cumWeights: Float64Array | null = null;
  if (weights) {
    cumWeights = new Float64Array(n);
    for (let i = 0, s = 0; i < n; i++) cumWeights[i] = s += weights[i] as number;
  }
  const drawn = new Int32Array(n);
  const picked = new Int32Array(m);
  let rows = 0;
  for (let t = 0; t < m; t++) {
    // Half the draws are by weight alone, half by weighted spread (all by weight when every row is at the mean): one
    // number in [0, 1) picks the half and, stretched back to [0, 1), the row.
    const u = rng.next();
    const byWeight = !(spread > 0) || u < 0.5;
    const r = spread > 0 ? (u < 0.5 ? 2 * u : 2 * u - 1) : u;
    // Rounding can put the draw at the very top: the last row then.
    const row = Math.min(n - 1, byWeight ? (cumWeights ? upperBound(cumWeights, n, r * total) : Math.floor(r * n)) : upperBound(cum, n, r * spread));
    if (drawn[row] === 0) picked[rows++] = row;
    drawn[row] = (drawn[row] as number) + 1;
  }
  const order = picked.subarray(0, rows).sort();
  const out = new Float64Array(rows * d);
  const outWeights = new Float64Array(rows);
  for (let o = 0; o < rows; o++) {
    const i = order[o] as number;
    const w = weights ? (weights[i] as number) : 1;
    const q = 0.5 * (w / total) + (spread > 0 ? 0.5 * ((w * (spreadOf[i] as number)) / spread) : 0.5 * (w / total));
    outWeights[o] = ((drawn[i] as number) * w) / (m * q);
    out.set(data.subarray(i * d, i * d + d), o * d);
  }
  return { data: out, n: rows, d, weights: outWeights };
}

/** A seeded uniform sample of m distinct rows (m at most n / 2), copied into new points. */
export function sampleRows(points: Points, m: number, rng: Random): Points {
  const { data, n, d, weights } = points;
  // Redrawing taken rows costs under 2 draws a row when m <= n / 2, and no O(n) index array.
  const taken = new Uint8Array(n);
  const out = new Float64Array(m * d);
  const w = weights ? new Float64Array(m) : null;
  for (let t = 0, o = 0; t < m; t++) {
    let row = rng.int(n);
    while (taken[row] === 1) row = rng.int(n);
    taken[row] = 1;
    if (w && weights) w[t] = weights[row] as number;
    for (let at = row * d, end = at + d; at < end; at++) out[o++] = data[at] as number;
  }
  return w ? { data: out, n: m, d, weights: w } : { data: out, n: m, d };
}

/** Pool rows per coreset row: the coreset of a bigger data set is drawn from a uniform sample of this many times m. */
export const CORESET_POOL = 4;

/** A uniform sample of p distinct rows, each weighing for n / p rows (times its own weight). */
function pooled(points: Points, p: number, rng: Random): Points {
  const sample = sampleRows(points, p, rng);
  const scale = points.n / p;
  const weights = new Float64Array(p);
  for (let i = 0; i < p; i++) weights[i] = scale * (sample.weights ? (sample.weights[i] as number) : 1);
  return { ...sample, weights };
}

/** The sum of an array. */
function sumOf(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s;
}

/** The (weighted) mean row: one strided pass per dimension. */
function meanOf(points: Points, total: number): Float64Array {
  const { data, n, d, weights } = points;
  const mean = new Float64Array(d);
  const end = n * d;
  for (let j = 0; j < d; j++) {
    let s = 0;
    if (weights) for (let at = j, i = 0; at < end; at += d, i++) s += (weights[i] as number) * (data[at] as number);
    else for (let at = j; at < end; at += d) s += data[at] as number;
    mean[j] = s / total;
  }
  return mean;
}
