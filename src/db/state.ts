// The stored state of a clustered table (centroid.state): its centroids and the facts of its last refit.

import { validateConfig, type Settings } from '../config/settings';
import { standardize, unstandardize, type Scaler } from '../core/standardize';
import { arrayOf, float, integer, literal, matrix } from '../sql/quote';
import { UserError } from './errors';
import { exec, one } from './pl';

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
  changed: number;
}

/** Reads a table's settings (validated); null when the table is not configured. */
export function loadSettings(oid: number): Settings | null {
  const row = one<{ config: unknown }>(`SELECT config FROM centroid.settings WHERE table_name = ${integer(oid)}::oid::regclass`);
  return row ? validateConfig(row.config, 'insert') : null;
}

/** Reads the stored centroids of a table; null before its first clustering or when they no longer fit. */
export function loadState(oid: number, k: number, d: number): State | null {
  const row = one<{ centroids: number[]; counts: number[] | null; refits: bigint | number; standardization: { means: number[]; scales: number[] } | null }>(
    `SELECT centroids, counts, refits, standardization FROM centroid.state WHERE table_name = ${integer(oid)}::oid::regclass`,
  );
  if (!row) return null;
  // Two-dimensional arrays arrive flattened.
  if (!Array.isArray(row.centroids) || row.centroids.length !== k * d || !row.centroids.every(Number.isFinite)) return null;
  const counts = new Float64Array(k);
  if (Array.isArray(row.counts) && row.counts.length === k) counts.set(row.counts.map(Number));
  const z = row.standardization;
  const scaler = z && Array.isArray(z.means) && z.means.length === d && Array.isArray(z.scales) && z.scales.length === d
    ? { means: Float64Array.from(z.means), scales: Float64Array.from(z.scales) }
    : null;
  const original = Float64Array.from(row.centroids, Number);
  return { centers: scaler ? standardize(original, scaler) : original, scaler, k, d, counts, refits: Number(row.refits) };
}

/** The centers in the table's own units, as stored and shown to users. */
function originalUnits(state: State): Float64Array {
  return state.scaler ? unstandardize(state.centers, state.scaler) : state.centers;
}

/** The scaler as stored: {"means": [...], "scales": [...]}, or NULL. */
function scalerLiteral(scaler: Scaler | null): string {
  return scaler ? literal({ means: Array.from(scaler.means), scales: Array.from(scaler.scales) }) : 'NULL';
}

/** Stores centroids and the facts of the refit that produced them. */
export function saveRefit(oid: number, state: State, facts: RefitFacts): void {
  if (state.centers.some((x) => !Number.isFinite(x))) {
    throw new UserError('pg_centroid: refusing to store non-finite centroids', 'this is a bug: please report it with the data that caused it');
  }
  exec(
    `INSERT INTO centroid.state AS s (table_name, centroids, standardization, counts, sizes, radii, rows_used, iterations, converged, cost, duration_ms, changed_labels, refits, refitted_at)
     VALUES (${integer(oid)}::oid::regclass, ${matrix(originalUnits(state), state.k, state.d)}, ${scalerLiteral(state.scaler)}, ${arrayOf(state.counts, 'float8')},
             ${arrayOf(facts.sizes, 'int8')}, ${arrayOf(facts.radii, 'float8')}, ${integer(facts.rowsUsed)}, ${integer(facts.iterations)},
             ${facts.converged}, ${float(facts.cost)}, ${float(facts.durationMs)}, ${integer(facts.changed)}, 1, pg_catalog.now())
     ON CONFLICT (table_name) DO UPDATE SET centroids = EXCLUDED.centroids, standardization = EXCLUDED.standardization, counts = EXCLUDED.counts, sizes = EXCLUDED.sizes,
       radii = EXCLUDED.radii, rows_used = EXCLUDED.rows_used, iterations = EXCLUDED.iterations, converged = EXCLUDED.converged,
       cost = EXCLUDED.cost, duration_ms = EXCLUDED.duration_ms, changed_labels = EXCLUDED.changed_labels,
       refits = s.refits + 1, refitted_at = EXCLUDED.refitted_at`,
  );
}

/** Stores centroids moved by the online policy (no refit facts change). */
export function saveOnline(oid: number, state: State): void {
  exec(
    `UPDATE centroid.state SET centroids = ${matrix(originalUnits(state), state.k, state.d)}, counts = ${arrayOf(state.counts, 'float8')},
            online_updated_at = pg_catalog.now()
      WHERE table_name = ${integer(oid)}::oid::regclass`,
  );
}
