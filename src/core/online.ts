// Online k-means: one new point moves its nearest center (MacQueen 1967; Spark StreamingKMeans with decay).

import { nearest } from './assign';
import type { DistanceType } from './types';

/**
 * Assigns x (d numbers) to its nearest center and moves that center toward it; returns the label.
 * Every count is first multiplied by decay in (0, 1] (Spark's "points" time unit), so with decay 1 each center
 * is the exact running mean of its points and smaller decays forget old points geometrically.
 * centers (k * d) and counts (k) are updated in place.
 */
export function onlineUpdate(
  centers: Float64Array,
  counts: Float64Array,
  x: ArrayLike<number>,
  distance: DistanceType,
  decay: number,
): number {
  const k = counts.length;
  const d = x.length;
  if (k < 1 || centers.length !== k * d) {
    throw new Error(`centers hold ${centers.length} numbers, expected k * d = ${k} * ${d} = ${k * d}`);
  }
  if (!(decay > 0 && decay <= 1)) throw new Error(`decay is ${decay}, expected a number in (0, 1]`);
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(x[j] as number)) throw new Error(`dimension ${j} of the point is ${x[j]}, expected a finite number`);
  }
  const c = nearest(x, 0, centers, k, d, distance);
  if (decay !== 1) for (let t = 0; t < k; t++) counts[t] = (counts[t] as number) * decay;
  const m = (counts[c] as number) + 1;
  counts[c] = m;
  const off = c * d;
  for (let j = 0; j < d; j++) centers[off + j] = (centers[off + j] as number) + ((x[j] as number) - (centers[off + j] as number)) / m;
  return c;
}
