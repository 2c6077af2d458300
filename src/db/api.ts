// The entry points the SQL functions in sql/ call. Each returns plain JSON-able values; user errors come back as
// { error } for the PL/pgSQL wrapper to raise with their HINT. Every entry that acts on a table checks that the
// caller owns it (the generated hook functions run as the owner), so calling an internal function directly never
// lets a role do what centroid.refit would refuse it.

import { validateConfig, type Settings } from '../config/settings';
import { KMEDOIDS_MAX_POINTS } from '../core/kmedoids';
import { integer } from '../sql/quote';
import { describe, duplicateIdentity, halfLifeUnits, identityColumns, notUniqueError, orderColumn, uniqueByIndex } from './catalog';
import { checkColumns } from './columns';
import { compile } from './compile';
import { guarded, UserError, type ErrorResult } from './errors';
import { hook, label, online } from './insert';
import { nearestEntry, nearestLabelEntry } from './label';
import { checkFit, fitModel } from './batch';
import { predictEntry, takePredictError } from './predict';
import { centroidsEntry, predictVectorEntry, scoreEntry } from './vector-predict';
import { chooseK } from './batch-choose';
import { checkRowSecurity, refitWindow } from './refit';
import { fitStatements } from './sharded';
import { one } from './pl';
import { dimensionsOf } from './pgvector';
import { loadSettings, loadState } from './state';

/** Throws unless the current role owns the table (or is a member of its owner, or a superuser). */
function checkOwner(oid: number, what: string): void {
  const row = one<{ owns: boolean | null; name: string | null }>(
    `SELECT centroid_internal._owns(${integer(oid)}::oid::regclass) AS owns, ${integer(oid)}::oid::regclass::text AS name`,
  );
  if (!row?.owns) {
    throw new UserError(`pg_centroid: only the owner of table ${row?.name ?? oid} can ${what}`, "ask the table's owner, or a superuser", '', '42501');
  }
}

/** Validates a settings row against its table (status, and every reader). The time column shown is the one in effect. */
export function validateSettings(oid: number, config: unknown): { settings: Settings } | ErrorResult {
  return guarded(() => {
    const settings = validateConfig(config, 'insert');
    const table = describe(oid);
    checkColumns(table, settings, 'insert');
    return { settings: { ...settings, time_column: orderColumn(table, settings) } };
  });
}

/**
 * What a settings write must pass besides validation: the key (with a hypertable's time dimension) identifies
 * rows, proven by a unique index or checked in the data; a k-medoids window fits its limit; row-level security
 * does not hide rows from the owner, whose rights refits run with.
 */
export function checkSettingsWrite(oid: number, config: unknown): { ok: true } | ErrorResult {
  return guarded(() => {
    const settings = validateConfig(config, 'insert');
    const table = describe(oid);
    checkColumns(table, settings, 'insert');
    checkRowSecurity(table);
    if (settings.inline_centroids && table.rowSecurity) {
      throw new UserError(
        `pg_centroid setting inline_centroids: ${table.display} has row-level security, and inline centroids would show every role of the database what its hidden rows average to`,
        'remove "inline_centroids" (the centroids then stay with the table\'s owner), or disable row-level security on the table',
      );
    }
    if (halfLifeUnits(table, settings) !== null && !['k-means', 'k-means++'].includes(settings.clustering_algorithm)) {
      throw new UserError(`pg_centroid setting half_life: refits weigh rows by event time with k-means only, not ${settings.clustering_algorithm}`, 'use "clustering_algorithm": "k-means", or remove half_life');
    }
    if (halfLifeUnits(table, settings) !== null && settings.distance_type === 'manhattan') {
      throw new UserError('pg_centroid setting half_life: refits weigh rows by event time with euclidean distance only (manhattan runs k-medians)', 'use "distance_type": "euclidean", or remove half_life');
    }
    if (settings.clustering_algorithm === 'k-medoids' && settings.maximum_data_count > KMEDOIDS_MAX_POINTS) {
      throw new UserError(
        `pg_centroid setting maximum_data_count: ${settings.maximum_data_count} rows is more than k-medoids takes (${KMEDOIDS_MAX_POINTS}); once the table had more rows, every insert would fail`,
        `set "maximum_data_count": ${KMEDOIDS_MAX_POINTS} (or fewer), or use "clustering_algorithm": "k-medians", which scales`,
      );
    }
    const ids = identityColumns(table, settings);
    if (!uniqueByIndex(table, ids)) {
      const example = duplicateIdentity(table, ids);
      if (example !== null) throw notUniqueError(table, settings, ids, example);
    }
    return { ok: true as const };
  });
}

/** centroid.refit(table): re-clusters the window now, whatever the policy. */
export function refit(oid: number): unknown {
  return guarded(() => {
    checkOwner(oid, 'refit it');
    const settings = loadSettings(oid);
    if (!settings) {
      throw new UserError(`pg_centroid: table with oid ${oid} is not clustered`, 'write its settings first: SELECT centroid.attach(table, config)');
    }
    const table = describe(oid);
    checkColumns(table, settings, 'insert');
    const state = loadState(oid, settings.cluster_count, dimensionsOf(table, settings));
    // A refit pg_cron runs (schedule_refit) is told apart by its application_name.
    const scheduled = one<{ a: string }>(`SELECT pg_catalog.current_setting('application_name') AS a`)?.a === 'pg_cron';
    return refitWindow(table, settings, state, undefined, { reason: scheduled ? 'schedule' : 'refit', compile: true }).outcome;
  });
}

export const api = {
  validateSettings,
  checkSettingsWrite,
  refit,
  compile: (oid: number) => guarded(() => compile(oid)),
  hook: (oid: number, event: string) =>
    guarded(() => {
      checkOwner(oid, 'run its clustering hooks');
      return hook(oid, event);
    }),
  online: (oid: number, labels: (number | null)[] | null, features: (number | null)[] | null, times: (number | null)[] | null) =>
    guarded(() => {
      checkOwner(oid, 'move its centroids');
      return online(oid, labels, features, times);
    }),
  label,
  nearest: nearestEntry,
  nearestLabel: nearestLabelEntry,
  // JSON text, not an object: pljs renders numbers in returned jsonb with 15 digits only.
  fit: (model: string, source: string, config: unknown, callerPath: string) => JSON.stringify(guarded(() => fitModel(model, source, config, callerPath))),
  chooseK: (source: string, config: unknown, kMin: number, kMax: number, callerPath: string) =>
    JSON.stringify(guarded(() => chooseK(source, config, kMin, kMax, callerPath))),
  checkFit: (source: string, config: unknown, callerPath: string) => guarded(() => checkFit(source, config, callerPath)),
  fitStatements: (source: string, config: unknown, centers: number[] | number[][] | null, callerPath: string) =>
    JSON.stringify(guarded(() => fitStatements(source, config, centers, callerPath))),
  predict: predictEntry,
  predictVector: predictVectorEntry,
  centroids: centroidsEntry,
  takePredictError,
  score: scoreEntry,
};
