// The client API (src/client) on the real stack: attach, status, refit, sample, fit, predict, detach,
// with errors arriving as pg errors that keep the server's hint.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgCentroid, connect, type Config } from '../../src/client/index';
import { createDatabase, type TestDatabase } from '../db/database';

let db: TestDatabase;
let api: PgCentroid;

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
  db = await createDatabase('client_api');
  await db.client.query(`CREATE TABLE points (id bigserial, ts timestamptz NOT NULL DEFAULT now(), x float8, y float8, label int)`);
  await db.client.query(`SELECT create_hypertable('points', 'ts')`);
  const rows = [...LOW, ...HIGH];
  await db.client.query(`INSERT INTO points (x, y) SELECT * FROM unnest($1::float8[], $2::float8[])`, [rows.map((r) => r[0]), rows.map((r) => r[1])]);
  api = new PgCentroid(db.client);
});

afterAll(async () => {
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

  it('refit reports what it did', async () => {
    const r = await api.refit('points');
    expect(r.status).toBe('refitted');
    expect(r.rows).toBe(42);
    expect(r.changed).toBe(0);
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
