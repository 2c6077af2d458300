// The compiled per-row labeler gives exactly the labels of the generic nearest() it replaces.

import { expect, it } from 'vitest';
import { nearest } from '../../src/core/assign';
import { createRandom } from '../../src/core/random';
import { standardize } from '../../src/core/standardize';
import { compileLabeler } from '../../src/db/labeler';

for (const distance of ['euclidean', 'manhattan'] as const) {
  for (const [k, d, scaled] of [[3, 3, false], [1, 1, false], [7, 5, true], [4, 40, false]] as const) {
    it(`labels like nearest(): ${distance}, k = ${k}, d = ${d}${scaled ? ', z-scored' : ''}`, () => {
      const rng = createRandom(k * 100 + d);
      const centers = Float64Array.from({ length: k * d }, () => Math.round(rng.next() * 20) / 4);
      const scaler = scaled ? { means: Float64Array.from({ length: d }, () => rng.next() * 100), scales: Float64Array.from({ length: d }, () => 0.5 + rng.next() * 10) } : null;
      const columns = Array.from({ length: d }, (_, j) => `col "${j}"`);
      const label = compileLabeler({ columns, centers, k, d, distance, scaler });
      for (let i = 0; i < 500; i++) {
        // Grid values make exact ties between centers common: both must pick the lowest number.
        const raw = Array.from({ length: d }, () => Math.round(rng.next() * 24) / 4 + (scaler ? 50 : 0));
        const row = Object.fromEntries(columns.map((c, j) => [c, raw[j]]));
        const x = scaler ? standardize(raw, scaler) : raw;
        expect(label(row)).toBe(nearest(x, 0, centers, k, d, distance));
      }
    });
  }
}

it('returns -1 for NULL, NaN and infinite values, and reads numeric text and bigint', () => {
  const label = compileLabeler({ columns: ['a', 'b'], centers: Float64Array.from([0, 0, 10, 10]), k: 2, d: 2, distance: 'euclidean', scaler: null });
  for (const bad of [null, undefined, NaN, Infinity, -Infinity, 'x']) expect(label({ a: bad, b: 1 })).toBe(-1);
  expect(label({ a: '9.5', b: BigInt(9) })).toBe(1);
  expect(label({ a: 1, b: 2 })).toBe(0);
});
