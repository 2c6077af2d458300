import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { type ClusterSums, qualityFromSums } from '../../src/core/cluster-sums';
import { rmsRadii } from '../../src/core/anomaly';
import { fit } from '../../src/core/fit';
import { clusterQuality } from '../../src/core/metrics';
import type { Points } from '../../src/core/types';
import { blobs, options, toPoints } from './fixtures';

/** The sums an aggregate pass returns for points labelled by their nearest of centers. */
function sumsOf(points: Points, centers: Float64Array, k: number): { sums: ClusterSums; labels: Int32Array; dist: Float64Array } {
  const { labels, dist } = assignAll(points, centers, k, 'euclidean');
  const s: ClusterSums = { k, d: points.d, counts: new Int32Array(k), sums: new Float64Array(k * points.d), distances: new Float64Array(k), squares: new Float64Array(k) };
  for (let i = 0; i < points.n; i++) {
    const c = labels[i] as number;
    s.counts[c] = (s.counts[c] as number) + 1;
    s.distances[c] = (s.distances[c] as number) + (dist[i] as number);
    s.squares[c] = (s.squares[c] as number) + (dist[i] as number) ** 2;
    for (let j = 0; j < points.d; j++) s.sums[c * points.d + j] = (s.sums[c * points.d + j] as number) + (points.data[i * points.d + j] as number);
  }
  return { sums: s, labels, dist };
}

describe('quality from per-cluster sums', () => {
  it('gives the hand-computed values of the six points on a line', () => {
    // A = {0, 2} (center 1), B = {10, 14} (center 12), C = {20, 21} (center 20.5), as in metrics.test.ts.
    const points = toPoints([[0], [2], [10], [14], [20], [21]]);
    const centers = Float64Array.from([1, 12, 20.5]);
    const q = qualityFromSums(sumsOf(points, centers, 3).sums, centers);
    expect(q.daviesBouldin).toBeCloseTo((3 / 11 + 5 / 17 + 5 / 17) / 3, 12);
    expect(q.calinskiHarabasz).toBeCloseTo(1147 / 3 / 2 / (10.5 / 3), 10);
    expect(Array.from(q.meanRadii)).toEqual([1, 2, 0.5]);
    expect(q.cost).toBe(1 + 1 + 4 + 4 + 0.25 + 0.25);
  });

  it('agrees with the metrics computed from the rows, at centers that are not the means too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), (k, d, seed, converged) => {
        const points = blobs(300, d, k, seed);
        let centers = fit(points, options({ k, seed })).centers;
        // Centers moved off the means: within-cluster squares are then not the cost.
        if (!converged) centers = centers.map((v, i) => v + ((i % 3) - 1) * 0.3);
        const { sums, labels, dist } = sumsOf(points, centers, k);
        const q = qualityFromSums(sums, centers);
        const rows = clusterQuality(points, labels, centers, k, 'euclidean');
        expect(q.daviesBouldin).toBeCloseTo(rows.daviesBouldin, 9);
        expect(q.calinskiHarabasz / rows.calinskiHarabasz).toBeCloseTo(1, 9);
        Array.from(rows.radii.mean).forEach((r, c) => expect(q.meanRadii[c]).toBeCloseTo(r, 9));
        Array.from(rmsRadii(dist, labels, k)).forEach((r, c) => expect(q.rmsRadii[c]).toBeCloseTo(r, 9));
      }),
      { numRuns: 40 },
    );
  });

  it('is undefined (NaN) with one non-empty cluster, and 1 when every row sits on its mean', () => {
    const points = toPoints([[1], [1], [5], [5]]);
    expect(qualityFromSums(sumsOf(points, Float64Array.from([1, 5]), 2).sums, Float64Array.from([1, 5])).calinskiHarabasz).toBe(1);
    const one = qualityFromSums(sumsOf(points, Float64Array.from([3, 100]), 2).sums, Float64Array.from([3, 100]));
    expect(one.calinskiHarabasz).toBeNaN();
    expect(one.daviesBouldin).toBeNaN();
  });

  it('refuses centers of the wrong size', () => {
    const points = toPoints([[1], [2]]);
    expect(() => qualityFromSums(sumsOf(points, Float64Array.from([1, 2]), 2).sums, Float64Array.from([1]))).toThrow('centers hold 1 numbers, expected k * d = 2');
  });
});
