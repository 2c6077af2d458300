// Cluster quality: silhouette, Davies-Bouldin, Calinski-Harabasz, sizes and radii.
// The passes over the rows are compiled once per (k, d, distance) with the Function constructor, as in kernels.ts:
// QuickJS runs the straight-line code (dimensions unrolled, coordinates in locals) several times faster than
// nested loops. Every sum is accumulated in the same order as the plain loops did, so values are bit-identical.

import { distance as distanceBetween, squaredEuclidean } from './distance';
import { countLabels } from './empty';
import { kernelsFor } from './kernels';
import { createRandom } from './random';
import type { DistanceType, Points } from './types';

/** Rows the silhouette looks at: all of them up to this many, else a seeded sample of this size. */
export const SILHOUETTE_SAMPLE = 2000;

/** Above this many cluster coordinates the scan keeps its sums and centers in arrays instead of locals. */
const CENTER_LOCALS = 64;

/** Above this many dimensions the compiled passes loop over the dimensions instead of unrolling them. */
const UNROLL_D = 16;

/**
 * One pass over the rows: counts[c]++, sums[c * d + j] += x_j, overall[j] += x_j and, when centers are given, the
 * largest (max) and total (mean) distance from each cluster's rows to its center, and (when compiled with it) each
 * row's distance to its center in dist[i].
 */
type ScanPass = (
  data: Float64Array,
  n: number,
  labels: Int32Array,
  centers: Float64Array | null,
  counts: Int32Array,
  sums: Float64Array,
  overall: Float64Array,
  max: Float64Array,
  mean: Float64Array,
  dist: Float64Array | null,
) => void;

/**
 * The silhouette's pairs over m sampled rows grouped by cluster (position p; the row of index i is at pos[i],
 * clusters at first[c]..first[c] + counts[c], each in index order), in columns cols[j] (unrolled) or row-major
 * xs (looped): sums[c][pos[i]] += distance from row i to each row of cluster c. Each pair once, outer rows in
 * index order and inner rows of a cluster in index order, so every sum gets its terms in the plain loop's order.
 */
type PairsPass = (
  cols: Float64Array[],
  xs: Float64Array,
  ls: Int32Array,
  pos: Int32Array,
  first: Int32Array,
  counts: Int32Array,
  m: number,
  sums: Float64Array[],
) => void;

const scans = new Map<string, ScanPass>();
const pairs = new Map<string, PairsPass>();

/** Statements setting `s` to the distance between (x0.. or row[xo + j]) and other[at + j], j < d. */
function distanceCode(d: number, manhattan: boolean, other: string, at: string): string {
  let code = '';
  if (d > UNROLL_D) {
    code = manhattan
      ? `s = 0; for (let j = 0; j < ${d}; j++) s += abs(data[xo + j] - ${other}[${at} + j]);\n`
      : `s = 0; for (let j = 0; j < ${d}; j++) { t = data[xo + j] - ${other}[${at} + j]; s += t * t; }\n`;
  } else {
    for (let j = 0; j < d; j++) {
      const op = j === 0 ? '=' : '+=';
      code += manhattan ? `s ${op} abs(x${j} - ${other}[${at} + ${j}]);\n` : `t = x${j} - ${other}[${at} + ${j}]; s ${op} t * t;\n`;
    }
  }
  return manhattan ? code : code + 's = sqrt(s);\n';
}

/** Source of the scan pass. */
function scanSource(d: number, manhattan: boolean, withCenters: boolean, withDist: boolean): string {
  const unrolled = d <= UNROLL_D;
  let code = 'const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0;\n';
  if (unrolled) for (let j = 0; j < d; j++) code += `let o${j} = 0;\n`;
  code += `for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {\nconst c = labels[i]; const so = c * ${d};\ncounts[c]++;\n`;
  if (unrolled) {
    for (let j = 0; j < d; j++) code += `const x${j} = data[xo + ${j}]; sums[so + ${j}] += x${j}; o${j} += x${j};\n`;
  } else {
    code += `for (let j = 0; j < ${d}; j++) { const v = data[xo + j]; sums[so + j] += v; overall[j] += v; }\n`;
  }
  if (withCenters) code += `${distanceCode(d, manhattan, 'centers', 'so')}if (s > max[c]) max[c] = s;\nmean[c] += s;\n${withDist ? 'dist[i] = s;\n' : ''}`;
  code += '}\n';
  if (unrolled) for (let j = 0; j < d; j++) code += `overall[${j}] = o${j};\n`;
  return code;
}

/**
 * Source of the scan pass for small k * d: each cluster's count, sums, center, largest and total distance held in
 * locals, the row's cluster picked by a chain of comparisons (cheaper in QuickJS than indexing typed arrays).
 */
function scanLocalsSource(k: number, d: number, manhattan: boolean, withCenters: boolean, withDist: boolean): string {
  let code = 'const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0;\n';
  for (let j = 0; j < d; j++) code += `let o${j} = 0;\n`;
  for (let c = 0; c < k; c++) {
    code += `let n${c} = 0; let M${c} = 0; let A${c} = 0;\n`;
    for (let j = 0; j < d; j++) code += `let u${c}_${j} = 0;${withCenters ? ` const c${c}_${j} = centers[${c * d + j}];` : ''}\n`;
  }
  code += `for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {\nconst c = labels[i];\n`;
  for (let j = 0; j < d; j++) code += `const x${j} = data[xo + ${j}]; o${j} += x${j};\n`;
  for (let c = 0; c < k; c++) {
    code += c === 0 ? 'if (c === 0) {\n' : c === k - 1 ? '} else {\n' : `} else if (c === ${c}) {\n`;
    code += `n${c}++;\n`;
    for (let j = 0; j < d; j++) code += `u${c}_${j} += x${j};\n`;
    if (withCenters) {
      for (let j = 0; j < d; j++) {
        const op = j === 0 ? '=' : '+=';
        code += manhattan ? `s ${op} abs(x${j} - c${c}_${j});\n` : `t = x${j} - c${c}_${j}; s ${op} t * t;\n`;
      }
      if (!manhattan) code += 's = sqrt(s);\n';
      code += `if (s > M${c}) M${c} = s;\nA${c} += s;\n${withDist ? 'dist[i] = s;\n' : ''}`;
    }
  }
  code += '}\n}\n';
  for (let j = 0; j < d; j++) code += `overall[${j}] = o${j};\n`;
  for (let c = 0; c < k; c++) {
    code += `counts[${c}] = n${c}; max[${c}] = M${c}; mean[${c}] = A${c};\n`;
    for (let j = 0; j < d; j++) code += `sums[${c * d + j}] = u${c}_${j};\n`;
  }
  return code;
}

/** Source of the silhouette's pair pass: row i's sums toward cluster c in a local, each pair's distance also added to the other row's sum toward i's cluster. */
function pairsSource(k: number, d: number, manhattan: boolean): string {
  const unrolled = d <= UNROLL_D;
  let code = `const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0; let a = 0;\nconst done = new Int32Array(${k});\n`;
  if (unrolled) for (let j = 0; j < d; j++) code += `const X${j} = cols[${j}];\n`;
  else code += 'const data = xs;\n';
  code += 'for (let i = 0; i < m; i++) {\nconst li = ls[i]; const pi = pos[i]; const T = sums[li];\ndone[li]++;\n';
  if (unrolled) for (let j = 0; j < d; j++) code += `const x${j} = X${j}[pi];\n`;
  else code += `const xo = pi * ${d};\n`;
  code += `for (let c = 0; c < ${k}; c++) {\nconst U = sums[c]; a = U[pi];\n`;
  code += 'for (let p = first[c] + done[c], end = first[c] + counts[c]; p < end; p++) {\n';
  if (unrolled) {
    for (let j = 0; j < d; j++) {
      const op = j === 0 ? '=' : '+=';
      code += manhattan ? `s ${op} abs(x${j} - X${j}[p]);\n` : `t = x${j} - X${j}[p]; s ${op} t * t;\n`;
    }
    if (!manhattan) code += 's = sqrt(s);\n';
  } else {
    code += distanceCode(d, manhattan, 'xs', `p * ${d}`);
  }
  code += 'a += s; T[p] += s;\n}\nU[pi] = a;\n}\n}\n';
  return code;
}

/** The scan pass for k clusters of d dimensions, compiled on first use and cached. */
function scanFor(k: number, d: number, distance: DistanceType, withCenters: boolean, withDist: boolean): ScanPass {
  const locals = d <= UNROLL_D && k * d <= CENTER_LOCALS;
  const key = `${locals ? k : 0}x${d}:${distance}:${withCenters}:${withDist}`;
  let pass = scans.get(key);
  if (!pass) {
    const manhattan = distance === 'manhattan';
    const body = locals ? scanLocalsSource(k, d, manhattan, withCenters, withDist) : scanSource(d, manhattan, withCenters, withDist);
    pass = new Function('data', 'n', 'labels', 'centers', 'counts', 'sums', 'overall', 'max', 'mean', 'dist', body) as ScanPass;
    scans.set(key, pass);
  }
  return pass;
}

/** The silhouette's pair pass for (k, d), compiled on first use and cached. */
function pairsFor(k: number, d: number, distance: DistanceType): PairsPass {
  const key = `${k}x${d}:${distance}`;
  let pass = pairs.get(key);
  if (!pass) {
    pass = new Function('cols', 'xs', 'ls', 'pos', 'first', 'counts', 'm', 'sums', pairsSource(k, d, distance === 'manhattan')) as PairsPass;
    pairs.set(key, pass);
  }
  return pass;
}

/** What one scan gathers: counts, per-cluster coordinate sums, overall sums and (with centers) radii. */
interface Scan {
  counts: Int32Array;
  sums: Float64Array;
  overall: Float64Array;
  max: Float64Array;
  mean: Float64Array;
}

/**
 * Runs the scan pass; mean holds the mean distance to the center (0 for an empty cluster) when centers are given,
 * and dist (n long, when given with centers) each row's distance to its center.
 */
function scan(points: Points, labels: Int32Array, centers: Float64Array | null, k: number, distance: DistanceType, dist: Float64Array | null = null): Scan {
  const { data, n, d } = points;
  const out: Scan = {
    counts: new Int32Array(k),
    sums: new Float64Array(k * d),
    overall: new Float64Array(d),
    max: new Float64Array(k),
    mean: new Float64Array(k),
  };
  const withDist = centers !== null && dist !== null;
  scanFor(k, d, distance, centers !== null, withDist)(data, n, labels, centers, out.counts, out.sums, out.overall, out.max, out.mean, withDist ? dist : null);
  const { counts, mean } = out;
  if (centers) for (let c = 0; c < k; c++) if ((counts[c] as number) > 0) mean[c] = (mean[c] as number) / (counts[c] as number);
  return out;
}

/** Points in each of the k clusters. */
export function clusterSizes(labels: Int32Array, k: number): Int32Array {
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
export function silhouette(
  points: Points,
  labels: Int32Array,
  k: number,
  distance: DistanceType,
  options: { sampleSize?: number; seed?: number } = {},
): number {
  const { data, d } = points;
  const rows = sampleRows(points.n, options.sampleSize ?? SILHOUETTE_SAMPLE, options.seed ?? 0);
  const m = rows.length;
  const counts = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    const c = labels[rows[i] as number] as number;
    counts[c] = (counts[c] as number) + 1;
  }
  let nonEmpty = 0;
  for (let c = 0; c < k; c++) if ((counts[c] as number) > 0) nonEmpty++;
  if (nonEmpty < 2 || nonEmpty > m - 1) return NaN;
  // The sampled rows copied contiguously and grouped by cluster (in index order within each): one array per
  // dimension when unrolled, else row by row.
  const ls = new Int32Array(m);
  for (let i = 0; i < m; i++) ls[i] = labels[rows[i] as number] as number;
  const first = new Int32Array(k);
  for (let c = 1; c < k; c++) first[c] = (first[c - 1] as number) + (counts[c - 1] as number);
  const fill = first.slice();
  const pos = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const c = ls[i] as number;
    pos[i] = fill[c] as number;
    fill[c] = (fill[c] as number) + 1;
  }
  const unrolled = d <= UNROLL_D;
  const cols = unrolled ? Array.from({ length: d }, () => new Float64Array(m)) : [];
  const xs = unrolled ? new Float64Array(0) : new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const r = rows[i] as number;
    const p = pos[i] as number;
    for (let j = 0; j < d; j++) {
      const v = data[r * d + j] as number;
      if (unrolled) (cols[j] as Float64Array)[p] = v;
      else xs[p * d + j] = v;
    }
  }
  // sums[c][pos[i]]: total distance from sampled row i to the sampled rows of cluster c.
  const sums = Array.from({ length: k }, () => new Float64Array(m));
  pairsFor(k, d, distance)(cols, xs, ls, pos, first, counts, m, sums);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const own = ls[i] as number;
    const size = counts[own] as number;
    if (size < 2) continue;
    const p = pos[i] as number;
    const a = ((sums[own] as Float64Array)[p] as number) / (size - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === own || (counts[c] as number) === 0) continue;
      b = Math.min(b, ((sums[c] as Float64Array)[p] as number) / (counts[c] as number));
    }
    const top = Math.max(a, b);
    if (top > 0) total += (b - a) / top;
  }
  return total / m;
}

/** Largest and mean distance from the points of each cluster to its center (0 for an empty cluster). */
export function radii(
  points: Points,
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  distance: DistanceType,
): { max: Float64Array; mean: Float64Array } {
  const { max, mean } = scan(points, labels, centers, k, distance);
  return { max, mean };
}

/** Davies-Bouldin from the clusters' counts and mean distances to their centers. */
export function daviesBouldinOf(counts: Int32Array, scatter: Float64Array, centers: Float64Array, k: number, d: number, distance: DistanceType): number {
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

/** Calinski-Harabasz from a scan: the clusters' means, then one more pass for the within-cluster sum of squares. */
function calinskiHarabaszOf(points: Points, labels: Int32Array, k: number, s: Scan): number {
  const { data, n, d } = points;
  const { counts, overall } = s;
  const means = s.sums.slice();
  let clusters = 0;
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    if (m > 0) clusters++;
    for (let j = 0; j < d; j++) means[c * d + j] = m > 0 ? (means[c * d + j] as number) / m : 0;
  }
  const mid = new Float64Array(d);
  for (let j = 0; j < d; j++) mid[j] = (overall[j] as number) / n;
  if (clusters < 2 || clusters > n - 1) return NaN;
  let between = 0;
  for (let c = 0; c < k; c++) between += (counts[c] as number) * squaredEuclidean(means, c * d, mid, 0, d);
  // The k-means cost pass sums the squared distances to the means of the labels in the order a plain loop would.
  const within = kernelsFor(k, d).cost(data, n, means, labels, null);
  if (within === 0) return 1;
  return (between / (clusters - 1)) / (within / (n - clusters));
}

/**
 * Davies-Bouldin index (lower is better): mean over clusters of the worst (s_i + s_j) / dist(c_i, c_j), s being
 * the mean distance to the given center. Empty clusters are left out; coinciding centers add 0 (as scikit-learn).
 * NaN with fewer than 2 non-empty clusters.
 */
export function daviesBouldin(
  points: Points,
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  distance: DistanceType,
): number {
  const s = scan(points, labels, centers, k, distance);
  return daviesBouldinOf(s.counts, s.mean, centers, k, points.d, distance);
}

/**
 * Calinski-Harabasz index (higher is better): (between / (K - 1)) / (within / (n - K)) with the clusters' own
 * means and squared euclidean distances, K the non-empty clusters; 1 when within is 0 (as scikit-learn);
 * NaN unless 2 <= K <= n - 1.
 */
export function calinskiHarabasz(points: Points, labels: Int32Array, k: number): number {
  return calinskiHarabaszOf(points, labels, k, scan(points, labels, null, k, 'euclidean'));
}

/** Sizes, radii, Davies-Bouldin and Calinski-Harabasz of a clustering. */
export interface ClusterQuality {
  sizes: Int32Array;
  radii: { max: Float64Array; mean: Float64Array };
  daviesBouldin: number;
  calinskiHarabasz: number;
}

/**
 * Sizes, radii, Davies-Bouldin and Calinski-Harabasz from one scan of the rows (plus the pass Calinski-Harabasz
 * needs over the clusters' means); the same values as clusterSizes, radii, daviesBouldin and calinskiHarabasz.
 * With `dist` (n long), the scan also writes each row's distance to its center there.
 */
export function clusterQuality(
  points: Points,
  labels: Int32Array,
  centers: Float64Array,
  k: number,
  distance: DistanceType,
  dist: Float64Array | null = null,
): ClusterQuality {
  const s = scan(points, labels, centers, k, distance, dist);
  return {
    sizes: s.counts,
    radii: { max: s.max, mean: s.mean },
    daviesBouldin: daviesBouldinOf(s.counts, s.mean, centers, k, points.d, distance),
    calinskiHarabasz: calinskiHarabaszOf(points, labels, k, s),
  };
}
