// The benchmark's command line, parsed by node:util in strict mode: an unknown, mistyped or malformed
// option is an error with the usage (bench/run.ts exits 2), never silently ignored.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What a run measures and where it writes. */
export interface Options {
  quick: boolean;
  /** Runs of each measurement; the median is reported. */
  repeat: number;
  /** Directory of RESULTS.md and window-scaling.svg. */
  out: string;
  /** Numbers of the rows to measure (all when null). */
  only: Set<number> | null;
  help: boolean;
}

/** A row the command line can name: by number or by id. */
export interface RowName {
  n: number;
  id: string;
}

/** A command line that cannot be run: the message goes out with the usage, exit code 2. */
export class UsageError extends Error {}

/** The usage text, listing the rows. */
export function usage(rows: RowName[]): string {
  return [
    'usage: npx tsx bench/run.ts [--quick] [--repeat N] [--only ROWS] [--out DIR]   (npm run bench -- ...)',
    '',
    '  --quick       every size 100x smaller (seconds, for tests; not figures of record); median of 1 run unless --repeat',
    '  --repeat N    median of N runs of each measurement (default 3)',
    '  --only ROWS   measure only these rows, by number or name, comma-separated (e.g. 1,5 or article,cold-fit)',
    '  --out DIR     write RESULTS.md and window-scaling.svg there (default bench/)',
    '  --help        this text',
    '',
    `rows: ${rows.map((r) => `${r.n} ${r.id}`).join(', ')}`,
  ].join('\n');
}

/** Parses argv (without node and the script); throws UsageError on anything it does not know. */
export function parseOptions(argv: string[], rows: RowName[], defaultOut: string): Options {
  let values: { quick?: boolean; repeat?: string; only?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        repeat: { type: 'string' },
        only: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const quick = values.quick ?? false;
  const repeat = values.repeat === undefined ? (quick ? 1 : 3) : Number(values.repeat);
  if (!/^\d+$/.test(values.repeat ?? '1') || !Number.isInteger(repeat) || repeat < 1 || repeat > 100) {
    throw new UsageError(`--repeat is ${JSON.stringify(values.repeat)}, expected an integer from 1 to 100`);
  }
  return { quick, repeat, out: resolve(values.out ?? defaultOut), only: values.only === undefined ? null : onlyRows(values.only, rows), help: values.help ?? false };
}

/** The row numbers a --only list names (numbers or ids). */
function onlyRows(list: string, rows: RowName[]): Set<number> {
  const picked = new Set<number>();
  for (const item of list.split(',').map((s) => s.trim())) {
    const row = rows.find((r) => String(r.n) === item || r.id === item);
    if (!row) throw new UsageError(`--only names ${JSON.stringify(item)}, which is no row; rows: ${rows.map((r) => `${r.n} ${r.id}`).join(', ')}`);
    picked.add(row.n);
  }
  if (picked.size === 0) throw new UsageError('--only names no row');
  return picked;
}
