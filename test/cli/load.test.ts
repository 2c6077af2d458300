// pg-centroid load: CSV rows inserted in batches into a clustered hypertable, labelled on the way in.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/cli/csv';
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

  it('refuses a column the table does not have, naming it', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'v1,v9\n1,2\n');
    const r = await cli(['load', 'readings', '--csv', file], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('v9');
  });
});

describe('CSV reader', () => {
  it('reads quotes, doubled quotes, empty fields as NULL and CRLF', () => {
    expect(parseCsv('a,b,c\r\n1,"x, ""y""",\n"",2,3')).toEqual([['a', 'b', 'c'], ['1', 'x, "y"', null], ['', '2', '3']]);
  });

  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('a\n"open')).toThrow('the CSV ends inside a quoted field');
  });
});
