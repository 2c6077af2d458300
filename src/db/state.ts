// The stored state of a clustered table (centroid.state): its centroids, each cluster's radius and the anomaly
// threshold in effect, what was labelled since the last refit, and the facts of that refit.

import { validateConfig, type Settings } from '../config/settings';
import { standardize, unstandardize, type Scaler } from '../core/standardize';
import { arrayOf, float, integer, literal, matrix, text } from '../sql/quote';
import { UserError } from './errors';
import { exec, one } from './pl';

/** Why a refit ran (centroid.state.refit_reason). */
export type RefitReason = 'statement' | 'row' | 'online' | 'drift' | 'refit' | 'schedule';

/** Per cluster: rows labelled since the last refit, how many were anomalies, and their normalized distances' sum. */
export interface Since {
  rows: Float64Array;
  anomalies: Float64Array;
  distance: Float64Array;
}

/** What is stored per clustered table. */
export interface State {
  /** k * d centers in the working space: standardized when scaler is set, else original units. */
  centers: Float64Array;
  /** The z-score scaling frozen at the last refit (standardize = zscore), else null. */
  scaler: Scaler | null;
  k: number;
  d: number;
  /** Weight of each cluster for the online policy (rows seen, decayed). */
  counts: Float64Array;
  refits: number;
  /** Each cluster's RMS radius in the working space at the last refit (null before 0.3.0 refits). */
  rms: Float64Array | null;
  /** The normalized distance above which a row is an anomaly, as in effect. */
  threshold: number | null;
  since: Since;
  /** The online policy's newest event time (half_life), or null. */
  asOf: number | null;
}

/** Facts of one refit, stored beside the centroids. */
export interface RefitFacts {
  rowsUsed: number;
  iterations: number;
  converged: boolean;
  cost: number;
  durationMs: number;
  sizes: Int32Array;
  radii: Float64Array;
  rms: Float64Array;
  threshold: number | null;
  changed: number;
  reason: RefitReason;
}

let saved = 0;

/** How many times this connection stored centroids: what caches of them compare to know they are stale. */
export function savedCount(): number {
  return saved;
}

/** Reads a table's settings (validated); null when the table is not configured. */
export function loadSettings(oid: number): Settings | null {
  const row = one<{ config: unknown }>(`SELECT config FROM centroid.settings WHERE table_name = ${integer(oid)}::oid::regclass`);
  return row ? validateConfig(row.config, 'insert') : null;
}

/** An array of k numbers from the catalog, or zeros. */
function perCluster(v: unknown, k: number): Float64Array {
  const out = new Float64Array(k);
  if (Array.isArray(v) && v.length === k) out.set(v.map(Number));
  return out;
}

/** Reads the stored centroids of a table; null before its first clustering or when they no longer fit. */
export function loadState(oid: number, k: number, d: number): State | null {
  const row = one<{
    centroids: number[];
    counts: number[] | null;
    refits: bigint | number;
    standardization: { means: number[]; scales: number[] } | null;
    rms_radii: number[] | null;
    anomaly_threshold: number | null;
    since_rows: number[] | null;
    since_anomalies: number[] | null;
    since_distance: number[] | null;
    as_of: number | null;
  }>(
    `SELECT centroids, counts, refits, standardization, rms_radii, anomaly_threshold, since_rows, since_anomalies, since_distance, as_of
       FROM centroid.state WHERE table_name = ${integer(oid)}::oid::regclass`,
  );
  if (!row) return null;
  // Two-dimensional arrays arrive flattened.
  if (!Array.isArray(row.centroids) || row.centroids.length !== k * d || !row.centroids.every(Number.isFinite)) return null;
  const z = row.standardization;
  const scaler = z && Array.isArray(z.means) && z.means.length === d && Array.isArray(z.scales) && z.scales.length === d
    ? { means: Float64Array.from(z.means), scales: Float64Array.from(z.scales) }
    : null;
  const original = Float64Array.from(row.centroids, Number);
  return {
    centers: scaler ? standardize(original, scaler) : original,
    scaler,
    k,
    d,
    counts: perCluster(row.counts, k),
    refits: Number(row.refits),
    rms: Array.isArray(row.rms_radii) && row.rms_radii.length === k ? Float64Array.from(row.rms_radii, Number) : null,
    threshold: row.anomaly_threshold === null ? null : Number(row.anomaly_threshold),
    since: { rows: perCluster(row.since_rows, k), anomalies: perCluster(row.since_anomalies, k), distance: perCluster(row.since_distance, k) },
    asOf: row.as_of === null ? null : Number(row.as_of),
  };
}

/** Nothing labelled since a refit yet. */
export function noneSince(k: number): Since {
  return { rows: new Float64Array(k), anomalies: new Float64Array(k), distance: new Float64Array(k) };
}

/** The centers in the table's own units, as stored and shown to users. */
function originalUnits(state: State): Float64Array {
  return state.scaler ? unstandardize(state.centers, state.scaler) : state.centers;
}

/** The scaler as stored: {"means": [...], "scales": [...]}, or NULL. */
function scalerLiteral(scaler: Scaler | null): string {
  return scaler ? literal({ means: Array.from(scaler.means), scales: Array.from(scaler.scales) }) : 'NULL';
}

/** A number or NULL. */
function orNull(v: number | null): string {
  return v === null ? 'NULL' : float(v);
}

/** Stores centroids and the facts of the refit that produced them (and starts counting what is labelled after it). */
export function saveRefit(oid: number, state: State, facts: RefitFacts): void {
  saved++;
  if (state.centers.some((x) => !Number.isFinite(x))) {
    throw new UserError('pg_centroid: refusing to store non-finite centroids', 'this is a bug: please report it with the data that caused it');
  }
  const zeros = arrayOf(new Float64Array(state.k), 'float8');
  exec(
    `INSERT INTO centroid.state AS s (table_name, centroids, standardization, counts, sizes, radii, rows_used, iterations, converged, cost, duration_ms, changed_labels,
                                      refits, refitted_at, rms_radii, anomaly_threshold, since_rows, since_anomalies, since_distance, as_of, refit_reason)
     VALUES (${integer(oid)}::oid::regclass, ${matrix(originalUnits(state), state.k, state.d)}, ${scalerLiteral(state.scaler)}, ${arrayOf(state.counts, 'float8')},
             ${arrayOf(facts.sizes, 'int8')}, ${arrayOf(facts.radii, 'float8')}, ${integer(facts.rowsUsed)}, ${integer(facts.iterations)},
             ${facts.converged}, ${float(facts.cost)}, ${float(facts.durationMs)}, ${integer(facts.changed)}, 1, pg_catalog.now(),
             ${arrayOf(facts.rms, 'float8')}, ${orNull(facts.threshold)}, ${zeros}, ${zeros}, ${zeros}, ${orNull(state.asOf)}, ${text(facts.reason)})
     ON CONFLICT (table_name) DO UPDATE SET centroids = EXCLUDED.centroids, standardization = EXCLUDED.standardization, counts = EXCLUDED.counts, sizes = EXCLUDED.sizes,
       radii = EXCLUDED.radii, rows_used = EXCLUDED.rows_used, iterations = EXCLUDED.iterations, converged = EXCLUDED.converged,
       cost = EXCLUDED.cost, duration_ms = EXCLUDED.duration_ms, changed_labels = EXCLUDED.changed_labels,
       refits = s.refits + 1, refitted_at = EXCLUDED.refitted_at, rms_radii = EXCLUDED.rms_radii, anomaly_threshold = EXCLUDED.anomaly_threshold,
       since_rows = EXCLUDED.since_rows, since_anomalies = EXCLUDED.since_anomalies, since_distance = EXCLUDED.since_distance,
       as_of = EXCLUDED.as_of, refit_reason = EXCLUDED.refit_reason`,
  );
}

/** Stores centroids moved by the online policy and what was labelled since the last refit (no refit facts change). */
export function saveOnline(oid: number, state: State): void {
  saved++;
  exec(
    `UPDATE centroid.state SET centroids = ${matrix(originalUnits(state), state.k, state.d)}, counts = ${arrayOf(state.counts, 'float8')},
            since_rows = ${arrayOf(state.since.rows, 'float8')}, since_anomalies = ${arrayOf(state.since.anomalies, 'float8')},
            since_distance = ${arrayOf(state.since.distance, 'float8')}, as_of = ${orNull(state.asOf)}, online_updated_at = pg_catalog.now()
      WHERE table_name = ${integer(oid)}::oid::regclass`,
  );
}
