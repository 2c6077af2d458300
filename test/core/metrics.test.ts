import { describe, expect, it } from 'vitest';
import { fit } from '../../src/core/fit';
import { calinskiHarabasz, clusterSizes, daviesBouldin, radii, silhouette } from '../../src/core/metrics';
import { blobs, options, toPoints } from './fixtures';

// Six points on a line: A = {0, 2} (center 1), B = {10, 14} (center 12), C = {20, 21} (center 20.5).
const points = toPoints([[0], [2], [10], [14], [20], [21]]);
const labels = Int32Array.from([0, 0, 1, 1, 2, 2]);
const centers = Float64Array.from([1, 12, 20.5]);

describe('metrics on a hand-computed fixture', () => {
  it('computes the silhouette', () => {
    // Per point (b - a) / max(a, b): 0 -> (12-2)/12, 2 -> (10-2)/10, 10 -> (9-4)/9, 14 -> (6.5-4)/6.5,
    // 20 -> (8-1)/8, 21 -> (9-1)/9.
    const expected = (5 / 6 + 4 / 5 + 5 / 9 + 5 / 13 + 7 / 8 + 8 / 9) / 6;
    expect(silhouette(points, labels, 3, 'euclidean')).toBeCloseTo(expected, 12);
    expect(silhouette(points, labels, 3, 'manhattan')).toBeCloseTo(expected, 12);
  });

  it('computes Davies-Bouldin', () => {
    // Scatter 1, 2, 0.5; separations AB 11, AC 19.5, BC 8.5: worst ratios 3/11, 2.5/8.5, 2.5/8.5.
    expect(daviesBouldin(points, labels, centers, 3, 'euclidean')).toBeCloseTo((3 / 11 + 5 / 17 + 5 / 17) / 3, 12);
  });

  it('computes Calinski-Harabasz', () => {
    // Overall mean 67/6; between = 2 (3721 + 25 + 3136) / 36 = 1147/3; within = 2 + 8 + 0.5 = 10.5.
    expect(calinskiHarabasz(points, labels, 3)).toBeCloseTo(1147 / 3 / 2 / (10.5 / 3), 10);
  });

  it('computes sizes and radii', () => {
    expect(Array.from(clusterSizes(labels, 3))).toEqual([2, 2, 2]);
    const r = radii(points, labels, centers, 3, 'euclidean');
    expect(Array.from(r.max)).toEqual([1, 2, 0.5]);
    expect(Array.from(r.mean)).toEqual([1, 2, 0.5]);
  });

  it('scores a point alone in its cluster 0, and is undefined with one cluster', () => {
    const single = Int32Array.from([0, 0, 0, 0, 0, 1]);
    // Points 0..4: a over the other four of {0,2,10,14,20}, b = distance to 21.
    const s = [
      [(2 + 10 + 14 + 20) / 4, 21],
      [(2 + 8 + 12 + 18) / 4, 19],
      [(10 + 8 + 4 + 10) / 4, 11],
      [(14 + 12 + 4 + 6) / 4, 7],
      [(20 + 18 + 10 + 6) / 4, 1],
    ].reduce((acc, [a, b]) => acc + ((b as number) - (a as number)) / Math.max(a as number, b as number), 0);
    expect(silhouette(points, single, 2, 'euclidean')).toBeCloseTo(s / 6, 12);
    expect(silhouette(points, new Int32Array(6), 1, 'euclidean')).toBeNaN();
    expect(calinskiHarabasz(points, new Int32Array(6), 1)).toBeNaN();
    expect(daviesBouldin(points, new Int32Array(6), Float64Array.from([11]), 1, 'euclidean')).toBeNaN();
  });

  it('samples 2000 points with a seed beyond 2000 points, close to the exact value', () => {
    const data = blobs(3000, 2, 3, 1, 30);
    const result = fit(data, options({ k: 3, centerChoice: 'k-means++' }));
    const sampled = silhouette(data, result.labels, 3, 'euclidean', { seed: 1 });
    expect(silhouette(data, result.labels, 3, 'euclidean', { seed: 1 })).toBe(sampled);
    const exact = silhouette(data, result.labels, 3, 'euclidean', { sampleSize: 3000 });
    expect(Math.abs(sampled - exact)).toBeLessThan(0.02);
  });
});
