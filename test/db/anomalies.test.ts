// Beyond a cluster number: distances and anomaly flags written on insert, by refits, by UPDATE and by fit; a
// contamination share; event-time forgetting (half_life) against its closed form; refits driven by drift; set-based
// scoring and predict from a version or a table; refusals of settings that cannot work.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('anomalies');
});
afterAll(async () => {
  await db?.close();
});

/** A hypertable of two features with cluster, distance and anomaly columns. */
async function table(name: string, config: Record<string, unknown>): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 float8, v2 float8, cl int, dist float8, odd bool)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts')`);
  await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_number_column: 'cl', distance_column: 'dist', anomaly_column: 'odd', ...config }]);
}

/** SQL inserting n rows around three well-separated centers (deterministic noise). */
function blobs(name: string, n: number, offset = 0): string {
  return `INSERT INTO ${name} (v1, v2) SELECT (g % 3) * 100 + ${offset} + sin(g * 12.9898) * 2, (g % 3) * 60 + cos(g * 78.233) * 2
            FROM generate_series(1, ${n}) g`;
}

describe('distance and anomaly columns', () => {
  it('write each row its distance to its centroid, as computed by hand from the stored centroids', async () => {
    await table('hand', { cluster_count: 2, center_choice: 'manual', starting_centers: [[0, 0], [10, 10]], minimum_data_count: 4 });
    await db.client.query(`INSERT INTO hand (v1, v2) VALUES (0, 1), (1, 0), (10, 11), (11, 10), (0, 0.5), (3, 4)`);
    const state = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'hand'::regclass`)).rows[0].centroids as number[][];
    const rows = (await db.client.query(`SELECT v1, v2, cl, dist FROM hand ORDER BY id`)).rows;
    for (const r of rows) {
      const c = state[r.cl] as number[];
      expect(r.dist).toBeCloseTo(Math.hypot(r.v1 - (c[0] as number), r.v2 - (c[1] as number)), 12);
    }
    // An UPDATE that moves a row relabels it and rewrites its distance in the same statement.
    await db.client.query(`UPDATE hand SET v1 = 10, v2 = 9 WHERE v1 = 3`);
    const moved = (await db.client.query(`SELECT cl, dist FROM hand WHERE v1 = 10 AND v2 = 9`)).rows[0];
    const c = state[moved.cl] as number[];
    expect(moved.dist).toBeCloseTo(Math.hypot(10 - (c[0] as number), 9 - (c[1] as number)), 12);
    await db.client.query(`UPDATE hand SET v1 = NULL WHERE v1 = 10 AND v2 = 9`);
    expect((await db.client.query(`SELECT cl, dist, odd FROM hand WHERE v1 IS NULL`)).rows[0]).toEqual({ cl: null, dist: null, odd: null });
  });

  for (const refit of ['statement', 'row', 'online'] as const) {
    it(`flag every injected far-away row and under 1% of the others at the default threshold (policy ${refit})`, async () => {
      const name = `stream_${refit}`;
      await table(name, { cluster_count: 3, refit, maximum_data_count: 5000, minimum_data_count: 30 });
      const statements = refit === 'row' ? 3 : 10;
      for (let b = 0; b < statements; b++) {
        await db.client.query(blobs(name, refit === 'row' ? 60 : 300));
        // A far-away row now and then (tens of radii from every center, not far enough to be worth a cluster of its own), alone in its statement.
        await db.client.query(`INSERT INTO ${name} (v1, v2) VALUES (40, ${40 + b})`);
      }
      const r = (await db.client.query(`SELECT count(*) FILTER (WHERE v1 = 40 AND odd)::int AS caught, count(*) FILTER (WHERE v1 = 40)::int AS injected,
          count(*) FILTER (WHERE v1 <> 40 AND odd)::int AS false_alarms, count(*) FILTER (WHERE v1 <> 40)::int AS normal, count(dist)::int AS distances, count(*)::int AS n FROM ${name}`)).rows[0];
      expect(r.injected).toBe(statements);
      expect(r.caught).toBe(statements);
      expect(r.false_alarms).toBeLessThan(0.01 * r.normal);
      expect(r.distances).toBe(r.n);
    });
  }

  it('flags the contamination share of the window at each refit, within one row', async () => {
    await table('contam', { cluster_count: 3, contamination: 0.05, minimum_data_count: 30 });
    await db.client.query(blobs('contam', 999));
    await db.client.query(`SELECT centroid.refit('contam')`);
    const r = (await db.client.query(`SELECT count(*) FILTER (WHERE odd)::int AS flagged, count(*)::int AS n FROM contam`)).rows[0];
    expect(Math.abs(r.flagged - 0.05 * r.n)).toBeLessThanOrEqual(1);
    const threshold = (await db.client.query(`SELECT anomaly_threshold FROM centroid.state WHERE table_name = 'contam'::regclass`)).rows[0].anomaly_threshold;
    expect(threshold).toBeGreaterThan(0);
  });

  it('writes distances and flags in a batch fit into its output table, with the radii and threshold in the model', async () => {
    await db.client.query(`CREATE TABLE batch (id int PRIMARY KEY, v1 float8, v2 float8, cl int, dist float8, odd bool)`);
    await db.client.query(`INSERT INTO batch SELECT g, (g % 3) * 100 + sin(g) * 2, cos(g) * 2 FROM generate_series(1, 600) g`);
    await db.client.query(`INSERT INTO batch VALUES (1000, 50, 500)`);
    const fit = (await db.client.query(`SELECT centroid.fit('batch_model', 'batch', $1) AS r`, [{ key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 3, cluster_number_column: 'cl', distance_column: 'dist', anomaly_column: 'odd' }])).rows[0].r;
    expect(fit.metrics.rms_radii).toHaveLength(3);
    expect(fit.metrics.anomaly_threshold).toBe(3);
    const r = (await db.client.query(`SELECT count(dist)::int AS d, count(*) FILTER (WHERE odd)::int AS flagged, bool_and(odd) FILTER (WHERE id = 1000) AS far FROM batch`)).rows[0];
    expect(r).toEqual({ d: 601, flagged: 1, far: true });
  });
});

describe('half_life', () => {
  const DAY = 86400;
  it('moves a centroid by event-time weights: two batches a half-life apart, then a late old row (closed form)', async () => {
    await db.client.query(`CREATE TABLE hl (id bigserial, ts timestamptz NOT NULL, x float8, cl int)`);
    await db.client.query(`SELECT create_hypertable('hl', 'ts')`);
    await db.client.query(`SELECT centroid.attach('hl', $1)`, [{ key_column: 'id', clustering_columns: ['x'], cluster_count: 1, cluster_number_column: 'cl', refit: 'online', half_life: '1 day', minimum_data_count: 4 }]);
    // Batch A: 4 rows at x = 0 on day 0 (the first clustering), batch B: 6 rows at x = 10 one day later.
    await db.client.query(`INSERT INTO hl (ts, x) SELECT '2026-01-01', 0 FROM generate_series(1, 4)`);
    await db.client.query(`INSERT INTO hl (ts, x) SELECT '2026-01-02', 10 FROM generate_series(1, 6)`);
    const after = (await db.client.query(`SELECT centroids[1][1] AS c, counts[1] AS w, as_of FROM centroid.state WHERE table_name = 'hl'::regclass`)).rows[0];
    // Batch A's weight 4 halves to 2 when batch B (weight 1 each) arrives a half-life later.
    expect(after.w).toBeCloseTo(2 + 6, 10);
    expect(after.c).toBeCloseTo((2 * 0 + 6 * 10) / 8, 10);
    expect(after.as_of).toBe(Date.UTC(2026, 0, 2) / 1000);
    // A late row from day 0 weighs 1/2: the center moves half as far as a fresh row would.
    await db.client.query(`INSERT INTO hl (ts, x) VALUES ('2026-01-01', 100)`);
    const late = (await db.client.query(`SELECT centroids[1][1] AS c, counts[1] AS w FROM centroid.state WHERE table_name = 'hl'::regclass`)).rows[0];
    expect(late.w).toBeCloseTo(8.5, 10);
    expect(late.c).toBeCloseTo(7.5 + (100 - 7.5) * (0.5 / 8.5), 10);
    // A refit weighs the window the same way: the weighted mean.
    await db.client.query(`SELECT centroid.refit('hl')`);
    const refit = (await db.client.query(`SELECT centroids[1][1] AS c FROM centroid.state WHERE table_name = 'hl'::regclass`)).rows[0];
    expect(refit.c).toBeCloseTo((4 * 0.5 * 0 + 6 * 10 + 0.5 * 100) / (2 + 6 + 0.5), 10);
    void DAY;
  });

  it('weighs refits in the SQL engine as in JavaScript', async () => {
    await db.client.query(`CREATE TABLE hl2 (id bigserial, t int NOT NULL, x float8, y float8, cl int)`);
    await db.client.query(`INSERT INTO hl2 (t, x, y) SELECT g, (g % 2) * 50 + g / 1000.0, g % 7 FROM generate_series(1, 3000) g`);
    const config = { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, cluster_number_column: 'cl', time_column: 't', half_life: 500, center_choice: 'manual', starting_centers: [[0, 0], [50, 0]] };
    await db.client.query(`SELECT centroid.attach('hl2', $1, false)`, [config]);
    const c = await db.connect();
    await c.query(`SET pg_centroid.engine = 'js'`);
    await c.query(`SELECT centroid.refit('hl2')`);
    const js = (await c.query(`SELECT centroids, counts FROM centroid.state WHERE table_name = 'hl2'::regclass`)).rows[0];
    await c.query(`DELETE FROM centroid.state WHERE table_name = 'hl2'::regclass`);
    await c.query(`SET pg_centroid.engine = 'sql'`);
    await c.query(`SELECT centroid.refit('hl2')`);
    const sql = (await c.query(`SELECT centroids, counts FROM centroid.state WHERE table_name = 'hl2'::regclass`)).rows[0];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) expect(sql.centroids[i][j]).toBeCloseTo(js.centroids[i][j], 9);
      expect(sql.counts[i]).toBeCloseTo(js.counts[i], 9);
    }
  });
});

describe('drift_refit', () => {
  it('refits when the stream moves, and not before', async () => {
    await table('drifting', { cluster_count: 3, refit: 'online', drift_refit: 0.3, minimum_data_count: 60 });
    await db.client.query(blobs('drifting', 300));
    const refits = async () => (await db.client.query(`SELECT refits::int AS n, refit_reason AS why FROM centroid.state WHERE table_name = 'drifting'::regclass`)).rows[0];
    const first = await refits();
    for (let b = 0; b < 5; b++) await db.client.query(blobs('drifting', 60));
    expect(await refits()).toEqual(first);
    const view = (await db.client.query(`SELECT sum(rows_since_refit)::int AS rows, max(anomaly_share) AS share FROM centroid.drift WHERE table_name = 'drifting'::regclass`)).rows[0];
    expect(view.rows).toBe(300);
    expect(view.share).toBeLessThan(0.3);
    // The stream moves far away: anomalies pile up until the share passes 0.3, and a refit follows.
    for (let b = 0; b < 5; b++) await db.client.query(blobs('drifting', 60, 1000));
    const after = await refits();
    expect(after.n).toBeGreaterThan(first.n);
    expect(after.why).toBe('drift');
    const centers = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'drifting'::regclass`)).rows[0].centroids as number[][];
    expect(centers.some((c) => (c[0] as number) > 900)).toBe(true);
  });
});

describe('scoring and predicting', () => {
  it('scores a whole query in one statement, agreeing with predict and with the stored radii', async () => {
    await db.client.query(`CREATE TABLE pts (id int PRIMARY KEY, a float8, b numeric)`);
    await db.client.query(`INSERT INTO pts SELECT g, (g % 4) * 10 + sin(g), cos(g) FROM generate_series(1, 400) g`);
    await db.client.query(`INSERT INTO pts VALUES (999, NULL, 1), (1000, 15, 40)`);
    // Invalid features of every kind: NaN, infinite, and a numeric beyond float8's range (scored in the same scan).
    await db.client.query(`INSERT INTO pts VALUES (1001, 'NaN', 1), (1002, '-Infinity', 1), (1003, 1, 1e400)`);
    // Fitted on the first 400 rows; the two added later are scored as new rows.
    await db.client.query(`SELECT centroid.fit('pm', 'SELECT * FROM pts WHERE id <= 400', '{"key_column": "id", "clustering_columns": ["a", "b"], "cluster_count": 4, "standardize": "zscore"}')`);
    const scored = (await db.client.query(`SELECT s.*, centroid.predict('pm', ARRAY[p.a, CASE WHEN abs(p.b) < 1e300 THEN p.b END::float8]) AS predicted FROM centroid.score('pm', 'SELECT * FROM pts') s JOIN pts p ON p.id = s.key::int ORDER BY p.id`)).rows;
    expect(scored).toHaveLength(405);
    for (const r of scored) expect(r.cluster).toBe(r.predicted);
    for (const key of ['999', '1001', '1002', '1003']) {
      expect(scored.find((r) => r.key === key)).toMatchObject({ cluster: null, distance: null, normalized_distance: null, is_anomaly: null });
    }
    // Without z-scores the validity test is the features' own (NULL for an invalid value): the same NULLs.
    await db.client.query(`SELECT centroid.fit('pm_raw', 'SELECT * FROM pts WHERE id <= 400', '{"key_column": "id", "clustering_columns": ["a", "b"], "cluster_count": 4}')`);
    const raw = (await db.client.query(`SELECT * FROM centroid.score('pm_raw', 'SELECT * FROM pts') ORDER BY key::int`)).rows;
    expect(raw).toHaveLength(405);
    expect(raw.filter((r) => r.cluster === null).map((r) => r.key)).toEqual(['999', '1001', '1002', '1003']);
    expect(raw.filter((r) => r.cluster !== null).every((r) => r.distance >= 0 && r.normalized_distance >= 0)).toBe(true);
    expect(scored.find((r) => r.key === '1000')).toMatchObject({ is_anomaly: true });
    expect(scored.filter((r) => r.is_anomaly).length).toBeLessThan(10);
  });

  it('predicts from a chosen version and from an attached table\'s live centroids', async () => {
    await db.client.query(`SELECT centroid.fit('pm', 'pts', '{"key_column": "id", "clustering_columns": ["a", "b"], "cluster_count": 2}')`);
    const v = (await db.client.query(`SELECT centroid.predict('pm', ARRAY[30, 0]) AS latest, centroid.predict('pm', ARRAY[30, 0], 1) AS first`)).rows[0];
    expect(v.latest).toBeLessThan(2);
    expect(v.first).toBeLessThan(4);
    const e = await failure(db.client, `SELECT centroid.predict('pm', ARRAY[30, 0], 9)`);
    expect(e.message).toBe('pg_centroid: model "pm" has no version 9');
    const live = (await db.client.query(`SELECT centroid.predict('hand', ARRAY[10.5, 10.5]) AS l, (SELECT cl FROM hand WHERE v1 = 11 AND v2 = 10) AS row_label`)).rows[0];
    expect(live.l).toBe(live.row_label);
    const table = (await db.client.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE s.cluster = h.cl)::int AS same FROM centroid.score('hand', 'hand') s JOIN hand h ON h.id = s.key::int WHERE h.cl IS NOT NULL`)).rows[0];
    expect(table.same).toBe(table.n);
  });
});

describe('settings that cannot work are refused when written, naming the key', () => {
  const BASE = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cl' };
  beforeAll(async () => {
    await db.client.query(`CREATE TABLE bad (id bigserial, ts timestamptz NOT NULL DEFAULT now(), t int, v1 float8, v2 float8, cl int, dist text, odd int, flag bool, d2 float8)`);
  });
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a distance_column that is not a number', { distance_column: 'dist' }, /^pg_centroid setting distance_column: column "dist" of bad is text, not double precision$/],
    ['an anomaly_column that is not boolean', { anomaly_column: 'odd' }, /^pg_centroid setting anomaly_column: column "odd" of bad is integer, not boolean$/],
    ['contamination beyond 0.5', { anomaly_column: 'flag', contamination: 0.6 }, /^pg_centroid setting contamination: contamination is 0\.6, outside greater than 0 to 0\.5$/],
    ['contamination with anomaly_threshold', { anomaly_column: 'flag', contamination: 0.1, anomaly_threshold: 2 }, /contamination \(0\.1\) and anomaly_threshold \(2\) are both given/],
    ['anomaly_threshold with nothing to use it', { anomaly_threshold: 2 }, /anomaly_threshold is given but nothing uses it/],
    ['drift_refit outside the online policy', { drift_refit: 0.2 }, /drift_refit is given but refit is statement/],
    ['a half_life that is not an interval', { half_life: 'a fortnight', time_column: 'ts' }, /half_life: "a fortnight" is not an interval/],
    ['a half_life interval on an integer time column', { half_life: '1 day', time_column: 't' }, /half_life: "1 day" is an interval, but time column "t" is integer/],
    ['a half_life number on a timestamp column', { half_life: 7, time_column: 'ts' }, /half_life: 7 is a number, but time column "ts" is timestamp with time zone/],
    ['a half_life with k-medians', { half_life: '1 day', time_column: 'ts', clustering_algorithm: 'k-medians' }, /half_life: refits weigh rows by event time with k-means only/],
    ['a half_life without a time column', { half_life: '1 day' }, /half_life: the table has no time column/],
    ['the distance column also the anomaly column', { distance_column: 'd2', anomaly_column: 'd2' }, /anomaly_column "d2" is also the distance_column/],
  ];
  for (const [what, extra, message] of cases) {
    it(`refuses ${what}`, async () => {
      const e = await failure(db.client, `INSERT INTO centroid.settings VALUES ('bad', $1)`, [{ ...BASE, ...extra }]);
      expect(e.message).toMatch(message);
      expect(e.hint?.length ?? 0).toBeGreaterThan(0);
      expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.settings WHERE table_name = 'bad'::regclass`)).rows[0].n).toBe(0);
    });
  }
});
