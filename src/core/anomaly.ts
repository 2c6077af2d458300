// Anomalies by distance to the nearest centroid, as BigQuery ML's ML.DETECT_ANOMALIES does for k-means: a row's
// normalized distance is its distance to its cluster's centroid over that cluster's RMS radius (the square root of
// the cluster's mean squared distance); a row whose normalized distance exceeds a threshold is an anomaly. The
// threshold is fixed, or set from a contamination share: the value above which that share of rows lies.

/** Per cluster, the RMS of the rows' distances to its centroid (weighted when weights are given; 0 when empty). */
export function rmsRadii(dist: ArrayLike<number>, labels: ArrayLike<number>, k: number, weights?: ArrayLike<number>): Float64Array {
  const sum = new Float64Array(k);
  const mass = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] as number;
    const w = weights ? (weights[i] as number) : 1;
    const x = dist[i] as number;
    sum[c] = (sum[c] as number) + w * x * x;
    mass[c] = (mass[c] as number) + w;
  }
  for (let c = 0; c < k; c++) sum[c] = (mass[c] as number) > 0 ? Math.sqrt((sum[c] as number) / (mass[c] as number)) : 0;
  return sum;
}

/** A distance over its cluster's RMS radius; a row off a cluster of radius 0 is infinitely far (and one on it, 0). */
export function normalizedDistance(dist: number, rms: number): number {
  if (rms > 0) return dist / rms;
  return dist > 0 ? Infinity : 0;
}

/** Each row's distance over its cluster's RMS radius (normalizedDistance). */
export function normalizedDistances(dist: ArrayLike<number>, labels: ArrayLike<number>, rms: ArrayLike<number>): Float64Array {
  const out = new Float64Array(dist.length);
  for (let i = 0; i < dist.length; i++) out[i] = normalizedDistance(dist[i] as number, rms[labels[i] as number] as number);
  return out;
}

/**
 * The threshold that flags `share` of the rows (0 < share <= 0.5): the largest normalized distance of the rows that
 * stay unflagged, so that round(share x n) rows lie above it (fewer when values tie at the threshold).
 */
export function contaminationThreshold(normalized: ArrayLike<number>, share: number): number {
  const n = normalized.length;
  if (n === 0) return Infinity;
  const sorted = Float64Array.from(normalized).sort();
  const flagged = Math.min(n, Math.round(share * n));
  return flagged === 0 ? (sorted[n - 1] as number) : flagged === n ? -Infinity : (sorted[n - flagged - 1] as number);
}
