// Labels for rows as they are inserted or updated, when the table's centroids stay out of the catalog (the
// default; see inline_centroids): the label function, running as the table's owner, hands each row's features
// here, and the row gets the nearest stored centroid from a labeler compiled once per statement
// (src/core/labeler.ts). The model is looked up once per statement (statement_timestamp), not per row.

import { normalizedDistance } from '../core/anomaly';
import { compileLabeler, type Labeler } from '../core/labeler';
import { tableOf } from './catalog';
import { pinnedPath } from './pl';
import { loadSettings, loadState, savedCount } from './state';

/** A table's labeler for one statement, and what normalized distances need. */
interface Cached {
  stamp: number;
  /** savedCount() when it was loaded: a refit in this connection since makes it stale. */
  saved: number;
  labeler: Labeler | null;
  rms: Float64Array | null;
  threshold: number | null;
  d: number;
}

const cache = new Map<number, Cached>();
const out = new Float64Array(2);

/** The table's labeler, from its stored settings and centroids (none before its first clustering). */
function load(oid: number, stamp: number): Cached {
  const s = loadSettings(oid);
  const state = s ? loadState(oid, s.cluster_count, s.clustering_columns.length) : null;
  if (!s || !state) return { stamp, saved: savedCount(), labeler: null, rms: null, threshold: null, d: 0 };
  return {
    stamp,
    saved: savedCount(),
    labeler: compileLabeler({ centers: state.centers, k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler }),
    rms: state.rms,
    threshold: state.threshold,
    d: state.d,
  };
}

/**
 * centroid_internal._nearest(table or chunk, statement stamp, features): [cluster, distance, anomaly 1 or 0 (or
 * NaN when unknown)] of a row with valid features, or [] when the table has no centroids (pljs cannot return NULL).
 */
export function nearestEntry(relid: number, stamp: number, x: (number | null)[]): number[] {
  let c = cache.get(relid);
  if (!c || c.stamp !== stamp || c.saved !== savedCount()) {
    c = pinnedPath(() => load(tableOf(relid), stamp));
    cache.set(relid, c);
  }
  if (!c.labeler || x.length !== c.d) return [];
  c.labeler(x as number[], out);
  const label = out[0] as number;
  const dist = out[1] as number;
  if (!c.rms || c.threshold === null) return [label, dist, NaN];
  return [label, dist, normalizedDistance(dist, c.rms[label] as number) > c.threshold ? 1 : 0];
}

/** Features of centroid_internal._nearest_label, reused from row to row. */
const scalars = new Float64Array(8);

/** The labeler of the last table _nearest_label served (rows of one statement mostly go to one table). */
let lastRelid = -1;
let last: Cached | null = null;

/**
 * centroid_internal._nearest_label(table or chunk, statement stamp, x0 .. x7): the cluster of a row with valid
 * features given one by one (at most 8; the label function passes only valid ones), or -1 when the table has no
 * centroids. It runs once per inserted row: no allocation, no loop, one cache probe.
 */
export function nearestLabelEntry(
  relid: number, stamp: number,
  x0: number, x1: number | null, x2: number | null, x3: number | null, x4: number | null, x5: number | null, x6: number | null, x7: number | null,
): number {
  let c = relid === lastRelid ? last : (cache.get(relid) ?? null);
  if (!c || c.stamp !== stamp || c.saved !== savedCount()) {
    c = pinnedPath(() => load(tableOf(relid), stamp));
    cache.set(relid, c);
  }
  lastRelid = relid;
  last = c;
  const labeler = c.labeler;
  if (!labeler || c.d > 8) return -1;
  // Arguments past the table's d are NULL and never read by its labeler.
  const x = scalars;
  x[0] = x0;
  x[1] = x1 as number;
  x[2] = x2 as number;
  x[3] = x3 as number;
  x[4] = x4 as number;
  x[5] = x5 as number;
  x[6] = x6 as number;
  x[7] = x7 as number;
  labeler(x, out);
  return out[0] as number;
}
