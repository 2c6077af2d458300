import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fit } from '../../src/core/fit';
import { kmedians, median, quickselect } from '../../src/core/kmedians';
import { manhattan } from '../../src/core/distance';
import { blobs, options, paperRows, toPoints } from './fixtures';

describe('median and quickselect', () => {
  it('agree with sorting on arbitrary arrays', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 }), fc.nat(), (values, at) => {
        const sorted = [...values].sort((a, b) => a - b);
        const kth = at % values.length;
        expect(quickselect(Float64Array.from(values), values.length, kth)).toBe(sorted[kth]);
        const m = values.length;
        const expected = m % 2 ? (sorted[m >> 1] as number) : ((sorted[m / 2 - 1] as number) + (sorted[m / 2] as number)) / 2;
        expect(median(Float64Array.from(values), m)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('handles sorted, reversed and constant input', () => {
    const up = Float64Array.from({ length: 1001 }, (_, i) => i);
    expect(median(up, 1001)).toBe(500);
    const down = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(median(down, 1000)).toBe(500.5);
    expect(median(new Float64Array(999).fill(3), 999)).toBe(3);
  });
});

describe('k-medians', () => {
  it('never raises the manhattan cost from one iteration to the next', () => {
    for (let seed = 0; seed < 10; seed++) {
      const points = blobs(200, 3, 4, seed, 6);
      const start = fit(points, options({ k: 4, seed, maxIterations: 0, algorithm: 'k-medians', distance: 'manhattan' })).centers;
      let previous = Infinity;
      for (let m = 0; m <= 10; m++) {
        const run = kmedians(points, start, 4, 'manhattan', { maxIterations: m, tolerance: 0 });
        expect(run.cost).toBeLessThanOrEqual(previous + 1e-9);
        previous = run.cost;
      }
    }
  });

  it('ends with each center the coordinate-wise median of its cluster', () => {
    const points = toPoints(paperRows);
    const result = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'manhattan', starts: 5 }));
    expect(result.converged).toBe(true);
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < 3; j++) {
        const column = paperRows.filter((_, i) => result.labels[i] === c).map((r) => r[j] as number);
        expect(result.centers[c * 3 + j]).toBe(median(Float64Array.from(column), column.length));
      }
    }
  });

  it('reports the sum of manhattan distances as its cost', () => {
    const points = toPoints(paperRows);
    const result = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'manhattan' }));
    let cost = 0;
    for (let i = 0; i < 15; i++) cost += manhattan(points.data, i * 3, result.centers, (result.labels[i] as number) * 3, 3);
    expect(result.cost).toBeCloseTo(cost, 9);
  });

  it('also runs with euclidean distance, keeping the best centers seen', () => {
    const points = blobs(300, 2, 3, 9, 10);
    const result = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'euclidean', starts: 3 }));
    const start = fit(points, options({ k: 3, algorithm: 'k-medians', distance: 'euclidean', starts: 3, maxIterations: 0 }));
    expect(result.algorithmUsed).toBe('k-medians');
    expect(result.cost).toBeLessThanOrEqual(start.cost);
  });
});
