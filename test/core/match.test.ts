import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { squaredEuclidean } from '../../src/core/distance';
import { fit } from '../../src/core/fit';
import { matchCenters, matchLabels, permute } from '../../src/core/match';
import { createRandom } from '../../src/core/random';
import { options, paperRows, toPoints } from './fixtures';

/** Total squared distance when new center j takes number perm[j]. */
function matchCost(previous: Float64Array, next: Float64Array, perm: ArrayLike<number>, k: number, d: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += squaredEuclidean(next, j * d, previous, (perm[j] as number) * d, d);
  return s;
}

/** Lowest matching cost over every permutation (brute force). */
function bestCost(previous: Float64Array, next: Float64Array, k: number, d: number): number {
  let best = Infinity;
  const perm = Array.from({ length: k }, (_, i) => i);
  const walk = (at: number): void => {
    if (at === k) {
      best = Math.min(best, matchCost(previous, next, perm, k, d));
      return;
    }
    for (let i = at; i < k; i++) {
      [perm[at], perm[i]] = [perm[i] as number, perm[at] as number];
      walk(at + 1);
      [perm[at], perm[i]] = [perm[i] as number, perm[at] as number];
    }
  };
  walk(0);
  return best;
}

describe('matchCenters', () => {
  it('matches a permuted set of centers back to the identity', () => {
    const rng = createRandom(5);
    for (const k of [2, 3, 8, 12, 30]) {
      const d = 3;
      const previous = Float64Array.from({ length: k * d }, () => rng.next() * 100);
      const order = Array.from({ length: k }, (_, i) => i).sort(() => rng.next() - 0.5);
      const next = new Float64Array(k * d);
      order.forEach((from, to) => next.set(previous.subarray(from * d, from * d + d), to * d));
      const perm = matchCenters(previous, next, k, d);
      expect(Array.from(perm)).toEqual(order);
      const result = { k, d, centers: next, labels: Int32Array.from([0, k - 1]), cost: 0, iterations: 0, converged: true, sizes: new Int32Array(k) };
      expect(permute(result, perm).centers).toEqual(previous);
    }
  });

  it('finds the cheapest matching, as brute force does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (k, d, seed) => {
        const rng = createRandom(seed);
        const previous = Float64Array.from({ length: k * d }, () => rng.int(5));
        const next = Float64Array.from({ length: k * d }, () => rng.int(5));
        const perm = matchCenters(previous, next, k, d);
        expect(new Set(perm).size).toBe(k);
        expect(matchCost(previous, next, perm, k, d)).toBeCloseTo(bestCost(previous, next, k, d), 9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('permute', () => {
  it('renumbers centers, labels, sizes and medoids together', () => {
    const points = toPoints(paperRows);
    const result = fit(points, options({ k: 3, algorithm: 'k-medoids' }));
    const perm = Int32Array.from([2, 0, 1]);
    const moved = permute(result, perm);
    for (let i = 0; i < 15; i++) expect(moved.labels[i]).toBe(perm[result.labels[i] as number]);
    for (let j = 0; j < 3; j++) {
      const p = perm[j] as number;
      expect(moved.sizes[p]).toBe(result.sizes[j]);
      expect(moved.medoids?.[p]).toBe(result.medoids?.[j]);
      expect(Array.from(moved.centers.subarray(p * 3, p * 3 + 3))).toEqual(Array.from(result.centers.subarray(j * 3, j * 3 + 3)));
    }
    expect(moved.cost).toBe(result.cost);
  });

  it('rejects something that is not a permutation', () => {
    const result = fit(toPoints(paperRows), options({ k: 3 }));
    expect(() => permute(result, Int32Array.from([0, 0, 1]))).toThrow('permutation entry 1 is 0, expected each of 0 to 2 once');
    expect(() => permute(result, Int32Array.from([0, 1]))).toThrow('permutation has 2 entries, expected k = 3');
  });
});

describe('matchLabels', () => {
  it('keeps the numbering that most rows already hold', () => {
    // New cluster 0 mostly held 2, 1 held 0, 2 held 1.
    const agreement = Float64Array.from([1, 0, 40, 30, 2, 0, 0, 25, 3]);
    expect(Array.from(matchLabels(agreement, 3))).toEqual([2, 0, 1]);
  });

  it('is the identity when no row holds a number yet', () => {
    expect(Array.from(matchLabels(new Float64Array(16), 4))).toEqual([0, 1, 2, 3]);
  });

  it('maximises the total kept even when one cluster would prefer a taken number', () => {
    // Greedy would give 0 -> 0 (50) and leave 1 -> 1 (0): 50 kept; the best is 0 -> 1, 1 -> 0: 45 + 40 = 85.
    const agreement = Float64Array.from([50, 45, 40, 0]);
    expect(Array.from(matchLabels(agreement, 2))).toEqual([1, 0]);
  });
});
