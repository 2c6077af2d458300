// The article's customer segmentation, done with pg_centroid: customers and orders generated in SQL,
// the z-scored feature materialized view, centroid.fit with k = 6 writing cluster_id, and the
// revenue-per-cluster report in plain SQL. Also the article's own PL/Python + scikit-learn function
// (fixed to skip customers without orders), for comparisons.

import type pg from 'pg';

/** How much data to generate. */
export interface ArticleOptions {
  customers: number;
  ordersPerCustomer: number;
  /** The model's name (default customer_segments). */
  model?: string;
}

/** The article's tables, plus cluster_id on customers (which its function writes). */
export const ARTICLE_TABLES_SQL = `
DROP MATERIALIZED VIEW IF EXISTS customer_features;
DROP TABLE IF EXISTS orders, customers, model_registry CASCADE;
CREATE TABLE customers (
  customer_id   bigint PRIMARY KEY,
  registered_at timestamptz,
  email         text UNIQUE,
  cluster_id    int
);
CREATE TABLE orders (
  order_id     bigint PRIMARY KEY,
  customer_id  bigint REFERENCES customers,
  order_dt     timestamptz NOT NULL,
  order_amount numeric(12,2) NOT NULL
);`;

/**
 * Customers in four tiers (about 10% never ordered; occasional, regular and big spenders), and their
 * orders, about ordersPerCustomer each on average; seeded, so the same options give the same data.
 */
export function generateDataSql(options: ArticleOptions): string[] {
  const n = Math.max(1, Math.floor(options.customers));
  const per = Math.max(1, options.ordersPerCustomer);
  return [
    `SELECT setseed(0.42)`,
    `INSERT INTO customers (customer_id, registered_at, email)
     SELECT i, timestamptz '2023-01-01' + random() * interval '700 days', 'customer' || i || '@example.com'
       FROM generate_series(1, ${n}) AS i`,
    `CREATE TEMP TABLE customer_tiers ON COMMIT DROP AS
     SELECT customer_id, CASE WHEN u < 0.10 THEN 0 WHEN u < 0.50 THEN 1 WHEN u < 0.85 THEN 2 ELSE 3 END AS tier
       FROM (SELECT customer_id, random() AS u FROM customers ORDER BY customer_id) c`,
    `INSERT INTO orders (order_id, customer_id, order_dt, order_amount)
     SELECT row_number() OVER (), t.customer_id,
            timestamptz '2025-01-01' - random() * t.span * interval '1 day',
            round((t.amount * (0.5 + random()))::numeric, 2)
       FROM (SELECT customer_id,
                    greatest(1, round(${per} * (ARRAY[0, 0.5, 1.2, 2.0])[tier + 1] * (0.5 + random())))::int AS cnt,
                    (ARRAY[0, 365, 90, 30])[tier + 1] AS span,
                    (ARRAY[0, 30, 60, 250])[tier + 1] AS amount
               FROM customer_tiers WHERE tier > 0 ORDER BY customer_id) t
      CROSS JOIN LATERAL generate_series(1, t.cnt)`,
  ];
}

/**
 * The article's feature view: per customer orders_cnt, days_since_last, mean_amount, total_amount, each
 * z-scored (sample deviation, as the article). Customers without orders get NULL recency and amounts.
 * Days are counted from a fixed date (z-scores do not change with it), and the unique index is the one
 * REFRESH MATERIALIZED VIEW CONCURRENTLY needs (the article never creates it).
 */
export const FEATURES_SQL = `
CREATE MATERIALIZED VIEW customer_features AS
WITH base AS (
  SELECT c.customer_id,
         count(o.order_id)::float8 AS orders_cnt,
         (extract(epoch FROM timestamptz '2025-01-01' - max(o.order_dt)) / 86400)::float8 AS days_since_last,
         avg(o.order_amount)::float8 AS mean_amount,
         sum(o.order_amount)::float8 AS total_amount
    FROM customers c LEFT JOIN orders o USING (customer_id)
   GROUP BY c.customer_id
), stats AS (
  SELECT avg(orders_cnt) AS m1, stddev_samp(orders_cnt) AS s1, avg(days_since_last) AS m2, stddev_samp(days_since_last) AS s2,
         avg(mean_amount) AS m3, stddev_samp(mean_amount) AS s3, avg(total_amount) AS m4, stddev_samp(total_amount) AS s4
    FROM base
)
SELECT b.customer_id,
       (b.orders_cnt - s.m1) / nullif(s.s1, 0) AS orders_cnt,
       (b.days_since_last - s.m2) / nullif(s.s2, 0) AS days_since_last,
       (b.mean_amount - s.m3) / nullif(s.s3, 0) AS mean_amount,
       (b.total_amount - s.m4) / nullif(s.s4, 0) AS total_amount
  FROM base b CROSS JOIN stats s;
CREATE UNIQUE INDEX customer_features_customer_id ON customer_features (customer_id);`;

/** centroid.fit's settings for the article's segmentation: k = 6 on the four z-scored features. */
export const ARTICLE_FIT_CONFIG = {
  key_column: 'customer_id',
  clustering_columns: ['orders_cnt', 'days_since_last', 'mean_amount', 'total_amount'],
  clustering_algorithm: 'k-means',
  center_choice: 'k-means++',
  cluster_count: 6,
  seed: 42,
  output_table: 'customers',
  cluster_number_column: 'cluster_id',
};

/** The article's report, in plain SQL: revenue and revenue share per cluster. */
export const REVENUE_REPORT_SQL = `
WITH rev AS (
  SELECT c.cluster_id, count(DISTINCT c.customer_id) AS customers, sum(o.order_amount) AS revenue
    FROM customers c JOIN orders o USING (customer_id)
   GROUP BY c.cluster_id
)
SELECT cluster_id, customers, revenue, round(revenue * 100.0 / sum(revenue) OVER (), 2) AS revenue_pct
  FROM rev ORDER BY revenue DESC`;

/**
 * The article's PL/Python + scikit-learn function, as printed (KMeans n_init='auto', random_state=42,
 * the model registry, the temporary table and one UPDATE), fixed in one place: it skips customers with
 * any NULL feature (the article filtered on orders_cnt only, which is never NULL, so scikit-learn
 * failed on customers without orders). Needs CREATE EXTENSION plpython3u and python3-sklearn.
 */
export const ARTICLE_FUNCTION_SQL = `
CREATE TABLE IF NOT EXISTS model_registry (
  id serial PRIMARY KEY,
  model_name text NOT NULL,
  trained_at timestamptz NOT NULL,
  params jsonb,
  inertia float8
);
CREATE OR REPLACE FUNCTION build_customer_clusters(k int DEFAULT 5) RETURNS void
LANGUAGE plpython3u SECURITY DEFINER AS $$
import json
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
import warnings

# 1. The data (customers with all four features)
rows = plpy.execute("""
    SELECT customer_id,
           ARRAY[orders_cnt, days_since_last, mean_amount, total_amount] AS f
      FROM public.customer_features
     WHERE orders_cnt IS NOT NULL AND days_since_last IS NOT NULL
       AND mean_amount IS NOT NULL AND total_amount IS NOT NULL
""")

if len(rows) < k:
    plpy.error(f"Not enough data points ({len(rows)}) for k={k}")

cust_ids = [r['customer_id'] for r in rows]
X = [r['f'] for r in rows]

# 2. The model
warnings.filterwarnings("ignore", category=ConvergenceWarning)
model = KMeans(n_clusters=k, n_init='auto', random_state=42)
model.fit(X)
labels = model.labels_

# 3. The clusters, written back through a temporary table and one UPDATE
tuples = [{'customer_id': cid, 'cluster_id': int(lbl)} for cid, lbl in zip(cust_ids, labels)]
plpy.execute("CREATE TEMP TABLE _tmp_cluster (customer_id bigint, cluster_id int) ON COMMIT DROP")
plpy.execute("INSERT INTO _tmp_cluster VALUES " +
             ", ".join(f"({t['customer_id']}, {t['cluster_id']})" for t in tuples))
plpy.execute("""
    UPDATE public.customers c
       SET cluster_id = t.cluster_id
      FROM _tmp_cluster t
     WHERE t.customer_id = c.customer_id
""")
plpy.execute("DROP TABLE _tmp_cluster")

# 4. The model's parameters and inertia, in the registry
plan = plpy.prepare("""
    INSERT INTO public.model_registry (model_name, trained_at, params, inertia)
    VALUES ('customer_kmeans', now(), $1, $2)
""", ["jsonb", "float8"])
plpy.execute(plan, [json.dumps(model.get_params()), float(model.inertia_)])
$$;`;

/** Creates the article's tables, generates the data and builds the feature view (in one transaction). */
export async function setUpArticle(client: pg.Client, options: ArticleOptions): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(ARTICLE_TABLES_SQL);
    for (const sql of generateDataSql(options)) await client.query(sql);
    await client.query(FEATURES_SQL);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
  await client.query('ANALYZE customers, orders, customer_features');
}

/** Formats rows as a plain text table. */
export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] as Record<string, unknown>);
  const cells = rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : String(r[c]))));
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((row) => (row[j] as string).length)));
  const line = (vals: string[]) => vals.map((v, j) => v.padStart(widths[j] as number)).join(' | ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}

/** The article's workflow end to end, printing what a user would look at (pg_centroid must be installed). */
export async function articleDemo(client: pg.Client, log: (s: string) => void, options: ArticleOptions): Promise<void> {
  const model = options.model ?? 'customer_segments';
  log(`Generating ${options.customers} customers and about ${options.customers * options.ordersPerCustomer} orders in SQL ...`);
  await setUpArticle(client, options);
  const counts = await client.query(
    `SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders,
            (SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)) AS without_orders`,
  );
  const c = counts.rows[0] as { customers: unknown; orders: unknown; without_orders: unknown };
  log(`${c.customers} customers, ${c.orders} orders, ${c.without_orders} customers without orders; feature view customer_features built (z-scored).`);
  log(`\nSELECT centroid.fit('${model}', 'customer_features', '${JSON.stringify(ARTICLE_FIT_CONFIG)}');`);
  const fitted = await client.query(`SELECT centroid.fit($1, 'customer_features', $2) AS r`, [model, ARTICLE_FIT_CONFIG]);
  const r = fitted.rows[0].r as {
    version: number; rows_used: number; rows_skipped: number; cost: number; iterations: number; duration_ms: number;
    metrics: { silhouette: number | null; davies_bouldin: number | null; calinski_harabasz: number | null; cluster_sizes: number[] };
  };
  log(`version ${r.version}: ${r.rows_used} customers clustered, ${r.rows_skipped} left out (no orders: cluster_id stays NULL)`);
  log(`cost ${r.cost.toFixed(1)} after ${r.iterations} iterations in ${r.duration_ms} ms; silhouette ${r.metrics.silhouette?.toFixed(3)}, ` +
    `Davies-Bouldin ${r.metrics.davies_bouldin?.toFixed(3)}, Calinski-Harabasz ${r.metrics.calinski_harabasz?.toFixed(0)}; sizes ${r.metrics.cluster_sizes.join(', ')}`);
  const profile = await client.query(
    `SELECT c.cluster_id, count(*) AS customers, round(avg(f.orders_cnt)::numeric, 2) AS z_orders_cnt,
            round(avg(f.days_since_last)::numeric, 2) AS z_days_since_last, round(avg(f.mean_amount)::numeric, 2) AS z_mean_amount,
            round(avg(f.total_amount)::numeric, 2) AS z_total_amount
       FROM customers c JOIN customer_features f USING (customer_id) GROUP BY 1 ORDER BY 1 NULLS LAST`,
  );
  log('\nClusters (mean z-scores):\n' + formatTable(profile.rows));
  log('\nRevenue per cluster (the article\'s report, plain SQL):\n' + formatTable((await client.query(REVENUE_REPORT_SQL)).rows));
  const unlabelled = await client.query(`SELECT count(*) AS n FROM customers WHERE cluster_id IS NULL`);
  log(`\nCustomers with NULL cluster_id (never ordered): ${(unlabelled.rows[0] as { n: unknown }).n}`);
}
