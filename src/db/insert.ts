// Clustering on insert. A statement-level companion trigger arms a per-table cache (settings,
// columns, centroids) before the first row; the table's label trigger (a PL/pgSQL function
// generated for the table, see centroid._companions) passes each row's clustering columns to
// label(), which answers from the cache in microseconds (policy `statement`), moves the nearest
// centroid (`online`) or refits the window with the row (`row`, the paper's way); a statement-level
// trigger after the last row refits the window once (`statement`), stores online moves, or raises
// a deferred row error.
//
// Why not a pljs trigger: pljs 1.0.5 runs no query inside a pljs trigger, and its conversion of
// rows and JSON objects leaks memory on every call until the backend crashes (a trigger that only
// returns NEW segfaulted after ~700,000 rows in one session here); float8[] arguments do not leak.

import type { Settings } from '../config/settings';
import { checkColumns, describe, tableOf, type Table } from './catalog';
import { UserError } from './errors';
import { compileLabeler, compileOnlineStep, type Features, type Labeler, type OnlineStep } from './labeler';
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
}

const armed = new Map<number, Armed>();

/** Loads and checks everything a statement needs; throws a UserError naming the fix. */
function load(oid: number): Armed | null {
  const settings = loadSettings(oid);
  if (!settings) return null;
  const table = describe(oid);
  checkColumns(table, settings, 'insert');
  const state = loadState(oid, settings.cluster_count, settings.clustering_columns.length);
  return { table, settings, state, rows: 0, refused: null, onlineDirty: false, labeler: labelerFor(settings, state), onlineStep: onlineStepFor(settings, state) };
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

/** The compiled labeler of the statement policy, when the table has centroids. */
function labelerFor(s: Settings, state: State | null): Labeler | null {
  if (s.refit !== 'statement' || !state) return null;
  return compileLabeler({ centers: state.centers, k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler });
}

/** The compiled step of the online policy, when the table has centroids. */
function onlineStepFor(s: Settings, state: State | null): OnlineStep | null {
  if (s.refit !== 'online' || !state) return null;
  return compileOnlineStep({ k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler, decay: s.decay });
}

/** BEFORE STATEMENT: arms the cache for the table and learns its chunks. */
export function beforeStatement(oid: number): null {
  armed.delete(oid);
  const a = load(oid);
  if (!a) return null;
  checkRefitRights(a);
  armed.set(oid, a);
  return null;
}

/** The label of one new row, given its clustering columns (NULL when it gets none). */
export function label(relid: number, x: Features): number | null {
  // Not armed: rows went straight into a chunk, without the hypertable's statement triggers; the
  // next refit labels them.
  const a = armed.get(tableOf(relid));
  if (!a) return null;
  const s = a.settings;
  if (s.refit !== 'row') a.rows++;
  let l = -1;
  if (a.labeler) l = a.labeler(x);
  else if (a.onlineStep && a.state) {
    l = a.onlineStep(x, a.state.centers, a.state.counts);
    if (l >= 0) a.onlineDirty = true;
  } else if (isValid(x)) {
    if (s.refit !== 'row') return null; // no centroids yet: the statement's refit labels the row
    try {
      const r = refitWindow(a.table, s, a.state, { x: Float64Array.from(x as ArrayLike<number>) });
      a.state = r.state;
      return r.outcome.pendingLabel;
    } catch (e) {
      // A refusal (e.g. a window too big for memory) is raised with its HINT after the statement.
      if (!(e instanceof UserError)) throw e;
      a.refused ??= e;
      return null;
    }
  }
  if (l >= 0) return l;
  if (!isValid(x) && s.invalid_rows === 'error' && !a.refused) a.refused = invalidRowError(a, x);
  return null;
}

/** True when every feature is a finite number. */
function isValid(x: Features): boolean {
  for (let j = 0; j < x.length; j++) {
    const v = x[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
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

/** The error for a row refused under invalid_rows = error. */
function invalidRowError(a: Armed, x: Features): UserError {
  const s = a.settings;
  const values = s.clustering_columns.map((c, j) => `${c} = ${x[j] === null || x[j] === undefined ? 'NULL' : String(x[j])}`).join(', ');
  return new UserError(
    `pg_centroid: a row of ${a.table.display} has a NULL, NaN or infinite clustering column (${values})`,
    `fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${s.cluster_number_column}`,
    '',
    '22P02',
  );
}
