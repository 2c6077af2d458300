// The elbow of a cost curve, for choosing k when the silhouette cannot decide.

/**
 * The elbow of a decreasing cost curve (Kneedle: Satopaa et al. 2011, https://doi.org/10.1109/ICDCSW.2011.20):
 * with k and cost scaled to [0, 1], the k farthest below the straight line from the first to the last point.
 * Null with fewer than 3 points or a flat curve.
 */
export function elbow(ks: number[], costs: number[]): number | null {
  const m = ks.length;
  if (m < 3) return null;
  const k0 = ks[0] as number;
  const k1 = ks[m - 1] as number;
  const c0 = costs[0] as number;
  const c1 = costs[m - 1] as number;
  if (!(c0 > c1)) return null;
  let best: number | null = null;
  let bestGap = 0;
  for (let i = 1; i < m - 1; i++) {
    const x = ((ks[i] as number) - k0) / (k1 - k0);
    const y = ((costs[i] as number) - c1) / (c0 - c1);
    // The line runs from (0, 1) to (1, 0); a point below it has y < 1 - x.
    const gap = 1 - x - y;
    if (gap > bestGap) {
      bestGap = gap;
      best = ks[i] as number;
    }
  }
  return best;
}
