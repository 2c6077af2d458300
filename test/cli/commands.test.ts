// pg-centroid attach, status, refit, detach, fit and their errors, run as a process against the real stack.

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';
import { cli } from './run';

// The paper's demo rows (its Tables 1 and 2): three groups around (5,5,5), (15,5,5), (5,15,5).
const PAPER_ROWS = [
  [10, 8, 1], [3, 2, 8], [5, 3, 6], [6, 4, 5], [7, 8, 4], [12, 6, 7], [17, 2, 1], [11, 1, 7],
  [13, 5, 8], [11, 3, 2], [6, 15, 6], [8, 14, 2], [2, 16, 7], [1, 13, 8], [9, 15, 5],
];
const CONFIG = {
  key_column: 'id',
  clustering_columns: ['v1', 'v2', 'v3'],
  clustering_algorithm: 'k-means',
  center_choice: 'random',
  cluster_count: 3,
  cluster_number_column: 'cluster_number',
  minimum_data_count: 10,
};

let db: TestDatabase;
let configFile: string;

beforeAll(async () => {
  db = await createDatabase('cli_commands');
  await db.client.query(`CREATE TABLE readings (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, v2 real, v3 real, cluster_number int)`);
  await db.client.query(`SELECT create_hypertable('readings', 'ts')`);
  await db.client.query(`INSERT INTO readings (v1, v2, v3) SELECT * FROM unnest($1::real[], $2::real[], $3::real[])`, [0, 1, 2].map((j) => PAPER_ROWS.map((r) => r[j])));
  configFile = join(tmpdir(), `pg-centroid-config-${process.pid}.json`);
  writeFileSync(configFile, JSON.stringify(CONFIG));
});

afterAll(async () => {
  await db?.close();
});

describe('attach', () => {
  it('writes the settings, creates the row trigger and clusters the rows already there', async () => {
    const r = await cli(['attach', 'readings', '--config', configFile, '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ table: 'public.readings', trigger: 'centroid_cluster', refit: { status: 'refitted', rows: 15, changed: 15 } });
    const labels = await db.client.query(`SELECT count(DISTINCT cluster_number) AS k, count(cluster_number) AS n FROM readings`);
    expect(labels.rows[0]).toEqual({ k: 3, n: 15 });
    const triggers = await db.client.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'readings'::regclass AND tgfoid = 'centroid.cluster_on_insert()'::regprocedure`);
    expect(triggers.rows.map((t) => t.tgname)).toEqual(['centroid_cluster']);
  });

  it('prints a human summary without --json', async () => {
    const r = await cli(['attach', 'readings', '--config', configFile], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^attached public\.readings: trigger centroid_cluster; clustered 15 rows/);
  });

  it('accepts inline JSON settings and leaves the rows alone with --no-refit', async () => {
    await db.client.query(`CREATE TABLE plain_rows (id int PRIMARY KEY, a float8, b float8, c int)`);
    await db.client.query(`INSERT INTO plain_rows SELECT g, g, g FROM generate_series(1, 20) g`);
    const inline = JSON.stringify({ key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'c' });
    const r = await cli(['attach', 'plain_rows', '--config', inline, '--no-refit', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.refit).toBeNull();
    expect((await db.client.query(`SELECT count(c) AS n FROM plain_rows`)).rows[0].n).toBe(0);
  });

  it('refuses bad settings with the server\'s message and hint (exit 1, nothing attached)', async () => {
    await db.client.query(`CREATE TABLE other (id int, v float8, c int)`);
    const r = await cli(['attach', 'other', '--config', JSON.stringify({ ...CONFIG, clustering_columns: ['v'], cluster_count: 0 }), '--json'], db.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toContain('cluster_count is 0, outside 1 to 1000');
    expect(r.json.error.hint).toContain('set cluster_count to an integer from 1 to 1000');
    expect(r.stderr).toContain('hint: set cluster_count');
    expect((await db.client.query(`SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'other'::regclass`)).rows[0].n).toBe(0);
  });

  it('says which file is missing, with exit code 2', async () => {
    const r = await cli(['attach', 'readings', '--config', '/nonexistent/settings.json'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no file /nonexistent/settings.json');
  });

  it('refuses unknown options with the usage', async () => {
    const r = await cli(['attach', 'readings', '--confg', configFile], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: pg-centroid attach <table> --config settings.json');
  });
});

describe('status', () => {
  it('reports settings with defaults, rows, the last refit, cost and cluster sizes', async () => {
    const r = await cli(['status', 'readings', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json;
    expect(s.table).toBe('public.readings');
    expect(s.trigger).toBe(true);
    expect(s.rows).toBe(15);
    expect(s.labelled_rows).toBe(15);
    expect(s.settings).toMatchObject({ cluster_count: 3, distance_type: 'euclidean', seed: 42, maximum_data_count: 100000 });
    expect(s.refits).toBeGreaterThanOrEqual(1);
    expect(s.cost).toBeGreaterThan(0);
    expect(s.clusters).toHaveLength(3);
    expect(s.clusters.map((c: { size: number }) => c.size).reduce((a: number, b: number) => a + b, 0)).toBe(15);
    for (const c of s.clusters) expect(c.centroid).toHaveLength(3);
    const sizes = await db.client.query(`SELECT cluster_number AS c, count(*) AS n FROM readings GROUP BY 1 ORDER BY 1`);
    expect(s.clusters.map((c: { size: number }) => c.size)).toEqual(sizes.rows.map((x) => x.n));
  });

  it('lists every clustered table without an argument', async () => {
    const r = await cli(['status', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.map((s: { table: string }) => s.table)).toEqual(expect.arrayContaining(['public.readings', 'public.plain_rows']));
  });

  it('prints one line per cluster for people', async () => {
    const r = await cli(['status', 'readings'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('k-means, k=3, euclidean, columns v1, v2, v3 -> cluster_number');
    expect(r.stdout.split('\n').filter((l) => /^\s+[0-2]\s+\d+\s/.test(l))).toHaveLength(3);
  });

  it('fails for a table that is not clustered, saying how to attach it', async () => {
    const r = await cli(['status', 'other', '--json'], db.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toBe('pg_centroid: table public.other is not clustered');
    expect(r.json.error.hint).toContain('centroid.attach(');
  });
});

describe('refit', () => {
  it('re-clusters the window and reports what it did', async () => {
    await db.client.query(`INSERT INTO readings (v1, v2, v3) VALUES (5, 5, 5), (15, 5, 5)`);
    const before = (await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 'readings'::regclass`)).rows[0].refits;
    const r = await cli(['refit', 'readings', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ status: 'refitted', rows: 17 });
    const after = (await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 'readings'::regclass`)).rows[0].refits;
    expect(after).toBe(before + 1);
  });
});

describe('fit', () => {
  it('segments a table in one call and records the model version', async () => {
    await db.client.query(`CREATE TABLE customers (customer_id int PRIMARY KEY, spend float8, visits float8, segment int)`);
    await db.client.query(`INSERT INTO customers SELECT g, (g % 2) * 100 + g % 7, (g % 2) * 50 + g % 5, NULL FROM generate_series(1, 60) g`);
    const config = { key_column: 'customer_id', clustering_columns: ['spend', 'visits'], cluster_count: 2, cluster_number_column: 'segment' };
    const r = await cli(['fit', 'segments', '--source', 'customers', '--config', JSON.stringify(config), '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ model: 'segments', version: 1, rows_used: 60, k: 2 });
    const groups = await db.client.query(`SELECT count(DISTINCT segment) AS k, count(DISTINCT (segment, customer_id % 2)) AS pairs FROM customers`);
    expect(groups.rows[0]).toEqual({ k: 2, pairs: 2 });
    const again = await cli(['fit', 'segments', '--source', 'customers', '--config', JSON.stringify(config)], db.url);
    expect(again.stdout).toMatch(/^model segments version 2: 60 rows, k=2/);
  });

  it('needs --source', async () => {
    const r = await cli(['fit', 'segments', '--config', '{}'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing --source');
  });
});

describe('detach', () => {
  it('drops the row trigger, the settings and the centroids, and keeps the cluster numbers', async () => {
    const r = await cli(['detach', 'readings', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ table: 'public.readings', triggers_dropped: ['centroid_cluster'], settings_removed: true, refit_unscheduled: false });
    const left = await db.client.query(`SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'readings'::regclass AND NOT tgisinternal) AS triggers,
      (SELECT count(*) FROM centroid.settings) AS settings, (SELECT count(*) FROM centroid.state WHERE table_name = 'readings'::regclass) AS state,
      (SELECT count(cluster_number) FROM readings) AS labelled`);
    expect(left.rows[0]).toEqual({ triggers: 0, settings: 1, state: 0, labelled: 17 });
    const again = await cli(['detach', 'readings'], db.url);
    expect(again.stdout).toContain('was not attached');
  });
});

describe('reaching the server', () => {
  it('says how to start the embedded stack when the server cannot be reached (exit 3)', async () => {
    const r = await cli(['status', '--json'], 'postgres://postgres@127.0.0.1:1/postgres');
    expect(r.code).toBe(3);
    expect(r.json.error.message).toBe('cannot reach PostgreSQL at 127.0.0.1:1/postgres (ECONNREFUSED: nothing listens there)');
    expect(r.json.error.hint).toContain('npx pg-centroid db up');
    expect(r.stderr).toContain('DATABASE_URL');
  });

  it('says to run install when pg_centroid is missing from the database (exit 4)', async () => {
    const bare = await createDatabase('cli_bare', []);
    try {
      const r = await cli(['status'], bare.url);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('pg_centroid is not installed');
      expect(r.stderr).toContain('npx pg-centroid install');
    } finally {
      await bare.close();
    }
  });

  it('reports the embedded stack as JSON', async () => {
    const r = await cli(['db', 'status', '--json'], null);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ running: true, url: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/) });
  });
});
