// Clustering on insert. A statement-level companion trigger arms a per-table cache (settings,
// columns, centroids) before the first row; the row trigger labels each row from it in
// microseconds; a statement-level trigger after the last row refits the window once (policy
// `statement`), stores online updates (policy `online`), or raises a deferred row error.
//
// pljs 1.0.5 cannot run any query while a pljs trigger runs (every query fails with "current
// transaction is aborted"), so the row trigger only reads the cache. Queries run in the companion
// triggers, which are PL/pgSQL calling ordinary pljs functions, where queries work. The paper's
// `row` policy (a refit per row) is one more companion: a PL/pgSQL BEFORE ROW trigger.

import type { Settings } from '../config/settings';
import { nearest } from '../core/assign';
import { onlineUpdate } from '../core/online';
import type { Scaler } from '../core/standardize';
import { checkColumns, chunksOf, describe, hypertableId, tableOf, type Table } from './catalog';
import { UserError } from './errors';
import { compileLabeler, compileOnlineStep, type Labeler, type OnlineStep } from './labeler';
import { one } from './pl';
import { ident, integer, text } from '../sql/quote';
import { refitWindow, type RefitOutcome } from './refit';
import { loadSettings, loadState, saveOnline, type State } from './state';

/** What the insert path keeps per clustered table during one statement. */
interface Armed {
  table: Table;
  settings: Settings;
  state: State | null;
  /** Rows seen by the row trigger in this statement. */
  rows: number;
  /** The first invalid row refused under invalid_rows = error, raised at the end of the statement. */
  refused: UserError | null;
  onlineDirty: boolean;
  /** The statement policy's compiled per-row labeler (src/db/labeler.ts), once there are centroids. */
  labeler: Labeler | null;
  /** The online policy's compiled per-row step, once there are centroids. */
  onlineStep: OnlineStep | null;
  /** Clustering column values of the row being labelled (reused buffer). */
  x: Float64Array;
}

const armed = new Map<number, Armed>();

/** Loads and checks everything a statement needs; throws a UserError naming the fix. */
function load(oid: number): Armed | null {
  const settings = loadSettings(oid);
  if (!settings) return null;
  const table = describe(oid);
  checkColumns(table, settings, 'insert');
  const state = loadState(oid, settings.cluster_count, settings.clustering_columns.length);
  return { table, settings, state, rows: 0, refused: null, onlineDirty: false, labeler: labelerFor(settings, state), onlineStep: onlineStepFor(settings, state), x: new Float64Array(settings.clustering_columns.length) };
}

/** Refits run with the inserting role's rights: it must read the window and rewrite cluster numbers. */
function checkRefitRights(a: Armed): void {
  const column = a.settings.cluster_number_column as string;
  const r = one<{ role: string; can_select: boolean; can_update: boolean }>(
    `SELECT current_user::text AS role, pg_catalog.has_table_privilege(${integer(a.table.oid)}::oid, 'SELECT') AS can_select,
            pg_catalog.has_column_privilege(${integer(a.table.oid)}::oid, ${text(column)}, 'UPDATE') AS can_update`,
  );
  if (!r || (r.can_select && r.can_update)) return;
  const missing = [r.can_select ? null : `SELECT on ${a.table.display}`, r.can_update ? null : `UPDATE on its column ${column}`].filter(Boolean).join(' and ');
  throw new UserError(
    `pg_centroid: role "${r.role}" cannot insert into clustered table ${a.table.display}: it lacks ${missing}`,
    `clustering on insert re-clusters with the inserting role's rights; the owner can run: GRANT SELECT, UPDATE (${ident(column)}) ON ${a.table.sql} TO ${ident(r.role)};`,
    'the window is read and changed cluster numbers are rewritten by the role that inserts, never with more rights than it has',
    '42501',
  );
}

/** Chunks seen per hypertable, so the row trigger finds its table without a query. */
const chunkParents = new Map<number, number>();

/** The compiled labeler of the statement policy, when the table has centroids. */
function labelerFor(s: Settings, state: State | null): Labeler | null {
  if (s.refit !== 'statement' || !state) return null;
  return compileLabeler({ columns: s.clustering_columns, centers: state.centers, k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler });
}

/** The compiled step of the online policy, when the table has centroids. */
function onlineStepFor(s: Settings, state: State | null): OnlineStep | null {
  if (s.refit !== 'online' || !state) return null;
  return compileOnlineStep({ columns: s.clustering_columns, k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler, decay: s.decay });
}

/** BEFORE STATEMENT: arms the cache for the table and learns its chunks. */
export function beforeStatement(oid: number): null {
  armed.delete(oid);
  const a = load(oid);
  if (!a) return null;
  checkRefitRights(a);
  armed.set(oid, a);
  for (const chunk of chunksOf(oid)) chunkParents.set(chunk, oid);
  const id = hypertableId(oid);
  if (id !== null) hypertables.set(id, oid);
  return null;
}

/** TimescaleDB's hypertable ids of armed tables: a chunk made during the statement is named _hyper_<id>_<n>_chunk. */
const hypertables = new Map<number, number>();

/** The armed table of a chunk created during this statement, found by the chunk's name. */
function armedByChunkName(schema: string, name: string): Armed | undefined {
  const m = schema === '_timescaledb_internal' ? /^_hyper_(\d+)_\d+_chunk$/.exec(name) : null;
  const oid = m ? hypertables.get(Number(m[1])) : undefined;
  return oid === undefined ? undefined : armed.get(oid);
}

/** The trigger variables pljs and plv8 pass to a trigger function. */
export interface TriggerCall {
  NEW: Record<string, unknown> | undefined;
  TG_WHEN: string;
  TG_LEVEL: string;
  TG_OP: string;
  TG_RELID: number;
  TG_TABLE_SCHEMA: string;
  TG_TABLE_NAME: string;
}

/** BEFORE INSERT FOR EACH ROW: gives the new row its cluster number. */
export function onRow(t: TriggerCall): Record<string, unknown> | undefined {
  if (t.TG_WHEN !== 'BEFORE' || t.TG_LEVEL !== 'ROW' || t.TG_OP !== 'INSERT' || !t.NEW) {
    throw new Error(`centroid.cluster_on_insert() must be a BEFORE INSERT FOR EACH ROW trigger, not ${t.TG_WHEN} ${t.TG_OP} FOR EACH ${t.TG_LEVEL}`);
  }
  // Not armed: the table has no settings (rows pass unlabelled), or rows go straight into a chunk
  // (the statement triggers of the hypertable did not fire; the next refit labels them).
  const a = armed.get(chunkParents.get(t.TG_RELID) ?? t.TG_RELID) ?? armedByChunkName(t.TG_TABLE_SCHEMA, t.TG_TABLE_NAME);
  if (!a) return t.NEW;
  const row = t.NEW;
  const s = a.settings;
  if (s.refit === 'row') return row; // the row-refit companion labels it
  const label = s.cluster_number_column as string;
  a.rows++;
  if (a.labeler) {
    const l = a.labeler(row);
    if (l >= 0) {
      row[label] = l;
      return row;
    }
  } else if (a.onlineStep && a.state) {
    const l = a.onlineStep(row, a.state.centers, a.state.counts);
    if (l >= 0) {
      row[label] = l;
      a.onlineDirty = true;
      return row;
    }
  }
  if (!readFeatures(row, s, a.x)) {
    row[label] = null;
    if (s.invalid_rows === 'error' && !a.refused) a.refused = invalidRowError(a, row);
    return row;
  }
  if (a.state?.scaler) toWorkingSpace(a.x, a.state.scaler);
  switch (s.refit) {
    case 'statement':
      row[label] = a.state ? nearest(a.x, 0, a.state.centers, a.state.k, a.state.d, s.distance_type) : null;
      break;
    case 'online':
      if (a.state) {
        row[label] = onlineUpdate(a.state.centers, a.state.counts, a.x, s.distance_type, s.decay);
        a.onlineDirty = true;
      } else {
        row[label] = null;
      }
      break;
  }
  return row;
}

/** BEFORE INSERT FOR EACH ROW companion of the `row` policy: refits the window with the new row (queries allowed here). */
export function refitRow(relid: number, row: Record<string, unknown>): Record<string, unknown> {
  const oid = tableOf(relid);
  const a = armed.get(oid) ?? load(oid);
  if (!a || a.settings.refit !== 'row') return row;
  const s = a.settings;
  const label = s.cluster_number_column as string;
  if (!readFeatures(row, s, a.x)) {
    if (s.invalid_rows === 'error') throw invalidRowError(a, row);
    row[label] = null;
    return row;
  }
  const r = refitWindow(a.table, s, a.state, { x: a.x.slice() });
  a.state = r.state;
  row[label] = r.outcome.pendingLabel;
  return row;
}

/** AFTER STATEMENT: raises a deferred row error, refits once (statement policy), stores online moves. */
export function afterStatement(oid: number): RefitOutcome | null {
  const a = armed.get(oid);
  armed.delete(oid);
  if (!a) return null;
  if (a.refused) throw a.refused;
  if (a.rows === 0) return null;
  const s = a.settings;
  if (s.refit === 'statement' || (s.refit === 'online' && !a.state)) {
    return refitWindow(a.table, s, a.state).outcome;
  }
  if (s.refit === 'online' && a.onlineDirty && a.state) saveOnline(oid, a.state);
  return null;
}

/** z-scores x in place with the frozen scaler. */
function toWorkingSpace(x: Float64Array, scaler: Scaler): void {
  for (let j = 0; j < x.length; j++) x[j] = ((x[j] as number) - (scaler.means[j] as number)) / (scaler.scales[j] as number);
}

/** Copies a row's clustering columns into x; false when one is NULL, NaN or infinite. */
function readFeatures(row: Record<string, unknown>, s: Settings, x: Float64Array): boolean {
  const cols = s.clustering_columns;
  for (let j = 0; j < cols.length; j++) {
    const v = row[cols[j] as string];
    const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n) || v === null) return false;
    x[j] = n;
  }
  return true;
}

/** The error for a row refused under invalid_rows = error. */
function invalidRowError(a: Armed, row: Record<string, unknown>): UserError {
  const s = a.settings;
  const values = s.clustering_columns.map((c) => `${c} = ${row[c] === null || row[c] === undefined ? 'NULL' : String(row[c])}`).join(', ');
  return new UserError(
    `pg_centroid: row with ${s.key_column} = ${String(row[s.key_column])} of ${a.table.display} has a NULL, NaN or infinite clustering column (${values})`,
    `fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${s.cluster_number_column}`,
    '',
    '22P02',
  );
}
