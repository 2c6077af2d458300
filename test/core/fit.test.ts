import { describe, expect, it } from 'vitest';
import { fit } from '../../src/core/fit';
import { blobs, clusterMeans, options, paperRows, toPoints, uniform } from './fixtures';
import type { Algorithm } from '../../src/core/types';

const algorithms: Algorithm[] = ['k-means', 'k-means++', 'k-medians', 'k-medoids'];

describe('fit edge cases', () => {
  it('re-seeds an empty cluster with the farthest point', () => {
    const points = toPoints([[0], [1], [2], [10], [11], [12]]);
    const centers = Float64Array.from([1, 11, 1000]);
    const result = fit(points, options({ k: 3, centerChoice: 'manual', centers }));
    expect(Array.from(result.sizes).every((s) => s > 0)).toBe(true);
    expect(result.centers.every(Number.isFinite)).toBe(true);
    expect(result.cost).toBeLessThan(4);
  });

  it('re-seeds empty clusters for k-medians too', () => {
    const points = toPoints([[0], [1], [2], [10], [11], [12]]);
    const centers = Float64Array.from([1, 11, 1000]);
    const result = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'manhattan', centerChoice: 'manual', centers }));
    expect(Array.from(result.sizes).every((s) => s > 0)).toBe(true);
  });

  it('clusters data with duplicate points', () => {
    const rows = [[1, 1], [1, 1], [1, 1], [5, 5], [5, 5], [9, 0], [9, 0], [9, 0], [9, 0]];
    for (const algorithm of algorithms) {
      const result = fit(toPoints(rows), options({ k: 3, algorithm, starts: 3 }));
      expect(result.cost).toBe(0);
      expect(Array.from(result.sizes).sort()).toEqual([2, 3, 4]);
    }
  });

  it('throws, naming k and the distinct count, when there are fewer distinct points than k', () => {
    const rows = [[1, 1], [1, 1], [5, 5], [9, 0], [9, 0]];
    for (const algorithm of algorithms) {
      for (const centerChoice of ['random', 'k-means++'] as const) {
        expect(() => fit(toPoints(rows), options({ k: 4, algorithm, centerChoice }))).toThrow(
          'k = 4 is more than the 3 distinct points in the data; lower k to at most 3',
        );
      }
    }
  });

  it('puts the single center of k = 1 at the mean', () => {
    const points = toPoints(paperRows);
    const result = fit(points, options({ k: 1 }));
    const mean = clusterMeans(points, new Int32Array(15), 1);
    for (let j = 0; j < 3; j++) expect(result.centers[j]).toBeCloseTo(mean[j] as number, 12);
    expect(Array.from(result.sizes)).toEqual([15]);
  });

  it('works in one dimension', () => {
    const points = toPoints([[0], [0.5], [1], [20], [21], [22]]);
    const result = fit(points, options({ k: 2, centerChoice: 'k-means++' }));
    expect(Array.from(result.centers).sort((a, b) => a - b)).toEqual([0.5, 21]);
    expect(result.cost).toBeCloseTo(0.5 + 2, 12);
  });

  it('works in 100 dimensions', () => {
    const points = blobs(300, 100, 4, 3, 10);
    for (const algorithm of algorithms) {
      const result = fit(points, options({ k: 4, algorithm, centerChoice: 'k-means++', starts: 2 }));
      expect(result.centers.length).toBe(400);
      expect(Array.from(result.sizes).sort()).toEqual([75, 75, 75, 75]);
    }
  });

  it('gives every point its own cluster and zero cost when n = k', () => {
    const points = toPoints(paperRows.slice(0, 5));
    for (const algorithm of algorithms) {
      const result = fit(points, options({ k: 5, algorithm }));
      expect(result.cost).toBe(0);
      expect(Array.from(result.sizes)).toEqual([1, 1, 1, 1, 1]);
    }
  });

  it('runs k-medians for k-means with manhattan distance and says so', () => {
    const points = blobs(200, 3, 3, 5);
    const asMeans = fit(points, options({ k: 3, algorithm: 'k-means', distance: 'manhattan' }));
    const asMedians = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'manhattan' }));
    expect(asMeans.algorithmUsed).toBe('k-medians');
    expect(asMeans.centers).toEqual(asMedians.centers);
    expect(fit(points, options({ k: 3 })).algorithmUsed).toBe('k-means');
  });

  it('keeps the cheapest of several starts', () => {
    const points = uniform(300, 2, 8);
    const one = fit(points, options({ k: 8, seed: 3 }));
    const many = fit(points, options({ k: 8, seed: 3, starts: 10 }));
    expect(many.cost).toBeLessThanOrEqual(one.cost);
    expect(many.centers.every(Number.isFinite)).toBe(true);
  });

  it('gives different starts for different seeds, including seeds beyond 32 bits', () => {
    const points = uniform(200, 2, 9);
    const a = fit(points, options({ k: 5, seed: 0, maxIterations: 0 }));
    const b = fit(points, options({ k: 5, seed: 2 ** 40, maxIterations: 0 }));
    const c = fit(points, options({ k: 5, seed: 2 ** 40, maxIterations: 0 }));
    expect(b.centers).not.toEqual(a.centers);
    expect(c.centers).toEqual(b.centers);
  });

  it('stops at maxIterations and reports not converged', () => {
    const points = blobs(500, 2, 6, 4, 5);
    const result = fit(points, options({ k: 6, maxIterations: 1 }));
    expect(result.iterations).toBe(1);
    expect(result.converged).toBe(false);
  });

  it('keeps manual centers when maxIterations is 0', () => {
    const centers = Float64Array.from([5, 5, 5, 15, 5, 5, 5, 15, 5]);
    const result = fit(toPoints(paperRows), options({ k: 3, centerChoice: 'manual', centers, maxIterations: 0 }));
    expect(result.centers).toEqual(centers);
    expect(result.iterations).toBe(0);
  });
});

describe('fit rejects bad input with the value and the limit', () => {
  const points = toPoints(paperRows);
  const cases: [string, () => unknown, string][] = [
    ['k = 0', () => fit(points, options({ k: 0 })), 'k is 0, expected an integer from 1 to 15 (the number of points)'],
    ['k > n', () => fit(points, options({ k: 16 })), 'k is 16, expected an integer from 1 to 15 (the number of points)'],
    ['k not an integer', () => fit(points, options({ k: 2.5 })), 'k is 2.5, expected an integer from 1 to 15'],
    ['starts = 0', () => fit(points, options({ k: 2, starts: 0 })), 'starts is 0, expected an integer of at least 1'],
    ['maxIterations < 0', () => fit(points, options({ k: 2, maxIterations: -1 })), 'maxIterations is -1, expected an integer of at least 0'],
    ['negative tolerance', () => fit(points, options({ k: 2, tolerance: -1 })), 'tolerance is -1, expected a finite number >= 0'],
    ['NaN seed', () => fit(points, options({ k: 2, seed: NaN })), 'seed is NaN, expected a finite number'],
    ['no points', () => fit({ data: new Float64Array(0), n: 0, d: 3 }, options({ k: 1 })), 'n is 0, expected an integer of at least 1'],
    ['wrong data length', () => fit({ data: new Float64Array(5), n: 2, d: 3 }, options({ k: 1 })), 'points hold 5 numbers, expected n * d = 2 * 3 = 6'],
    ['NaN in data', () => fit({ data: Float64Array.from([1, NaN]), n: 2, d: 1 }, options({ k: 1 })), 'point 1 dimension 0 is NaN, expected a finite number'],
    ['missing manual centers', () => fit(points, options({ k: 2, centerChoice: 'manual' })), 'centers are required when centerChoice is manual'],
    ['short manual centers', () => fit(points, options({ k: 2, centerChoice: 'manual', centers: new Float64Array(5) })), 'centers has 5 numbers, expected k * d = 2 * 3 = 6'],
    ['infinite manual center', () => fit(points, options({ k: 2, centerChoice: 'manual', centers: Float64Array.from([0, 0, 0, 0, Infinity, 0]) })), 'center 1 dimension 1 is Infinity, expected a finite number'],
  ];
  for (const [name, run, message] of cases) {
    it(`rejects ${name}`, () => expect(run).toThrow(message));
  }
});
