// The batch workflow from the command line, against the real stack: fit, predict, choose-k, models,
// plot of a fitted model, and pg_cron schedules of fits and refits (registered in the postgres
// database through dblink, removed again; the schedules never come due during the test).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, urlFor, type TestDatabase } from '../db/database';
import { cli } from './run';

let db: TestDatabase;
let cronDb: pg.Client;
const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-models-'));

// Three groups in (x, y, z): around (0, 0, 0), (10, 0, 0) and (0, 10, 0), 30 rows each.
const CONFIG = { key_column: 'id', clustering_columns: ['x', 'y', 'z'], cluster_count: 3, seed: 3 };

beforeAll(async () => {
  cronDb = new pg.Client({ connectionString: urlFor('postgres') });
  cronDb.on('notice', () => {});
  await cronDb.connect();
  await cronDb.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
  db = await createDatabase('cli_models');
  await db.client.query('CREATE EXTENSION dblink');
  await db.client.query(`CREATE TABLE pts (id int PRIMARY KEY, x float8, y float8, z float8, label int)`);
  await db.client.query(`INSERT INTO pts SELECT g, (g % 3 = 1)::int * 10 + (g % 5) / 10.0, (g % 3 = 2)::int * 10 + (g % 7) / 10.0, (g % 4) / 10.0 FROM generate_series(1, 90) g`);
});

afterAll(async () => {
  await cronDb?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit % ${db?.name} %`)} OR jobname LIKE ${pg.escapeLiteral(`pg_centroid refit ${db?.name} %`)}`).catch(() => {});
  await cronDb?.end();
  await db?.close();
});

/** The centroid nearest to a point, by index. */
function nearest(centroids: number[][], p: number[]): number {
  const d = centroids.map((c) => c.reduce((s, x, j) => s + (x - (p[j] as number)) ** 2, 0));
  return d.indexOf(Math.min(...d));
}

describe('fit, predict and models', () => {
  let centroids: number[][] = [];

  it('fit records version 1 and says why no labels were written', async () => {
    const r = await cli(['fit', 'groups', '--source', 'pts', '--config', JSON.stringify(CONFIG)], db.url);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^model groups version 1: 90 rows, k=3, k-means, cost [\d.]+, \d+ iterations?$/);
    expect(lines[1]).toBe('no labels written (the settings have no cluster_number_column)');
    expect(lines).toHaveLength(5);
    centroids = (await db.client.query(`SELECT centroids FROM centroid.models WHERE model = 'groups'`)).rows[0].centroids;
  });

  it('predict gives the nearest centroid of each point, negative numbers and nulls included', async () => {
    const r = await cli(['predict', 'groups', '0,0,0', '10,0,0', '-1,10.5,0', '1,null,0', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.predictions).toEqual([
      { features: [0, 0, 0], cluster: nearest(centroids, [0, 0, 0]) },
      { features: [10, 0, 0], cluster: nearest(centroids, [10, 0, 0]) },
      { features: [-1, 10.5, 0], cluster: nearest(centroids, [-1, 10.5, 0]) },
      { features: [1, null, 0], cluster: null },
    ]);
    expect(new Set(r.json.predictions.slice(0, 3).map((p: { cluster: number }) => p.cluster)).size).toBe(3);
    const human = await cli(['predict', 'groups', '-1,10.5,0', '1,null,0'], db.url);
    expect(human.stdout).toBe(`(-1, 10.5, 0) -> cluster ${nearest(centroids, [-1, 10.5, 0])}\n(1, null, 0) -> no cluster (a missing feature)\n`);
  });

  it('predict refuses a point that is not numbers (exit 2) and one of the wrong length (the server\'s error)', async () => {
    const word = await cli(['predict', 'groups', '1,two,3'], db.url);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('error: feature 2 of "1,two,3" is not a number: "two"');
    const short = await cli(['predict', 'groups', '1,2'], db.url);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('error: pg_centroid: model "groups" expects 3 features, not 2');
  });

  it('models lists every version with k, cost, rows used and time', async () => {
    expect((await cli(['fit', 'groups', '--source', 'SELECT * FROM pts WHERE id <= 60', '--config', JSON.stringify(CONFIG)], db.url)).code).toBe(0);
    const r = await cli(['models', 'groups', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.map((v: { version: number; k: number; rows_used: number; source: string }) => [v.version, v.k, v.rows_used, v.source])).toEqual([[1, 3, 90, 'pts'], [2, 3, 60, 'SELECT * FROM pts WHERE id <= 60']]);
    const costs = (await db.client.query(`SELECT cost FROM centroid.models WHERE model = 'groups' ORDER BY version`)).rows.map((c) => c.cost);
    expect(r.json.map((v: { cost: number }) => v.cost)).toEqual(costs);
    const human = await cli(['models'], db.url);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^model\s+version\s+k\s+cost\s+rows_used\s+created_at$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([['groups', '1', '3'], ['groups', '2', '3']]);
    expect(lines[1]).toMatch(/ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('models of an unknown model is an error', async () => {
    const r = await cli(['models', 'nothing'], db.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: model "nothing" does not exist');
  });
});

describe('choose-k', () => {
  it('fits each k of the range and recommends the three groups', async () => {
    const r = await cli(['choose-k', '--source', 'pts', '--config', JSON.stringify(CONFIG), '--k-min', '2', '--k-max', '5', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.candidates.map((c: { k: number }) => c.k)).toEqual([2, 3, 4, 5]);
    expect(r.json.recommended).toBe(3);
    const human = await cli(['choose-k', '--source', 'pts', '--config', JSON.stringify(CONFIG), '--k-max', '4'], db.url);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^k\s+cost\s+silhouette\s+davies_bouldin\s+calinski_harabasz\s+iterations$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['2', '3', '4']);
    expect(lines[4]).toMatch(/^recommended k = 3 \(highest silhouette\); the elbow of the cost curve is at k = \d; 90 rows$/);
  });

  it('refuses a k range that is not numbers', async () => {
    const r = await cli(['choose-k', '--source', 'pts', '--config', JSON.stringify(CONFIG), '--k-max', 'ten'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--k-max must be an integer of at least 1, not "ten"');
  });
});

describe('plot --model', () => {
  it('colours sampled rows by the model\'s predicted cluster and marks its centroids', async () => {
    const out = join(dir, 'groups.svg');
    const r = await cli(['plot', '--model', 'groups', '--source', 'pts', '--out', out, '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ model: 'groups', version: 2, source: 'pts', points: 90, clusters: 3 });
    const svg = readFileSync(out, 'utf8');
    const points = [...svg.matchAll(/<circle class="point" data-cluster="(\d)"/g)].map((m) => Number(m[1]));
    const predicted = (await db.client.query(`SELECT centroid.predict('groups', ARRAY[x, y, z]) AS c, count(*)::int AS n FROM pts GROUP BY 1 ORDER BY 1`)).rows;
    expect([0, 1, 2].map((c) => points.filter((p) => p === c).length)).toEqual(predicted.map((p) => p.n));
    expect([...svg.matchAll(/<g class="centroid" data-cluster="(\d)">/g)].map((m) => m[1])).toEqual(['0', '1', '2']);
  });

  it('samples the model\'s own source by default', async () => {
    const out = join(dir, 'default.svg');
    const r = await cli(['plot', '--model', 'groups', '--out', out, '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ source: 'SELECT * FROM pts WHERE id <= 60', points: 60 });
  });

  it('refuses a table and --model together, and an unknown model', async () => {
    const both = await cli(['plot', 'pts', '--model', 'groups', '--out', join(dir, 'x.svg')], db.url);
    expect(both.code).toBe(2);
    const unknown = await cli(['plot', '--model', 'nothing', '--out', join(dir, 'x.svg')], db.url);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: model "nothing" does not exist');
  });
});

describe('schedules', () => {
  it('schedule-fit registers a pg_cron job in the postgres database; unschedule-fit removes it', async () => {
    const r = await cli(['schedule-fit', 'groups', '--source', 'pts', '--config', JSON.stringify(CONFIG), '--schedule', '0 3 * * *', '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ job_name: `pg_centroid refit ${db.name} groups`, schedule: '0 3 * * *', cron_database: 'postgres' });
    const job = await cronDb.query('SELECT schedule, database FROM cron.job WHERE jobid = $1', [r.json.job_id]);
    expect(job.rows).toEqual([{ schedule: '0 3 * * *', database: db.name }]);
    const removed = await cli(['unschedule-fit', 'groups'], db.url);
    expect(removed.stdout).toBe('unscheduled the fits of model groups\n');
    expect((await cronDb.query('SELECT count(*)::int AS n FROM cron.job WHERE jobid = $1', [r.json.job_id])).rows[0].n).toBe(0);
    const again = await cli(['unschedule-fit', 'groups', '--json'], db.url);
    expect(again.json).toEqual({ model: 'groups', removed: false });
  });

  it('schedule-refit and unschedule-refit do the same for a clustered table', async () => {
    expect((await cli(['attach', 'pts', '--config', JSON.stringify({ ...CONFIG, cluster_number_column: 'label' })], db.url)).code).toBe(0);
    const r = await cli(['schedule-refit', 'pts', '--schedule', '30 4 * * *'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`scheduled refits of pts: pg_cron job "pg_centroid refit table ${db.name} public.pts" (schedule 30 4 * * *) in database postgres\n`);
    const job = await cronDb.query('SELECT schedule, command FROM cron.job WHERE jobname = $1', [`pg_centroid refit table ${db.name} public.pts`]);
    expect(job.rows).toEqual([{ schedule: '30 4 * * *', command: `SELECT centroid.refit('public.pts'::pg_catalog.regclass)` }]);
    expect((await cli(['unschedule-refit', 'pts'], db.url)).stdout).toBe('unscheduled the refits of pts\n');
    expect((await cli(['unschedule-refit', 'pts'], db.url)).stdout).toBe('pts had no scheduled refit: nothing to do\n');
  });

  it('schedule-refit needs --schedule', async () => {
    const r = await cli(['schedule-refit', 'pts'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: missing --schedule');
  });
});
