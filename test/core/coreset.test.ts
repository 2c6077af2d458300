// The lightweight coreset large k-means fits start on: weighted rows whose cost estimates the whole data's, far rows kept.

import { describe, expect, it } from 'vitest';
import { assignAll } from '../../src/core/assign';
import { CORESET_POOL, coresetRows } from '../../src/core/coreset';
import { fit, kmeansSampleSize } from '../../src/core/fit';
import { createRandom } from '../../src/core/random';
import type { Points } from '../../src/core/types';

/** n rows of d heavy-tailed (log-normal-like) features: most rows near the origin, a long tail of far ones. */
function heavyTailed(n: number, d: number, seed: number): Points {
  const rng = createRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = Math.exp(3 * (rng.next() + rng.next() + rng.next() - 1.5));
  return { data, n, d };
}

/** Sum of (weighted) squared distances from each row to its nearest center. */
function costOn(points: Points, centers: Float64Array, k: number): number {
  const { dist } = assignAll(points, centers, k, 'euclidean');
  let total = 0;
  for (let i = 0; i < points.n; i++) total += (points.weights ? (points.weights[i] as number) : 1) * (dist[i] as number) ** 2;
  return total;
}

describe('coresetRows', () => {
  const points = heavyTailed(60_000, 3, 7);

  it('draws the same rows and weights for the same seed, distinct rows copied exactly', () => {
    const a = coresetRows(points, 5000, createRandom(1));
    const b = coresetRows(points, 5000, createRandom(1));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.weights ?? [])).toEqual(Array.from(b.weights ?? []));
    const c = coresetRows(points, 5000, createRandom(2));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
    expect(a.n).toBeLessThanOrEqual(5000);
    expect(a.weights?.length).toBe(a.n);
    // Every sample row is a row of the data, each once (drawn from the whole data, and from a pool of it).
    const rows = new Map<string, number>();
    for (let i = 0; i < points.n; i++) rows.set(Array.from(points.data.subarray(i * 3, i * 3 + 3)).join(','), i);
    for (const sample of [a, coresetRows(points, 20_000, createRandom(1))]) {
      const seen = new Set<number>();
      for (let o = 0; o < sample.n; o++) {
        const at = rows.get(Array.from(sample.data.subarray(o * 3, o * 3 + 3)).join(','));
        expect(at).toBeDefined();
        seen.add(at as number);
      }
      expect(seen.size).toBe(sample.n);
    }
  });

  it("weighs the rows to the data's total, and estimates the cost of any centers within a few percent", () => {
    const sample = coresetRows(points, 8000, createRandom(3));
    const w = Array.from(sample.weights ?? []).reduce((s, v) => s + v, 0);
    expect(Math.abs(w / points.n - 1)).toBeLessThan(0.05);
    const rng = createRandom(9);
    for (let trial = 0; trial < 5; trial++) {
      const k = 2 + trial;
      // Centers anywhere in the data's range, far rows included.
      const centers = Float64Array.from({ length: k * 3 }, () => Math.exp(3 * (rng.next() * 3 - 1.5)));
      const full = costOn(points, centers, k);
      expect(Math.abs(costOn(sample, centers, k) / full - 1)).toBeLessThan(0.1);
    }
  });

  it('keeps the far rows a uniform sample of the same size misses', () => {
    // 50,000 rows in a unit blob and 20 rows a thousand away.
    const n = 50_000;
    const rng = createRandom(5);
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const far = i % 2500 === 0;
      data[i * 2] = (far ? 1000 : 0) + rng.next();
      data[i * 2 + 1] = rng.next();
    }
    const sample = coresetRows({ data, n, d: 2 }, 7000, createRandom(6));
    let kept = 0;
    for (let o = 0; o < sample.n; o++) if ((sample.data[o * 2] as number) > 500) kept++;
    // A uniform sample of 7,000 of 50,000 rows holds 2.8 of them on average.
    expect(kept).toBeGreaterThanOrEqual(15);
    // Their weights are small: the far rows count as the 20 rows they are, not as the half of the draws they got.
    let farWeight = 0;
    for (let o = 0; o < sample.n; o++) if ((sample.data[o * 2] as number) > 500) farWeight += sample.weights?.[o] as number;
    expect(farWeight).toBeGreaterThan(5);
    expect(farWeight).toBeLessThan(60);
  });

  it('draws from a uniform pool of CORESET_POOL x m rows when the data has more than twice as many, weighted back to the whole', () => {
    const m = 2000;
    expect(points.n).toBeGreaterThan(2 * CORESET_POOL * m);
    const sample = coresetRows(points, m, createRandom(8));
    expect(sample.n).toBeLessThanOrEqual(m);
    const w = Array.from(sample.weights ?? []).reduce((s, v) => s + v, 0);
    expect(Math.abs(w / points.n - 1)).toBeLessThan(0.05);
    const centers = Float64Array.from([0.5, 0.5, 0.5, 3, 3, 3, 20, 20, 20]);
    expect(Math.abs(costOn(sample, centers, 3) / costOn(points, centers, 3) - 1)).toBeLessThan(0.15);
  });

  it('weighs weighted rows by their weights (half_life windows)', () => {
    const n = 40_000;
    const weights = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 3 : 1));
    const sample = coresetRows({ ...points, data: points.data.subarray(0, n * 3), n, weights }, 4000, createRandom(4));
    const total = Array.from(sample.weights ?? []).reduce((s, v) => s + v, 0);
    expect(Math.abs(total / (2 * n) - 1)).toBeLessThan(0.05);
  });

  it('is what a large k-means++ fit starts on: the fit finishes on every row to labels and cost of the whole data', () => {
    const k = 4;
    expect(points.n).toBeGreaterThan(2 * kmeansSampleSize(k));
    const phases: string[] = [];
    const r = fit(points, { k, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'k-means++', seed: 42, starts: 1, maxIterations: 300, tolerance: 1e-4, trace: (p, v) => phases.push(`${p}:${v}`) });
    const sampled = phases.find((p) => p.startsWith('sampled:'));
    expect(Number(sampled?.slice(8))).toBeGreaterThan(kmeansSampleSize(k) / 2);
    expect(Number(sampled?.slice(8))).toBeLessThanOrEqual(kmeansSampleSize(k));
    expect(r.labels.length).toBe(points.n);
    expect(r.cost).toBeCloseTo(costOn(points, r.centers, k), 3);
  });
});
