// The benchmark's report: judges each row by its worst data shape, writes bench/RESULTS.md (the table, each
// shape's figures, where the time goes, the data shapes with their iteration counts) and the SVG plot.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Options } from './args';
import type { CustomerShape, EmbeddingShape, PointShape } from './data';
import { linearFit } from './stats';
import { linePlot } from './svg';

/** One data shape's figure in a row. */
export interface Figure {
  /** The generator's id. */
  shape: string;
  measured: string;
  ratio: string;
  /** The number judged against the target (a ratio, microseconds, R^2). */
  value: number;
  met: boolean;
  /** k-means iterations of the fit measured, when it is a fit from scratch (not warm, not capped by the row). */
  iterations?: number;
  note?: string;
}

/** Which way a row's value gets worse. */
export type Worse = 'higher' | 'lower';

/** What a case measured. */
export interface Measured {
  /** The row's text in the table (sizes filled in). */
  what: string;
  figures: Figure[];
  worse: Worse;
  /** A line under the row's own table. */
  note?: string;
  /** Markdown lines for "where the time goes". */
  details?: string[];
  /** Lines of the SVG plot (only the scaling row has them). */
  series?: Curve[];
}

/** A plotted line: refit time against window size; curves of one shape share a color. */
export interface Curve {
  name: string;
  shape: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

/** A row of the results: measured, or not (with the error). */
export interface RowResult extends Measured {
  n: number;
  id: string;
  target: string;
  status: 'met' | 'missed' | 'not measured';
  seconds: number;
  /** The machine's 1-minute load average when the row started and when it ended (it is shared). */
  load?: [number, number];
  error?: string;
}

/** The figure that decides a row: its worst shape. */
export function worstOf(row: Pick<Measured, 'figures' | 'worse'>): Figure | undefined {
  const sign = row.worse === 'higher' ? 1 : -1;
  return row.figures.reduce<Figure | undefined>((w, f) => (!w || sign * (f.value - w.value) > 0 || Number.isNaN(f.value) ? f : w), undefined);
}

/** met when every shape meets the target, else missed. */
export function judge(figures: Figure[]): 'met' | 'missed' {
  return figures.length > 0 && figures.every((f) => f.met) ? 'met' : 'missed';
}

/** Formats milliseconds. */
export function ms(v: number): string {
  return !Number.isFinite(v) ? '-' : Math.abs(v) >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}

/** Formats a count of rows: 100000 -> 100k. */
export function rows(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** Escapes a table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Facts of the run for the header. */
export interface RunFacts {
  server: string;
  started: Date;
  seconds: number;
  pointShapes: PointShape[];
  customerShapes: CustomerShape[];
  embeddingShapes: EmbeddingShape[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/** The results as Markdown. */
export function resultsMarkdown(o: Options, results: RowResult[], facts: RunFacts): string {
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const lines = [
    '# pg_centroid benchmark results',
    '',
    `Measured by \`npm run bench\`${o.quick ? ' -- --quick' : ''} (median of ${o.repeat} run${o.repeat === 1 ? '' : 's'} of each measurement; both sides of every comparison measured side by side, alternating, in one run) on ${facts.started.toISOString().slice(0, 10)},`,
    `${availableParallelism()} CPUs, ${facts.server}; ${Math.round(facts.seconds)} s in all.${o.quick ? ' QUICK MODE: every size is 100x smaller; these are not the figures of record.' : ''}`,
    '',
    `Every row is measured on several seeded data shapes (bench/data.ts) and judged by its **worst** one: met only when every shape meets the target.`,
    '',
    '| # | what | target | measured (worst shape) | ratio (worst shape) | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...sorted.map((r) => {
      const w = worstOf(r);
      const measured = w ? `${w.measured} (${w.shape})` : '-';
      const ratio = w ? `${w.ratio} (worst of ${r.figures.length}: ${w.shape})` : '-';
      return `| ${r.n} | ${cell(r.what)} | ${cell(r.target)} | ${cell(measured)} | ${cell(ratio)} | ${r.status} |`;
    }),
    '',
    '## Every shape',
    '',
  ];
  for (const r of sorted) {
    const load = r.load ? `; load average ${r.load[0].toFixed(1)} at its start, ${r.load[1].toFixed(1)} at its end (${availableParallelism()} CPUs)` : '';
    lines.push(`### ${r.n}. ${r.what}`, '', `Target ${r.target}; ${Math.round(r.seconds)} s to measure${load}.`, '');
    if (r.error) lines.push(`Not measured: ${r.error}`, '');
    if (r.figures.length > 0) {
      const its = r.figures.some((f) => f.iterations !== undefined);
      lines.push(`| shape | measured | ratio | met |${its ? ' iterations |' : ''} notes |`, `| --- | --- | --- | --- |${its ? ' --- |' : ''} --- |`);
      for (const f of r.figures) lines.push(`| ${f.shape} | ${cell(f.measured)} | ${cell(f.ratio)} | ${f.met ? 'met' : 'missed'} |${its ? ` ${f.iterations ?? '-'} |` : ''} ${cell(f.note ?? '')} |`);
      lines.push('');
    }
    if (r.note) lines.push(r.note, '');
  }
  const details = sorted.filter((r) => r.details && r.details.length > 0);
  if (details.length > 0) {
    lines.push('## Where the time goes', '');
    for (const r of details) lines.push(...(r.details as string[]), '');
  }
  lines.push('## Data shapes', '', 'Seeded generators (bench/data.ts), written in SQL; the same seed gives the same rows in any batch.', '');
  lines.push('| kind | shape | what | k-means iterations of the fits from scratch |', '| --- | --- | --- | --- |');
  const rowsOf = (kind: 'points' | 'customers' | 'embeddings') => sorted.filter((r) => (kind === 'customers' ? r.id === 'article' : kind === 'embeddings' ? r.id.startsWith('vector-') : r.id !== 'article' && !r.id.startsWith('vector-')));
  const fits = (shape: string, kind: 'points' | 'customers' | 'embeddings') =>
    rowsOf(kind).flatMap((r) => r.figures.filter((f) => (f.shape === shape || f.shape.startsWith(`${shape}-`)) && f.iterations !== undefined).map((f) => ({ row: r.n, iterations: f.iterations as number })));
  const slow: string[] = [];
  const shapeLine = (kind: 'points' | 'customers' | 'embeddings', label: string) => (s: { id: string; description: string }) => {
    const its = fits(s.id, kind);
    for (const f of its) if (f.iterations >= 40) slow.push(`${kind} ${s.id} (row ${f.row}: ${f.iterations})`);
    lines.push(`| ${label} | ${s.id} | ${cell(s.description)} | ${its.map((f) => `${f.iterations} (row ${f.row})`).join(', ') || '-'} |`);
  };
  facts.customerShapes.forEach(shapeLine('customers', 'customers (k = 6)'));
  facts.pointShapes.forEach(shapeLine('points', 'points (k = 3)'));
  facts.embeddingShapes.forEach(shapeLine('embeddings', 'embeddings (384 dimensions, k = 100)'));
  lines.push('', slow.length > 0 ? `Fits that took 40 or more iterations in this run: ${slow.join(', ')}.` : 'No fit took 40 or more iterations in this run.', '');
  if (sorted.some((r) => r.series)) lines.push('![refit time vs window size](window-scaling.svg)', '');
  return lines.join('\n');
}

/** The SVG of the scaling row's curves (an empty plot when it was not measured). */
export function scalingSvg(o: Options, results: RowResult[]): string {
  const curves = results.flatMap((r) => r.series ?? []);
  const shapes = [...new Set(curves.map((c) => c.shape))];
  return linePlot(
    curves.map((c) => {
      const xs = c.points.map((p) => p.x);
      const fit = linearFit(xs, c.points.map((p) => p.y));
      const color = COLORS[shapes.indexOf(c.shape) % COLORS.length] as string;
      return { name: `${c.name}: ${(fit.slope * 1e5).toFixed(1)} ms / 100k rows, R² ${fit.r2.toFixed(3)}`, color, dashed: c.dashed, points: c.points };
    }),
    `pg_centroid: warm refit time vs window size (k = 3, d = 3${o.quick ? ', quick mode' : ''})`,
    'window (rows)',
    'refit time (ms)',
    rows,
  );
}

/** Writes RESULTS.md and window-scaling.svg into o.out. */
export function writeReport(o: Options, results: RowResult[], facts: RunFacts): { results: string; svg: string } {
  mkdirSync(o.out, { recursive: true });
  const paths = { results: join(o.out, 'RESULTS.md'), svg: join(o.out, 'window-scaling.svg') };
  writeFileSync(paths.svg, scalingSvg(o, results));
  writeFileSync(paths.results, resultsMarkdown(o, results, facts));
  return paths;
}

/** One verdict line per row, for stdout. */
export function verdictLine(r: RowResult): string {
  const w = worstOf(r);
  return `${r.n}. ${r.status.padEnd(6)} ${w ? `${w.ratio}, worst of ${r.figures.length} shapes: ${w.shape} (${w.measured})` : r.error ?? '-'}; target ${r.target}`;
}
