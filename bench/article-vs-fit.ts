// centroid.fit against the article's PL/Python + scikit-learn function, end to end, in the same server
// on the same data (100,000 customers, about 1,000,000 orders, 4 z-scored features, k = 6).
// Run: npx tsx bench/article-vs-fit.ts [customers] [orders per customer] [runs]

import pg from 'pg';
import { ARTICLE_FIT_CONFIG, ARTICLE_FUNCTION_SQL, setUpArticle } from '../src/cli/article';
import { databaseUrl } from '../src/stack/stack';

const customers = Number(process.argv[2] ?? 100000);
const ordersPerCustomer = Number(process.argv[3] ?? 10);
const runs = Number(process.argv[4] ?? 3);

/** The server's URL pointing at another database. */
function at(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = '/' + database;
  return u.toString();
}

/** Milliseconds a query takes, and its first row. */
async function timed(c: pg.Client, sql: string, params: unknown[] = []): Promise<{ ms: number; row: Record<string, unknown> }> {
  const t = performance.now();
  const r = await c.query(sql, params);
  return { ms: performance.now() - t, row: (r.rows[0] ?? {}) as Record<string, unknown> };
}

/** The median of some numbers. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const server = databaseUrl((line) => console.error(line));
const admin = new pg.Client({ connectionString: at(server, 'postgres') });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS pg_centroid_bench_article WITH (FORCE)');
await admin.query('CREATE DATABASE pg_centroid_bench_article');
await admin.end();

const c = new pg.Client({ connectionString: at(server, 'pg_centroid_bench_article') });
await c.connect();
c.on('notice', () => {});
try {
  for (const e of ['pljs', 'pg_centroid', 'plpython3u']) await c.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
  console.log(`generating ${customers} customers x ~${ordersPerCustomer} orders ...`);
  await setUpArticle(c, { customers, ordersPerCustomer });
  await c.query(ARTICLE_FUNCTION_SQL);
  const facts = await c.query(`SELECT count(*) FILTER (WHERE days_since_last IS NOT NULL) AS rows, count(*) AS customers FROM customer_features`);
  console.log(`customer_features: ${facts.rows[0].customers} customers, ${facts.rows[0].rows} with orders; k = 6`);

  const fitMs: number[] = [];
  const skMs: number[] = [];
  let fitCost = NaN;
  let fitSummary: Record<string, unknown> = {};
  let skInertia = NaN;
  const phases: Record<string, number[]> = {};
  // Both functions rewrite ~90,000 labels per call; without a vacuum between calls each would pay for the dead
  // rows the other left (the unique index on email checks every dead version), and the cost would grow run by run.
  const vacuum = () => c.query('VACUUM customers');
  for (let i = 0; i < runs; i++) {
    await vacuum();
    const f = await timed(c, `SELECT centroid.fit('bench_segments', 'customer_features', $1) AS r`, [ARTICLE_FIT_CONFIG]);
    fitMs.push(f.ms);
    fitSummary = f.row.r as Record<string, unknown>;
    fitCost = Number(fitSummary.cost);
    for (const [name, ms] of Object.entries(fitSummary.timings as Record<string, number>)) (phases[name] ??= []).push(ms);
    await vacuum();
    const s = await timed(c, `SELECT build_customer_clusters(6)`);
    skMs.push(s.ms);
    const inertia = await c.query(`SELECT inertia FROM model_registry ORDER BY id DESC LIMIT 1`);
    skInertia = Number(inertia.rows[0].inertia);
    console.log(`run ${i + 1}: centroid.fit ${f.ms.toFixed(0)} ms (${JSON.stringify(fitSummary.timings)}), build_customer_clusters ${s.ms.toFixed(0)} ms`);
  }
  // scikit-learn's n_init='auto' is one k-means++ start; the same with centroid.fit:
  await vacuum();
  const one = await timed(c, `SELECT centroid.fit('bench_segments_1', 'customer_features', $1) AS r`, [{ ...ARTICLE_FIT_CONFIG, starts: 1 }]);
  const oneSummary = one.row.r as Record<string, unknown>;
  console.log(`centroid.fit with starts = 1: ${one.ms.toFixed(0)} ms (${JSON.stringify(oneSummary.timings)}), cost ${Number(oneSummary.cost).toFixed(2)}`);
  const fm = median(fitMs);
  const sm = median(skMs);
  console.log(`\ncentroid.fit (k-means++, default starts, ${fitSummary.iterations} iterations):   median ${fm.toFixed(0)} ms, cost ${fitCost.toFixed(2)}`);
  console.log(`  per phase (median ms): ${Object.entries(phases).map(([name, ms]) => `${name} ${median(ms)}`).join(', ')}`);
  console.log(`article (scikit-learn, n_init='auto'): median ${sm.toFixed(0)} ms, inertia ${skInertia.toFixed(2)}`);
  console.log(`time ratio fit / article = ${(fm / sm).toFixed(2)}   cost ratio fit / article = ${(fitCost / skInertia).toFixed(4)}`);
} finally {
  await c.end();
}
