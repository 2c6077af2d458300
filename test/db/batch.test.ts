// Batch segmentation on the real stack: centroid.fit, centroid.predict, the model registry, metrics,
// choose_k, permissions, and the article's workflow.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleDemo } from '../../src/cli/article';
import { calinskiHarabasz, daviesBouldin, silhouette } from '../../src/core/metrics';
import { createDatabase, failure, type TestDatabase } from './database';

let db: TestDatabase;

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 3, cluster_number_column: 'label', seed: 7 };

beforeAll(async () => {
  db = await createDatabase('batch');
  // Three groups around (0, 0), (10, 0), (0, 50), 100 rows each, deterministic jitter; b is on a larger scale.
  await db.client.query(`CREATE TABLE pts (id int PRIMARY KEY, a float8, b float8, label int, label2 int)`);
  await db.client.query(`INSERT INTO pts (id, a, b)
    SELECT i, (ARRAY[0, 10, 0])[i % 3 + 1] + sin(i) , (ARRAY[0, 0, 50])[i % 3 + 1] + 3 * cos(i * 7) FROM generate_series(1, 300) i`);
  // Rows with NULL, NaN and infinite features.
  await db.client.query(`INSERT INTO pts (id, a, b, label) VALUES (1001, NULL, 1, 5), (1002, 'NaN', 1, 5), (1003, 1, 'Infinity', 5)`);
});

afterAll(async () => {
  await db?.close();
});

/** Labels of pts by id. */
async function labels(column = 'label'): Promise<Map<number, number | null>> {
  const r = await db.client.query(`SELECT id, ${column} AS l FROM pts ORDER BY id`);
  return new Map(r.rows.map((row) => [row.id as number, row.l as number | null]));
}

describe('centroid.fit', () => {
  it('labels every valid row, gives rows with NULL, NaN or infinite features a NULL label and counts them', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('pts_model', 'pts', $1) AS r`, [CONFIG])).rows[0].r;
    expect(r.model).toBe('pts_model');
    expect(r.rows_used).toBe(300);
    expect(r.rows_skipped).toBe(3);
    expect(r.k).toBe(3);
    expect(r.centroids).toHaveLength(3);
    expect(r.metrics.cluster_sizes.sort()).toEqual([100, 100, 100]);
    const l = await labels();
    for (const id of [1001, 1002, 1003]) expect(l.get(id)).toBeNull();
    // Each group is one cluster.
    for (const g of [0, 1, 2]) {
      const seen = new Set([...l].filter(([id]) => id <= 300 && id % 3 === g).map(([, v]) => v));
      expect(seen.size).toBe(1);
    }
    const counts = await db.client.query(`SELECT count(*) FILTER (WHERE label IS NULL) AS nulls FROM pts`);
    expect(counts.rows[0].nulls).toBe(3);
  });

  it('gives the same labels for the same seed', async () => {
    await db.client.query(`SELECT centroid.fit('pts_seed', 'pts', $1)`, [{ ...CONFIG, cluster_number_column: 'label2', cluster_count: 5, center_choice: 'random' }]);
    const first = await labels('label2');
    await db.client.query(`UPDATE pts SET label2 = NULL`);
    await db.client.query(`SELECT centroid.fit('pts_seed', 'pts', $1)`, [{ ...CONFIG, cluster_number_column: 'label2', cluster_count: 5, center_choice: 'random' }]);
    expect(await labels('label2')).toEqual(first);
  });

  it('refuses fewer valid rows than k, counting the rows left out', async () => {
    await db.client.query(`CREATE TABLE few (id int, a float8, b float8, label int)`);
    await db.client.query(`INSERT INTO few VALUES (1, 1, 1, NULL), (2, 2, 2, NULL), (3, NULL, 3, NULL)`);
    const e = await failure(db.client, `SELECT centroid.fit('few', 'few', '{"key_column":"id","clustering_columns":["a","b"],"cluster_count":3,"cluster_number_column":"label"}')`);
    expect(e.message).toBe('pg_centroid: few has 2 rows with valid features (1 left out for NULL, NaN or infinite values), fewer than cluster_count 3');
    expect(e.hint).toBe('lower cluster_count to at most 2, or add rows');
  });

  it('refuses unknown settings with the fix, and sources that do not exist', async () => {
    const e = await failure(db.client, `SELECT centroid.fit('m', 'pts', $1)`, [{ ...CONFIG, standardise: 'zscore' }]);
    expect(e.message).toBe('pg_centroid setting standardise: unknown setting "standardise"');
    expect(e.hint).toBe('did you mean "standardize"?');
    const s = await failure(db.client, `SELECT centroid.fit('m', 'no_such_table', $1)`, [CONFIG]);
    expect(s.message).toContain('source "no_such_table" is neither a table');
    const bad = await failure(db.client, `SELECT centroid.fit('m', 'pts', $1)`, [{ ...CONFIG, standardize: 'minmax' }]);
    expect(bad.message).toBe('pg_centroid setting standardize: standardize must be one of none, zscore, not "minmax"');
  });

  it('reads a SELECT or a view, and needs output_table to write labels from one', async () => {
    await db.client.query(`CREATE VIEW pts_view AS SELECT id, a, b FROM pts WHERE id <= 300`);
    const e = await failure(db.client, `SELECT centroid.fit('v', 'pts_view', $1)`, [CONFIG]);
    expect(e.message).toBe('pg_centroid setting output_table is missing: pts_view is not a table, so labels need a table to go to');
    await db.client.query(`UPDATE pts SET label2 = NULL`);
    const r = (await db.client.query(`SELECT centroid.fit('v', 'pts_view', $1) AS r`, [{ ...CONFIG, cluster_number_column: 'label2', output_table: 'pts' }])).rows[0].r;
    expect(r.rows_used).toBe(300);
    expect(r.output_table).toBe('pts');
    const q = (await db.client.query(`SELECT centroid.fit('q', 'SELECT id, a, b FROM pts WHERE id <= 150;', $1) AS r`, [{ key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 3 }])).rows[0].r;
    expect(q.rows_used).toBe(150);
    expect(q.output_table).toBeNull();
    const written = await db.client.query(`SELECT count(label2) AS n FROM pts`);
    expect(written.rows[0].n).toBe(300);
  });
});

describe('centroid.models and centroid.predict', () => {
  it('registers every fit as a new version, and predict uses the latest', async () => {
    await db.client.query(`SELECT centroid.fit('versions', 'pts', $1)`, [{ ...CONFIG, cluster_count: 2, cluster_number_column: null }]);
    const v1 = await db.client.query(`SELECT centroid.predict('versions', ARRAY[0, 50]) AS a, centroid.predict('versions', ARRAY[10, 0]) AS b, centroid.predict('versions', ARRAY[0, 0]) AS c`);
    await db.client.query(`SELECT centroid.fit('versions', 'pts', $1)`, [{ ...CONFIG, cluster_number_column: null }]);
    const rows = await db.client.query(`SELECT version, array_length(centroids, 1) AS k, array_length(centroids, 2) AS d, rows_used, rows_skipped, owner,
      cost > 0 AS has_cost, metrics ? 'silhouette' AS has_metrics, duration_ms >= 0 AS timed, config->>'distance_type' AS distance
      FROM centroid.models WHERE model = 'versions' ORDER BY version`);
    expect(rows.rows).toEqual([
      { version: 1, k: 2, d: 2, rows_used: 300, rows_skipped: 3, owner: 'postgres', has_cost: true, has_metrics: true, timed: true, distance: 'euclidean' },
      { version: 2, k: 3, d: 2, rows_used: 300, rows_skipped: 3, owner: 'postgres', has_cost: true, has_metrics: true, timed: true, distance: 'euclidean' },
    ]);
    // With k = 2 two of the three groups shared a cluster; version 2 separates all three.
    expect(new Set(Object.values(v1.rows[0])).size).toBe(2);
    const v2 = await db.client.query(`SELECT centroid.predict('versions', ARRAY[0, 50]) AS a, centroid.predict('versions', ARRAY[10, 0]) AS b, centroid.predict('versions', ARRAY[0, 0]) AS c`);
    expect(new Set(Object.values(v2.rows[0])).size).toBe(3);
  });

  it('predicts the label fit gave each row, standardized with zscore (raw features in, the model scales them)', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('z', 'pts', $1) AS r`, [{ ...CONFIG, standardize: 'zscore', cluster_number_column: 'label2' }])).rows[0].r;
    expect(r.standardization.means).toHaveLength(2);
    expect(r.standardization.scales[1]).toBeGreaterThan(r.standardization.scales[0]);
    const stored = await db.client.query(`SELECT standardization FROM centroid.models WHERE model = 'z'`);
    expect(stored.rows[0].standardization).toEqual(r.standardization);
    const mismatch = await db.client.query(`SELECT count(*) AS n FROM pts WHERE id <= 300 AND centroid.predict('z', ARRAY[a, b]) IS DISTINCT FROM label2`);
    expect(mismatch.rows[0].n).toBe(0);
    // The stored centroids are in original units: near the groups' true centers.
    const centers = (r.centroids as number[][]).map((c) => c.map(Math.round).join(',')).sort();
    expect(centers).toEqual(['0,0', '0,50', '10,0']);
  });

  it('refuses a wrong number of features and unknown models, and gives NULL for a NULL feature', async () => {
    const e = await failure(db.client, `SELECT centroid.predict('z', ARRAY[1, 2, 3]::float8[])`);
    expect(e.message).toBe('pg_centroid: model "z" expects 2 features, not 3');
    expect(e.hint).toBe('pass one number per clustering column, in the order of clustering_columns (a, b): ARRAY[a, b]');
    const u = await failure(db.client, `SELECT centroid.predict('nope', ARRAY[1, 2]::float8[])`);
    expect(u.message).toBe('pg_centroid: "nope" is neither a model of yours nor a clustered table of yours with centroids');
    const n = await db.client.query(`SELECT centroid.predict('z', ARRAY[1, NULL]::float8[]) AS l`);
    expect(n.rows[0].l).toBeNull();
  });

  it('computes the metrics the core functions give on the same rows and labels', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('metrics', 'pts', $1) AS r`, [{ ...CONFIG, cluster_count: 4, cluster_number_column: 'label2' }])).rows[0].r;
    const rows = (await db.client.query(`SELECT a, b, label2 FROM pts WHERE id <= 300 ORDER BY id`)).rows;
    const points = { data: Float64Array.from(rows.flatMap((x) => [x.a, x.b])), n: rows.length, d: 2 };
    const lab = Int32Array.from(rows.map((x) => x.label2 as number));
    const centers = Float64Array.from((r.centroids as number[][]).flat());
    // 300 rows is under the silhouette sample, so it is exact.
    expect(r.metrics.silhouette).toBeCloseTo(silhouette(points, lab, 4, 'euclidean', { sampleSize: 5000 }), 10);
    expect(r.metrics.davies_bouldin).toBeCloseTo(daviesBouldin(points, lab, centers, 4, 'euclidean'), 8);
    expect(r.metrics.calinski_harabasz / calinskiHarabasz(points, lab, 4)).toBeCloseTo(1, 10);
    let inertia = 0;
    rows.forEach((x, i) => {
      const c = lab[i] as number;
      inertia += (x.a - (centers[c * 2] as number)) ** 2 + (x.b - (centers[c * 2 + 1] as number)) ** 2;
    });
    expect(r.metrics.inertia / inertia).toBeCloseTo(1, 8);
    expect(r.metrics.cluster_sizes).toEqual([0, 1, 2, 3].map((c) => lab.filter((l) => l === c).length));
  });
});

describe('centroid.choose_k', () => {
  it('recommends the k of data with four obvious groups, by silhouette and by elbow', async () => {
    await db.client.query(`CREATE TABLE blobs AS SELECT i AS id, (ARRAY[0, 20, 0, 20])[i % 4 + 1] + sin(i) AS x, (ARRAY[0, 0, 20, 20])[i % 4 + 1] + cos(i * 3) AS y FROM generate_series(1, 400) i`);
    const r = (await db.client.query(`SELECT centroid.choose_k('blobs', '{"key_column":"id","clustering_columns":["x","y"],"cluster_count":2}', 2, 8) AS r`)).rows[0].r;
    expect(r.recommended).toBe(4);
    expect(r.by_silhouette).toBe(4);
    expect(r.by_elbow).toBe(4);
    expect(r.candidates.map((c: { k: number }) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const e = await failure(db.client, `SELECT centroid.choose_k('blobs', '{"key_column":"id","clustering_columns":["x","y"],"cluster_count":2}', 5, 3)`);
    expect(e.message).toContain('k_min 5 and k_max 3 must satisfy');
  });
});

describe('permissions', () => {
  it('refuses to write labels into a table the caller does not own, and hides other roles\' models', async () => {
    await db.client.query(`DROP ROLE IF EXISTS batch_stranger`).catch(() => {});
    await db.client.query(`CREATE ROLE batch_stranger LOGIN`);
    await db.client.query(`SELECT centroid.fit('postgres_model', 'pts', $1)`, [{ ...CONFIG, cluster_number_column: null }]);
    let other: pg.Client | null = null;
    try {
      await db.client.query(`GRANT SELECT, UPDATE ON pts TO batch_stranger`);
      // The connection string's user wins over a user option in pg, so the role goes into the URL.
      const url = new URL(db.url);
      url.username = 'batch_stranger';
      other = new pg.Client({ connectionString: url.toString() });
      other.on('error', () => {});
      await other.connect();
      const e = await failure(other, `SELECT centroid.fit('stranger', 'pts', $1)`, [CONFIG]);
      expect(e.code).toBe('42501');
      expect(e.message).toBe('pg_centroid: permission denied to write cluster numbers into pts: only its owner may');
      // Fitting without writing labels is allowed (SELECT is granted) and the model is the stranger's.
      await other.query(`SELECT centroid.fit('stranger', 'pts', $1)`, [{ ...CONFIG, cluster_number_column: null }]);
      const seen = await other.query(`SELECT DISTINCT model FROM centroid.models ORDER BY 1`);
      expect(seen.rows.map((x) => x.model)).toEqual(['stranger']);
      // Model names belong to the role that fits them: another role's name is free for this one, and its own.
      const mine = (await other.query(`SELECT centroid.fit('postgres_model', 'pts', $1) AS r`, [{ ...CONFIG, cluster_number_column: null }])).rows[0].r;
      expect({ owner: mine.owner, version: mine.version }).toEqual({ owner: 'batch_stranger', version: 1 });
      const theirs = await db.client.query(`SELECT owner::text, max(version)::int AS v FROM centroid.models WHERE model = 'postgres_model' GROUP BY 1 ORDER BY 1`);
      expect(theirs.rows).toEqual([{ owner: 'batch_stranger', v: 1 }, { owner: 'postgres', v: expect.any(Number) }]);
    } finally {
      await other?.end();
      await db.client.query(`DELETE FROM centroid.models WHERE owner = 'batch_stranger'`);
      await db.client.query(`REVOKE ALL ON pts FROM batch_stranger`);
      await db.client.query(`DROP ROLE batch_stranger`);
    }
  });
});

describe('the article\'s workflow', () => {
  it('segments customers into 6 clusters, leaves customers without orders NULL and prints the revenue report', async () => {
    const lines: string[] = [];
    await articleDemo(db.client, (s) => lines.push(s), { customers: 2000, ordersPerCustomer: 5 });
    const out = lines.join('\n');
    expect(out).toContain('revenue_pct');
    const r = await db.client.query(`SELECT count(*) FILTER (WHERE c.cluster_id IS NULL) AS nulls,
        count(*) FILTER (WHERE c.cluster_id IS NULL AND o.customer_id IS NOT NULL) AS nulls_with_orders,
        count(*) FILTER (WHERE c.cluster_id IS NOT NULL AND o.customer_id IS NULL) AS labelled_without_orders,
        count(DISTINCT c.cluster_id) AS clusters
      FROM customers c LEFT JOIN (SELECT DISTINCT customer_id FROM orders) o USING (customer_id)`);
    expect(r.rows[0].nulls).toBeGreaterThan(100);
    expect(r.rows[0].nulls_with_orders).toBe(0);
    expect(r.rows[0].labelled_without_orders).toBe(0);
    expect(r.rows[0].clusters).toBe(6);
    // REFRESH ... CONCURRENTLY works on the feature view (it has the unique index).
    await db.client.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY customer_features`);
  });
});

describe('writing labels', () => {
  const WL = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 3, cluster_number_column: 'lab', seed: 7 };

  /** Rows of table whose label is not the one centroid.predict gives (NULL for invalid features). */
  async function mislabelled(model: string, table: string, client = db.client): Promise<number> {
    const r = await client.query(`SELECT count(*)::int AS n FROM ${table} WHERE lab IS DISTINCT FROM centroid.predict('${model}', ARRAY[a, b])`);
    return r.rows[0].n as number;
  }

  beforeAll(async () => {
    await db.client.query(`CREATE TABLE wl (id int8 PRIMARY KEY, a float8, b float8, lab int)`);
    // Invalid rows start with a label, which the fit must clear.
    await db.client.query(`INSERT INTO wl SELECT id, a, b, CASE WHEN id > 1000 THEN 7 END FROM pts`);
  });

  it('writes every label once, clears the labels of invalid rows, and rewrites no row on a refit with the same labels', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('wl', 'wl', $1) AS r`, [WL])).rows[0].r;
    expect(r.labels_changed).toBe(303);
    expect(await mislabelled('wl', 'wl')).toBe(0);
    const before = await db.client.query(`SELECT id, xmin::text AS x FROM wl ORDER BY id`);
    const again = (await db.client.query(`SELECT centroid.fit('wl', 'wl', $1) AS r`, [WL])).rows[0].r;
    expect(again.labels_changed).toBe(0);
    expect((await db.client.query(`SELECT id, xmin::text AS x FROM wl ORDER BY id`)).rows).toEqual(before.rows);
    // The keys' temporary table is gone once the labels are written.
    expect((await db.client.query(`SELECT pg_catalog.to_regclass('pg_temp.centroid_fit_keys') AS t`)).rows[0].t).toBeNull();
  });

  it('numbers clusters after the labels already in the output column, so a refit keeps them and rewrites no row', async () => {
    // Another tool (or another seed) numbered the same segments differently: rotate the numbers.
    await db.client.query(`UPDATE wl SET lab = (lab + 1) % 3 WHERE lab IS NOT NULL`);
    const rotated = await db.client.query(`SELECT id, lab, xmin::text AS x FROM wl ORDER BY id`);
    for (const seed of [7, 8, 9]) {
      const r = (await db.client.query(`SELECT centroid.fit('wl_numbers', 'wl', $1) AS r`, [{ ...WL, seed }])).rows[0].r;
      expect(r.labels_changed).toBe(0);
      expect(await mislabelled('wl_numbers', 'wl')).toBe(0);
    }
    expect((await db.client.query(`SELECT id, lab, xmin::text AS x FROM wl ORDER BY id`)).rows).toEqual(rotated.rows);
    // Where numbers cannot all be kept (one segment relabelled as another), most rows keep theirs.
    await db.client.query(`UPDATE wl SET lab = 0 WHERE lab = 2 AND id % 2 = 0`);
    const r = (await db.client.query(`SELECT centroid.fit('wl_numbers', 'wl', $1) AS r`, [WL])).rows[0].r;
    expect(r.labels_changed).toBe(50);
    expect((await db.client.query(`SELECT id, lab FROM wl ORDER BY id`)).rows).toEqual(rotated.rows.map((row) => ({ id: row.id, lab: row.lab })));
  });

  it('fits twice in one transaction, and an error after reading leaves nothing behind', async () => {
    await db.client.query('BEGIN');
    try {
      await db.client.query(`UPDATE wl SET lab = NULL`);
      const first = (await db.client.query(`SELECT centroid.fit('wl_tx', 'wl', $1) AS r`, [WL])).rows[0].r;
      const second = (await db.client.query(`SELECT centroid.fit('wl_tx', 'wl', $1) AS r`, [{ ...WL, cluster_count: 2 }])).rows[0].r;
      expect([first.labels_changed > 0, second.version]).toEqual([true, 2]);
      expect(await mislabelled('wl_tx', 'wl')).toBe(0);
    } finally {
      await db.client.query('COMMIT');
    }
    const e = await failure(db.client, `SELECT centroid.fit('wl_few', 'SELECT * FROM wl WHERE id <= 2', $1)`, [{ ...WL, output_table: 'wl' }]);
    expect(e.message).toContain('fewer than cluster_count 3');
    expect((await db.client.query(`SELECT pg_catalog.to_regclass('pg_temp.centroid_fit_keys') AS t`)).rows[0].t).toBeNull();
  });

  it('matches output rows on key_column when its type differs from the source key\'s', async () => {
    // A SELECT whose key is text, written into wl (int8 key).
    await db.client.query(`UPDATE wl SET lab = 7`);
    const r = (await db.client.query(`SELECT centroid.fit('wl_q', 'SELECT id::text AS id, a, b FROM wl', $1) AS r`, [{ ...WL, output_table: 'wl' }])).rows[0].r;
    expect(r.labels_changed).toBe(303);
    expect(await mislabelled('wl_q', 'wl')).toBe(0);
    // A table source with an int8 key, written into a table keyed by text.
    await db.client.query(`CREATE TABLE wl_text (id text PRIMARY KEY, a float8, b float8, lab int)`);
    await db.client.query(`INSERT INTO wl_text SELECT id::text, a, b FROM wl`);
    const t = (await db.client.query(`SELECT centroid.fit('wl_t', 'wl', $1) AS r`, [{ ...WL, output_table: 'wl_text' }])).rows[0].r;
    expect(t.labels_changed).toBe(300);
    expect(await mislabelled('wl_t', 'wl_text')).toBe(0);
  });

  it('writes the same labels for a role that may not create temporary tables', async () => {
    const database = (await db.client.query(`SELECT current_database() AS d`)).rows[0].d as string;
    await db.client.query(`DROP ROLE IF EXISTS batch_notemp`).catch(() => {});
    await db.client.query(`CREATE ROLE batch_notemp LOGIN`);
    await db.client.query(`REVOKE TEMPORARY ON DATABASE "${database}" FROM PUBLIC`);
    await db.client.query(`CREATE TABLE wl_own AS SELECT id, a, b, NULL::int AS lab, NULL::int AS lab2 FROM wl`);
    await db.client.query(`ALTER TABLE wl_own OWNER TO batch_notemp`);
    const url = new URL(db.url);
    url.username = 'batch_notemp';
    const other = new pg.Client({ connectionString: url.toString() });
    other.on('error', () => {});
    try {
      await other.connect();
      const may = await other.query(`SELECT has_database_privilege(current_database(), 'TEMPORARY') AS t`);
      expect(may.rows[0].t).toBe(false);
      // A SELECT source is parsed into a temporary view, so it needs the privilege; a table by name does not.
      const refused = await failure(other, `SELECT centroid.fit('wl_notemp', 'SELECT id, a, b FROM wl_own', $1)`, [{ ...WL, output_table: 'wl_own' }]);
      expect(refused.message).toBe('pg_centroid: a SELECT source is read through a temporary view, and this role may not create temporary objects in this database');
      expect(refused.hint).toMatch(/^fit a table or view by name instead, or ask for the privilege: GRANT TEMPORARY ON DATABASE/);
      const source = 'wl_own';
      const r = (await other.query(`SELECT centroid.fit('wl_notemp', $1, $2) AS r`, [source, { ...WL, output_table: 'wl_own' }])).rows[0].r;
      expect(r.labels_changed).toBe(300);
      expect(await mislabelled('wl_notemp', 'wl_own', other)).toBe(0);
      await db.client.query(`SELECT centroid.fit('wl_own_temp', $1, $2)`, [source, { ...WL, output_table: 'wl_own', cluster_number_column: 'lab2' }]);
      const same = await db.client.query(`SELECT count(*) FILTER (WHERE lab IS DISTINCT FROM lab2)::int AS n, count(DISTINCT lab)::int AS k FROM wl_own`);
      expect(same.rows[0]).toEqual({ n: 0, k: 3 });
    } finally {
      await other.end();
      await db.client.query(`GRANT TEMPORARY ON DATABASE "${database}" TO PUBLIC`);
      await db.client.query(`DROP TABLE wl_own`);
      await db.client.query(`DELETE FROM centroid.models WHERE owner = 'batch_notemp'`);
      await db.client.query(`DROP ROLE batch_notemp`);
    }
  });
});
