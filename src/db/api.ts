// The entry points the SQL functions in sql/ call. Each returns plain JSON-able values; user errors
// come back as { error } for the PL/pgSQL wrapper to raise with their HINT.

import { validateConfig, type Settings } from '../config/settings';
import { checkColumns, describe } from './catalog';
import { guarded, UserError, type ErrorResult } from './errors';
import { afterStatement, beforeStatement, label } from './insert';
import { checkFitConfig, fitModel, predictEntry, takePredictError } from './batch';
import { chooseK } from './batch-choose';
import { refitWindow } from './refit';
import { loadSettings, loadState } from './state';

/** Validates a settings row against its table: called by the trigger on centroid.settings. */
export function validateSettings(oid: number, config: unknown): { settings: Settings } | ErrorResult {
  return guarded(() => {
    const settings = validateConfig(config, 'insert');
    checkColumns(describe(oid), settings, 'insert');
    return { settings };
  });
}

/** centroid.refit(table): re-clusters the window now, whatever the policy. */
export function refit(oid: number): unknown {
  return guarded(() => {
    const settings = loadSettings(oid);
    if (!settings) {
      throw new UserError(`pg_centroid: table with oid ${oid} is not clustered`, 'INSERT INTO centroid.settings (table_name, config) VALUES (...) first, or use centroid.attach()');
    }
    const table = describe(oid);
    checkColumns(table, settings, 'insert');
    const state = loadState(oid, settings.cluster_count, settings.clustering_columns.length);
    return refitWindow(table, settings, state).outcome;
  });
}

export const api = {
  validateSettings,
  refit,
  beforeStatement: (oid: number) => guarded(() => beforeStatement(oid)),
  afterStatement: (oid: number) => guarded(() => afterStatement(oid)),
  label,
  // JSON text, not an object: pljs renders numbers in returned jsonb with 15 digits only.
  fit: (model: string, source: string, config: unknown) => JSON.stringify(guarded(() => fitModel(model, source, config))),
  chooseK: (source: string, config: unknown, kMin: number, kMax: number) => JSON.stringify(guarded(() => chooseK(source, config, kMin, kMax))),
  checkFitConfig: (config: unknown) => guarded(() => checkFitConfig(config)),
  predict: predictEntry,
  takePredictError,
};
