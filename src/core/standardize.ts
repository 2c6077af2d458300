// z-score scaling so that no dimension dominates the distance just by its unit.

import type { Points } from './types';

/** Per-dimension means and population standard deviations (a zero deviation is stored as 1). */
export interface Scaler {
  means: Float64Array;
  scales: Float64Array;
}

/** Learns the means and standard deviations of each dimension (two passes, for accuracy). */
export function fitScaler(points: Points): Scaler {
  const { data, n, d } = points;
  if (n < 1) throw new Error(`n is ${n}, expected at least 1 point to standardize`);
  const means = new Float64Array(d);
  const scales = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j] = (means[j] as number) + (data[i * d + j] as number);
  for (let j = 0; j < d; j++) means[j] = (means[j] as number) / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = (data[i * d + j] as number) - (means[j] as number);
      scales[j] = (scales[j] as number) + t * t;
    }
  }
  for (let j = 0; j < d; j++) scales[j] = scaleOf(scales[j] as number, n, means[j] as number);
  return { means, scales };
}

/** A dimension's scale from its sum of squared deviations over n rows and its mean (1 for a constant dimension). */
export function scaleOf(squares: number, n: number, mean: number): number {
  const s = Math.sqrt(squares / n);
  // A constant column can leave rounding-sized deviations; dividing by them would blow it up.
  return s <= 1e-12 * Math.max(1, Math.abs(mean)) ? 1 : s;
}

/** (x - mean) / std for every row of data (a flat array of rows of d = scaler.means.length). */
export function standardize(data: ArrayLike<number>, scaler: Scaler): Float64Array {
  const d = scaler.means.length;
  if (data.length % d !== 0) throw new Error(`data holds ${data.length} numbers, expected a multiple of d = ${d}`);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const j = i % d;
    out[i] = ((data[i] as number) - (scaler.means[j] as number)) / (scaler.scales[j] as number);
  }
  return out;
}

/** x * std + mean: back to the original units (e.g. for centers fitted on standardized data). */
export function unstandardize(data: ArrayLike<number>, scaler: Scaler): Float64Array {
  const d = scaler.means.length;
  if (data.length % d !== 0) throw new Error(`data holds ${data.length} numbers, expected a multiple of d = ${d}`);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const j = i % d;
    out[i] = (data[i] as number) * (scaler.scales[j] as number) + (scaler.means[j] as number);
  }
  return out;
}
