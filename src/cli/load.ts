// `pg-centroid load <table> --csv rows.csv`: bulk insert, one INSERT per batch (so clustering on
// insert refits once per batch), in one transaction by default; or committed batch by batch, saying
// exactly what was committed and how to resume. A bad value is reported by CSV line and column.

import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { PgCentroid } from '../client/index';
import { args, integerOption, positional, print, required, type Command } from './args';
import { CliError, EXIT, withClient } from './connect';
import { readCsv, type CsvRecord } from './csv';
import { progress } from './progress';

/** Where a failed batch went wrong: the CSV line and column of the bad value, when it can be found. */
interface BadValue {
  line: number;
  column: number;
  name: string;
  message: string;
}

/** A column of the target table. */
interface TableColumn {
  name: string;
  type: string;
  notnull: boolean;
}

export const load: Command = {
  name: 'load',
  usage: 'load <table> --csv rows.csv [--batch 10000] [--commit-per-batch] [--skip N] [--json]',
  summary: 'bulk insert rows from CSV (clustered on the way in), with a progress bar',
  help: `Inserts the rows of a CSV file whose header row names the table's columns (empty fields are NULL),
one INSERT per batch, so clustering on insert refits once per batch.
  --batch N            rows per INSERT (default 10000)
  (default)            the whole file in one transaction: on any error nothing is loaded
  --commit-per-batch   commit each batch: on an error the batches before it stay, and the error says
                       which rows were committed and the --skip that resumes after them
  --skip N             leave out the first N data rows (to resume a --commit-per-batch load)
A bad value is reported by its CSV line and column.`,
  async run(argv) {
    const p = args(argv, this.usage, { csv: { type: 'string' }, batch: { type: 'string' }, 'commit-per-batch': { type: 'boolean' }, skip: { type: 'string' } });
    const table = positional(p, 0, 'table', this.usage);
    const file = required(p, 'csv', this.usage);
    const batch = integerOption(p, 'batch', 10000, 1, this.usage);
    const skip = integerOption(p, 'skip', 0, 0, this.usage);
    const perBatch = p.values['commit-per-batch'] === true;
    const { header, rows } = readFile(file, skip);
    const started = Date.now();
    const inserted = await withClient(async (c) => {
      checkHeader(await tableColumns(c, table), header, file, table);
      return perBatch ? loadPerBatch(c, table, file, header, rows, batch, skip) : loadAtomically(c, table, header, rows, batch);
    });
    const batches = Math.ceil(rows.length / batch);
    const result = { table, rows: inserted, batches, skipped: skip, transaction: perBatch ? 'per batch' : 'one', duration_ms: Date.now() - started };
    print(p, result, () => `loaded ${inserted} rows into ${table} in ${batches} statement${batches === 1 ? '' : 's'}${perBatch ? ', each committed' : ' (one transaction)'}${skip ? `, after skipping ${skip} rows` : ''}`);
    return EXIT.ok;
  },
};

/** Reads the CSV: the header's column names and the data rows after the first `skip`, each with its line. */
function readFile(file: string, skip: number): { header: string[]; rows: CsvRecord[] } {
  if (!existsSync(file)) throw new CliError(`no file ${file}`, 'pass --csv rows.csv, a CSV file whose header row names the columns', EXIT.usage);
  let records: CsvRecord[];
  try {
    records = readCsv(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 'write CSV with a header row of column names', EXIT.usage);
  }
  const [head, ...data] = records;
  if (!head || head.fields.some((h) => h === null)) throw new CliError(`${file} has no header row of column names`, 'the first line names the columns, e.g. v1,v2,v3', EXIT.usage);
  const header = head.fields as string[];
  for (const r of data) {
    if (r.fields.length !== header.length) {
      throw new CliError(`${file} line ${r.line} has ${r.fields.length} fields, but the header has ${header.length} (${header.join(',')})`, 'give every row one field per header column (an empty field is NULL); quote fields holding commas', EXIT.usage);
    }
  }
  if (skip > data.length) throw new CliError(`--skip ${skip} is more than the ${data.length} data rows of ${file}`, 'skip at most the number of rows already loaded', EXIT.usage);
  return { header, rows: data.slice(skip) };
}

/** The table's columns (name, type, NOT NULL). */
async function tableColumns(c: pg.Client, table: string): Promise<TableColumn[]> {
  const r = await c.query<TableColumn>(
    `SELECT a.attname::text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  return r.rows;
}

/** Refuses a header naming a column the table does not have, before anything is inserted. */
function checkHeader(cols: TableColumn[], header: string[], file: string, table: string): void {
  header.forEach((h, j) => {
    if (!cols.some((c) => c.name === h)) {
      throw new CliError(`${file}: column ${j + 1} of the header, "${h}", is not a column of ${table}`, `name columns of ${table} in the header: ${cols.map((c) => c.name).join(', ')}`, EXIT.usage);
    }
  });
}

/** The rows of a batch as objects for the client's insert. */
function objects(header: string[], rows: CsvRecord[]): Record<string, string | null>[] {
  return rows.map((r) => Object.fromEntries(header.map((n, j) => [n, r.fields[j] ?? null])));
}

/** Inserts every batch in one transaction; an error rolls everything back. */
async function loadAtomically(c: pg.Client, table: string, header: string[], rows: CsvRecord[], batch: number): Promise<number> {
  const api = new PgCentroid(c);
  const bar = progress(`loading ${table}`, rows.length);
  let done = 0;
  await c.query('BEGIN');
  try {
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch);
      try {
        done += await api.insert(table, objects(header, part));
      } catch (e) {
        await c.query('ROLLBACK');
        const bad = await locate(c, table, header, part, e);
        throw failure(e, bad, part, 'nothing was loaded: the whole file is loaded in one transaction, which was rolled back; fix the file and run the same command again', { committed_rows: 0 });
      }
      bar.update(done);
    }
    await c.query('COMMIT');
  } finally {
    bar.finish();
  }
  return done;
}

/** Inserts and commits batch by batch; an error says which rows were committed and how to resume. */
async function loadPerBatch(c: pg.Client, table: string, file: string, header: string[], rows: CsvRecord[], batch: number, skip: number): Promise<number> {
  const api = new PgCentroid(c);
  const bar = progress(`loading ${table}`, rows.length);
  let done = 0;
  try {
    for (let i = 0; i < rows.length; i += batch) {
      const part = rows.slice(i, i + batch);
      try {
        done += await api.insert(table, objects(header, part));
      } catch (e) {
        const bad = await locate(c, table, header, part, e);
        const first = part[0] as CsvRecord;
        const resume = ['pg-centroid', 'load', table, '--csv', file, '--batch', String(batch), '--commit-per-batch', '--skip', String(skip + i)].map(shellWord).join(' ');
        const committed = i === 0
          ? `nothing of this run was committed${skip ? ` (the ${skip} rows skipped stay as they were)` : ''}`
          : `data rows ${skip + 1} to ${skip + i} (lines ${(rows[0] as CsvRecord).line} to ${(rows[i - 1] as CsvRecord).line}) were committed, in ${i / batch} batch${i / batch === 1 ? '' : 'es'}`;
        const hint = `${committed}; rows from data row ${skip + i + 1} (line ${first.line}) on were not. Fix ${bad ? `line ${bad.line}` : 'the file'}, then resume: ${resume}`;
        throw failure(e, bad, part, hint, { committed_rows: skip + i, resume_skip: skip + i });
      }
      bar.update(done);
    }
  } finally {
    bar.finish();
  }
  return done;
}

/** The CliError of a failed batch: the bad value's line and column when found, else the batch's lines. */
function failure(e: unknown, bad: BadValue | null, part: CsvRecord[], hint: string, extra: Record<string, unknown>): CliError {
  const err = e as { message?: string; detail?: string; hint?: string };
  const first = part[0] as CsvRecord;
  const last = part[part.length - 1] as CsvRecord;
  const message = bad
    ? `line ${bad.line}, column ${bad.column} (${bad.name}): ${bad.message}`
    : `in the batch of lines ${first.line} to ${last.line}: ${err.message ?? String(e)}${err.detail ? `\n${err.detail}` : ''}`;
  return new CliError(message, [err.hint, hint].filter(Boolean).join('; '), EXIT.refused, { ...extra, line: bad?.line ?? null, column: bad?.column ?? null, column_name: bad?.name ?? null });
}

/**
 * Finds the first value of a failed batch that its column's type refuses (pg_input_is_valid,
 * PostgreSQL 16+), or the first NULL in a NOT NULL column; null when the error is of another kind.
 */
async function locate(c: pg.Client, table: string, header: string[], part: CsvRecord[], e: unknown): Promise<BadValue | null> {
  const code = (e as { code?: string }).code ?? '';
  const notNull = code === '23502';
  if (!notNull && !code.startsWith('22')) return null;
  try {
    const cols = await tableColumns(c, table);
    const of = (h: string) => cols.find((col) => col.name === h);
    const r = await c.query<{ i: number; j: number; message: string | null }>(
      `SELECT e.i::int4 AS i, c.ord::int4 AS j,
              CASE WHEN e.r->>c.name IS NULL THEN NULL ELSE (pg_catalog.pg_input_error_info(e.r->>c.name, c.type)).message END AS message
         FROM pg_catalog.jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(r, i),
              ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::bool[])) WITH ORDINALITY AS c(name, type, not_null, ord)
        WHERE c.type IS NOT NULL AND CASE WHEN e.r->>c.name IS NULL THEN $5::bool AND c.not_null ELSE NOT $5::bool AND NOT pg_catalog.pg_input_is_valid(e.r->>c.name, c.type) END
        ORDER BY e.i, c.ord LIMIT 1`,
      [JSON.stringify(objects(header, part)), header, header.map((h) => of(h)?.type ?? null), header.map((h) => of(h)?.notnull ?? false), notNull],
    );
    const hit = r.rows[0];
    if (!hit) return null;
    const record = part[hit.i - 1] as CsvRecord;
    const name = header[hit.j - 1] as string;
    return { line: record.line, column: hit.j, name, message: hit.message ?? (e as Error).message };
  } catch {
    // Servers before PostgreSQL 16 have no pg_input_is_valid: the batch's lines are reported instead.
    return null;
  }
}

/** Quotes a word for a shell command line when it needs it. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
