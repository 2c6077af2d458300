import fc from 'fast-check';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { FILTER_MAX_D, FILTER_MIN_N, filtering } from '../../src/core/filtering';
import { hamerly } from '../../src/core/hamerly';
import { heavyTailed, kmeans, kmeansEngine, shiftThreshold, summarize } from '../../src/core/kmeans';
import { createRandom } from '../../src/core/random';
import { countDistinct, gatherRows, plusPlusStart } from '../../src/core/seeding';
import type { Points } from '../../src/core/types';
import { blobs, inertia, toRows, uniform } from './fixtures';

/** Data of 1 to 3 dimensions with small integer coordinates: duplicates and exact ties between centers abound. */
const gridData = fc
  .record({
    n: fc.integer({ min: 2, max: 300 }),
    d: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 6 }),
    range: fc.integer({ min: 1, max: 12 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ n, d, k, range, seed }) => {
    const rng = createRandom(seed);
    const data = new Float64Array(n * d);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(2 * range + 1) - range;
    return { points: { data, n, d } as Points, k: Math.min(k, n), seed };
  })
  .filter(({ points, k }) => countDistinct(points, k) >= k);

/** Labels nearest() gives every row for these centers (ties to the lowest index). */
function nearestLabels(points: Points, centers: Float64Array, k: number): number[] {
  return Array.from(assignAll(points, centers, k, 'euclidean').labels);
}

/** A k-means++ start. */
function start(points: Points, k: number, seed: number): Float64Array {
  return gatherRows(points, plusPlusStart(points, k, createRandom(seed), 'euclidean', true));
}

describe('the filtering engine', () => {
  it('runs the same iterations as hamerly() from the same start, to the same labels and centers', () => {
    fc.assert(
      fc.property(gridData, fc.constantFrom(0, 1, 2, 5, 100), ({ points, k, seed }, maxIterations) => {
        const initial = start(points, k, seed);
        const ours = filtering(points, initial, k, { maxIterations, tolerance: 0 });
        const theirs = hamerly(points, initial, k, { maxIterations, tolerance: 0 });
        expect(Array.from(ours.labels)).toEqual(nearestLabels(points, ours.centers, k));
        expect(Array.from(ours.labels)).toEqual(Array.from(theirs.labels));
        // Integer coordinates: every sum is exact, so both engines compute the very same means.
        expect(Array.from(ours.centers)).toEqual(Array.from(theirs.centers));
        expect(ours.iterations).toBe(theirs.iterations);
        expect(ours.converged).toBe(theirs.converged);
        expect(ours.cost).toBeCloseTo(theirs.cost, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('labels every row with its nearest center on real-valued data, far from the origin and with a flat dimension', () => {
    const cases: [string, Points, number][] = [
      ['uniform 20,000 x 3', uniform(20000, 3, 1), 5],
      ['blobs 30,000 x 2', blobs(30000, 2, 7, 2, 50), 7],
      ['blobs 10,000 x 1', blobs(10000, 1, 4, 3, 30), 4],
      ['far from the origin', shifted(blobs(20000, 3, 4, 4, 10), 1e9), 4],
      ['a flat dimension', flatten(uniform(20000, 3, 5), 1), 6],
    ];
    for (const [name, points, k] of cases) {
      const initial = start(points, k, 7);
      for (const maxIterations of [0, 3, 300]) {
        const ours = filtering(points, initial, k, { maxIterations, tolerance: 0 });
        const theirs = hamerly(points, initial, k, { maxIterations, tolerance: 0 });
        expect(nearestLabels(points, ours.centers, k), name).toEqual(Array.from(ours.labels));
        expect(ours.cost / inertia(points, ours.centers, ours.labels), name).toBeCloseTo(1, 12);
        // Sums added in another order may differ in their last bits; the iterations stay Lloyd's.
        for (let i = 0; i < k * points.d; i++) {
          const scale = Math.abs(theirs.centers[i] as number) + 1;
          expect(Math.abs((ours.centers[i] as number) - (theirs.centers[i] as number)) / scale, name).toBeLessThan(1e-12);
        }
        expect(Math.abs(ours.iterations - theirs.iterations), name).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reaches the centers and labels of ml-kmeans from the same starts', () => {
    for (const [n, d, k, seed] of [
      [6000, 2, 5, 1],
      [8000, 3, 4, 2],
      [5000, 1, 3, 3],
    ] as const) {
      const points = blobs(n, d, k, seed, 12);
      const initial = start(points, k, seed);
      const ours = filtering(points, initial, k, { maxIterations: 1000, tolerance: 0 });
      const theirs = mlKmeans(toRows(points), k, { initialization: toRows({ data: initial, n: k, d }), maxIterations: 1000, tolerance: 0 });
      const theirCenters = theirs.centroids.flat();
      for (let i = 0; i < k * d; i++) expect(Math.abs((ours.centers[i] as number) - (theirCenters[i] as number))).toBeLessThan(1e-9);
      expect(Array.from(ours.labels)).toEqual(theirs.clusters);
    }
  });

  it('hands an empty cluster to hamerly(), which re-seeds it as before', () => {
    const points = uniform(10000, 2, 11);
    // The third center lies far outside the data: nothing is nearest to it.
    const initial = Float64Array.from([0.2, 0.2, 0.8, 0.8, 50, 50]);
    const ours = filtering(points, initial, 3, { maxIterations: 100, tolerance: 0 });
    const theirs = hamerly(points, initial, 3, { maxIterations: 100, tolerance: 0 });
    expect(Array.from(ours.labels)).toEqual(Array.from(theirs.labels));
    expect(ours.iterations).toBe(theirs.iterations);
    const sizes = [0, 0, 0];
    for (const l of ours.labels) sizes[l] = (sizes[l] as number) + 1;
    for (const size of sizes) expect(size).toBeGreaterThan(0);
  });

  it('stops by the relative tolerance at the same iteration as hamerly()', () => {
    const points = uniform(20000, 3, 12);
    const initial = start(points, 8, 12);
    for (const tolerance of [1e-2, 1e-4]) {
      const ours = filtering(points, initial, 8, { maxIterations: 1000, tolerance });
      const theirs = hamerly(points, initial, 8, { maxIterations: 1000, tolerance });
      expect(ours.converged).toBe(true);
      expect(ours.iterations).toBe(theirs.iterations);
      expect(Array.from(ours.labels)).toEqual(Array.from(theirs.labels));
    }
  });

  it('is the engine kmeans() runs for many rows of few dimensions', () => {
    for (let d = 1; d <= FILTER_MAX_D; d++) {
      const least = FILTER_MIN_N[d] as number;
      expect(kmeansEngine(least, d)).toBe('filtering');
      expect(kmeansEngine(least - 1, d)).toBe('hamerly');
    }
    expect(kmeansEngine(1_000_000, FILTER_MAX_D + 1)).toBe('hamerly');
    const points = uniform(FILTER_MIN_N[2] as number, 2, 13);
    const initial = start(points, 4, 13);
    const viaKmeans = kmeans(points, initial, 4, { maxIterations: 50, tolerance: 0 });
    const direct = filtering(points, initial, 4, { maxIterations: 50, tolerance: 0 });
    expect(viaKmeans).toEqual(direct);
  });

  it("leaves heavy-tailed rows (a dimension spanning over FILTER_MAX_SPREAD deviations) to Hamerly's engine", () => {
    const n = 30_000;
    const rng = createRandom(17);
    // Pareto values (alpha 1.5, as order counts) in the first dimension: a long tail of rows far from the rest.
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[i * 2] = 1 / Math.pow(1 - rng.next(), 1 / 1.5);
      data[i * 2 + 1] = rng.next();
    }
    const tailed: Points = { data, n, d: 2 };
    expect(heavyTailed(summarize(tailed))).toBe(true);
    expect(kmeansEngine(n, 2, false, summarize(tailed))).toBe('hamerly');
    // Uniform and gaussian-like rows keep the grid.
    const flat = uniform(n, 2, 18);
    expect(heavyTailed(summarize(flat))).toBe(false);
    expect(kmeansEngine(n, 2, false, summarize(flat))).toBe('filtering');
    expect(heavyTailed(summarize(blobs(n, 3, 3, 19)))).toBe(false);
    // kmeans() decides from the rows themselves, and both engines give the same iterations, labels and centers.
    const initial = start(tailed, 5, 20);
    const viaKmeans = kmeans(tailed, initial, 5, { maxIterations: 100, tolerance: 1e-4 });
    expect(viaKmeans).toEqual(hamerly(tailed, initial, 5, { maxIterations: 100, tolerance: 1e-4 }, shiftThreshold(tailed, 1e-4)));
    const grid = filtering(tailed, initial, 5, { maxIterations: 100, tolerance: 1e-4 });
    expect(grid.iterations).toBe(viaKmeans.iterations);
    expect(Array.from(grid.labels)).toEqual(Array.from(viaKmeans.labels));
  });
});

/** The points moved by `by` in every dimension. */
function shifted(points: Points, by: number): Points {
  return { ...points, data: points.data.map((v) => v + by) };
}

/** The points with dimension j set to one value. */
function flatten(points: Points, j: number): Points {
  const data = Float64Array.from(points.data);
  for (let i = 0; i < points.n; i++) data[i * points.d + j] = 3.25;
  return { ...points, data };
}
