// Stable cluster numbers across refits: match new centers to old ones and relabel.

import { squaredEuclidean } from './distance';
import type { FitResult } from './types';

/**
 * perm[j] = the previous center that new center j takes the number of, minimising the total squared distance.
 * Exact for every k by the Hungarian algorithm (O(k^3)), so no brute-force or greedy fallback is needed.
 */
export function matchCenters(previous: Float64Array, next: Float64Array, k: number, d: number): Int32Array {
  if (previous.length !== k * d || next.length !== k * d) {
    throw new Error(`centers hold ${previous.length} and ${next.length} numbers, expected k * d = ${k * d}`);
  }
  // Rows are new centers, columns previous ones.
  const cost = new Float64Array(k * k);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) cost[r * k + c] = squaredEuclidean(next, r * d, previous, c * d, d);
  return cheapestAssignment(cost, k);
}

/**
 * perm[j] = the previous cluster number that new cluster j takes, keeping as many rows' numbers as
 * possible: agreement[j * k + c] counts rows of new cluster j that held number c. Identity when no row agrees.
 */
export function matchLabels(agreement: Float64Array, k: number): Int32Array {
  if (agreement.length !== k * k) throw new Error(`agreement holds ${agreement.length} counts, expected k * k = ${k * k}`);
  let total = 0;
  for (let i = 0; i < k * k; i++) total += agreement[i] as number;
  if (total === 0) return Int32Array.from({ length: k }, (_, j) => j);
  const cost = new Float64Array(k * k);
  for (let i = 0; i < k * k; i++) cost[i] = -(agreement[i] as number);
  return cheapestAssignment(cost, k);
}

/** perm[row] = the column assigned to it, minimising the total cost of a k x k matrix (Hungarian algorithm, O(k^3)). */
export function cheapestAssignment(cost: Float64Array, k: number): Int32Array {
  // 1-based with a virtual column 0 (e-maxx formulation).
  const u = new Float64Array(k + 1);
  const v = new Float64Array(k + 1);
  const owner = new Int32Array(k + 1);
  const way = new Int32Array(k + 1);
  const minv = new Float64Array(k + 1);
  const used = new Uint8Array(k + 1);
  for (let r = 1; r <= k; r++) {
    owner[0] = r;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = owner[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= k; j++) {
        if (used[j]) continue;
        const cur = (cost[(i0 - 1) * k + (j - 1)] as number) - (u[i0] as number) - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= k; j++) {
        if (used[j]) {
          const o = owner[j] as number;
          u[o] = (u[o] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      owner[j0] = owner[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const perm = new Int32Array(k);
  for (let j = 1; j <= k; j++) perm[(owner[j] as number) - 1] = j - 1;
  return perm;
}

/** A copy of `result` where cluster j is renumbered perm[j] (centers, labels, sizes and medoids). */
export function permute(result: FitResult, perm: Int32Array): FitResult {
  const { k, d } = result;
  if (perm.length !== k) throw new Error(`permutation has ${perm.length} entries, expected k = ${k}`);
  const seen = new Uint8Array(k);
  for (let j = 0; j < k; j++) {
    const p = perm[j] as number;
    if (!Number.isInteger(p) || p < 0 || p >= k || seen[p]) throw new Error(`permutation entry ${j} is ${p}, expected each of 0 to ${k - 1} once`);
    seen[p] = 1;
  }
  const centers = new Float64Array(k * d);
  const sizes = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    const p = perm[j] as number;
    for (let t = 0; t < d; t++) centers[p * d + t] = result.centers[j * d + t] as number;
    sizes[p] = result.sizes[j] as number;
  }
  const labels = new Int32Array(result.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = perm[result.labels[i] as number] as number;
  const out: FitResult = { ...result, centers, labels, sizes };
  if (result.medoids !== undefined) {
    const medoids = new Int32Array(k);
    for (let j = 0; j < k; j++) medoids[perm[j] as number] = result.medoids[j] as number;
    out.medoids = medoids;
  }
  return out;
}
