// The compiled per-row labeler gives exactly the labels of the generic nearest() it replaces.

import { expect, it } from 'vitest';
import { nearest } from '../../src/core/assign';
import { createRandom } from '../../src/core/random';
import { standardize } from '../../src/core/standardize';
import { onlineUpdate } from '../../src/core/online';
import { compileLabeler, compileOnlineStep } from '../../src/db/labeler';

for (const distance of ['euclidean', 'manhattan'] as const) {
  for (const [k, d, scaled] of [[3, 3, false], [1, 1, false], [7, 5, true], [4, 40, false]] as const) {
    it(`labels like nearest(): ${distance}, k = ${k}, d = ${d}${scaled ? ', z-scored' : ''}`, () => {
      const rng = createRandom(k * 100 + d);
      const centers = Float64Array.from({ length: k * d }, () => Math.round(rng.next() * 20) / 4);
      const scaler = scaled ? { means: Float64Array.from({ length: d }, () => rng.next() * 100), scales: Float64Array.from({ length: d }, () => 0.5 + rng.next() * 10) } : null;
      const label = compileLabeler({ centers, k, d, distance, scaler });
      for (let i = 0; i < 500; i++) {
        // Grid values make exact ties between centers common: both must pick the lowest number.
        const raw = Array.from({ length: d }, () => Math.round(rng.next() * 24) / 4 + (scaler ? 50 : 0));
        const x = scaler ? standardize(raw, scaler) : raw;
        expect(label(raw)).toBe(nearest(x, 0, centers, k, d, distance));
      }
    });
  }
}

it('returns -1 for NULL, NaN and infinite values', () => {
  const label = compileLabeler({ centers: Float64Array.from([0, 0, 10, 10]), k: 2, d: 2, distance: 'euclidean', scaler: null });
  for (const bad of [null, NaN, Infinity, -Infinity]) {
    expect(label([bad, 1])).toBe(-1);
    expect(label([1, bad])).toBe(-1);
  }
  expect(label([9.5, 9])).toBe(1);
  expect(label([1, 2])).toBe(0);
});

for (const [distance, decay, scaled] of [['euclidean', 1, false], ['manhattan', 0.9, true], ['euclidean', 0.5, true]] as const) {
  it(`moves centers like onlineUpdate(): ${distance}, decay ${decay}${scaled ? ', z-scored' : ''}`, () => {
    const k = 4;
    const d = 3;
    const rng = createRandom(77);
    const scaler = scaled ? { means: Float64Array.from([1, 2, 3]), scales: Float64Array.from([2, 0.5, 4]) } : null;
    const ours = { centers: Float64Array.from({ length: k * d }, () => rng.next() * 10), counts: Float64Array.from([3, 1, 0, 7]) };
    const reference = { centers: Float64Array.from(ours.centers), counts: Float64Array.from(ours.counts) };
    const step = compileOnlineStep({ k, d, distance, scaler, decay });
    for (let i = 0; i < 300; i++) {
      const raw = [rng.next() * 12, rng.next() * 12, rng.next() * 12];
      const x = scaler ? standardize(raw, scaler) : raw;
      expect(step(raw, ours.centers, ours.counts)).toBe(onlineUpdate(reference.centers, reference.counts, x, distance, decay));
    }
    expect(Array.from(ours.centers)).toEqual(Array.from(reference.centers));
    expect(Array.from(ours.counts)).toEqual(Array.from(reference.counts));
  });
}
