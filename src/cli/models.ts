// The pg-centroid commands of the batch workflow, over the client API: fit, predict, choose-k,
// models, and scheduled fits. Each makes one SQL call and prints a summary (or JSON with --json).

import { PgCentroid } from '../client/index';
import { args, columns, describeJob, integerOption, plural, positional, print, readConfig, required, round, type Command } from './args';
import { CliError, EXIT, withClient } from './connect';
import { withSpinner } from './progress';

export const fit: Command = {
  name: 'fit',
  usage: 'fit <model> --source <table|view|SELECT> --config settings.json [--json]',
  summary: 'segment a table, view or query in one call and record a model version',
  help: `Runs centroid.fit: clusters the source, writes cluster numbers when the settings name a
cluster_number_column (into output_table, else the source table), and records a new version of the model.
  --source NAME|SQL    a table, view, materialized view, or a SELECT statement
  --config FILE|JSON   the settings (see the README's settings table)
--json adds duration_ms and the phases' timings.`,
  async run(argv) {
    const p = args(argv, this.usage, { source: { type: 'string' }, config: { type: 'string' } });
    const model = positional(p, 0, 'model', this.usage);
    const source = required(p, 'source', this.usage);
    const config = readConfig(p.values.config, this.usage);
    const r = await withClient((c) => withSpinner(`fitting ${model}`, () => new PgCentroid(c).fit(model, source, config)));
    print(p, r, () => [
      `model ${r.model} version ${r.version}: ${plural(r.rows_used, 'row')}${r.rows_skipped ? ` (${r.rows_skipped} skipped)` : ''}, k=${r.k}, ${r.algorithm}, cost ${round(r.cost)}, ${plural(r.iterations, 'iteration')}`,
      r.output_table ? `labels written to ${r.output_table}: ${r.labels_changed} changed` : `no labels written (${config.cluster_number_column ? 'no output table' : 'the settings have no cluster_number_column'})`,
      ...r.centroids.map((c, i) => `  cluster ${i}: (${c.map((x) => round(x)).join(', ')})`),
    ].join('\n'));
    return EXIT.ok;
  },
};

/** One point from "x1,x2,..." ("null" for a missing feature). */
function parsePoint(text: string, usage: string): (number | null)[] {
  return text.trim().split(',').map((part, j) => {
    const t = part.trim();
    if (t.toLowerCase() === 'null') return null;
    const x = Number(t);
    if (t === '' || !Number.isFinite(x)) throw new CliError(`feature ${j + 1} of "${text.trim()}" is not a number: "${t}"`, `usage: pg-centroid ${usage}`, EXIT.usage);
    return x;
  });
}

export const predict: Command = {
  name: 'predict',
  usage: 'predict <model> <x1,x2,...> [<x1,x2,...> ...] [--json]',
  summary: "the cluster of points under a model's latest version",
  help: `Runs centroid.predict for each point: one number per clustering column of the model, in their
order, separated by commas (no spaces, or quote the point); null for a missing feature, whose point
gets no cluster. Negative numbers may be written as they are: predict m -1.5,2.`,
  async run(argv) {
    // A leading space keeps "-1.5,2" from being read as options; parsePoint trims it.
    const p = args(argv.map((a) => (/^-[\d.]/.test(a) ? ` ${a}` : a)), this.usage);
    const model = positional(p, 0, 'model', this.usage);
    if (p.positionals.length < 2) throw new CliError('missing the point to predict', `usage: pg-centroid ${this.usage}`, EXIT.usage);
    const points = p.positionals.slice(1).map((t) => parsePoint(t, this.usage));
    const labels = await withClient((c) => new PgCentroid(c).predict(model, points));
    const predictions = points.map((features, i) => ({ features, cluster: labels[i] ?? null }));
    print(p, { model, predictions }, () => predictions
      .map((x) => `(${x.features.map((f) => (f === null ? 'null' : String(f))).join(', ')}) -> ${x.cluster === null ? 'no cluster (a missing feature)' : `cluster ${x.cluster}`}`)
      .join('\n'));
    return EXIT.ok;
  },
};

export const chooseK: Command = {
  name: 'choose-k',
  usage: 'choose-k --source <table|view|SELECT> --config settings.json [--k-min 2] [--k-max 10] [--json]',
  summary: 'fit every k of a range and recommend one (writes nothing)',
  help: `Runs centroid.choose_k: fits every k from --k-min to --k-max on the source and recommends one by
silhouette, with the elbow of the cost curve beside it. The settings' cluster_count is not used.
  --source NAME|SQL    a table, view, materialized view, or a SELECT statement
  --config FILE|JSON   the settings (key_column, clustering_columns, ...)
  --k-min N, --k-max N the range (default 2 to 10)`,
  async run(argv) {
    const p = args(argv, this.usage, { source: { type: 'string' }, config: { type: 'string' }, 'k-min': { type: 'string' }, 'k-max': { type: 'string' } });
    const source = required(p, 'source', this.usage);
    const config = readConfig(p.values.config, this.usage);
    const kMin = integerOption(p, 'k-min', 2, 1, this.usage);
    const kMax = integerOption(p, 'k-max', Math.max(10, kMin), 1, this.usage);
    const r = await withClient((c) => withSpinner(`fitting k = ${kMin} to ${kMax}`, () => new PgCentroid(c).chooseK(source, config, { kMin, kMax })));
    print(p, r, () => [
      columns(['k', 'cost', 'silhouette', 'davies_bouldin', 'calinski_harabasz', 'iterations'],
        r.candidates.map((c) => [String(c.k), round(c.cost), round(c.silhouette), round(c.davies_bouldin), round(c.calinski_harabasz), String(c.iterations)])),
      `recommended k = ${r.recommended}${r.by_silhouette !== null ? ' (highest silhouette)' : ''}; the elbow of the cost curve is at ${r.by_elbow === null ? 'no k' : `k = ${r.by_elbow}`}; ${r.rows_used} rows${r.rows_skipped ? ` (${r.rows_skipped} skipped)` : ''}`,
    ].join('\n'));
    return EXIT.ok;
  },
};

export const models: Command = {
  name: 'models',
  usage: 'models [model] [--json]',
  summary: 'the versions of fitted models (centroid.models)',
  help: `Lists every version of your models, or of one model, oldest first: version, k, cost, rows used,
when it was fitted. --json gives whole rows (config, centroids, standardization, metrics, ...).`,
  async run(argv) {
    const p = args(argv, this.usage);
    const name = p.positionals[0];
    const versions = await withClient((c) => new PgCentroid(c).models(name));
    if (name && versions.length === 0) throw new CliError(`model "${name}" does not exist`, `fit it first: pg-centroid fit ${name} --source <table> --config settings.json`);
    print(p, versions, () => versions.length === 0
      ? 'no models (fit one: pg-centroid fit <model> --source <table> --config settings.json)'
      : columns(['model', 'version', 'k', 'cost', 'rows_used', 'created_at'],
        versions.map((v) => [v.model, String(v.version), String(v.k), round(v.cost), String(v.rows_used), v.created_at.toISOString()])));
    return EXIT.ok;
  },
};

export const scheduleFit: Command = {
  name: 'schedule-fit',
  usage: "schedule-fit <model> --source <table|view|SELECT> --config settings.json --schedule '0 3 * * *' [--refresh view] [--json]",
  summary: 'refit a model on a pg_cron schedule',
  help: `Registers a pg_cron job that refits the model (centroid.schedule_fit); scheduling it again replaces it.
  --schedule CRON   cron syntax, e.g. '0 3 * * *'
  --refresh VIEW    a materialized view refreshed before each fit (CONCURRENTLY when it has a unique index)
pg_cron lives in one database (cron.database_name); from another database the job is registered there
through dblink (CREATE EXTENSION dblink first), else the error's hint gives the statement to run there.`,
  async run(argv) {
    const p = args(argv, this.usage, { source: { type: 'string' }, config: { type: 'string' }, schedule: { type: 'string' }, refresh: { type: 'string' } });
    const model = positional(p, 0, 'model', this.usage);
    const source = required(p, 'source', this.usage);
    const config = readConfig(p.values.config, this.usage);
    const schedule = required(p, 'schedule', this.usage);
    const refresh = typeof p.values.refresh === 'string' ? p.values.refresh : undefined;
    const r = await withClient((c) => new PgCentroid(c).scheduleFit(model, source, config, schedule, { refresh }));
    print(p, r, () => describeJob(`fits of model ${model}`, r));
    return EXIT.ok;
  },
};

export const unscheduleFit: Command = {
  name: 'unschedule-fit',
  usage: 'unschedule-fit <model> [--json]',
  summary: 'remove the scheduled fit of a model',
  help: 'Removes the pg_cron job of schedule-fit (centroid.unschedule_fit); says so when there was none.',
  async run(argv) {
    const p = args(argv, this.usage);
    const model = positional(p, 0, 'model', this.usage);
    const removed = await withClient((c) => new PgCentroid(c).unscheduleFit(model));
    print(p, { model, removed }, () => (removed ? `unscheduled the fits of model ${model}` : `model ${model} had no scheduled fit: nothing to do`));
    return EXIT.ok;
  },
};
