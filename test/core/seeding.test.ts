import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/core/random';
import { countDistinct, gatherRows, plusPlusStart, randomStart, validateCenters } from '../../src/core/seeding';
import { blobs, toPoints } from './fixtures';

/** Number of distinct rows among the given centers. */
function distinctCenters(centers: Float64Array, d: number): number {
  return new Set(Array.from({ length: centers.length / d }, (_, c) => centers.subarray(c * d, (c + 1) * d).join(','))).size;
}

describe('seeding', () => {
  const dupes = toPoints([[1, 1], [1, 1], [1, 1], [1, 1], [2, 2], [2, 2], [3, 3], [1, 1]]);

  it('counts distinct rows up to a limit', () => {
    expect(countDistinct(dupes, 10)).toBe(3);
    expect(countDistinct(dupes, 2)).toBe(2);
  });

  it('picks k random rows with distinct coordinates even among duplicates', () => {
    for (let seed = 0; seed < 50; seed++) {
      const rows = randomStart(dupes, 3, createRandom(seed));
      expect(distinctCenters(gatherRows(dupes, rows), 2)).toBe(3);
    }
  });

  it('picks k distinct rows with k-means++, with and without a sample', () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(distinctCenters(gatherRows(dupes, plusPlusStart(dupes, 3, createRandom(seed), 'euclidean', true)), 2)).toBe(3);
      // A 3-row sample of mostly duplicates forces the fallback to the whole data set.
      expect(distinctCenters(gatherRows(dupes, plusPlusStart(dupes, 3, createRandom(seed), 'manhattan', false, 3)), 2)).toBe(3);
    }
  });

  it('spreads k-means++ starts over separated blobs', () => {
    const points = blobs(2000, 2, 5, 11, 200);
    let hits = 0;
    for (let seed = 0; seed < 20; seed++) {
      const centers = gatherRows(points, plusPlusStart(points, 5, createRandom(seed), 'euclidean', true, 500));
      const blobsHit = new Set<number>();
      for (let c = 0; c < 5; c++) {
        // Blob b holds rows b, b + 5, ...; find the blob of each chosen center by its nearest row pattern.
        const row = Array.from({ length: points.n }, (_, i) => i).find(
          (i) => points.data[i * 2] === centers[c * 2] && points.data[i * 2 + 1] === centers[c * 2 + 1],
        );
        blobsHit.add((row as number) % 5);
      }
      if (blobsHit.size === 5) hits++;
    }
    expect(hits).toBeGreaterThanOrEqual(18);
  });

  it('validates manual centers and copies them', () => {
    const given = Float64Array.from([1, 2, 3, 4]);
    const copy = validateCenters(given, 2, 2);
    expect(copy).toEqual(given);
    expect(copy).not.toBe(given);
    expect(() => validateCenters(given, 3, 2)).toThrow('centers has 4 numbers, expected k * d = 3 * 2 = 6');
    expect(() => validateCenters(Float64Array.from([1, NaN]), 1, 2)).toThrow('center 0 dimension 1 is NaN, expected a finite number');
  });
});
