import { describe, expect, it } from 'vitest';
import { onlineUpdate } from '../../src/core/online';

describe('onlineUpdate', () => {
  it('keeps each center the running mean of its points when decay is 1', () => {
    const centers = Float64Array.from([0, 0, 100, 100]);
    const counts = new Float64Array(2);
    const stream = [[1, 2], [99, 98], [3, 4], [5, 0], [101, 104]];
    const labels = stream.map((x) => onlineUpdate(centers, counts, x, 'euclidean', 1));
    expect(labels).toEqual([0, 1, 0, 0, 1]);
    expect(Array.from(centers)).toEqual([3, 2, 100, 101]);
    expect(Array.from(counts)).toEqual([3, 2]);
  });

  it('weights recent points more when decay is below 1', () => {
    const centers = Float64Array.from([0]);
    const counts = Float64Array.from([1]);
    onlineUpdate(centers, counts, [10], 'manhattan', 0.5);
    // Count 1 decays to 0.5, the new point adds 1: the center moves 1 / 1.5 of the way.
    expect(counts[0]).toBe(1.5);
    expect(centers[0]).toBeCloseTo(10 / 1.5, 12);
  });

  it('rejects a decay outside (0, 1], a point of the wrong size and a non-finite point', () => {
    const centers = Float64Array.from([0, 0]);
    const counts = new Float64Array(1);
    expect(() => onlineUpdate(centers, counts, [1, 1], 'euclidean', 0)).toThrow('decay is 0, expected a number in (0, 1]');
    expect(() => onlineUpdate(centers, counts, [1, 1], 'euclidean', 1.5)).toThrow('decay is 1.5, expected a number in (0, 1]');
    expect(() => onlineUpdate(centers, counts, [1], 'euclidean', 1)).toThrow('centers hold 2 numbers, expected k * d = 1 * 1 = 1');
    expect(() => onlineUpdate(centers, counts, [1, NaN], 'euclidean', 1)).toThrow('dimension 1 of the point is NaN, expected a finite number');
  });
});
