// Normalized distances and thresholds, checked by hand.

import { describe, expect, it } from 'vitest';
import { contaminationThreshold, normalizedDistance, rmsRadii } from '../../src/core/anomaly';

describe('anomalies by normalized distance', () => {
  it('takes each cluster RMS radius of its rows distances, weighted when rows carry weights', () => {
    const r = rmsRadii([3, 4, 1, 0], [0, 0, 1, 1], 3);
    expect(Array.from(r)).toEqual([Math.sqrt(12.5), Math.sqrt(0.5), 0]);
    expect(rmsRadii([3, 4], [0, 0], 1, [3, 1])[0]).toBeCloseTo(Math.sqrt((3 * 9 + 16) / 4), 12);
  });

  it('normalizes by the radius, and treats a cluster of radius 0 as a point', () => {
    expect(normalizedDistance(6, 2)).toBe(3);
    expect(normalizedDistance(0, 0)).toBe(0);
    expect(normalizedDistance(1e-9, 0)).toBe(Infinity);
  });

  it('sets the threshold so that the contamination share of rows lies above it, within one row', () => {
    const nd = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    for (const share of [0.001, 0.01, 0.05, 0.1, 0.5]) {
      const t = contaminationThreshold(nd, share);
      expect(Math.abs(nd.filter((x) => x > t).length - share * 1000)).toBeLessThanOrEqual(1);
    }
    expect(contaminationThreshold([1, 2, Infinity], 0.34)).toBe(2);
    expect(contaminationThreshold([], 0.1)).toBe(Infinity);
  });
});
