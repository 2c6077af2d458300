// pg-centroid install: by copying the extension files (the embedded stack's share directory), or by
// the plain SQL installer, after which clustering on insert works in a database with no extension.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';
import { cli } from './run';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let files: TestDatabase;
let plain: TestDatabase;

beforeAll(async () => {
  files = await createDatabase('cli_install_files', ['timescaledb']);
  plain = await createDatabase('cli_install_plain', ['timescaledb']);
});

afterAll(async () => {
  await files?.close();
  await plain?.close();
});

describe('install with files', () => {
  it('copies the files into the server\'s share directory and creates the extension', async () => {
    const r = await cli(['install', '--json'], files.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: files.name, method: 'files', language: 'pljs', version: VERSION, action: 'created' });
    expect(r.json.share_dir).toMatch(/\.stack\/root\/usr\/share\/postgresql\/18\/extension$/);
    expect(readFileSync(`${r.json.share_dir}/pg_centroid--${VERSION}.sql`, 'utf8')).toBe(readFileSync(new URL(`../../extension/pg_centroid--${VERSION}.sql`, import.meta.url), 'utf8'));
    const ext = await files.client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`);
    expect(ext.rows).toEqual([{ extversion: VERSION }]);
  });

  it('says so when it is already installed', async () => {
    const r = await cli(['install'], files.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`pg_centroid ${VERSION} is already installed in ${files.name}`);
  });
});

describe('install with the plain SQL installer', () => {
  it('creates the objects without CREATE EXTENSION', async () => {
    const r = await cli(['install', '--method', 'sql', '--json'], plain.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: plain.name, method: 'sql', share_dir: null, action: 'created' });
    const ext = await plain.client.query(`SELECT extname FROM pg_extension WHERE extname IN ('pg_centroid', 'pljs') ORDER BY 1`);
    expect(ext.rows.map((e) => e.extname)).toEqual(['pljs']);
    const fns = await plain.client.query(`SELECT count(*) AS n FROM pg_proc WHERE pronamespace = 'centroid'::regnamespace AND proname IN ('attach', 'detach', 'status', 'refit', 'cluster_on_insert')`);
    expect(fns.rows[0].n).toBe(5);
  });

  it('then clusters rows on insert into a hypertable', async () => {
    await plain.client.query(`CREATE TABLE readings (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, v2 real, cluster_number int)`);
    await plain.client.query(`SELECT create_hypertable('readings', 'ts')`);
    const config = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4 };
    const a = await cli(['attach', 'readings', '--config', JSON.stringify(config), '--json'], plain.url);
    expect(a.code, a.stderr).toBe(0);
    await plain.client.query(`INSERT INTO readings (v1, v2) VALUES (0, 0), (0, 1), (10, 10), (10, 11), (1, 0), (11, 10)`);
    const rows = await plain.client.query(`SELECT v1 < 5 AS low, array_agg(DISTINCT cluster_number) AS labels FROM readings GROUP BY 1 ORDER BY 1`);
    expect(rows.rows).toHaveLength(2);
    for (const r of rows.rows) expect(r.labels).toHaveLength(1);
    expect(rows.rows[0].labels[0]).not.toBe(rows.rows[1].labels[0]);
    expect(rows.rows.flatMap((r) => r.labels)).not.toContain(null);
  });

  it('does not run twice over itself', async () => {
    const r = await cli(['install', '--json'], plain.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ method: 'sql', action: 'already installed' });
  });

  it('refuses to run over the extension, saying how to update it instead', async () => {
    const r = await cli(['install', '--method', 'sql', '--json'], files.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toContain('is installed here as an extension');
    expect(r.json.error.hint).toContain('ALTER EXTENSION pg_centroid UPDATE');
  });
});

describe('install arguments', () => {
  it('refuses an unknown method', async () => {
    const r = await cli(['install', '--method', 'copy'], plain.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--method must be auto, files or sql, not "copy"');
  });
});
