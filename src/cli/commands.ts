// The pg-centroid commands over the client API: each parses its arguments, makes one or two API
// calls, and prints a summary (or JSON with --json). No clustering happens here.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PgCentroid, type Config, type TableStatus } from '../client/index';
import { projectRoot } from '../stack/stack';
import { CliError, withClient } from './connect';
import { install, type Method } from './install';
import { renderHtml, renderSvg, type PlotData } from './plot';
import { parseCsv } from './csv';
import { progress, withSpinner } from './progress';
import { projection } from './projection';

/** Parsed arguments: positionals and options. */
type Parsed = { positionals: string[]; values: Record<string, string | boolean | undefined> };

/** Parses a command's arguments; unknown options are refused with the command's usage. */
function args(argv: string[], usage: string, options: Record<string, { type: 'string' | 'boolean' }> = {}): Parsed {
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, ...options } });
    return { positionals, values: values as Parsed['values'] };
  } catch (e) {
    throw new CliError((e as Error).message, `usage: ${usage}`, 2);
  }
}

/** The n-th positional argument, or a usage error. */
function positional(p: Parsed, i: number, name: string, usage: string): string {
  const v = p.positionals[i];
  if (v === undefined) throw new CliError(`missing ${name}`, `usage: ${usage}`, 2);
  return v;
}

/** Prints data as JSON (--json) or as the human summary. */
function print(p: Parsed, data: unknown, human: () => string): void {
  console.log(p.values.json ? JSON.stringify(data, null, 2) : human());
}

/** Reads settings from a JSON file, or from inline JSON text starting with "{". */
function readConfig(source: string | boolean | undefined, usage: string): Config {
  if (typeof source !== 'string') throw new CliError('missing --config', `usage: ${usage}`, 2);
  let text = source;
  if (!source.trimStart().startsWith('{')) {
    if (!existsSync(source)) throw new CliError(`cannot read settings: no file ${source}`, 'pass --config settings.json (a JSON object, see the README\'s settings table)', 2);
    text = readFileSync(source, 'utf8');
  }
  try {
    return JSON.parse(text) as Config;
  } catch (e) {
    throw new CliError(`settings in ${source === text ? '--config' : source} are not valid JSON: ${(e as Error).message}`, 'write a JSON object such as {"key_column": "id", "clustering_columns": ["v1", "v2"], "cluster_count": 3, "cluster_number_column": "cluster_number"}', 2);
  }
}

/** Rounds for display. */
function round(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? '-' : String(+x.toPrecision(digits));
}

const ATTACH = 'pg-centroid attach <table> --config settings.json [--no-refit] [--json]';

/** `attach <table> --config file.json`: settings, row trigger, and a first clustering of the rows there. */
export async function attach(argv: string[]): Promise<number> {
  const p = args(argv, ATTACH, { config: { type: 'string' }, 'no-refit': { type: 'boolean' } });
  const table = positional(p, 0, 'table', ATTACH);
  const config = readConfig(p.values.config, ATTACH);
  const r = await withClient((c) => withSpinner(`attaching ${table}`, () => new PgCentroid(c).attach(table, config, { refit: !p.values['no-refit'] })));
  print(p, r, () => {
    const refit = r.refit;
    const what = !refit ? 'not clustered yet (--no-refit)'
      : refit.status === 'refitted' ? `clustered ${refit.rows} rows (${refit.changed} labels written, cost ${round(refit.cost)})`
      : `waiting: ${refit.rows} valid rows, fewer than minimum_data_count`;
    return `attached ${r.table}: trigger ${r.trigger}; ${what}`;
  });
  return 0;
}

const DETACH = 'pg-centroid detach <table> [--json]';

/** `detach <table>`: no more clustering on insert (cluster numbers stay). */
export async function detach(argv: string[]): Promise<number> {
  const p = args(argv, DETACH);
  const table = positional(p, 0, 'table', DETACH);
  const r = await withClient((c) => new PgCentroid(c).detach(table));
  print(p, r, () => r.settings_removed || r.triggers_dropped.length > 0
    ? `detached ${r.table}: dropped ${r.triggers_dropped.join(', ') || 'no row trigger'}, settings and centroids removed (cluster numbers stay)`
    : `${r.table} was not attached: nothing to do`);
  return 0;
}

const STATUS = 'pg-centroid status [table] [--json]';

/** `status [table]`: settings, rows, last refit, cost, cluster sizes. */
export async function status(argv: string[]): Promise<number> {
  const p = args(argv, STATUS);
  const table = p.positionals[0];
  const list = await withClient(async (c) => {
    const api = new PgCentroid(c);
    return table ? [await api.status(table)] : await api.statusAll();
  });
  print(p, table ? list[0] : list, () => (list.length === 0 ? 'no clustered tables (attach one: pg-centroid attach <table> --config settings.json)' : list.map(describeStatus).join('\n\n')));
  return 0;
}

/** The human summary of one table's status. */
function describeStatus(s: TableStatus): string {
  const set = s.settings;
  const lines = [
    `${s.table}${s.trigger ? '' : '  (no row trigger: new rows are not labelled)'}`,
    set
      ? `  ${set.clustering_algorithm}, k=${set.cluster_count}, ${set.distance_type}, columns ${set.clustering_columns.join(', ')} -> ${set.cluster_number_column}, refit ${set.refit}, window ${set.minimum_data_count}..${set.maximum_data_count}`
      : `  settings no longer fit the table: ${s.error?.message ?? ''}${s.error?.hint ? ` (${s.error.hint})` : ''}`,
    `  rows ${s.rows ?? '-'}, labelled ${s.labelled_rows ?? '-'}`,
    s.refits > 0
      ? `  last refit ${s.refitted_at}: ${s.rows_used} rows, ${s.iterations} iterations${s.converged ? '' : ' (not converged)'}, cost ${round(s.cost)}, ${round(s.duration_ms, 3)} ms, ${s.changed_labels} labels changed; ${s.refits} refits`
      : '  not clustered yet',
  ];
  if (s.clusters.length > 0) {
    lines.push('  cluster     size     radius  centroid');
    for (const c of s.clusters) {
      lines.push(`  ${String(c.cluster).padStart(7)} ${String(c.size ?? '-').padStart(8)} ${round(c.radius).padStart(10)}  (${c.centroid.map((x) => round(x)).join(', ')})`);
    }
  }
  return lines.join('\n');
}

const REFIT = 'pg-centroid refit <table> [--json]';

/** `refit <table>`: re-clusters the window now. */
export async function refit(argv: string[]): Promise<number> {
  const p = args(argv, REFIT);
  const table = positional(p, 0, 'table', REFIT);
  const r = await withClient((c) => withSpinner(`refitting ${table}`, () => new PgCentroid(c).refit(table)));
  print(p, r, () => r.status === 'refitted'
    ? `refitted ${table}: ${r.rows} rows, ${r.iterations} iterations, cost ${round(r.cost)}, ${r.changed} labels changed, ${round(r.duration_ms, 3)} ms`
    : `${table} not clustered: ${r.status === 'waiting' ? `${r.rows} valid rows, fewer than minimum_data_count` : 'fewer distinct rows than cluster_count'}`);
  return 0;
}

const FIT = 'pg-centroid fit <model> --source <table, view or SELECT> --config settings.json [--json]';

/** `fit <model> --source ... --config ...`: the batch workflow (centroid.fit). */
export async function fit(argv: string[]): Promise<number> {
  const p = args(argv, FIT, { source: { type: 'string' }, config: { type: 'string' } });
  const model = positional(p, 0, 'model', FIT);
  const source = p.values.source;
  if (typeof source !== 'string') throw new CliError('missing --source', `usage: ${FIT}`, 2);
  const config = readConfig(p.values.config, FIT);
  const r = await withClient((c) => withSpinner(`fitting ${model}`, () => new PgCentroid(c).fit(model, source, config)));
  print(p, r, () => [
    `model ${r.model} version ${r.version}: ${r.rows_used} rows${r.rows_skipped ? ` (${r.rows_skipped} skipped)` : ''}, k=${r.k}, ${r.algorithm}, cost ${round(r.cost)}, ${r.iterations} iterations, ${round(r.duration_ms, 3)} ms`,
    r.output_table ? `labels written to ${r.output_table}: ${r.labels_changed} changed` : 'no labels written (no output table)',
    ...r.centroids.map((c, i) => `  cluster ${i}: (${c.map((x) => round(x)).join(', ')})`),
  ].join('\n'));
  return 0;
}

const INSTALL = 'pg-centroid install [--method auto|files|sql] [--json]';

/** `install`: pg_centroid into the database behind DATABASE_URL (or the embedded stack's). */
export async function installCommand(argv: string[]): Promise<number> {
  const p = args(argv, INSTALL, { method: { type: 'string' } });
  const method = (p.values.method ?? 'auto') as Method;
  if (!['auto', 'files', 'sql'].includes(method)) throw new CliError(`--method must be auto, files or sql, not "${method}"`, `usage: ${INSTALL}`, 2);
  const r = await withClient((c, url) => install(c, url, method));
  print(p, r, () => r.action === 'already installed'
    ? `pg_centroid ${r.version} is already installed in ${r.database}`
    : `pg_centroid ${r.version} ${r.action} in ${r.database} (${r.method === 'files' ? `files copied to ${r.share_dir}, then ${r.action === 'updated' ? 'ALTER EXTENSION UPDATE' : 'CREATE EXTENSION'}` : 'plain SQL installer'}; language ${r.language})`);
  return 0;
}

const PLOT = 'pg-centroid plot <table> --out plot.svg [--html plot.html] [--sample 2000] [--json]';

/** `plot <table> --out file.svg`: a scatter of a sample coloured by cluster, centroids marked. */
export async function plot(argv: string[]): Promise<number> {
  const p = args(argv, PLOT, { out: { type: 'string' }, html: { type: 'string' }, sample: { type: 'string' } });
  const table = positional(p, 0, 'table', PLOT);
  const out = p.values.out;
  const html = p.values.html;
  if (typeof out !== 'string' && typeof html !== 'string') throw new CliError('missing --out (or --html)', `usage: ${PLOT}`, 2);
  const n = Number(p.values.sample ?? 2000);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--sample must be a positive integer, not "${String(p.values.sample)}"`, `usage: ${PLOT}`, 2);
  const { status, rows } = await withClient(async (c) => {
    const api = new PgCentroid(c);
    return { status: await api.status(table), rows: await api.sample(table, n) };
  });
  const s = status.settings;
  if (!s) throw new CliError(`the settings of ${status.table} no longer fit the table: ${status.error?.message ?? ''}`, status.error?.hint ?? '');
  const finite = rows.filter((r) => r.features.every(Number.isFinite));
  const proj = projection(s.clustering_columns, finite.map((r) => r.features), s.standardize === 'zscore');
  const data: PlotData = {
    title: `${status.table}: ${s.cluster_count} clusters (${s.clustering_algorithm}, ${s.distance_type})`,
    subtitle: `${finite.length} sampled rows of ${status.rows ?? '?'}; ${s.clustering_columns.length > 2 ? `projected from ${s.clustering_columns.length} columns (${s.clustering_columns.join(', ')})` : s.clustering_columns.join(' vs ')}; ${status.refits} refits`,
    axes: proj.axes,
    points: finite.map((r) => {
      const [x, y] = proj.project(r.features);
      return { x, y, cluster: r.cluster };
    }),
    centroids: status.clusters.map((c) => {
      const [x, y] = proj.project(c.centroid);
      return { x, y, cluster: c.cluster, size: c.size };
    }),
  };
  const svg = renderSvg(data);
  if (typeof out === 'string') writeFileSync(out, svg);
  if (typeof html === 'string') writeFileSync(html, renderHtml(data, svg));
  const summary = { table: status.table, out: out ?? null, html: html ?? null, points: data.points.length, clusters: data.centroids.length, axes: data.axes };
  print(p, summary, () => `wrote ${[out, html].filter(Boolean).join(' and ')}: ${summary.points} rows, ${summary.clusters} centroids (${data.axes.filter(Boolean).join(' vs ')})`);
  return 0;
}

const LOAD = 'pg-centroid load <table> --csv rows.csv [--batch 10000] [--json]';

/** `load <table> --csv file`: bulk insert (header row names the columns), one INSERT per batch so clustering refits once per batch. */
export async function load(argv: string[]): Promise<number> {
  const p = args(argv, LOAD, { csv: { type: 'string' }, batch: { type: 'string' } });
  const table = positional(p, 0, 'table', LOAD);
  const file = p.values.csv;
  if (typeof file !== 'string') throw new CliError('missing --csv', `usage: ${LOAD}`, 2);
  if (!existsSync(file)) throw new CliError(`no file ${file}`, `usage: ${LOAD}`, 2);
  const batch = Number(p.values.batch ?? 10000);
  if (!Number.isInteger(batch) || batch < 1) throw new CliError(`--batch must be a positive integer, not "${String(p.values.batch)}"`, `usage: ${LOAD}`, 2);
  let records: (string | null)[][];
  try {
    records = parseCsv(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 'write CSV with a header row of column names');
  }
  const [header, ...data] = records;
  if (!header || header.some((h) => h === null)) throw new CliError(`${file} has no header row of column names`, 'the first line names the columns, e.g. v1,v2,v3');
  const names = header as string[];
  const started = Date.now();
  const inserted = await withClient(async (c) => {
    const api = new PgCentroid(c);
    const bar = progress(`loading ${table}`, data.length);
    let done = 0;
    try {
      for (let i = 0; i < data.length; i += batch) {
        const rows = data.slice(i, i + batch).map((r) => Object.fromEntries(names.map((n, j) => [n, r[j] ?? null])));
        done += await api.insert(table, rows);
        bar.update(done);
      }
    } finally {
      bar.finish();
    }
    return done;
  });
  const result = { table, rows: inserted, batches: Math.ceil(data.length / batch), duration_ms: Date.now() - started };
  print(p, result, () => `loaded ${inserted} rows into ${table} in ${result.batches} statement${result.batches === 1 ? '' : 's'} (${(result.duration_ms / 1000).toFixed(1)} s)`);
  return 0;
}

/** `bench [args...]`: runs the benchmark (bench/run.ts, or $PG_CENTROID_BENCH) with tsx, passing the arguments on. */
export async function bench(argv: string[]): Promise<number> {
  const root = projectRoot();
  const script = process.env.PG_CENTROID_BENCH ?? join(root, 'bench', 'run.ts');
  if (!existsSync(script)) throw new CliError(`no benchmark script at ${script}`, 'run pg-centroid bench from a checkout of pg_centroid (npm install first)');
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const [cmd, cmdArgs] = existsSync(tsx) ? [tsx, [script, ...argv]] : ['npx', ['tsx', script, ...argv]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
