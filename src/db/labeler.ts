// The per-row hot path of clustering on insert, compiled once per statement: a function that takes
// a row's clustering columns (as the float8[] the table's label trigger passes) and returns the
// nearest centroid's number, with the centroids and the frozen z-scores written into its code as
// constants. QuickJS runs such straight-line code several times faster than generic loops.

import type { DistanceType } from '../core/types';

/** A row's clustering columns, in the order of clustering_columns (NULL arrives as null). */
export type Features = ArrayLike<number | null>;

/** The label of a row; -1 when a clustering column is NULL, NaN or infinite. */
export type Labeler = (x: Features) => number;

/** What the compiled function is specialized on. */
export interface LabelerSpec {
  /** k x d centers in the working space (standardized when scaler is given). */
  centers: Float64Array;
  k: number;
  d: number;
  distance: DistanceType;
  scaler: { means: Float64Array; scales: Float64Array } | null;
}

/** A number as JavaScript source that reads back exactly. */
function constant(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`labeler: non-finite constant ${x}`);
  return Object.is(x, -0) ? '0' : `(${String(x)})`;
}

/** Source lines that read the features into x0..x{d-1}, returning -1 for NULL, NaN or an infinity. */
function readLines(d: number, scaler: LabelerSpec['scaler']): string[] {
  const lines: string[] = [];
  for (let j = 0; j < d; j++) {
    lines.push(`var x${j} = features[${j}];`);
    // null - null is 0, so NULL is checked by type; NaN and the infinities fail x - x === 0.
    lines.push(`if (typeof x${j} !== 'number' || x${j} - x${j} !== 0) return -1;`);
    if (scaler) lines.push(`x${j} = (x${j} - ${constant(scaler.means[j] as number)}) / ${constant(scaler.scales[j] as number)};`);
  }
  return lines;
}

/** Source lines that set best to the nearest of k centers, each given by center(c, j) as source text. */
function nearestLines(k: number, d: number, distance: DistanceType, center: (c: number, j: number) => string): string[] {
  const lines = ['var best = 0, bestDistance, s, t;'];
  for (let c = 0; c < k; c++) {
    const terms: string[] = [];
    for (let j = 0; j < d; j++) {
      terms.push(distance === 'manhattan' ? `s += Math.abs(x${j} - ${center(c, j)});` : `t = x${j} - ${center(c, j)}; s += t * t;`);
    }
    lines.push('s = 0; ' + terms.join(' '));
    lines.push(c === 0 ? 'bestDistance = s;' : `if (s < bestDistance) { bestDistance = s; best = ${c}; }`);
  }
  return lines;
}

/** The online policy's per-row step: label a row and move its center, as core/online.ts onlineUpdate() does. */
export type OnlineStep = (x: Features, centers: Float64Array, counts: Float64Array) => number;

/** Compiles the online policy's step for one statement (centers and counts stay arrays: they move). */
export function compileOnlineStep(spec: Omit<LabelerSpec, 'centers'> & { decay: number }): OnlineStep {
  const { k, d, distance, scaler, decay } = spec;
  const lines = readLines(d, scaler);
  lines.push(...nearestLines(k, d, distance, (c, j) => `centers[${c * d + j}]`));
  if (decay !== 1) for (let c = 0; c < k; c++) lines.push(`counts[${c}] = counts[${c}] * ${constant(decay)};`);
  lines.push('var m = counts[best] + 1; counts[best] = m; var o = best * ' + d + ';');
  for (let j = 0; j < d; j++) lines.push(`centers[o + ${j}] = centers[o + ${j}] + (x${j} - centers[o + ${j}]) / m;`);
  lines.push('return best;');
  return new Function('features', 'centers', 'counts', lines.join('\n')) as OnlineStep;
}

/** Compiles the labeler of a table for one statement. Ties go to the lowest cluster number, as in core/assign.ts nearest(). */
export function compileLabeler(spec: LabelerSpec): Labeler {
  const { centers, k, d, distance, scaler } = spec;
  if (centers.length !== k * d) throw new Error('labeler: centers, k and d disagree');
  const lines = readLines(d, scaler);
  lines.push(...nearestLines(k, d, distance, (c, j) => constant(centers[c * d + j] as number)));
  lines.push('return best;');
  return new Function('features', lines.join('\n')) as Labeler;
}
