// Clustering on insert, the JavaScript side. Rows get their cluster numbers in the table's generated label
// function (PL/pgSQL, src/sql/trigger.ts), without calling in here, except under the paper's `row` policy. The
// table's hook function calls in once per statement, with the table owner's rights:
// - after an INSERT (policy statement): the window is refitted (src/db/refit.ts), changed labels rewritten;
// - after an INSERT (policy online): the rows the statement really inserted move their centroids (Sculley's
//   web-scale k-means: each row pulls the center it was labelled with, by 1 / the center's weight);
// - before and after an INSERT (policy row): the statement's state is armed, each row is clustered with the window
//   as it arrives (label()), and the new centroids are compiled in at the end;
// - after a TRUNCATE: the stored centroids go (the table starts again from its first clustering).

import type { RefitResult } from '../config/results';
import type { Settings } from '../config/settings';
import { normalizedDistance } from '../core/anomaly';
import { distance } from '../core/distance';
import { featureValue } from '../core/features';
import { standardize } from '../core/standardize';
import { geometry, normalizeRows } from '../core/unit';
import { integer } from '../sql/quote';
import { describe, halfLifeUnits, tableOf, type Table } from './catalog';
import { checkColumns } from './columns';
import { compileTable, compiledCentroids } from './compile';
import { UserError } from './errors';
import { dimensionsOf } from './pgvector';
import { exec } from './pl';
import { lockTable, refitWindow } from './refit';
import { loadSettings, loadState, saveOnline, type Since, type State } from './state';
import { halfLifeWeight } from './window';

/** What the row policy keeps per table during one statement. */
interface Armed {
  table: Table;
  settings: Settings;
  state: State | null;
  /** The first refusal of a row's refit (e.g. a window too big for memory), raised at the end of the statement. */
  refused: UserError | null;
  refitted: boolean;
  /** Rows clustered with the window so far; some may never reach the table (ON CONFLICT, a later trigger). */
  rows: number;
  /** The stored state when the statement began. */
  start: State | null;
}

const armed = new Map<number, Armed>();

/** A clustered table's settings, description and stored centroids; null when it has no settings. */
function load(oid: number): { table: Table; settings: Settings; state: State | null } | null {
  const settings = loadSettings(oid);
  if (!settings) return null;
  const table = describe(oid);
  checkColumns(table, settings, 'insert');
  return { table, settings, state: loadState(oid, settings.cluster_count, dimensionsOf(table, settings)) };
}

/** The hook function's events. */
export function hook(oid: number, event: string): RefitResult | null {
  // after_insert:N (policy row) says how many rows reached the table.
  const [name, arrived] = event.split(':');
  switch (name) {
    case 'before_insert':
      return beforeInsert(oid);
    case 'after_insert':
      return afterInsert(oid, arrived === undefined ? null : Number(arrived));
    case 'truncate':
      return truncated(oid);
    default:
      throw new UserError(`pg_centroid: unknown hook event ${JSON.stringify(event)}`, 'the hook functions pg_centroid generates call this with before_insert, after_insert or truncate');
  }
}

/** BEFORE INSERT (policy row): arms the statement's state. */
function beforeInsert(oid: number): null {
  armed.delete(oid);
  const a = load(oid);
  if (a && a.settings.refit === 'row') armed.set(oid, { ...a, refused: null, refitted: false, rows: 0, start: a.state });
  return null;
}

/**
 * Policy row: a new row's [cluster number, distance, anomaly 1 or 0], from a refit of the window with it; [] when it
 * gets none (pljs 1.0.5 cannot return NULL for an array).
 */
export function label(relid: number, x: (number | null)[]): number[] {
  // Not armed: the row went straight into a chunk or partition, without the table's statement triggers.
  const a = armed.get(tableOf(relid));
  if (!a || a.refused) return [];
  a.rows++;
  try {
    const r = refitWindow(a.table, a.settings, a.state, Float64Array.from(x, Number), { reason: 'row', compile: false });
    if (r.state !== a.state) a.refitted = true;
    a.state = r.state;
    const o = r.outcome;
    if (o.pending_label === null) return [];
    const threshold = r.state?.threshold ?? null;
    const nd = o.pending_normalized;
    return [o.pending_label, o.pending_distance ?? NaN, threshold !== null && nd !== null && nd > threshold ? 1 : 0];
  } catch (e) {
    // A refusal (e.g. a window too big for memory) is raised with its HINT after the statement.
    if (!(e instanceof UserError)) throw e;
    a.refused = e;
    return [];
  }
}

/**
 * AFTER INSERT (policies statement and row): refits the window once, or ends the row policy's statement. There, when
 * fewer rows reached the table than were clustered, the centroids and labels include rows that do not exist: one
 * refit of the window as it is, from the centroids the statement began with, puts them right.
 */
function afterInsert(oid: number, arrived: number | null): RefitResult | null {
  const a = armed.get(oid);
  armed.delete(oid);
  if (a) {
    if (a.refused) throw a.refused;
    // From the centroids the statement began with, so clusters keep their numbers.
    if (a.refitted && arrived !== null && arrived < a.rows) return refitWindow(a.table, a.settings, a.start).outcome;
    if (a.refitted && compiledCentroids(a.table, a.settings)) compileTable(oid);
    return null;
  }
  const loaded = load(oid);
  if (!loaded || loaded.settings.refit === 'row') return null;
  return refitWindow(loaded.table, loaded.settings, loaded.state, undefined, { reason: 'statement', compile: true }).outcome;
}

/** AFTER TRUNCATE: the stored centroids describe rows that are gone. */
function truncated(oid: number): null {
  lockTable(oid);
  exec(`DELETE FROM centroid.state WHERE table_name = ${integer(oid)}::oid::regclass`);
  compileTable(oid);
  return null;
}

/**
 * AFTER INSERT (policy online): the rows the statement inserted (labels, features and event times from its
 * transition table, in insertion order) move the centers they were labelled with, each by its weight over its
 * center's weight (Sculley 2010, "Web-scale k-means clustering": https://doi.org/10.1145/1772690.1772862). Weights:
 * `decay` multiplies every center's weight at each row; under half_life a row's weight is 2^((t - newest) / h) for
 * its event time t, so a late-arriving old row moves a center less than a fresh one, and a newer row first ages the
 * centers' weights to its time. What was labelled is counted per cluster (rows, anomalies, normalized distance), and
 * drift_refit refits the window once the share of anomalies since the last refit passes it. When the settings flag
 * anomalies (anomaly_column or drift_refit), anomalous rows move no center. With no centroids yet,
 * the window is clustered instead.
 */
export function online(oid: number, labels: (number | null)[] | null, features: (number | null)[] | null, times: (number | null)[] | null): RefitResult | null {
  const loaded = load(oid);
  if (!loaded || loaded.settings.refit !== 'online') return null;
  const { table, settings: s, state } = loaded;
  if (!state) return refitWindow(table, s, null, undefined, { reason: 'online', compile: true }).outcome;
  const n = labels?.length ?? 0;
  if (n === 0 || !features) return null;
  lockTable(oid);
  const { k, d } = state;
  const h = halfLifeUnits(table, s);
  // Two-dimensional arrays arrive flattened: row i is features[i * d .. i * d + d).
  const raw = Float64Array.from(features, (v) => featureValue(v) ?? 0);
  const x = state.scaler ? standardize(raw, state.scaler) : raw;
  // Cosine: rows move centers by their direction, and each moved center goes back onto the unit sphere (online
  // spherical k-means; zero rows have no label and never get here).
  const unit = geometry(s.distance_type).unit;
  if (unit) normalizeRows(x, n, d);
  const { centers, counts, since } = state;
  const threshold = state.threshold ?? s.anomaly_threshold ?? Infinity;
  let moved = 0;
  for (let i = 0; i < n; i++) {
    const c = labels?.[i];
    if (typeof c !== 'number' || c < 0 || c >= k) continue;
    if (state.rms) {
      const nd = normalizedDistance(distance(s.distance_type, x, i * d, centers, c * d, d), state.rms[c] as number);
      since.rows[c] = (since.rows[c] as number) + 1;
      since.distance[c] = (since.distance[c] as number) + (Number.isFinite(nd) ? nd : 0);
      if (nd > threshold) {
        since.anomalies[c] = (since.anomalies[c] as number) + 1;
        // Anomalies are kept apart (as DenStream keeps its outliers): they count toward drift but move no center.
        if (s.anomaly_column !== null || s.drift_refit !== null) continue;
      }
    }
    let w = 1;
    const t = times?.[i];
    if (h !== null && typeof t === 'number') {
      if (state.asOf === null || t > state.asOf) {
        // A newer row: the centers' weights age to its time, and it weighs 1.
        if (state.asOf !== null) {
          const age = halfLifeWeight(state.asOf, t, h);
          for (let u = 0; u < k; u++) counts[u] = (counts[u] as number) * age;
        }
        state.asOf = t;
      } else {
        w = halfLifeWeight(t, state.asOf, h);
      }
    }
    if (s.decay !== 1) for (let u = 0; u < k; u++) counts[u] = (counts[u] as number) * s.decay;
    const m = (counts[c] as number) + w;
    counts[c] = m;
    for (let j = 0; j < d; j++) {
      const at = c * d + j;
      centers[at] = (centers[at] as number) + ((x[i * d + j] as number) - (centers[at] as number)) * (w / m);
    }
    if (unit) normalizeRows(centers.subarray(c * d, c * d + d), 1, d);
    moved++;
  }
  if (moved === 0 && !since.rows.some((v) => v > 0)) return null;
  saveOnline(oid, state);
  if (s.drift_refit !== null && driftPassed(since, s.drift_refit, s.minimum_data_count)) {
    return refitWindow(table, s, state, undefined, { reason: 'drift', compile: true }).outcome;
  }
  // Moved centroids reach hidden labels through the state; inline ones (and a vector store) are written by _compile.
  if (compiledCentroids(table, s)) compileTable(oid);
  return null;
}

/** True when at least `least` rows were labelled since the last refit and more than `share` of them were anomalies. */
export function driftPassed(since: Since, share: number, least: number): boolean {
  let rows = 0;
  let anomalies = 0;
  for (let c = 0; c < since.rows.length; c++) {
    rows += since.rows[c] as number;
    anomalies += since.anomalies[c] as number;
  }
  return rows >= least && anomalies > share * rows;
}
