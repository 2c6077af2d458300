// Issue 13, batch: centroid.fit, predict, score, centroids, choose_k and metrics on pgvector columns (vector and
// halfvec, euclidean and cosine), NULL and zero vectors, and the settings refused with a vector column. Every label is
// checked against pgvector's own nearest centroid and every cost against pgvector's own distances, so none of
// pg_centroid's code checks itself.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { insertTopics, notNearest, purity, type Topics, vectorDatabase } from './vectors-helpers';

let db: TestDatabase;
const T: Topics = { dims: 16, topics: 4, noise: 0.3 };
const FIT = { key_column: 'id', clustering_columns: ['e'], cluster_count: 4 };

beforeAll(async () => {
  db = await vectorDatabase('vectors');
  await db.client.query(`CREATE TABLE docs (id int PRIMARY KEY, e vector(16), topic int, dist float8)`);
  await db.client.query(insertTopics('docs', 'e', T, 1, 1200));
  // Rows the fits must leave out (NULL), and under cosine a row of zeros.
  await db.client.query(`INSERT INTO docs (id, e) VALUES (5001, NULL), (5002, array_fill(0, ARRAY[16])::vector)`);
  await db.client.query(`CREATE TABLE directions (id int PRIMARY KEY, e vector(16), topic int, dist float8)`);
  await db.client.query(insertTopics('directions', 'e', { ...T, scaled: true }, 1, 1200));
  await db.client.query(`INSERT INTO directions (id, e) VALUES (5001, NULL), (5002, array_fill(0, ARRAY[16])::vector)`);
}, 120_000);
afterAll(async () => {
  await db?.close();
});

describe('centroid.fit on a vector column', () => {
  it('finds the topics, writes each row the nearest centroid by pgvector, and reports the cost pgvector computes (euclidean)', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('eu', 'docs', $1) AS r`, [{ ...FIT, cluster_number_column: 'topic', distance_column: 'dist' }])).rows[0].r;
    // The zero vector is a row like any under euclidean distance; the NULL one stays without a label.
    expect(r).toMatchObject({ rows_used: 1201, rows_skipped: 1, k: 4, vector_type: 'vector', labels_changed: 1201 });
    expect(r.centroids).toHaveLength(4);
    expect(r.centroids[0]).toHaveLength(16);
    expect(await purity(db.client, 'docs', 'topic', 4)).toEqual({ mixed: 0, clusters: 4 });
    expect(await notNearest(db.client, 'docs', 'e', 'topic', `SELECT cluster, centroid FROM centroid.centroids('eu', NULL::vector)`, false)).toEqual({ wrong: 0, n: 1201 });
    const check = (await db.client.query(`SELECT sum((d.e <-> c.centroid) ^ 2) AS cost, max(abs(d.dist - (d.e <-> c.centroid))) AS worst,
        count(*) FILTER (WHERE d.topic IS NULL)::int AS unlabelled
      FROM docs d LEFT JOIN centroid.centroids('eu', NULL::vector) c ON c.cluster = d.topic`)).rows[0];
    expect(check.unlabelled).toBe(1);
    expect(Number(check.cost)).toBeCloseTo(r.cost, 3);
    expect(check.worst).toBeLessThan(1e-5);
    // The metrics are computed (in SQL) and sensible for four well separated topics.
    expect(r.metrics.silhouette).toBeGreaterThan(0.5);
    expect(r.metrics.davies_bouldin).toBeGreaterThan(0);
    expect(r.metrics.calinski_harabasz).toBeGreaterThan(100);
    expect(r.metrics.cluster_sizes.reduce((a: number, b: number) => a + b, 0)).toBe(1201);
  });

  it('clusters by direction under cosine: rows of any length, unit centroids, cost the sum of 1 - cos, zero and NULL vectors left out', async () => {
    const r = (await db.client.query(`SELECT centroid.fit('co', 'directions', $1) AS r`, [{ ...FIT, distance_type: 'cosine', cluster_number_column: 'topic', distance_column: 'dist' }])).rows[0].r;
    expect(r).toMatchObject({ rows_used: 1200, rows_skipped: 2 });
    for (const c of r.centroids as number[][]) expect(Math.hypot(...c)).toBeCloseTo(1, 6);
    expect(await purity(db.client, 'directions', 'topic', 4)).toEqual({ mixed: 0, clusters: 4 });
    expect(await notNearest(db.client, 'directions', 'e', 'topic', `SELECT cluster, centroid FROM centroid.centroids('co', NULL::vector)`, true)).toEqual({ wrong: 0, n: 1200 });
    const check = (await db.client.query(`SELECT sum(d.e <=> c.centroid) AS cost, max(abs(d.dist - (d.e <=> c.centroid))) AS worst, count(*) FILTER (WHERE d.topic IS NULL)::int AS unlabelled
      FROM directions d LEFT JOIN centroid.centroids('co', NULL::vector) c ON c.cluster = d.topic`)).rows[0];
    expect(check.unlabelled).toBe(2);
    expect(Number(check.cost)).toBeCloseTo(r.cost, 3);
    expect(check.worst).toBeLessThan(1e-5);
    // Under euclidean distance the same rows split by length instead.
    const eu = (await db.client.query(`SELECT centroid.fit('co_eu', 'directions', $1) AS r`, [FIT])).rows[0].r;
    expect(eu.metrics.cluster_sizes).not.toEqual(r.metrics.cluster_sizes);
  });

  it('gives the same clusters for the same seed, keeps cluster numbers on a refit that finds the same clusters, and starts from given centers', async () => {
    const again = (await db.client.query(`SELECT centroid.fit('eu', 'docs', $1) AS r`, [{ ...FIT, cluster_number_column: 'topic', distance_column: 'dist' }])).rows[0].r;
    expect(again.labels_changed).toBe(0);
    expect(again.version).toBe(2);
    const first = (await db.client.query(`SELECT centroids FROM centroid.models WHERE model = 'eu' AND version = 1`)).rows[0].centroids;
    expect(again.centroids).toEqual(first);
    // Another seed numbers its clusters as the column already holds them.
    const other = (await db.client.query(`SELECT centroid.fit('eu_seed', 'docs', $1) AS r`, [{ ...FIT, seed: 7, cluster_number_column: 'topic' }])).rows[0].r;
    expect(other.labels_changed).toBe(0);
    const starts = (await db.client.query(`SELECT array_agg(e::real[] ORDER BY id) AS s FROM docs WHERE id BETWEEN 1 AND 4`)).rows[0].s;
    const manual = (await db.client.query(`SELECT centroid.fit('eu_manual', 'docs', $1) AS r`, [{ ...FIT, center_choice: 'manual', starting_centers: starts }])).rows[0].r;
    expect(await purity(db.client, 'docs', 'topic', 4)).toMatchObject({ mixed: 0 });
    expect(manual.metrics.cluster_sizes.sort()).toEqual([...again.metrics.cluster_sizes].sort());
  });

  it('fits a halfvec column, a view, a SELECT, and a source without the key (labels not written)', async () => {
    await db.client.query(`CREATE TABLE halves AS SELECT id, e::halfvec(16) AS e, NULL::int AS topic FROM docs WHERE e IS NOT NULL`);
    await db.client.query(`ALTER TABLE halves ADD PRIMARY KEY (id)`);
    const h = (await db.client.query(`SELECT centroid.fit('half', 'halves', $1) AS r`, [{ ...FIT, cluster_number_column: 'topic' }])).rows[0].r;
    expect(h).toMatchObject({ vector_type: 'halfvec', rows_used: 1201 });
    expect(await purity(db.client, 'halves', 'topic', 4)).toEqual({ mixed: 0, clusters: 4 });
    await db.client.query(`CREATE VIEW docs_view AS SELECT id, e FROM docs WHERE id <= 600`);
    expect((await db.client.query(`SELECT centroid.fit('view', 'docs_view', $1) AS r`, [FIT])).rows[0].r).toMatchObject({ rows_used: 600 });
    expect((await db.client.query(`SELECT centroid.fit('query', 'SELECT e FROM docs WHERE id > 600', $1) AS r`, [FIT])).rows[0].r).toMatchObject({ rows_used: 601, rows_skipped: 1 });
  });
});

describe('predict, score and centroids of vector models and tables', () => {
  it('predict and score agree with the labels the fit wrote; a NULL or zero (cosine) vector has no cluster', async () => {
    const agree = (await db.client.query(`SELECT count(*) FILTER (WHERE centroid.predict('co', d.e) IS NOT DISTINCT FROM d.topic)::int AS predicted,
        count(*) FILTER (WHERE s.cluster IS NOT DISTINCT FROM d.topic AND (d.dist IS NULL OR abs(s.distance - d.dist) < 1e-9))::int AS scored, count(*)::int AS n
      FROM directions d JOIN centroid.score('co', 'directions') s ON s.key = d.id::text`)).rows[0];
    expect(agree).toEqual({ predicted: 1202, scored: 1202, n: 1202 });
    const edge = (await db.client.query(`SELECT centroid.predict('co', NULL::vector) AS a, centroid.predict('co', array_fill(0, ARRAY[16])::vector) AS b,
        centroid.predict('eu', array_fill(0, ARRAY[16])::vector) AS c, centroid.predict('co', (SELECT e::text FROM directions WHERE id = 7)) AS d,
        (SELECT topic FROM directions WHERE id = 7) AS t`)).rows[0];
    expect(edge.a).toBeNull();
    expect(edge.b).toBeNull();
    expect(edge.c).not.toBeNull();
    expect(edge.d).toBe(edge.t);
    // A halfvec is predicted as the vector it holds.
    const half = (await db.client.query(`SELECT count(*) FILTER (WHERE centroid.predict('half', e) = topic)::int AS same, count(*)::int AS n FROM halves WHERE id <= 50`)).rows[0];
    expect(half).toEqual({ same: 50, n: 50 });
  });

  it('refuses what a model cannot take, naming the dimensions and the fix', async () => {
    let e = await failure(db.client, `SELECT centroid.predict('co', '[1,2,3]'::vector)`);
    expect(e.message).toBe('pg_centroid: model "co" expects vectors of 16 dimensions, not 3');
    expect(e.hint).toMatch(/16 numbers/);
    e = await failure(db.client, `SELECT centroid.predict('co', ARRAY[1, 2])`);
    expect(e.message).toBe('pg_centroid: model "co" clusters vectors (vector(16)), not arrays of numbers');
    await db.client.query(`CREATE TABLE numbers (id int PRIMARY KEY, a float8, b float8)`);
    await db.client.query(`INSERT INTO numbers SELECT g, g % 2, g % 3 FROM generate_series(1, 20) g`);
    await db.client.query(`SELECT centroid.fit('num', 'numbers', '{"key_column": "id", "clustering_columns": ["a", "b"], "cluster_count": 2}')`);
    e = await failure(db.client, `SELECT centroid.predict('num', '[1,2]'::vector)`);
    expect(e.message).toBe('pg_centroid: model "num" clusters numeric columns (a, b), not vectors');
    // Arrays, untyped array literals and typed arrays still reach numeric models.
    const p = (await db.client.query(`SELECT centroid.predict('num', ARRAY[1, 2]) AS a, centroid.predict('num', '{1,2}') AS b, centroid.predict('num', ARRAY[1, 2]::real[]) AS c`)).rows[0];
    expect(p.a).not.toBeNull();
    expect(p.b).toBe(p.a);
    expect(p.c).toBe(p.a);
    e = await failure(db.client, `SELECT * FROM centroid.score('co', 'numbers')`);
    expect(e.message).toMatch(/column "e" does not exist in numbers/);
  });

  it('lists one row per cluster with size, radius and centroid: vector text, a vector, or float8[] for numeric models', async () => {
    const rows = (await db.client.query(`SELECT cluster, size, radius, centroid FROM centroid.centroids('co') ORDER BY 1`)).rows;
    expect(rows.map((r) => r.cluster)).toEqual([0, 1, 2, 3]);
    expect(rows.reduce((s, r) => s + Number(r.size), 0)).toBe(1200);
    for (const r of rows) {
      expect(r.centroid).toMatch(/^\[[-0-9.e,]+\]$/);
      expect(r.radius).toBeGreaterThan(0);
    }
    const typed = (await db.client.query(`SELECT cluster, vector_dims(centroid) AS d, round(vector_norm(centroid)::numeric, 5)::float8 AS n FROM centroid.centroids('co', NULL::vector) ORDER BY 1`)).rows;
    expect(typed).toEqual([0, 1, 2, 3].map((c) => ({ cluster: c, d: 16, n: 1 })));
    const num = (await db.client.query(`SELECT centroid, centroid::float8[] AS a FROM centroid.centroids('num') ORDER BY cluster`)).rows;
    expect(num[0].centroid).toMatch(/^\{.*\}$/);
    expect(num[0].a).toHaveLength(2);
    const asArray = (await db.client.query(`SELECT centroid FROM centroid.centroids('num', NULL::float8[]) ORDER BY cluster`)).rows;
    expect(asArray.map((r) => r.centroid)).toEqual(num.map((r) => r.a));
    // An earlier version by number.
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.centroids('eu', 1)`)).rows[0].n).toBe(4);
    const e = await failure(db.client, `SELECT * FROM centroid.centroids('nothing')`);
    expect(e.message).toMatch(/neither a model of yours nor a clustered table/);
  });
});

describe('centroid.choose_k on a vector column', () => {
  it('fits every k and recommends the number of topics by silhouette', async () => {
    const r = (await db.client.query(`SELECT centroid.choose_k('docs', $1, 2, 6) AS r`, [{ key_column: 'id', clustering_columns: ['e'], cluster_count: 2 }])).rows[0].r;
    expect(r.candidates.map((c: { k: number }) => c.k)).toEqual([2, 3, 4, 5, 6]);
    expect(r.recommended).toBe(4);
    expect(r).toMatchObject({ rows_used: 1201, rows_skipped: 1 });
    const costs = r.candidates.map((c: { cost: number }) => c.cost);
    for (let i = 1; i < costs.length; i++) expect(costs[i]).toBeLessThan(costs[i - 1]);
  });
});

describe('settings a vector column cannot take', () => {
  it('refuses each when written or fitted, naming the setting and the fix, and keeps no settings row', async () => {
    await db.client.query(`CREATE TABLE bad (id bigserial PRIMARY KEY, e vector(16), f vector(16), free vector, a float8, cl int)`);
    const base = { key_column: 'id', clustering_columns: ['e'], cluster_count: 2, cluster_number_column: 'cl' };
    const cases: [Record<string, unknown>, RegExp, RegExp][] = [
      [{ clustering_columns: ['e', 'a'] }, /"e" of bad is a vector column and cannot be mixed with other columns \(a\)/, /"clustering_columns": \["e"\]/],
      [{ clustering_columns: ['e', 'f'] }, /"e" and "f" of bad are vector columns; one vector column is clustered at a time/, /one vector column alone/],
      [{ clustering_columns: ['free'] }, /column "free" of bad is vector without a number of dimensions/, /ALTER TABLE .* TYPE vector\(384\)/],
      [{ distance_type: 'manhattan' }, /distance_type: manhattan is not taken with vector column "e"/, /cosine/],
      [{ clustering_algorithm: 'k-medians' }, /clustering_algorithm: k-medians is not taken/, /k-means/],
      [{ clustering_algorithm: 'k-medoids', maximum_data_count: 1000 }, /clustering_algorithm: k-medoids is not taken/, /k-means/],
      [{ standardize: 'zscore' }, /standardize: zscore is not taken/, /remove "standardize"/],
      [{ center_choice: 'manual', starting_centers: [[1, 2], [3, 4]] }, /starting_centers\[0\] has 2 numbers, but column "e" is vector\(16\)/, /16 numbers/],
    ];
    for (const [extra, message, hint] of cases) {
      const e = await failure(db.client, `SELECT centroid.attach('bad', $1)`, [{ ...base, ...extra }]);
      expect(e.message).toMatch(message);
      expect(e.hint).toMatch(hint);
      const f = await failure(db.client, `SELECT centroid.fit('bad', 'bad', $1)`, [{ ...base, cluster_number_column: undefined, ...extra }]);
      expect(f.message).toMatch(message);
    }
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.settings`)).rows[0].n).toBe(0);
    // Fewer valid rows than clusters, with the fix.
    const e = await failure(db.client, `SELECT centroid.fit('bad', 'bad', $1)`, [{ key_column: 'id', clustering_columns: ['e'], cluster_count: 2 }]);
    expect(e.message).toBe('pg_centroid: bad has 0 rows with valid vectors (0 left out for NULL vectors), fewer than cluster_count 2');
  });

  it('installs and works without pgvector: no vector column can be named, and numeric clustering is as before', async () => {
    const plain = await createDatabase('vectors_none');
    try {
      await plain.client.query(`CREATE TABLE t (id int PRIMARY KEY, a float8, b float8, cl int)`);
      await plain.client.query(`INSERT INTO t SELECT g, g % 2 * 10, g % 3 FROM generate_series(1, 30) g`);
      expect((await plain.client.query(`SELECT centroid.fit('m', 't', '{"key_column": "id", "clustering_columns": ["a", "b"], "cluster_count": 2, "cluster_number_column": "cl"}') AS r`)).rows[0].r).toMatchObject({ vector_type: null, rows_used: 30 });
      expect((await plain.client.query(`SELECT count(*)::int AS n FROM centroid.centroids('m')`)).rows[0].n).toBe(2);
      expect((await plain.client.query(`SELECT centroid.predict('m', ARRAY[10, 1]) AS p`)).rows[0].p).not.toBeNull();
      const e = await failure(plain.client, `SELECT centroid.predict('m', '[1,2]')`);
      expect(e.message).toMatch(/clusters numeric columns/);
    } finally {
      await plain.close();
    }
  });
});
