// The floor of an interpreter's k-means: one Lloyd iteration as plain typed-array loops.

/** One Lloyd iteration over n x d points (row-major) from k centers; returns the new centers. */
export function plainIteration(data: Float64Array, n: number, d: number, centers: Float64Array, k: number): Float64Array {
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDist = Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = (data[i * d + j] as number) - (centers[c * d + j] as number);
        s += t * t;
      }
      if (s < bestDist) {
        bestDist = s;
        best = c;
      }
    }
    counts[best] = (counts[best] as number) + 1;
    for (let j = 0; j < d; j++) sums[best * d + j] = (sums[best * d + j] as number) + (data[i * d + j] as number);
  }
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) / Math.max(1, counts[c] as number);
  }
  return sums;
}
