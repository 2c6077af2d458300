// Cosine distance: spherical k-means clusters rows by direction, whatever their length.

import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { fit } from '../../src/core/fit';
import { createRandom } from '../../src/core/random';
import { ClusteringError, type Points } from '../../src/core/types';

/** n rows of 3 dimensions pointing along three directions, with lengths from 0.1 to 100 and a little noise. */
function directions(n: number, seed: number): { points: Points; truth: number[] } {
  const rng = createRandom(seed);
  const axes = [[1, 0, 0], [0, 1, 0], [0.6, 0.6, 0.53]];
  const data = new Float64Array(n * 3);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = axes[i % 3] as number[];
    const len = 0.1 * Math.pow(1000, rng.next());
    for (let j = 0; j < 3; j++) data[i * 3 + j] = len * ((a[j] as number) + (rng.next() - 0.5) * 0.05);
    truth.push(i % 3);
  }
  return { points: { data, n, d: 3 }, truth };
}

describe('spherical k-means (cosine distance)', () => {
  it('groups rows by direction whatever their length, with unit centers and the cost as the sum of 1 - cos', () => {
    const { points, truth } = directions(3000, 4);
    const r = fit(points, { k: 3, algorithm: 'k-means', distance: 'cosine', centerChoice: 'k-means++', seed: 1, starts: 1, maxIterations: 100, tolerance: 0 });
    // The same partition as the directions, up to numbering.
    const map = new Map<number, number>();
    for (let i = 0; i < points.n; i++) {
      const seen = map.get(truth[i] as number);
      if (seen === undefined) map.set(truth[i] as number, r.labels[i] as number);
      else expect(r.labels[i]).toBe(seen);
    }
    for (let c = 0; c < 3; c++) expect(Math.hypot(...Array.from(r.centers.subarray(c * 3, c * 3 + 3)))).toBeCloseTo(1, 12);
    let cost = 0;
    for (let i = 0; i < points.n; i++) {
      const x = points.data.subarray(i * 3, i * 3 + 3);
      const c = r.centers.subarray((r.labels[i] as number) * 3, (r.labels[i] as number) * 3 + 3);
      cost += 1 - (x[0]! * c[0]! + x[1]! * c[1]! + x[2]! * c[2]!) / Math.hypot(...Array.from(x));
    }
    expect(r.cost).toBeCloseTo(cost, 9);
    // Each row's label is the center of largest cosine.
    const unit = Float64Array.from(points.data);
    for (let i = 0; i < points.n; i++) {
      const len = Math.hypot(unit[i * 3]!, unit[i * 3 + 1]!, unit[i * 3 + 2]!);
      for (let j = 0; j < 3; j++) unit[i * 3 + j] = unit[i * 3 + j]! / len;
    }
    expect(Array.from(assignAll({ data: unit, n: points.n, d: 3 }, r.centers, 3, 'cosine').labels)).toEqual(Array.from(r.labels));
  });

  it('starts from manual centers scaled to the sphere, and refuses algorithms other than k-means', () => {
    const { points } = directions(300, 5);
    const r = fit(points, { k: 3, algorithm: 'k-means', distance: 'cosine', centerChoice: 'manual', centers: Float64Array.from([10, 0, 0, 0, 10, 0, 5, 5, 5]), seed: 1, starts: 1, maxIterations: 50, tolerance: 0 });
    expect(r.centers[0]).toBeGreaterThan(0.99);
    expect(() => fit(points, { k: 3, algorithm: 'k-medoids', distance: 'cosine', centerChoice: 'k-means++', seed: 1, starts: 1, maxIterations: 5, tolerance: 0 })).toThrow(ClusteringError);
  });
});
