// pg-centroid load: CSV rows inserted in batches into a clustered hypertable, labelled on the way in;
// in one transaction, or committed per batch with a resumable --skip; bad values named by line and column.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, readCsv } from '../../src/cli/csv';
import { createDatabase, type TestDatabase } from '../db/database';
import { cli } from './run';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-load-'));

beforeAll(async () => {
  db = await createDatabase('cli_load');
  await db.client.query(`CREATE TABLE readings (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, v2 real, note text, cluster_number int)`);
  await db.client.query(`SELECT create_hypertable('readings', 'ts')`);
  const config = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 20 };
  expect((await cli(['attach', 'readings', '--config', JSON.stringify(config)], db.url)).code).toBe(0);
});

afterAll(async () => {
  await db?.close();
});

/** The rows of readings now. */
async function count(): Promise<number> {
  return (await db.client.query(`SELECT count(*) AS n FROM readings`)).rows[0].n;
}

/** Integers from a to b. */
function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** CSV v1,v2 with data rows i = 1..n as "i,i % 3", some replaced by the text given. */
function csv(n: number, replace: Record<number, string> = {}): string {
  return ['v1,v2', ...range(1, n).map((i) => replace[i] ?? `${i},${i % 3}`)].join('\n') + '\n';
}

describe('load', () => {
  it('inserts every row in batches and the rows arrive clustered', async () => {
    const lines = ['v1,v2,note'];
    for (let i = 0; i < 120; i++) lines.push(i % 2 === 0 ? `${i % 5},${i % 3},"low, ""${i}"""` : `${100 + (i % 5)},${100 + (i % 3)},high`);
    lines.push(',7,missing v1');
    const file = join(dir, 'rows.csv');
    writeFileSync(file, lines.join('\r\n') + '\r\n');
    const r = await cli(['load', 'readings', '--csv', file, '--batch', '50', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ table: 'readings', rows: 121, batches: 3 });
    const groups = await db.client.query(`SELECT v1 < 50 AS low, array_agg(DISTINCT cluster_number) AS labels, count(*) AS n FROM readings WHERE v1 IS NOT NULL GROUP BY 1 ORDER BY 1`);
    expect(groups.rows.map((g) => g.n)).toEqual([60, 60]);
    for (const g of groups.rows) expect(g.labels).toHaveLength(1);
    expect(groups.rows[0].labels[0]).not.toBe(groups.rows[1].labels[0]);
    const odd = await db.client.query(`SELECT note, cluster_number FROM readings WHERE v1 IS NULL OR note LIKE 'low, "4"'`);
    expect(odd.rows).toEqual(expect.arrayContaining([{ note: 'missing v1', cluster_number: null }, { note: 'low, "4"', cluster_number: expect.any(Number) }]));
  });

  it('refuses a column the table does not have before inserting anything (exit 2)', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'v1,v9\n1,2\n');
    const before = await count();
    const r = await cli(['load', 'readings', '--csv', file, '--json'], db.url);
    expect(r.code).toBe(2);
    expect(r.json.error.message).toBe(`${file}: column 2 of the header, "v9", is not a column of readings`);
    expect(r.json.error.hint).toContain('id, ts, v1, v2, note, cluster_number');
    expect(await count()).toBe(before);
  });

  it('refuses a row with another number of fields than the header, naming its line (exit 2)', async () => {
    const file = join(dir, 'ragged.csv');
    writeFileSync(file, 'v1,v2\n1,2\n3,4,5\n');
    const r = await cli(['load', 'readings', '--csv', file], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} line 3 has 3 fields, but the header has 2 (v1,v2)`);
  });
});

describe('load in one transaction (the default)', () => {
  it('names the CSV line and column of a bad value, and loads nothing', async () => {
    // 25 good rows, then a bad value on data row 26 (line 27), batches of 10: two batches succeed first.
    const file = join(dir, 'bad-value.csv');
    writeFileSync(file, csv(40, { 26: '26,x7' }));
    const before = await count();
    const r = await cli(['load', 'readings', '--csv', file, '--batch', '10', '--json'], db.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toBe('line 27, column 2 (v2): invalid input syntax for type real: "x7"');
    expect(r.json.error.hint).toContain('nothing was loaded: the whole file is loaded in one transaction, which was rolled back');
    expect(r.json.error).toMatchObject({ line: 27, column: 2, column_name: 'v2', committed_rows: 0 });
    expect(await count()).toBe(before);
  });

  it('counts lines of quoted fields that span lines', async () => {
    const file = join(dir, 'multiline.csv');
    writeFileSync(file, 'v1,note,v2\n1,"two\nlines",2\n3,"x",oops\n');
    const r = await cli(['load', 'readings', '--csv', file], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: line 4, column 3 (v2): invalid input syntax for type real: "oops"');
  });

  it('names the line of a NULL in a NOT NULL column', async () => {
    await db.client.query(`CREATE TABLE strict_rows (id serial, v1 real NOT NULL, v2 real)`);
    const file = join(dir, 'nulls.csv');
    writeFileSync(file, 'v2,v1\n1,1\n2,\n');
    const r = await cli(['load', 'strict_rows', '--csv', file], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: line 3, column 2 (v1): null value in column "v1" of relation "strict_rows" violates not-null constraint');
    expect((await db.client.query(`SELECT count(*) AS n FROM strict_rows`)).rows[0].n).toBe(0);
  });
});

describe('load --commit-per-batch', () => {
  it('says which rows were committed and the --skip that resumes; resuming loads every row once', async () => {
    await db.client.query(`CREATE TABLE resumed (id serial, v1 real, v2 real)`);
    const file = join(dir, 'resume.csv');
    writeFileSync(file, csv(35, { 24: '24,bad' }));
    const r = await cli(['load', 'resumed', '--csv', file, '--batch', '10', '--commit-per-batch', '--json'], db.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toBe('line 25, column 2 (v2): invalid input syntax for type real: "bad"');
    expect(r.json.error.hint).toBe(`data rows 1 to 20 (lines 2 to 21) were committed, in 2 batches; rows from data row 21 (line 22) on were not. Fix line 25, then resume: pg-centroid load resumed --csv ${file} --batch 10 --commit-per-batch --skip 20`);
    expect(r.json.error).toMatchObject({ committed_rows: 20, resume_skip: 20 });
    expect((await db.client.query(`SELECT array_agg(v1::int ORDER BY v1) AS v FROM resumed`)).rows[0].v).toEqual(range(1, 20));

    writeFileSync(file, csv(35));
    const again = await cli(['load', 'resumed', '--csv', file, '--batch', '10', '--commit-per-batch', '--skip', '20'], db.url);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('loaded 15 rows into resumed in 2 statements, each committed, after skipping 20 rows');
    expect((await db.client.query(`SELECT array_agg(v1::int ORDER BY v1) AS v FROM resumed`)).rows[0].v).toEqual(range(1, 35));
  });

  it('says nothing was committed when the first batch fails', async () => {
    await db.client.query(`CREATE TABLE first_fails (id serial, v1 real, v2 real)`);
    const file = join(dir, 'first.csv');
    writeFileSync(file, csv(5, { 2: '2,?' }));
    const r = await cli(['load', 'first_fails', '--csv', file, '--commit-per-batch'], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hint: nothing of this run was committed; rows from data row 1 (line 2) on were not. Fix line 3');
  });

  it('refuses a --skip beyond the file', async () => {
    const file = join(dir, 'short.csv');
    writeFileSync(file, csv(3));
    const r = await cli(['load', 'readings', '--csv', file, '--skip', '4'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--skip 4 is more than the 3 data rows of');
  });
});

describe('CSV reader', () => {
  it('reads quotes, doubled quotes, empty fields as NULL and CRLF', () => {
    expect(parseCsv('a,b,c\r\n1,"x, ""y""",\n"",2,3')).toEqual([['a', 'b', 'c'], ['1', 'x, "y"', null], ['', '2', '3']]);
  });

  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('a\n"open')).toThrow('the CSV ends inside a quoted field');
  });

  it('gives each record the line it starts on, past blank lines and line breaks inside quotes', () => {
    expect(readCsv('a,b\n\n1,"x\r\ny"\r\n2,z\n').map((r) => r.line)).toEqual([1, 3, 5]);
  });
});
