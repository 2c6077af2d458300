// 2-D coordinates for plots: the clustering columns themselves, or their first two principal
// components (power iteration on the sample) when there are more than two.

/** A projection from feature space to the plot's two axes. */
export interface Projection {
  axes: [string, string];
  project(x: readonly number[]): [number, number];
}

/** Chooses the projection for rows of d features (only finite rows are given). */
export function projection(columns: readonly string[], rows: readonly (readonly number[])[], scale: boolean): Projection {
  const d = columns.length;
  if (d === 1) return { axes: [columns[0] ?? 'x', ''], project: (x) => [x[0] ?? 0, 0] };
  if (d === 2) return { axes: [columns[0] ?? 'x', columns[1] ?? 'y'], project: (x) => [x[0] ?? 0, x[1] ?? 0] };
  return pca(columns, rows, scale);
}

/** The first two principal components of the rows (centred; z-scored when scale is true). */
export function pca(columns: readonly string[], rows: readonly (readonly number[])[], scale: boolean): Projection {
  const d = columns.length;
  const n = Math.max(1, rows.length);
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += (r[j] ?? 0) / n;
  const sd = new Float64Array(d).fill(1);
  if (scale) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (const r of rows) s += ((r[j] ?? 0) - mean[j]!) ** 2;
      sd[j] = Math.sqrt(s / n) || 1;
    }
  }
  const centred = rows.map((r) => Float64Array.from({ length: d }, (_, j) => ((r[j] ?? 0) - mean[j]!) / sd[j]!));
  const total = centred.reduce((s, r) => s + r.reduce((t, x) => t + x * x, 0), 0) || 1;
  const first = component(centred, d, []);
  const second = component(centred, d, [first.vector]);
  const share = (v: number) => `${Math.round((100 * v) / total)}%`;
  const dot = (x: readonly number[], v: Float64Array) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (((x[j] ?? 0) - mean[j]!) / sd[j]!) * v[j]!;
    return s;
  };
  return {
    axes: [`PC1 (${share(first.variance)} of variance)`, `PC2 (${share(second.variance)} of variance)`],
    project: (x) => [dot(x, first.vector), dot(x, second.vector)],
  };
}

/** One principal direction by power iteration on XᵀX, orthogonal to the ones already found. */
function component(rows: Float64Array[], d: number, found: Float64Array[]): { vector: Float64Array; variance: number } {
  // A fixed, non-degenerate start keeps plots reproducible.
  let v = Float64Array.from({ length: d }, (_, j) => 1 + j / d);
  let variance = 0;
  for (let iter = 0; iter < 200; iter++) {
    orthogonalize(v, found);
    normalize(v);
    const next = new Float64Array(d);
    variance = 0;
    for (const r of rows) {
      let p = 0;
      for (let j = 0; j < d; j++) p += r[j]! * v[j]!;
      variance += p * p;
      for (let j = 0; j < d; j++) next[j]! += p * r[j]!;
    }
    orthogonalize(next, found);
    if (normalize(next) === 0) break;
    let delta = 0;
    for (let j = 0; j < d; j++) delta = Math.max(delta, Math.abs(next[j]! - v[j]!));
    v = next;
    if (delta < 1e-9) break;
  }
  return { vector: v, variance };
}

/** Removes from v its parts along the (unit) vectors given. */
function orthogonalize(v: Float64Array, basis: Float64Array[]): void {
  for (const b of basis) {
    let p = 0;
    for (let j = 0; j < v.length; j++) p += v[j]! * b[j]!;
    for (let j = 0; j < v.length; j++) v[j]! -= p * b[j]!;
  }
}

/** Scales v to length 1 and returns its former length. */
function normalize(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  const len = Math.sqrt(s);
  if (len > 0) for (let j = 0; j < v.length; j++) v[j]! /= len;
  return len;
}
