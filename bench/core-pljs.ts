// Per-phase timings of the core's k-means inside pljs (QuickJS) on the embedded stack: seeding, the first exact
// assignment, each Lloyd iteration and the final pass, for the article's data (90k x 4, k = 6) and generated
// blobs (1M x 3, k = 3), beside ml-kmeans in pljs from the same starts and scikit-learn in PL/Python.
// Run: npx tsx bench/core-pljs.ts [article|blobs|ml|identity|all] [--fresh] [--tolerance=1e-4]   (src/core is bundled here by esbuild)

import pg from 'pg';
import { setUpArticle } from '../src/cli/article';
import { createRandom, fit } from '../src/core/index';
import { databaseUrl } from '../src/stack/stack';
import { createBundledFunction } from './pljs';

const what = process.argv[2] ?? 'all';
const fresh = process.argv.includes('--fresh');
const tolerance = Number(process.argv.find((a) => a.startsWith('--tolerance='))?.slice(12) ?? 1e-4);
const DB = 'pg_centroid_core_bench';

// The code that runs inside pljs: reads or generates the data, then runs and traces the core.
const ENTRY = `
import { fit, createRandom } from './src/core/index';
import { kmeans as mlKmeans } from 'ml-kmeans';

const cache = new Map();

function load(src) {
  const hit = cache.get(src.name);
  if (hit) return hit;
  let points;
  if (src.name === 'article') {
    const row = pljs.execute(\`SELECT array_agg(orders_cnt ORDER BY customer_id) a, array_agg(days_since_last ORDER BY customer_id) b,
      array_agg(mean_amount ORDER BY customer_id) c, array_agg(total_amount ORDER BY customer_id) e
      FROM customer_features WHERE days_since_last IS NOT NULL\`)[0];
    const cols = [row.a, row.b, row.c, row.e];
    const n = cols[0].length, d = 4;
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = cols[j][i];
    points = { data, n, d };
  } else {
    const { n, d, blobs, seed } = src;
    const rng = createRandom(seed);
    const centers = [];
    for (let i = 0; i < blobs * d; i++) centers.push(rng.next() * 20);
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const b = i % blobs;
      // Sums of uniforms (nearly gaussian) with + and * only: Math.log and Math.cos differ in their last bit
      // between QuickJS and V8, and the same data in both lets results be compared bit for bit.
      for (let j = 0; j < d; j++) data[i * d + j] = centers[b * d + j] + (rng.next() + rng.next() + rng.next() + rng.next() - 2) * 1.7;
    }
    points = { data, n, d };
  }
  cache.set(src.name, points);
  return points;
}

function options(arg, extra) {
  return { k: arg.k, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'k-means++', seed: arg.seed ?? 42,
    starts: arg.starts ?? 3, maxIterations: arg.maxIterations ?? 300, tolerance: arg.tolerance ?? 1e-4, ...extra };
}

// One traced fit: the time between trace calls, by phase.
function profile(arg) {
  const t0 = Date.now();
  const points = load(arg.source);
  const t1 = Date.now();
  const events = [];
  let at = Date.now();
  const trace = (phase, value) => {
    const now = Date.now();
    events.push([phase, now - at, value]);
    at = now;
  };
  const r = fit(points, options(arg, { trace }));
  const t2 = Date.now();
  return { n: points.n, d: points.d, k: arg.k, load_ms: t1 - t0, fit_ms: t2 - t1, cost: r.cost, iterations: r.iterations,
    converged: r.converged, events, centers: Array.from(r.centers),
    // jsonb keeps 15 digits; these strings are exact, to compare with Node bit for bit.
    exact: { cost: String(r.cost), centers: Array.from(r.centers, String) } };
}

// ml-kmeans from given centers (rows are built before the clock starts), and ours from the same centers.
function versus(arg) {
  const { data, n, d } = load(arg.source);
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(data.subarray(i * d, i * d + d));
  const init = [];
  for (let c = 0; c < arg.k; c++) init.push(arg.centers.slice(c * d, c * d + d));
  let t = Date.now();
  const theirs = mlKmeans(rows, arg.k, { initialization: init, maxIterations: arg.maxIterations, tolerance: arg.mlTolerance });
  const mlMs = Date.now() - t;
  t = Date.now();
  const ours = fit({ data, n, d }, options(arg, { centerChoice: 'manual', centers: Float64Array.from(arg.centers), starts: 1 }));
  const oursMs = Date.now() - t;
  return { ml_ms: mlMs, ml_iterations: theirs.iterations, ours_ms: oursMs, ours_iterations: ours.iterations, ours_cost: ours.cost };
}

globalThis.__core_bench = { profile, versus };
`;

/** The blobs ENTRY generates in pljs, generated the same way in Node. */
function blobsInNode(src: { n: number; d: number; blobs: number; seed: number }): Float64Array {
  const { n, d, blobs, seed } = src;
  const rng = createRandom(seed);
  const centers: number[] = [];
  for (let i = 0; i < blobs * d; i++) centers.push(rng.next() * 20);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = i % blobs;
    for (let j = 0; j < d; j++) data[i * d + j] = (centers[b * d + j] as number) + (rng.next() + rng.next() + rng.next() + rng.next() - 2) * 1.7;
  }
  return data;
}

/** The server's URL pointing at another database. */
function at(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = '/' + database;
  return u.toString();
}

/** Bundles ENTRY (src/core and ml-kmeans) and creates core_bench(op, arg) in the scratch database. */
async function createFunction(c: pg.Client): Promise<void> {
  await createBundledFunction(c, { signature: 'core_bench(op text, arg jsonb)', entry: { source: ENTRY }, global: '__core_bench', call: '[op](arg)' });
}

interface Profile {
  n: number;
  d: number;
  k: number;
  load_ms: number;
  fit_ms: number;
  cost: number;
  iterations: number;
  converged: boolean;
  events: [string, number, number][];
  centers: number[];
  exact: { cost: string; centers: string[] };
}

/** Prints a profile: per start, seeding, first assignment, each iteration, final pass. */
function report(title: string, p: Profile): void {
  console.log(`\n== ${title}: n = ${p.n}, d = ${p.d}, k = ${p.k}; load ${p.load_ms} ms (not part of the fit)`);
  let line: string[] = [];
  for (const [phase, ms, value] of p.events) {
    if (phase === 'iteration') line.push(`${ms}`);
    else {
      if (line.length) console.log(`   iterations (ms each): ${line.join(' ')}`);
      line = [];
      console.log(`   ${phase.padEnd(10)} ${String(ms).padStart(6)} ms  (${Number(value.toPrecision(6))})`);
    }
  }
  if (line.length) console.log(`   iterations (ms each): ${line.join(' ')}`);
  console.log(`   fit ${p.fit_ms} ms, ${p.iterations} iterations, converged ${p.converged}, cost ${p.cost.toFixed(4)}`);
}

/** Runs one profile in pljs. */
async function profile(c: pg.Client, arg: Record<string, unknown>): Promise<Profile> {
  return (await c.query('SELECT core_bench($1, $2) AS r', ['profile', { tolerance, ...arg }])).rows[0].r as Profile;
}

const server = databaseUrl((line) => console.error(line));
const admin = new pg.Client({ connectionString: at(server, 'postgres') });
await admin.connect();
const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB])).rowCount === 1;
if (fresh || !exists) {
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
}
await admin.end();

const c = new pg.Client({ connectionString: at(server, DB) });
await c.connect();
try {
  for (const e of ['pljs', 'plpython3u']) await c.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
  const has = (await c.query(`SELECT to_regclass('customer_features') IS NOT NULL AS ok`)).rows[0].ok as boolean;
  if (!has) {
    console.log('generating the article data (100,000 customers, ~1,000,000 orders) ...');
    await setUpArticle(c, { customers: 100000, ordersPerCustomer: 10 });
  }
  await createFunction(c);
  const article = { name: 'article' };
  const blobs = { name: 'blobs-1m', n: 1_000_000, d: 3, blobs: 3, seed: 7 };
  const blobs100k = { name: 'blobs-100k', n: 100_000, d: 3, blobs: 3, seed: 7 };
  if (what === 'article' || what === 'all') {
    await profile(c, { source: article, k: 6, starts: 1 }); // warm-up: bundle load and data read
    for (const starts of [1, 3]) report(`article, k-means++, ${starts} start(s), tolerance ${tolerance}`, await profile(c, { source: article, k: 6, starts }));
    await c.query(`CREATE OR REPLACE FUNCTION sk_fit() RETURNS jsonb LANGUAGE plpython3u AS $py$
import json, time, numpy as np
from sklearn.cluster import KMeans
rows = plpy.execute("SELECT orders_cnt, days_since_last, mean_amount, total_amount FROM customer_features WHERE days_since_last IS NOT NULL ORDER BY customer_id")
X = np.array([[r['orders_cnt'], r['days_since_last'], r['mean_amount'], r['total_amount']] for r in rows])
t = time.time()
m = KMeans(n_clusters=6, n_init='auto', random_state=42).fit(X)
return json.dumps({'fit_ms': (time.time() - t) * 1000, 'inertia': float(m.inertia_), 'iterations': int(m.n_iter_)})
$py$`);
    const sk = (await c.query('SELECT sk_fit() AS r')).rows[0].r as { fit_ms: number; inertia: number; iterations: number };
    console.log(`\n   scikit-learn KMeans(n_init='auto') in PL/Python, fit only: ${sk.fit_ms.toFixed(0)} ms, ${sk.iterations} iterations, inertia ${sk.inertia.toFixed(4)}`);
  }
  if (what === 'blobs' || what === 'all') {
    await profile(c, { source: blobs, k: 3, starts: 1, maxIterations: 0 }); // warm-up: generate the data
    report('blobs 1M x 3, k-means++, 3 starts, tolerance 1e-4', await profile(c, { source: blobs, k: 3 }));
  }
  if (what === 'ml' || what === 'all') {
    await profile(c, { source: blobs100k, k: 3, starts: 1, maxIterations: 0 });
    const start = await profile(c, { source: blobs100k, k: 3, starts: 1, maxIterations: 0 });
    for (const [maxIterations, mlTolerance, tol] of [[10, 0, 0], [300, 1e-6, tolerance]] as const) {
      const r = (await c.query('SELECT core_bench($1, $2) AS r', ['versus', { source: blobs100k, k: 3, centers: start.centers, maxIterations, mlTolerance, tolerance: tol }])).rows[0].r as Record<string, number>;
      console.log(`\n== 100k x 3, k = 3, same starts, max ${maxIterations} iterations: ml-kmeans ${r.ml_ms} ms (${r.ml_iterations} it.), ours ${r.ours_ms} ms (${r.ours_iterations} it., cost ${Number(r.ours_cost).toFixed(2)}): ${(Number(r.ml_ms) / Number(r.ours_ms)).toFixed(1)}x`);
    }
  }
  if (what === 'identity' || what === 'all') {
    console.log('\n== the same fit in pljs (QuickJS) and Node (V8), compared bit for bit (sampled starts, compiled passes)');
    for (const src of [
      { name: 'b60k', n: 60000, d: 4, blobs: 6, seed: 3 },
      { name: 'b45k', n: 45000, d: 20, blobs: 5, seed: 4 },
      { name: 'b50k', n: 50000, d: 2, blobs: 30, seed: 5 },
    ]) {
      const p = await profile(c, { source: src, k: 6, starts: 3 });
      const node = fit({ data: blobsInNode(src), n: src.n, d: src.d }, { k: 6, algorithm: 'k-means', distance: 'euclidean', centerChoice: 'k-means++', seed: 42, starts: 3, maxIterations: 300, tolerance });
      const same = String(node.cost) === p.exact.cost && JSON.stringify(Array.from(node.centers, String)) === JSON.stringify(p.exact.centers);
      console.log(`   ${src.n} x ${src.d}, k = 6: ${same ? 'identical' : 'DIFFERENT'} (cost ${p.exact.cost}, ${p.iterations} iterations)`);
    }
  }
} finally {
  await c.end();
}
