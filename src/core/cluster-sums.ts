// Cluster quality from per-cluster sums, what one aggregate pass over the rows returns (a SQL GROUP BY on a shard):
// the same Davies-Bouldin, Calinski-Harabasz and radii as metrics.ts computes from the rows themselves, up to the
// rounding of the sums' order.

import { squaredEuclidean } from './distance';
import { daviesBouldinOf } from './metrics';

/** Per cluster c (under the nearest of `centers`): its rows, coordinate sums, and distances to its center. */
export interface ClusterSums {
  k: number;
  d: number;
  /** Rows per cluster (k). */
  counts: Int32Array;
  /** Coordinate sums per cluster (k * d). */
  sums: Float64Array;
  /** Sum of each cluster's euclidean distances to its center (k). */
  distances: Float64Array;
  /** Sum of each cluster's squared distances to its center (k). */
  squares: Float64Array;
}

/** Mean radii, RMS radii, inertia, Davies-Bouldin and Calinski-Harabasz of a clustering, from its sums. */
export interface SumsQuality {
  meanRadii: Float64Array;
  rmsRadii: Float64Array;
  cost: number;
  daviesBouldin: number;
  calinskiHarabasz: number;
}

/**
 * The quality of the clustering of `centers` from its per-cluster sums. Calinski-Harabasz measures the within-cluster
 * sum of squares around the clusters' own means, as metrics.ts does: the squares around the centers less each
 * cluster's n * |mean - center|^2.
 */
export function qualityFromSums(s: ClusterSums, centers: Float64Array): SumsQuality {
  const { k, d, counts } = s;
  if (centers.length !== k * d) throw new Error(`centers hold ${centers.length} numbers, expected k * d = ${k * d}`);
  const meanRadii = new Float64Array(k);
  const rmsRadii = new Float64Array(k);
  const means = new Float64Array(k * d);
  const mid = new Float64Array(d);
  let n = 0;
  let cost = 0;
  let clusters = 0;
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    cost += s.squares[c] as number;
    n += m;
    if (m === 0) continue;
    clusters++;
    meanRadii[c] = (s.distances[c] as number) / m;
    rmsRadii[c] = Math.sqrt((s.squares[c] as number) / m);
    for (let j = 0; j < d; j++) {
      means[c * d + j] = (s.sums[c * d + j] as number) / m;
      mid[j] = (mid[j] as number) + (s.sums[c * d + j] as number);
    }
  }
  for (let j = 0; j < d; j++) mid[j] = n > 0 ? (mid[j] as number) / n : 0;
  let between = 0;
  let within = cost;
  for (let c = 0; c < k; c++) {
    const m = counts[c] as number;
    if (m === 0) continue;
    between += m * squaredEuclidean(means, c * d, mid, 0, d);
    within -= m * squaredEuclidean(means, c * d, centers, c * d, d);
  }
  let calinskiHarabasz = NaN;
  if (clusters >= 2 && clusters <= n - 1) {
    // As metrics.ts, 1 when every row sits on its cluster's mean (rounding may leave the difference just below 0).
    calinskiHarabasz = within <= 0 ? 1 : between / (clusters - 1) / (within / (n - clusters));
  }
  return { meanRadii, rmsRadii, cost, daviesBouldin: daviesBouldinOf(counts, meanRadii, centers, k, d, 'euclidean'), calinskiHarabasz };
}
