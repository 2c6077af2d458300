// Weighted k-means (rows carry weights, as half_life gives them): a row of weight w counts as w copies of it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fit } from '../../src/core/fit';
import { hamerly } from '../../src/core/hamerly';
import { createRandom } from '../../src/core/random';
import { countDistinct, gatherRows, randomStart } from '../../src/core/seeding';
import { ClusteringError, type Points } from '../../src/core/types';

/** Data with small integer coordinates (exact sums) and integer weights 1 to 4, and the same data with each row repeated. */
const weighted = fc
  .record({
    n: fc.integer({ min: 3, max: 120 }),
    d: fc.integer({ min: 1, max: 5 }),
    k: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ n, d, k, seed }) => {
    const rng = createRandom(seed);
    const data = new Float64Array(n * d);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(21) - 10;
    const weights = Float64Array.from({ length: n }, () => 1 + rng.int(4));
    const repeated: number[] = [];
    for (let i = 0; i < n; i++) for (let r = 0; r < (weights[i] as number); r++) for (let j = 0; j < d; j++) repeated.push(data[i * d + j] as number);
    const plain: Points = { data: Float64Array.from(repeated), n: repeated.length / d, d };
    return { points: { data, n, d, weights } as Points, plain, k: Math.min(k, n), seed };
  })
  .filter(({ points, k }) => countDistinct(points, k) >= k);

describe('weighted k-means', () => {
  it('runs the same iterations to the same centers and cost as the rows repeated by their weights', () => {
    fc.assert(
      fc.property(weighted, ({ points, plain, k, seed }) => {
        const start = gatherRows(points, randomStart(points, k, createRandom(seed)));
        const ours = hamerly(points, start, k, { maxIterations: 100, tolerance: 0 });
        const theirs = hamerly(plain, start, k, { maxIterations: 100, tolerance: 0 });
        for (let i = 0; i < ours.centers.length; i++) expect(ours.centers[i]).toBeCloseTo(theirs.centers[i] as number, 9);
        expect(ours.iterations).toBe(theirs.iterations);
        expect(ours.cost).toBeCloseTo(theirs.cost, 6);
      }),
      { numRuns: 200 },
    );
  });

  it('pulls centers toward heavy rows', () => {
    const points: Points = { data: Float64Array.from([0, 1, 10, 11]), n: 4, d: 1, weights: Float64Array.from([1, 9, 1, 1]) };
    const r = fit(points, { k: 2, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'manual', centers: Float64Array.from([0, 10]), seed: 1, starts: 1, maxIterations: 10, tolerance: 0 });
    expect(Array.from(r.centers)).toEqual([0.9, 10.5]);
    expect(r.cost).toBeCloseTo(1 * 0.81 + 9 * 0.01 + 0.25 + 0.25, 12);
  });

  it('seeds k-means++ in proportion to weight x distance on large weighted data', () => {
    const rng = createRandom(3);
    const n = 60000;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = (i % 3) * 100 + rng.next();
    const weights = Float64Array.from({ length: n }, (_, i) => (i % 3 === 2 ? 1e-6 : 1));
    const r = fit({ data, n, d: 1, weights }, { k: 3, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'k-means++', seed: 5, starts: 1, maxIterations: 100, tolerance: 1e-4 });
    // The rows at 200 weigh 0.02 in all: no center goes there (unweighted seeding would put one there almost
    // surely, their squared distances being the largest); splitting a heavy cluster lowers the cost far more.
    const centers = Array.from(r.centers).sort((a, b) => a - b);
    expect(centers.every((c) => c < 150)).toBe(true);
    // Both heavy clusters have a center (which of them gets split in two is the seed's choice).
    expect(centers.some((c) => Math.abs(c - 0.5) < 1)).toBe(true);
    expect(centers.some((c) => Math.abs(c - 100.5) < 1)).toBe(true);
    let covered = 0;
    for (let i = 0; i < n; i++) covered += (weights[i] as number) * Math.min(...[0.5, 100.5, 200.5].map((c) => ((data[i] as number) - c) ** 2));
    expect(r.cost).toBeLessThan(covered);
  });

  it('refuses weights for k-medians and k-medoids, and weights that are not positive', () => {
    const points: Points = { data: Float64Array.from([0, 1, 10, 11]), n: 4, d: 1, weights: Float64Array.from([1, 1, 1, 1]) };
    const base = { k: 2, distance: 'manhattan' as const, centerChoice: 'k-means++' as const, seed: 1, starts: 1, maxIterations: 10, tolerance: 0 };
    expect(() => fit(points, { ...base, algorithm: 'k-medians' })).toThrow(ClusteringError);
    expect(() => fit(points, { ...base, algorithm: 'k-medoids' })).toThrow(/weighted rows are clustered by k-means only/);
    const bad = { ...points, weights: Float64Array.from([1, 0, 1, 1]) };
    expect(() => fit(bad, { ...base, distance: 'euclidean', algorithm: 'k-means' })).toThrow(/point 1 has weight 0/);
  });
});
