import { describe, expect, it } from 'vitest';
import { assignAll, nearest } from '../../src/core/assign';
import { costOf, distance, manhattan, squaredEuclidean } from '../../src/core/distance';
import { toPoints } from './fixtures';

describe('distance', () => {
  const a = Float64Array.from([9, 9, 1, 2, 3]);
  const b = Float64Array.from([4, 6, 8]);

  it('measures rows at offsets of flat arrays', () => {
    expect(squaredEuclidean(a, 2, b, 0, 3)).toBe(9 + 16 + 25);
    expect(manhattan(a, 2, b, 0, 3)).toBe(3 + 4 + 5);
    expect(distance('euclidean', a, 2, b, 0, 3)).toBeCloseTo(Math.sqrt(50), 12);
    expect(distance('manhattan', a, 2, b, 0, 3)).toBe(12);
  });

  it('squares the distance for the k-means cost only', () => {
    expect(costOf('euclidean', 'k-means', 3)).toBe(9);
    expect(costOf('euclidean', 'k-means++', 3)).toBe(9);
    expect(costOf('manhattan', 'k-means', 3)).toBe(3);
    expect(costOf('euclidean', 'k-medoids', 3)).toBe(3);
    expect(costOf('euclidean', 'k-medians', 3)).toBe(3);
  });
});

describe('nearest', () => {
  const centers = Float64Array.from([0, 0, 10, 0, 0, 10]);

  it('finds the nearest center of a row at an offset', () => {
    expect(nearest([99, 9, 1], 1, centers, 3, 2, 'euclidean')).toBe(1);
    expect(nearest([1, 8], 0, centers, 3, 2, 'manhattan')).toBe(2);
  });

  it('gives ties to the lowest index', () => {
    expect(nearest([5, 0], 0, centers, 3, 2, 'euclidean')).toBe(0);
    expect(nearest([5, 5], 0, centers, 3, 2, 'manhattan')).toBe(0);
    expect(nearest([10, 10], 0, centers, 3, 2, 'euclidean')).toBe(1);
  });

  it('labels all points with their distances, not squared', () => {
    const { labels, dist } = assignAll(toPoints([[0, 1], [9, 0], [3, 4]]), centers, 3, 'euclidean');
    expect(Array.from(labels)).toEqual([0, 1, 0]);
    expect(Array.from(dist)).toEqual([1, 1, 5]);
  });
});
