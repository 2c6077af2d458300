// What every pg-centroid command shares: its description (usage, summary, help), argument parsing
// that refuses unknown options with the usage, settings read from a file or inline, and output.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config, Schedule } from '../client/index';
import { CliError, EXIT } from './connect';

/** One command: what `pg-centroid help` and `<command> --help` print, and how it runs. */
export interface Command {
  name: string;
  /** The usage line(s) without the leading "pg-centroid". */
  usage: string;
  /** One line for the overview. */
  summary: string;
  /** The options and arguments explained (for --help). */
  help: string;
  /** Runs with the arguments after the command name; returns the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Parsed arguments: positionals and options. */
export type Parsed = { positionals: string[]; values: Record<string, string | boolean | undefined> };

/** The option types of a command (--json is always there). */
export type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses a command's arguments; unknown options are refused with the command's usage. */
export function args(argv: string[], usage: string, options: Options = {}): Parsed {
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, ...options } });
    return { positionals, values: values as Parsed['values'] };
  } catch (e) {
    throw new CliError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), `usage: pg-centroid ${usage}`, EXIT.usage);
  }
}

/** True when the arguments ask for help (--help or -h before any "--"). */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The n-th positional argument, or a usage error. */
export function positional(p: Parsed, i: number, name: string, usage: string): string {
  const v = p.positionals[i];
  if (v === undefined) throw new CliError(`missing ${name}`, `usage: pg-centroid ${usage}`, EXIT.usage);
  return v;
}

/** A string option that must be given. */
export function required(p: Parsed, name: string, usage: string): string {
  const v = p.values[name];
  if (typeof v !== 'string') throw new CliError(`missing --${name}`, `usage: pg-centroid ${usage}`, EXIT.usage);
  return v;
}

/** An integer option at least min, or its default. */
export function integerOption(p: Parsed, name: string, fallback: number, min: number, usage: string): number {
  const raw = p.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new CliError(`--${name} must be an integer of at least ${min}, not "${String(raw)}"`, `usage: pg-centroid ${usage}`, EXIT.usage);
  }
  return n;
}

/** Prints data as JSON (--json) or as the human summary. */
export function print(p: Parsed, data: unknown, human: () => string): void {
  console.log(p.values.json ? JSON.stringify(data, null, 2) : human());
}

/** Reads settings from a JSON file, or from inline JSON text starting with "{". */
export function readConfig(source: string | boolean | undefined, usage: string): Config {
  if (typeof source !== 'string') throw new CliError('missing --config', `usage: pg-centroid ${usage}`, EXIT.usage);
  let text = source;
  if (!source.trimStart().startsWith('{')) {
    if (!existsSync(source)) throw new CliError(`cannot read settings: no file ${source}`, 'pass --config settings.json (a JSON object, see the README\'s settings table), or the JSON itself', EXIT.usage);
    text = readFileSync(source, 'utf8');
  }
  try {
    return JSON.parse(text) as Config;
  } catch (e) {
    throw new CliError(`settings in ${source === text ? '--config' : source} are not valid JSON: ${(e as Error).message}`, 'write a JSON object such as {"key_column": "id", "clustering_columns": ["v1", "v2"], "cluster_count": 3, "cluster_number_column": "cluster_number"}', EXIT.usage);
  }
}

/** "1 iteration", "2 iterations". */
export function plural(n: number | null | undefined, word: string): string {
  return `${n ?? '-'} ${word}${n === 1 ? '' : 's'}`;
}

/** Rounds for display (4 significant digits by default). */
export function round(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? '-' : String(+x.toPrecision(digits));
}

/** Lays out rows as left-aligned columns under a header. */
export function columns(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padEnd(widths[j] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The human line for a scheduled pg_cron job (schedule-refit, schedule-fit). */
export function describeJob(what: string, j: Schedule): string {
  return `scheduled ${what}: pg_cron job "${j.job_name}" (schedule ${j.schedule}) in database ${j.cron_database ?? '?'}`;
}
