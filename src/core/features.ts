// Which feature values a clustering takes, one rule for every path (the window read into JavaScript, the SQL
// engine, the label functions generated in PL/pgSQL, batch fits): finite numbers of magnitude at most 1e150.
// Larger values, NaN and the infinities make a row invalid (kept with a NULL cluster number, or refused under
// invalid_rows = error). Magnitudes below 1e-100 count as 0. With both bounds, no squared distance over up to
// 1,000 dimensions overflows or underflows to a nonzero value below what float8 holds, so PostgreSQL's float8
// arithmetic, which raises an error where JavaScript would round to Infinity or 0, never fails.

/** The largest magnitude a feature may have. */
export const FEATURE_MAX = 1e150;

/** Magnitudes below this count as 0. */
export const FEATURE_ZERO = 1e-100;

/** The value a clustering uses for a feature, or null when it makes the row invalid. */
export function featureValue(v: unknown): number | null {
  if (typeof v !== 'number') return null;
  // NaN fails both comparisons.
  if (!(v <= FEATURE_MAX && v >= -FEATURE_MAX)) return null;
  return v < FEATURE_ZERO && v > -FEATURE_ZERO ? 0 : v;
}
