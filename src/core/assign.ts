// Nearest-center assignment: the hot path run for every inserted row inside PostgreSQL.

import type { DistanceType, Points } from './types';

/** Index of the center nearest to row x[xOffset..xOffset+d) (ties go to the lowest index; cosine: x and centers unit vectors). */
export function nearest(
  x: ArrayLike<number>,
  xOffset: number,
  centers: ArrayLike<number>,
  k: number,
  d: number,
  distance: DistanceType,
): number {
  let best = 0;
  let bestDist = Infinity;
  // The branch sits outside the loops so each loop stays a flat numeric loop.
  if (distance === 'manhattan') {
    for (let c = 0; c < k; c++) {
      let s = 0;
      const off = c * d;
      for (let j = 0; j < d; j++) s += Math.abs((x[xOffset + j] as number) - (centers[off + j] as number));
      if (s < bestDist) {
        bestDist = s;
        best = c;
      }
    }
  } else {
    for (let c = 0; c < k; c++) {
      let s = 0;
      const off = c * d;
      for (let j = 0; j < d; j++) {
        const t = (x[xOffset + j] as number) - (centers[off + j] as number);
        s += t * t;
      }
      if (s < bestDist) {
        bestDist = s;
        best = c;
      }
    }
  }
  return best;
}

/** Distance (of `distance`, not squared) from row x to center c. */
function distanceTo(
  x: ArrayLike<number>,
  xOffset: number,
  centers: ArrayLike<number>,
  c: number,
  d: number,
  distance: DistanceType,
): number {
  let s = 0;
  const off = c * d;
  if (distance === 'manhattan') {
    for (let j = 0; j < d; j++) s += Math.abs((x[xOffset + j] as number) - (centers[off + j] as number));
    return s;
  }
  for (let j = 0; j < d; j++) {
    const t = (x[xOffset + j] as number) - (centers[off + j] as number);
    s += t * t;
  }
  // Cosine distance between unit vectors: 1 - cos = |x - c|^2 / 2 (see unit.ts).
  return distance === 'cosine' ? s / 2 : Math.sqrt(s);
}

/** Labels every point with its nearest center and reports its distance (not squared) to it. */
export function assignAll(
  points: Points,
  centers: ArrayLike<number>,
  k: number,
  distance: DistanceType,
): { labels: Int32Array; dist: Float64Array } {
  const { data, n, d } = points;
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = nearest(data, i * d, centers, k, d, distance);
    labels[i] = c;
    dist[i] = distanceTo(data, i * d, centers, c, d, distance);
  }
  return { labels, dist };
}

/** Each point's distance (not squared) to the center it is labelled with: the fit's labels, without a nearest-center search. */
export function distancesToOwn(points: Points, centers: ArrayLike<number>, labels: ArrayLike<number>, distance: DistanceType): Float64Array {
  const { data, n, d } = points;
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) dist[i] = distanceTo(data, i * d, centers, labels[i] as number, d, distance);
  return dist;
}
