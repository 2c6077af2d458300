// Empty clusters: each one is re-seeded with the point farthest from its own center.

import type { DistanceType, Points } from './types';
import { distance as distanceBetween } from './distance';

const NONE = new Int32Array(0);

/** Moves the farthest point into each empty cluster (updating labels and counts); returns the moved rows. */
export function relocateEmpty(
  points: Points,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  counts: Int32Array,
  distance: DistanceType,
): Int32Array {
  let empty = 0;
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty++;
  if (empty === 0) return NONE;
  const { data, n, d } = points;
  const far = new Float64Array(n);
  for (let i = 0; i < n; i++) far[i] = distanceBetween(distance, data, i * d, centers, (labels[i] as number) * d, d);
  const moved = new Int32Array(empty);
  let count = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] !== 0) continue;
    let pick = -1;
    let pickDist = 0;
    for (let i = 0; i < n; i++) {
      // Taking the last point of a cluster would only move the hole elsewhere.
      if ((far[i] as number) > pickDist && (counts[labels[i] as number] as number) > 1) {
        pickDist = far[i] as number;
        pick = i;
      }
    }
    // No candidate means every point sits on a center; fit() rules that out by counting distinct rows first.
    if (pick < 0) continue;
    const from = labels[pick] as number;
    counts[from] = (counts[from] as number) - 1;
    counts[c] = 1;
    labels[pick] = c;
    far[pick] = 0;
    moved[count++] = pick;
  }
  return moved.subarray(0, count);
}

/** Points in each of the k clusters. */
export function countLabels(labels: Int32Array, k: number, out: Int32Array = new Int32Array(k)): Int32Array {
  out.fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    out[c] = (out[c] as number) + 1;
  }
  return out;
}
