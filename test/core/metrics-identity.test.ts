import { describe, expect, it } from 'vitest';
import { distance as distanceBetween, squaredEuclidean } from '../../src/core/distance';
import { countLabels } from '../../src/core/empty';
import { distancesToOwn } from '../../src/core/assign';
import { fit } from '../../src/core/fit';
import { calinskiHarabasz, clusterQuality, clusterSizes, daviesBouldin, radii, silhouette } from '../../src/core/metrics';
import { createRandom } from '../../src/core/random';
import type { DistanceType, Points } from '../../src/core/types';
import { blobs, options, uniform } from './fixtures';

// The compiled metrics against the plain loops they replaced (copied below verbatim from src/core/metrics.ts before
// the compiled passes, renamed ref*): every value must be bit-identical, on data sets that exercise the unrolled
// (d <= 16) and looped (d > 16) passes, centers in locals (k * d <= 64) or arrays, both distances, empty clusters, sampled and exact silhouettes.

// ---- reference implementation (the previous src/core/metrics.ts) ----

/** Points in each of the k clusters. */
function refClusterSizes(labels: Int32Array, k: number): Int32Array {
  return countLabels(labels, k);
}

/** Rows to score: 0..n-1, or a seeded uniform sample of `size` rows (partial Fisher-Yates). */
function sampleRows(n: number, size: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (size >= n) return idx;
  const rng = createRandom(seed);
  for (let t = 0; t < size; t++) {
    const j = t + rng.int(n - t);
    const tmp = idx[t] as number;
    idx[t] = idx[j] as number;
    idx[j] = tmp;
  }
  return idx.subarray(0, size);
}

/**
 * Mean silhouette in [-1, 1] (a point alone in its cluster scores 0), exact up to `sampleSize` points, else on a
 * seeded sample (as scikit-learn's sample_size). NaN when fewer than 2 or more than m - 1 clusters are non-empty.
 */
function refSilhouette(
  points: Points,
  labels: Int32Array,
  k: number,
  distance: DistanceType,
  options: { sampleSize?: number; seed?: number } = {},
): number {
  const { data, d } = points;
  const rows = sampleRows(points.n, options.sampleSize ?? 2000, options.seed ?? 0);
  const m = rows.length;
  const counts = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    const c = labels[rows[i] as number] as number;
    counts[c] = (counts[c] as number) + 1;
  }
  let nonEmpty = 0;
  for (let c = 0; c < k; c++) if ((counts[c] as number) > 0) nonEmpty++;
  if (nonEmpty < 2 || nonEmpty > m - 1) return NaN;
  // The sampled rows and their labels copied contiguously, and the distance inlined: this m^2 / 2 loop is the
  // costliest metric, and function calls and indirections dominate it in QuickJS.
  const xs = new Float64Array(m * d);
  const ls = new Int32Array(m);
  for (let i = 0, o = 0; i < m; i++) {
    const r = rows[i] as number;
    ls[i] = labels[r] as number;
    for (let at = r * d, end = at + d; at < end; at++) xs[o++] = data[at] as number;
  }
  const manhattanDistance = distance === 'manhattan';
  // sums[i * k + c]: total distance from sampled row i to the sampled rows of cluster c.
  const sums = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    const io = i * d;
    const li = ls[i] as number;
    for (let j = i + 1; j < m; j++) {
      const jo = j * d;
      let v = 0;
      if (manhattanDistance) {
        for (let t = 0; t < d; t++) v += Math.abs((xs[io + t] as number) - (xs[jo + t] as number));
      } else {
        for (let t = 0; t < d; t++) {
          const u = (xs[io + t] as number) - (xs[jo + t] as number);
          v += u * u;
        }
        v = Math.sqrt(v);
      }
      const lj = ls[j] as number;
      sums[i * k + lj] = (sums[i * k + lj] as number) + v;
      sums[j * k + li] = (sums[j * k + li] as number) + v;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i++) {
    const own = labels[rows[i] as number] as number;
    const size = counts[own] as number;
    if (size < 2) continue;
    const a = (sums[i * k + own] as number) / (size - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === own || (counts[c] as number) === 0) continue;
      b = Math.min(b, (sums[i * k + c] as number) / (counts[c] as number));
    }
    const top = Math.max(a, b);
    if (top > 0) total += (b - a) / top;
  }
  return total / m;
}

/** Largest and mean distance from the points of each cluster to its center (0 for an empty cluster). */
function refRadii(
  points: Points,
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  distance: DistanceType,
): { max: Float64Array; mean: Float64Array } {
  const { data, n, d } = points;
  const max = new Float64Array(k);
  const mean = new Float64Array(k);
  const counts = new Int32Array(k);
  const manhattanDistance = distance === 'manhattan';
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    // Inlined distance (as distance()): a call per row is most of this pass's time in QuickJS.
    const xo = i * d;
    const co = c * d;
    let v = 0;
    if (manhattanDistance) {
      for (let j = 0; j < d; j++) v += Math.abs((data[xo + j] as number) - (centers[co + j] as number));
    } else {
      for (let j = 0; j < d; j++) {
        const t = (data[xo + j] as number) - (centers[co + j] as number);
        v += t * t;
      }
      v = Math.sqrt(v);
    }
    if (v > (max[c] as number)) max[c] = v;
    mean[c] = (mean[c] as number) + v;
    counts[c] = (counts[c] as number) + 1;
  }
  for (let c = 0; c < k; c++) if ((counts[c] as number) > 0) mean[c] = (mean[c] as number) / (counts[c] as number);
  return { max, mean };
}

/**
 * Davies-Bouldin index (lower is better): mean over clusters of the worst (s_i + s_j) / dist(c_i, c_j), s being
 * the mean distance to the given center. Empty clusters are left out; coinciding centers add 0 (as scikit-learn).
 * NaN with fewer than 2 non-empty clusters.
 */
function refDaviesBouldin(
  points: Points,
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  distance: DistanceType,
): number {
  const { d } = points;
  const scatter = refRadii(points, labels, centers, k, distance).mean;
  const counts = countLabels(labels, k);
  let total = 0;
  let clusters = 0;
  for (let a = 0; a < k; a++) {
    if ((counts[a] as number) === 0) continue;
    clusters++;
    let worst = 0;
    for (let b = 0; b < k; b++) {
      if (b === a || (counts[b] as number) === 0) continue;
      const sep = distanceBetween(distance, centers, a * d, centers, b * d, d);
      if (sep > 0) worst = Math.max(worst, ((scatter[a] as number) + (scatter[b] as number)) / sep);
    }
    total += worst;
  }
  return clusters < 2 ? NaN : total / clusters;
}

/**
 * Calinski-Harabasz index (higher is better): (between / (K - 1)) / (within / (n - K)) with the clusters' own
 * means and squared euclidean distances, K the non-empty clusters; 1 when within is 0 (as scikit-learn);
 * NaN unless 2 <= K <= n - 1.
 */
function refCalinskiHarabasz(points: Points, labels: Int32Array, k: number): number {
  const { data, n, d } = points;
  const counts = countLabels(labels, k);
  const means = new Float64Array(k * d);
  const overall = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] as number;
      means[c * d + j] = (means[c * d + j] as number) + v;
      overall[j] = (overall[j] as number) + v;
    }
  }
  let clusters = 0;
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    if (m > 0) clusters++;
    for (let j = 0; j < d; j++) means[c * d + j] = m > 0 ? (means[c * d + j] as number) / m : 0;
  }
  for (let j = 0; j < d; j++) overall[j] = (overall[j] as number) / n;
  if (clusters < 2 || clusters > n - 1) return NaN;
  let between = 0;
  for (let c = 0; c < k; c++) between += (counts[c] as number) * squaredEuclidean(means, c * d, overall, 0, d);
  let within = 0;
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    const co = (labels[i] as number) * d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const t = (data[xo + j] as number) - (means[co + j] as number);
      v += t * t;
    }
    within += v;
  }
  if (within === 0) return 1;
  return (between / (clusters - 1)) / (within / (n - clusters));
}

// ---- the comparison ----

/** Indices where two arrays differ (Object.is: -0 and 0 differ, NaN equals NaN). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  if (a.length !== b.length) return [-1];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

/** Seeded labels in 0..used-1 (clusters used..k-1 stay empty). */
function randomLabels(n: number, used: number, seed: number): Int32Array {
  const rng = createRandom(seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(used);
  return labels;
}

/** Centers that are not the clusters' means: the first row of each cluster, shifted (0 for an empty one). */
function someCenters(points: Points, labels: Int32Array, k: number): Float64Array {
  const { data, n, d } = points;
  const centers = new Float64Array(k * d);
  const seen = new Uint8Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    if (seen[c]) continue;
    seen[c] = 1;
    for (let j = 0; j < d; j++) centers[c * d + j] = (data[i * d + j] as number) + 0.1 * (j + 1);
  }
  return centers;
}

/** Points shifted by `by` in every coordinate (sums far from 0). */
function shifted(points: Points, by: number): Points {
  return { ...points, data: points.data.map((v) => v + by) };
}

interface Case {
  name: string;
  points: Points;
  labels: Int32Array;
  centers: Float64Array;
  k: number;
}

/** A fitted clustering of some points. */
function fitted(name: string, points: Points, k: number, seed: number): Case {
  const r = fit(points, options({ k, seed, centerChoice: 'k-means++' }));
  return { name, points, labels: r.labels, centers: r.centers, k };
}

/** An arbitrary labelling with `used` of k clusters non-empty. */
function labelled(name: string, points: Points, k: number, used: number, seed: number): Case {
  const labels = randomLabels(points.n, used, seed);
  return { name, points, labels, centers: someCenters(points, labels, k), k };
}

const cases: Case[] = [
  fitted('article-like 3000 x 4, k = 6', blobs(3000, 4, 6, 1, 10), 6, 42),
  fitted('1-D blobs, k = 3', blobs(700, 1, 3, 2), 3, 7),
  fitted('2-D blobs, k = 5', blobs(1200, 2, 5, 3), 5, 11),
  fitted('16-D (last unrolled), k = 4', blobs(600, 16, 4, 4), 4, 3),
  fitted('8-D, k = 10 (centers in arrays)', blobs(1500, 8, 10, 11), 10, 21),
  fitted('17-D (looped), k = 3', blobs(500, 17, 3, 5), 3, 5),
  fitted('20-D blobs far from 0, k = 5', shifted(blobs(900, 20, 5, 6), 1e6), 5, 9),
  labelled('uniform 3-D, 2 of 7 clusters empty', uniform(2500, 3, 8), 7, 5, 13),
  labelled('uniform 5-D shifted, one cluster', shifted(uniform(300, 5, 9), -3e4), 4, 1, 17),
  labelled('tiny 6 x 2, k = 3', uniform(6, 2, 10), 3, 3, 19),
];

describe('compiled metrics are bit-identical to the plain loops', () => {
  for (const c of cases) {
    for (const distance of ['euclidean', 'manhattan'] as DistanceType[]) {
      it(`${c.name}, ${distance}`, () => {
        const { points, labels, centers, k } = c;
        const r = radii(points, labels, centers, k, distance);
        const ref = refRadii(points, labels, centers, k, distance);
        expect(differences(r.max, ref.max)).toEqual([]);
        expect(differences(r.mean, ref.mean)).toEqual([]);
        const db = refDaviesBouldin(points, labels, centers, k, distance);
        const ch = refCalinskiHarabasz(points, labels, k);
        expect(daviesBouldin(points, labels, centers, k, distance)).toBe(db);
        expect(calinskiHarabasz(points, labels, k)).toBe(ch);
        const q = clusterQuality(points, labels, centers, k, distance);
        expect(differences(q.sizes, refClusterSizes(labels, k))).toEqual([]);
        expect(differences(clusterSizes(labels, k), refClusterSizes(labels, k))).toEqual([]);
        expect(differences(q.radii.max, ref.max)).toEqual([]);
        expect(differences(q.radii.mean, ref.mean)).toEqual([]);
        expect(q.daviesBouldin).toBe(db);
        expect(q.calinskiHarabasz).toBe(ch);
        // The same pass writing each row's distance: the values distancesToOwn gives, and the same radii.
        const dist = new Float64Array(points.n).fill(NaN);
        const fused = clusterQuality(points, labels, centers, k, distance, dist);
        expect(differences(dist, distancesToOwn(points, centers, labels, distance))).toEqual([]);
        expect(differences(fused.radii.mean, ref.mean)).toEqual([]);
        expect(fused.daviesBouldin).toBe(db);
        for (const o of [{}, { sampleSize: 1000, seed: 42 }, { sampleSize: 257, seed: 3 }, { sampleSize: points.n }]) {
          expect(silhouette(points, labels, k, distance, o)).toBe(refSilhouette(points, labels, k, distance, o));
        }
      });
    }
  }

  it('gives finite, non-trivial values on the fitted cases (so the comparison compares something)', () => {
    const c = cases[0] as Case;
    const q = clusterQuality(c.points, c.labels, c.centers, c.k, 'euclidean');
    expect(q.daviesBouldin).toBeGreaterThan(0);
    expect(q.calinskiHarabasz).toBeGreaterThan(1);
    expect(silhouette(c.points, c.labels, c.k, 'euclidean', { sampleSize: 1000, seed: 42 })).toBeGreaterThan(0);
  });
});
