// `pg-centroid plot`: a scatter of a random sample, coloured by cluster, with the centroids marked:
// of a clustered table (its stored labels and centroids), or of a fitted model over a source (the
// model's predicted clusters via centroid.predict, its centroids from centroid.models).

import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PgCentroid, type SampleRow } from '../client/index';
import { args, integerOption, print, type Command } from './args';
import { CliError, EXIT, withClient } from './connect';
import { renderHtml, renderSvg, type PlotCentroid, type PlotData } from './plot';
import { projection } from './projection';

export const plot: Command = {
  name: 'plot',
  usage: 'plot <table> --out plot.svg [--html plot.html] [--sample 2000] [--json]\n       plot --model <model> [--source <table|view|SELECT>] --out plot.svg [--html plot.html] [--sample 2000] [--json]',
  summary: 'scatter of a sample coloured by cluster, centroids marked (a clustered table, or a fitted model)',
  help: `Writes an SVG (and with --html a page holding it) of a random sample of rows: the two clustering
columns, or the first two principal components of the sample when there are more.
  <table>              a clustered table: its rows' cluster numbers and its stored centroids
  --model NAME         a fitted model instead: rows coloured by centroid.predict under its latest version,
                       its centroids marked (from centroid.models)
  --source NAME|SQL    with --model: the rows to sample (default: the source the model was fitted on)
  --out FILE, --html FILE   where to write (at least one)
  --sample N           at most N rows (default 2000; ORDER BY random(), a full scan)`,
  async run(argv) {
    const p = args(argv, this.usage.split('\n')[0] as string, { out: { type: 'string' }, html: { type: 'string' }, sample: { type: 'string' }, model: { type: 'string' }, source: { type: 'string' } });
    const out = typeof p.values.out === 'string' ? p.values.out : undefined;
    const html = typeof p.values.html === 'string' ? p.values.html : undefined;
    const model = typeof p.values.model === 'string' ? p.values.model : undefined;
    const source = typeof p.values.source === 'string' ? p.values.source : undefined;
    const table = p.positionals[0];
    if (model === undefined && table === undefined) throw new CliError('missing table (or --model)', `usage: pg-centroid ${this.usage}`, EXIT.usage);
    if (model !== undefined && table !== undefined) throw new CliError(`give a table or --model, not both ("${table}" and --model ${model})`, `usage: pg-centroid ${this.usage}`, EXIT.usage);
    if (source !== undefined && model === undefined) throw new CliError('--source goes with --model', `usage: pg-centroid ${this.usage}`, EXIT.usage);
    if (out === undefined && html === undefined) throw new CliError('missing --out (or --html)', `usage: pg-centroid ${this.usage}`, EXIT.usage);
    const n = integerOption(p, 'sample', 2000, 1, this.usage);
    for (const f of [out, html]) if (f !== undefined) checkWritable(f);
    const data = await withClient((c) => (model !== undefined ? modelPlot(new PgCentroid(c), model, source, n) : tablePlot(new PgCentroid(c), table as string, n)));
    const svg = renderSvg(data.plot);
    if (out !== undefined) write(out, svg);
    if (html !== undefined) write(html, renderHtml(data.plot, svg));
    const summary = { ...data.what, out: out ?? null, html: html ?? null, points: data.plot.points.length, clusters: data.plot.centroids.length, axes: data.plot.axes };
    print(p, summary, () => `wrote ${[out, html].filter(Boolean).join(' and ')}: ${summary.points} rows, ${summary.clusters} centroids (${data.plot.axes.filter(Boolean).join(' vs ')})`);
    return EXIT.ok;
  },
};

/** A plot and what it shows (table, or model and version). */
interface Plotted {
  what: Record<string, unknown>;
  plot: PlotData;
}

/** Projects sampled rows and centroids to the plot's axes. */
function project(columns: string[], rows: SampleRow[], centroids: { centroid: number[]; cluster: number; size: number | null }[], zscore: boolean): Pick<PlotData, 'axes' | 'points' | 'centroids'> {
  const finite = rows.filter((r) => r.features.every(Number.isFinite));
  const proj = projection(columns, finite.map((r) => r.features), zscore);
  return {
    axes: proj.axes,
    points: finite.map((r) => {
      const [x, y] = proj.project(r.features);
      return { x, y, cluster: r.cluster };
    }),
    centroids: centroids.map((c): PlotCentroid => {
      const [x, y] = proj.project(c.centroid);
      return { x, y, cluster: c.cluster, size: c.size };
    }),
  };
}

/** A clustered table: its stored labels and centroids. */
async function tablePlot(api: PgCentroid, table: string, n: number): Promise<Plotted> {
  const status = await api.status(table);
  const s = status.settings;
  if (!s) throw new CliError(`the settings of ${status.table} no longer fit the table: ${status.error?.message ?? ''}`, status.error?.hint ?? '');
  const rows = await api.sample(table, n);
  const parts = project(s.clustering_columns, rows, status.clusters, s.standardize === 'zscore');
  const columns = s.clustering_columns;
  return {
    what: { table: status.table },
    plot: {
      title: `${status.table}: ${s.cluster_count} clusters (${s.clustering_algorithm}, ${s.distance_type})`,
      subtitle: `${parts.points.length} sampled rows of ${status.rows ?? '?'}; ${columns.length > 2 ? `projected from ${columns.length} columns (${columns.join(', ')})` : columns.join(' vs ')}; ${status.refits} refits`,
      ...parts,
    },
  };
}

/** A fitted model over a source: predicted clusters, the model's centroids and its cluster sizes. */
async function modelPlot(api: PgCentroid, model: string, source: string | undefined, n: number): Promise<Plotted> {
  if (!(await api.model(model))) throw new CliError(`model "${model}" does not exist`, `fit it first: pg-centroid fit ${model} --source <table> --config settings.json`);
  const { version, rows } = await api.sampleModel(model, n, source);
  const sizes = (version.metrics?.cluster_sizes as number[] | undefined) ?? [];
  const columns = version.config.clustering_columns;
  const parts = project(columns, rows, version.centroids.map((centroid, cluster) => ({ centroid, cluster, size: sizes[cluster] ?? null })), version.config.standardize === 'zscore');
  return {
    what: { model, version: version.version, source: source ?? version.source },
    plot: {
      title: `model ${model} version ${version.version}: ${version.k} clusters (${version.config.clustering_algorithm ?? 'k-means'})`,
      subtitle: `${parts.points.length} sampled rows of ${source ?? version.source}, coloured by centroid.predict; ${columns.length > 2 ? `projected from ${columns.length} columns (${columns.join(', ')})` : columns.join(' vs ')}; sizes as fitted`,
      ...parts,
    },
  };
}

/** Refuses, before any query, an output path whose directory is missing or not writable. */
function checkWritable(file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`cannot write ${file}: there is no directory ${dir}`, 'create the directory first, or write somewhere else', EXIT.usage);
  if (existsSync(file) && statSync(file).isDirectory()) throw new CliError(`cannot write ${file}: it is a directory`, 'name a file, e.g. plot.svg', EXIT.usage);
  try {
    accessSync(existsSync(file) ? file : dir, constants.W_OK);
  } catch {
    throw new CliError(`cannot write ${file}: ${existsSync(file) ? 'the file' : `the directory ${dir}`} is not writable by this user`, 'write somewhere else, e.g. --out /tmp/plot.svg', EXIT.usage);
  }
}

/** Writes a file, turning the system's error into one that names the file. */
function write(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${(e as Error).message}`, 'write somewhere else, e.g. --out /tmp/plot.svg', EXIT.usage);
  }
}
