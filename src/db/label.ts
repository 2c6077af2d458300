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

/**
 * centroid_internal._nearest_label(table or chunk, statement stamp, x0 .. x7): the cluster of a row with valid
 * features given one by one (at most 8), or -1 when the table has no centroids.
 */
export function nearestLabelEntry(relid: number, stamp: number, ...x: (number | null)[]): number {
  let c = cache.get(relid);
  if (!c || c.stamp !== stamp || c.saved !== savedCount()) {
    c = pinnedPath(() => load(tableOf(relid), stamp));
    cache.set(relid, c);
  }
  if (!c.labeler || c.d > scalars.length) return -1;
  for (let j = 0; j < c.d; j++) {
    const v = x[j];
    if (typeof v !== 'number') return -1;
    scalars[j] = v;
  }
  c.labeler(scalars, out);
  return out[0] as number;
}
