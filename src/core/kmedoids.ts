// k-medoids by FasterPAM: medoids are rows of the data; works with any distance.
// Schubert & Rousseeuw 2021, "Fast and eager k-medoids clustering: O(k) runtime improvement of the PAM, CLARA,
// and CLARANS algorithms", Information Systems 101: https://arxiv.org/abs/2008.05171

import { assignAll } from './assign';
import { distance as distanceBetween } from './distance';
import type { CenterRun } from './kmeans';
import { gatherRows } from './seeding';
import { ClusteringError, type DistanceType, type Points } from './types';

/**
 * Largest n k-medoids accepts. Distances are computed on the fly (no n^2 matrix), so memory is O(n), but one
 * swap pass costs n^2 distances: 10^8 at this limit, about a second in V8 and close to a minute in QuickJS.
 */
export const KMEDOIDS_MAX_POINTS = 10000;

/** Nearest and second-nearest medoid slot of row o, written into the caches. */
function nearestTwo(
  points: Points,
  o: number,
  medoids: Int32Array,
  k: number,
  distance: DistanceType,
  near: Int32Array,
  dn: Float64Array,
  second: Int32Array,
  ds: Float64Array,
): void {
  const { data, d } = points;
  let b1 = Infinity;
  let b2 = Infinity;
  let s1 = -1;
  let s2 = -1;
  for (let s = 0; s < k; s++) {
    const v = distanceBetween(distance, data, o * d, data, (medoids[s] as number) * d, d);
    if (v < b1) {
      b2 = b1;
      s2 = s1;
      b1 = v;
      s1 = s;
    } else if (v < b2) {
      b2 = v;
      s2 = s;
    }
  }
  near[o] = s1;
  dn[o] = b1;
  second[o] = s2;
  ds[o] = b2;
}

/** For each medoid slot, how much the cost rises if it is removed (ΔTD⁻ in the paper). */
function removalLoss(near: Int32Array, dn: Float64Array, ds: Float64Array, n: number, out: Float64Array): void {
  out.fill(0);
  for (let o = 0; o < n; o++) {
    const s = near[o] as number;
    out[s] = (out[s] as number) + (ds[o] as number) - (dn[o] as number);
  }
}

/** The single best medoid (k = 1), where the second-nearest caches of FasterPAM are undefined. */
function oneMedoid(points: Points, distance: DistanceType): number {
  const { data, n, d } = points;
  let best = 0;
  let bestSum = Infinity;
  for (let c = 0; c < n; c++) {
    let sum = 0;
    for (let o = 0; o < n && sum < bestSum; o++) sum += distanceBetween(distance, data, o * d, data, c * d, d);
    if (sum < bestSum) {
      bestSum = sum;
      best = c;
    }
  }
  return best;
}

/** Runs FasterPAM from the medoid rows `initial`; maxIterations bounds the passes over the data. */
export function kmedoids(
  points: Points,
  initial: Int32Array,
  k: number,
  distance: DistanceType,
  options: { maxIterations: number },
): CenterRun {
  const { data, n, d } = points;
  if (n > KMEDOIDS_MAX_POINTS) {
    throw new ClusteringError(
      `k-medoids accepts at most ${KMEDOIDS_MAX_POINTS} points, not ${n}`,
      'use k-medians (which also minimizes manhattan distance and scales), or fit on a sample: SELECT ... TABLESAMPLE SYSTEM (10)',
    );
  }
  const medoids = Int32Array.from(initial);
  let iterations = 0;
  let converged = false;
  if (k === 1) {
    if (options.maxIterations > 0) {
      medoids[0] = oneMedoid(points, distance);
      iterations = 1;
    }
    converged = options.maxIterations > 0;
  } else {
    const slotOf = new Int32Array(n).fill(-1);
    for (let s = 0; s < k; s++) slotOf[medoids[s] as number] = s;
    const near = new Int32Array(n);
    const second = new Int32Array(n);
    const dn = new Float64Array(n);
    const ds = new Float64Array(n);
    const dc = new Float64Array(n);
    const removal = new Float64Array(k);
    const delta = new Float64Array(k);
    let td = 0;
    for (let o = 0; o < n; o++) {
      nearestTwo(points, o, medoids, k, distance, near, dn, second, ds);
      td += dn[o] as number;
    }
    removalLoss(near, dn, ds, n, removal);
    let lastSwap = -1;
    passes: while (iterations < options.maxIterations) {
      iterations++;
      let swapped = false;
      for (let xc = 0; xc < n; xc++) {
        // Eager swapping: a full cycle of candidates since the last swap means no swap improves the cost.
        if (xc === lastSwap) {
          converged = true;
          break passes;
        }
        if ((slotOf[xc] as number) >= 0) continue;
        delta.set(removal);
        let shared = 0;
        for (let o = 0; o < n; o++) {
          const doj = distanceBetween(distance, data, o * d, data, xc * d, d);
          dc[o] = doj;
          const dno = dn[o] as number;
          const s = near[o] as number;
          if (doj < dno) {
            shared += doj - dno;
            delta[s] = (delta[s] as number) + dno - (ds[o] as number);
          } else if (doj < (ds[o] as number)) {
            delta[s] = (delta[s] as number) + doj - (ds[o] as number);
          }
        }
        let slot = 0;
        for (let s = 1; s < k; s++) if ((delta[s] as number) < (delta[slot] as number)) slot = s;
        const change = (delta[slot] as number) + shared;
        // A relative threshold stops rounding noise from swapping forever.
        if (change < -1e-12 * td) {
          slotOf[medoids[slot] as number] = -1;
          medoids[slot] = xc;
          slotOf[xc] = slot;
          for (let o = 0; o < n; o++) {
            const doj = dc[o] as number;
            if (near[o] === slot || second[o] === slot) {
              nearestTwo(points, o, medoids, k, distance, near, dn, second, ds);
            } else if (doj < (dn[o] as number)) {
              second[o] = near[o] as number;
              ds[o] = dn[o] as number;
              near[o] = slot;
              dn[o] = doj;
            } else if (doj < (ds[o] as number)) {
              second[o] = slot;
              ds[o] = doj;
            }
          }
          removalLoss(near, dn, ds, n, removal);
          td += change;
          lastSwap = xc;
          swapped = true;
        }
      }
      if (!swapped) {
        converged = true;
        break;
      }
    }
  }
  const centers = gatherRows(points, medoids);
  const final = assignAll(points, centers, k, distance);
  let cost = 0;
  for (let i = 0; i < n; i++) cost += final.dist[i] as number;
  return { centers, labels: final.labels, cost, iterations, converged, medoids };
}
