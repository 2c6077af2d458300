// The nearest of k centers for one row at a time, compiled for a fixed model: centers and z-scores written into
// straight-line code as constants (QuickJS runs that several times faster than loops over arrays). The insert path
// labels rows with it when the centroids must not be written into the catalog (see src/db/label.ts).

import type { DistanceType } from './types';

/** A model to label rows with, in the working space (centers standardized when the scaler is set). */
export interface LabelModel {
  centers: Float64Array;
  k: number;
  d: number;
  distance: DistanceType;
  scaler: { means: Float64Array; scales: Float64Array } | null;
}

/** Labels one row's features (already valid): writes [cluster, distance] into out. */
export type Labeler = (x: ArrayLike<number>, out: Float64Array) => void;

/** A number as JavaScript source that reads back exactly. */
function constant(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`labeler: non-finite constant ${x}`);
  return Object.is(x, -0) ? '0' : `(${String(x)})`;
}

/**
 * Compiles the labeler of a model: ties go to the lowest cluster number, as in nearest(); the distance is euclidean
 * (not squared), manhattan, or cosine (1 - cos, rows scaled to unit length), in the working space.
 */
export function compileLabeler(m: LabelModel): Labeler {
  const { centers, k, d, distance, scaler } = m;
  if (centers.length !== k * d) throw new Error('labeler: centers, k and d disagree');
  const lines: string[] = [];
  for (let j = 0; j < d; j++) {
    const x = `x[${j}]`;
    lines.push(scaler ? `var x${j} = (${x} - ${constant(scaler.means[j] as number)}) / ${constant(scaler.scales[j] as number)};` : `var x${j} = ${x};`);
  }
  lines.push('var best = 0, b, s, t;');
  if (distance === 'cosine') {
    // On the unit sphere, where 1 - cos is half the squared euclidean distance (a zero row never gets here).
    lines.push(`s = Math.sqrt(${Array.from({ length: d }, (_, j) => `x${j} * x${j}`).join(' + ')});`);
    for (let j = 0; j < d; j++) lines.push(`x${j} = x${j} / s;`);
  }
  for (let c = 0; c < k; c++) {
    const terms: string[] = [];
    for (let j = 0; j < d; j++) {
      const v = constant(centers[c * d + j] as number);
      terms.push(distance === 'manhattan' ? `s += Math.abs(x${j} - ${v});` : `t = x${j} - ${v}; s += t * t;`);
    }
    lines.push('s = 0; ' + terms.join(' '));
    lines.push(c === 0 ? 'b = s;' : `if (s < b) { b = s; best = ${c}; }`);
  }
  lines.push(`out[0] = best; out[1] = ${distance === 'manhattan' ? 'b' : distance === 'cosine' ? 'b / 2' : 'Math.sqrt(b)'};`);
  return new Function('x', 'out', lines.join('\n')) as Labeler;
}
