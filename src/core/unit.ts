// Cosine distance as the rest of the core computes it: rows and centers scaled to unit length, where
// 1 - cos(x, c) = |x - c|^2 / 2, so spherical k-means is Lloyd's k-means on unit rows with each new center scaled
// back onto the sphere (Dhillon & Modha 2001, "Concept decompositions for large sparse text data using clustering",
// https://doi.org/10.1023/A:1007612920971).

import type { DistanceType, Points } from './types';

/** The metric the passes compute for a distance type, and whether rows and centers live on the unit sphere. */
export function geometry(distance: DistanceType): { metric: 'euclidean' | 'manhattan'; unit: boolean } {
  return distance === 'cosine' ? { metric: 'euclidean', unit: true } : { metric: distance, unit: false };
}

/** Scales each of the n rows of d numbers to unit length in place; returns how many rows were 0 (left as they are). */
export function normalizeRows(data: Float64Array, n: number, d: number): number {
  let zero = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] as number;
      s += v * v;
    }
    if (!(s > 0)) {
      zero++;
      continue;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) data[i * d + j] = (data[i * d + j] as number) * inv;
  }
  return zero;
}

/** Unit copies of points whose rows are all nonzero (callers leave zero rows out: they have no direction). */
export function unitPoints(points: Points): Points {
  const data = Float64Array.from(points.data);
  if (normalizeRows(data, points.n, points.d) > 0) throw new Error('internal error: a zero row reached the cosine distance');
  return { ...points, data };
}

/** The cosine distance of two unit vectors from their euclidean distance. */
export function cosineFromEuclidean(euclidean: number): number {
  return (euclidean * euclidean) / 2;
}
