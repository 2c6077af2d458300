// Distances between rows of flat row-major arrays, and how a distance becomes a cost.

import type { Algorithm, DistanceType } from './types';

/** Squared euclidean distance between row a[ai..ai+d) and row b[bi..bi+d). */
export function squaredEuclidean(
  a: ArrayLike<number>,
  ai: number,
  b: ArrayLike<number>,
  bi: number,
  d: number,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = (a[ai + j] as number) - (b[bi + j] as number);
    s += t * t;
  }
  return s;
}

/** Manhattan (L1) distance between row a[ai..ai+d) and row b[bi..bi+d). */
export function manhattan(
  a: ArrayLike<number>,
  ai: number,
  b: ArrayLike<number>,
  bi: number,
  d: number,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    s += Math.abs((a[ai + j] as number) - (b[bi + j] as number));
  }
  return s;
}

/** Distance of the given type between two rows (euclidean is not squared; cosine expects unit rows). */
export function distance(
  type: DistanceType,
  a: ArrayLike<number>,
  ai: number,
  b: ArrayLike<number>,
  bi: number,
  d: number,
): number {
  if (type === 'manhattan') return manhattan(a, ai, b, bi, d);
  // Cosine distance of unit vectors (see unit.ts).
  const s = squaredEuclidean(a, ai, b, bi, d);
  return type === 'cosine' ? s / 2 : Math.sqrt(s);
}

/** True when the cost of `algorithm` with `type` sums squared distances (k-means with euclidean). */
export function isSquaredCost(type: DistanceType, algorithm: Algorithm): boolean {
  return type === 'euclidean' && (algorithm === 'k-means' || algorithm === 'k-means++');
}

/** One point's share of the cost, given its distance `dist` (of `type`, not squared) to its center. */
export function costOf(type: DistanceType, algorithm: Algorithm, dist: number): number {
  return isSquaredCost(type, algorithm) ? dist * dist : dist;
}
