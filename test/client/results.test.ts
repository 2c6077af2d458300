// One typed definition of the SQL functions' JSON (src/config/results.ts): what the server returns has exactly
// the keys of those types, and the client returns them as they are. Each key list is typed Record<keyof T, true>,
// so `npm run typecheck` fails when a type gains or loses a key the list does not; this test fails when the
// server's JSON does.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgCentroid } from '../../src/client/index';
import type { AttachResult, Candidate, ChooseK, ClusterStatus, DetachResult, Metrics, ModelFit, RefitResult, Schedule, TableStatus } from '../../src/config/results';
import { createDatabase, urlFor, type TestDatabase } from '../db/database';

const REFIT: Record<keyof RefitResult, true> = {
  status: true, rows: true, invalid: true, changed: true, iterations: true, cost: true, duration_ms: true, engine: true,
  pending_label: true, pending_distance: true, pending_normalized: true,
};
const ATTACH: Record<keyof AttachResult, true> = { table: true, trigger: true, refit: true };
const DETACH: Record<keyof DetachResult, true> = { table: true, triggers_dropped: true, settings_removed: true, refit_unscheduled: true };
const CLUSTER: Record<keyof ClusterStatus, true> = {
  cluster: true, size: true, weight: true, radius: true, rms_radius: true, rows_since_refit: true, mean_normalized_distance: true,
  anomaly_share: true, centroid: true,
};
const STATUS: Record<keyof TableStatus, true> = {
  table: true, config: true, settings: true, error: true, trigger: true, rows: true, labelled_rows: true, refits: true, refitted_at: true,
  online_updated_at: true, rows_used: true, iterations: true, converged: true, cost: true, duration_ms: true, changed_labels: true,
  refit_reason: true, anomaly_threshold: true, centroids: true, clusters: true,
};
const METRICS: Record<keyof Metrics, true> = {
  inertia: true, silhouette: true, silhouette_sample: true, davies_bouldin: true, calinski_harabasz: true, cluster_sizes: true,
  radii: true, rms_radii: true, anomaly_threshold: true,
};
const FIT: Record<keyof ModelFit, true> = {
  model: true, version: true, owner: true, rows_used: true, rows_skipped: true, k: true, algorithm: true, cost: true, iterations: true,
  converged: true, duration_ms: true, timings: true, centroids: true, standardization: true, metrics: true, output_table: true,
  labels_changed: true, pushdown: true, vector_type: true,
};
/** Keys of ModelFit present only on some fits (pushdown: fits run by aggregates, as on a sharded table). */
const FIT_OPTIONAL = new Set(['pushdown']);
const TIMINGS: Record<keyof ModelFit['timings'], true> = { read_ms: true, fit_ms: true, renumber_ms: true, metrics_ms: true, write_ms: true };
const CANDIDATE: Record<keyof Candidate, true> = { k: true, cost: true, silhouette: true, davies_bouldin: true, calinski_harabasz: true, iterations: true };
const CHOOSE: Record<keyof ChooseK, true> = { recommended: true, by_silhouette: true, by_elbow: true, rows_used: true, rows_skipped: true, duration_ms: true, candidates: true };
const SCHEDULE: Record<keyof Schedule, true> = { job_name: true, job_id: true, schedule: true, command: true, cron_database: true };

/** The sorted keys of a JSON object. */
function keys(value: unknown): string[] {
  return Object.keys(value as object).sort();
}

/** The sorted keys of a key list. */
function expected(list: Record<string, true>): string[] {
  return Object.keys(list).sort();
}

let db: TestDatabase;
let cron: pg.Client;
let api: PgCentroid;

beforeAll(async () => {
  cron = new pg.Client({ connectionString: urlFor('postgres') });
  cron.on('notice', () => {});
  await cron.connect();
  await cron.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
  db = await createDatabase('client_results');
  await db.client.query('CREATE EXTENSION dblink');
  await db.client.query(`CREATE TABLE pts (id bigserial PRIMARY KEY, x float8, y float8, label int)`);
  await db.client.query(`INSERT INTO pts (x, y) SELECT i % 5, (i * 3) % 7 + 40 * (i % 2) FROM generate_series(1, 40) i`);
  api = new PgCentroid(db.client);
});

afterAll(async () => {
  await cron?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit % ${db?.name} %`)}`).catch(() => {});
  await cron?.end();
  await db?.close();
});

describe('the SQL functions\' JSON has the keys of src/config/results.ts', () => {
  const config = { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, cluster_number_column: 'label', minimum_data_count: 10 };

  it('centroid.attach and its refit', async () => {
    const raw = (await db.client.query(`SELECT centroid.attach('pts', $1::jsonb) AS v`, [JSON.stringify(config)])).rows[0].v;
    expect(keys(raw)).toEqual(expected(ATTACH));
    expect(keys(raw.refit)).toEqual(expected(REFIT));
    expect(await api.status('pts')).toMatchObject({ table: 'public.pts' });
  });

  it('centroid.refit, as the server returns it and as the client does', async () => {
    const raw = (await db.client.query(`SELECT centroid.refit('pts') AS v`)).rows[0].v;
    expect(keys(raw)).toEqual(expected(REFIT));
    expect(keys(await api.refit('pts'))).toEqual(expected(REFIT));
  });

  it('centroid.status and its clusters', async () => {
    const s = await api.status('pts');
    expect(keys(s)).toEqual(expected(STATUS));
    expect(s.clusters).toHaveLength(2);
    for (const c of s.clusters) expect(keys(c)).toEqual(expected(CLUSTER));
  });

  it('centroid.fit, its metrics and timings', async () => {
    const f = await api.fit('pts_model', 'pts', { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2 });
    expect(keys(f)).toEqual(expected(FIT).filter((k) => !FIT_OPTIONAL.has(k)));
    expect(keys(f.metrics)).toEqual(expected(METRICS));
    expect(keys(f.timings)).toEqual(expected(TIMINGS));
    // The registry keeps the same metrics with the version.
    expect(keys((await api.model('pts_model'))?.metrics)).toEqual(expected(METRICS));
  });

  it('centroid.choose_k and its candidates', async () => {
    const r = await api.chooseK('pts', { key_column: 'id', clustering_columns: ['x', 'y'] }, { kMin: 2, kMax: 3 });
    expect(keys(r)).toEqual(expected(CHOOSE));
    for (const c of r.candidates) expect(keys(c)).toEqual(expected(CANDIDATE));
  });

  it('centroid.schedule_refit and centroid.schedule_fit', async () => {
    expect(keys(await api.scheduleRefit('pts', '0 4 * * *'))).toEqual(expected(SCHEDULE));
    expect(keys(await api.scheduleFit('pts_model', 'pts', { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2 }, '0 5 * * *'))).toEqual(expected(SCHEDULE));
    expect(await api.unscheduleFit('pts_model')).toBe(true);
  });

  it('centroid.detach', async () => {
    expect(keys(await api.detach('pts'))).toEqual(expected(DETACH));
  });
});
