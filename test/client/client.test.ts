// The client API (src/client) on the real stack: attach, status, refit, sample, fit, predict, choose_k,
// models, schedules, detach, with errors arriving as pg errors that keep the server's hint.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgCentroid, connect, refitOutcome, type Config } from '../../src/client/index';
import { createDatabase, urlFor, type TestDatabase } from '../db/database';

let db: TestDatabase;
let api: PgCentroid;
let cronDb: pg.Client;

// Two groups on the diagonal, 20 rows each.
const LOW = Array.from({ length: 20 }, (_, i) => [i % 4, (i * 3) % 5]);
const HIGH = Array.from({ length: 20 }, (_, i) => [50 + (i % 4), 50 + ((i * 3) % 5)]);

const CONFIG: Config = {
  key_column: 'id',
  clustering_columns: ['x', 'y'],
  cluster_count: 2,
  cluster_number_column: 'label',
  minimum_data_count: 10,
  seed: 7,
};

beforeAll(async () => {
  cronDb = new pg.Client({ connectionString: urlFor('postgres') });
  cronDb.on('notice', () => {});
  await cronDb.connect();
  await cronDb.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
  db = await createDatabase('client_api');
  await db.client.query('CREATE EXTENSION dblink');
  await db.client.query(`CREATE TABLE points (id bigserial, ts timestamptz NOT NULL DEFAULT now(), x float8, y float8, label int)`);
  await db.client.query(`SELECT create_hypertable('points', 'ts')`);
  const rows = [...LOW, ...HIGH];
  await db.client.query(`INSERT INTO points (x, y) SELECT * FROM unnest($1::float8[], $2::float8[])`, [rows.map((r) => r[0]), rows.map((r) => r[1])]);
  api = new PgCentroid(db.client);
});

afterAll(async () => {
  await cronDb?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit % ${db?.name} %`)} OR jobname LIKE ${pg.escapeLiteral(`pg_centroid refit ${db?.name} %`)}`).catch(() => {});
  await cronDb?.end();
  await db?.close();
});

describe('client API', () => {
  it('attach clusters the rows there and labels rows inserted later', async () => {
    const r = await api.attach('points', CONFIG);
    expect(r).toMatchObject({ table: 'public.points', trigger: 'centroid_cluster', refit: { status: 'refitted', rows: 40, changed: 40 } });
    await db.client.query(`INSERT INTO points (x, y) VALUES (1, 1), (51, 51)`);
    const labels = await db.client.query(`SELECT x < 25 AS low, array_agg(DISTINCT label) AS l FROM points GROUP BY 1 ORDER BY 1`);
    expect(labels.rows.map((r) => r.l.length)).toEqual([1, 1]);
    expect(labels.rows[0].l[0]).not.toBe(labels.rows[1].l[0]);
  });

  it('status gives settings with defaults, rows, cost and clusters', async () => {
    const s = await api.status('points');
    expect(s.settings?.center_choice).toBe('k-means++');
    expect(s.settings?.seed).toBe(7);
    expect(s.rows).toBe(42);
    expect(s.labelled_rows).toBe(42);
    expect(s.clusters).toHaveLength(2);
    const centres = s.clusters.map((c) => c.centroid).sort((a, b) => a[0]! - b[0]!);
    expect(centres[0]![0]).toBeCloseTo(1.5, 0);
    expect(centres[1]![0]).toBeCloseTo(51.5, 0);
    expect((await api.statusAll()).map((t) => t.table)).toEqual(['public.points']);
  });

  it('refit reports what it did, with duration_ms and pending_label in snake_case', async () => {
    const r = await api.refit('points');
    expect(r.status).toBe('refitted');
    expect(r.rows).toBe(42);
    expect(r.changed).toBe(0);
    expect(typeof r.duration_ms).toBe('number');
    expect(r.pending_label).toBeNull();
    expect(r).not.toHaveProperty('durationMs');
    expect(r).not.toHaveProperty('pendingLabel');
  });

  it('reads a refit\'s JSON in either spelling of its keys', () => {
    const camel = refitOutcome({ status: 'refitted', rows: 3, durationMs: 12.5, pendingLabel: 1 });
    const snake = refitOutcome({ status: 'refitted', rows: 3, duration_ms: 12.5, pending_label: 1 });
    expect(camel).toEqual({ status: 'refitted', rows: 3, duration_ms: 12.5, pending_label: 1 });
    expect(snake).toEqual(camel);
    expect(refitOutcome(null)).toBeNull();
  });

  it('scheduleRefit registers a pg_cron job; unscheduleRefit removes it', async () => {
    const job = await api.scheduleRefit('points', '15 2 * * *');
    expect(job).toMatchObject({ job_name: `pg_centroid refit table ${db.name} public.points`, schedule: '15 2 * * *', cron_database: 'postgres' });
    expect((await cronDb.query('SELECT database FROM cron.job WHERE jobid = $1', [job.job_id])).rows).toEqual([{ database: db.name }]);
    expect(await api.unscheduleRefit('points')).toBe(true);
    expect(await api.unscheduleRefit('points')).toBe(false);
  });

  it('sample returns features and cluster numbers', async () => {
    const rows = await api.sample('points', 5);
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.features).toHaveLength(2);
      expect([0, 1]).toContain(r.cluster);
    }
  });

  it('fit and predict: the batch workflow', async () => {
    const f = await api.fit('diagonal', 'points', { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, seed: 1 });
    expect(f).toMatchObject({ model: 'diagonal', version: 1, rows_used: 42, k: 2 });
    const labels = await api.predict('diagonal', [[0, 0], [52, 52], [null, 3]]);
    expect(labels[2]).toBeNull();
    expect(labels[0]).not.toBe(labels[1]);
    const nearLow = f.centroids.findIndex((c) => c[0]! < 25);
    expect(labels[0]).toBe(nearLow);
  });

  it('chooseK fits each k of the range and recommends the two groups', async () => {
    const r = await api.chooseK('points', { key_column: 'id', clustering_columns: ['x', 'y'] }, { kMin: 2, kMax: 4 });
    expect(r.candidates.map((c) => c.k)).toEqual([2, 3, 4]);
    expect(r.recommended).toBe(2);
    expect(r.rows_used).toBe(42);
    expect(r.candidates[0]!.cost).toBeGreaterThan(r.candidates[2]!.cost);
  });

  it('models lists the versions; model gives the latest; sampleModel colours rows by predict', async () => {
    await api.fit('diagonal', 'SELECT * FROM points WHERE x < 25', { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, seed: 1 });
    const versions = await api.models('diagonal');
    expect(versions.map((v) => [v.version, v.k, v.rows_used, v.source])).toEqual([[1, 2, 42, 'points'], [2, 2, 21, 'SELECT * FROM points WHERE x < 25']]);
    expect(versions[0]!.created_at).toBeInstanceOf(Date);
    expect(versions[0]!.centroids).toHaveLength(2);
    expect(versions[0]!.config.clustering_columns).toEqual(['x', 'y']);
    expect((await api.models()).map((v) => v.model)).toEqual(['diagonal', 'diagonal']);
    expect((await api.model('diagonal'))?.version).toBe(2);
    expect(await api.model('nothing')).toBeNull();
    const { version, rows } = await api.sampleModel('diagonal', 100, 'points');
    expect(version.version).toBe(2);
    expect(rows).toHaveLength(42);
    const predicted = await api.predict('diagonal', rows.map((r) => r.features));
    expect(rows.map((r) => r.cluster)).toEqual(predicted);
  });

  it('scheduleFit registers a pg_cron job for the model; unscheduleFit removes it', async () => {
    const job = await api.scheduleFit('diagonal', 'points', { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2 }, '0 5 * * 0');
    expect(job.job_name).toBe(`pg_centroid refit ${db.name} diagonal`);
    expect((await cronDb.query('SELECT schedule FROM cron.job WHERE jobid = $1', [job.job_id])).rows).toEqual([{ schedule: '0 5 * * 0' }]);
    expect(await api.unscheduleFit('diagonal')).toBe(true);
    expect(await api.unscheduleFit('diagonal')).toBe(false);
  });

  it('errors keep the server\'s message and hint', async () => {
    let error: pg.DatabaseError | null = null;
    try {
      await api.attach('points', { ...CONFIG, distance_type: 'manhatan' as never });
    } catch (e) {
      error = e as pg.DatabaseError;
    }
    expect(error?.message).toContain('distance_type must be one of');
    expect(error?.hint).toBe('did you mean "manhattan"?');
  });

  it('detach stops clustering on insert; a client made from a URL closes its own pool', async () => {
    const own = connect(db.url);
    try {
      expect(await own.detach('points')).toEqual({ table: 'public.points', triggers_dropped: ['centroid_cluster'], settings_removed: true, refit_unscheduled: false });
      expect(await own.statusAll()).toEqual([]);
    } finally {
      await own.end();
    }
    await db.client.query(`INSERT INTO points (x, y) VALUES (3.5, 3.5)`);
    expect((await db.client.query(`SELECT label FROM points WHERE x = 3.5 AND y = 3.5`)).rows).toEqual([{ label: null }]);
  });
});
