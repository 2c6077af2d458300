import { describe, expect, it } from 'vitest';
import { fitScaler, standardize, unstandardize } from '../../src/core/standardize';
import { toPoints } from './fixtures';

describe('standardize', () => {
  const points = toPoints([[1, 5, 0.1], [3, 5, 0.1], [5, 5, 0.1], [7, 5, 0.1]]);

  it('learns means and population standard deviations, with 1 for a constant column', () => {
    const scaler = fitScaler(points);
    expect(Array.from(scaler.means)).toEqual([4, 5, 0.1]);
    // Deviations -3, -1, 1, 3: population variance 20 / 4 = 5.
    expect(scaler.scales[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(scaler.scales[1]).toBe(1);
    expect(scaler.scales[2]).toBe(1);
  });

  it('maps to z-scores and back', () => {
    const scaler = fitScaler(points);
    const z = standardize(points.data, scaler);
    expect(z[0]).toBeCloseTo(-3 / Math.sqrt(5), 12);
    expect(z[1]).toBe(0);
    const back = unstandardize(z, scaler);
    for (let i = 0; i < back.length; i++) expect(back[i]).toBeCloseTo(points.data[i] as number, 12);
  });

  it('rejects data that is not whole rows', () => {
    const scaler = fitScaler(points);
    expect(() => standardize([1, 2], scaler)).toThrow('data holds 2 numbers, expected a multiple of d = 3');
  });
});
