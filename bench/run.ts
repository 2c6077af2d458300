// npm run bench: every comparison of issue 5, measured side by side in one run on the embedded stack
// (or DATABASE_URL), in a database of its own; writes RESULTS.md and window-scaling.svg.
//
//   npx tsx bench/run.ts [--quick] [--repeat N] [--out DIR] [--only 1,5]
//
// --quick shrinks every size 100x (seconds, for tests); --repeat N takes the median of N runs of
// each measurement (default 3, 1 in quick mode); --out DIR writes the results there (default bench/);
// --only 1,5 measures only those rows of the table.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { databaseUrl } from '../src/stack/stack';
import { ARTICLE_FIT_CONFIG, ARTICLE_FUNCTION_SQL, setUpArticle } from '../src/cli/article';
import { runKernel, type Kernel } from './kernels';
import { createBundledFunction } from './pljs';
import { linearFit, median } from './stats';
import { linePlot } from './svg';

pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const here = dirname(fileURLToPath(import.meta.url));

/** Command-line options. */
interface Options {
  quick: boolean;
  repeat: number;
  out: string;
  /** Rows of the table to measure (all by default). */
  only: Set<number> | null;
}

/** Parses argv. */
function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const repeat = Number(value('--repeat') ?? (quick ? 1 : 3));
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat is ${value('--repeat')}, expected an integer of at least 1`);
  const only = value('--only');
  return { quick, repeat, out: resolve(value('--out') ?? here), only: only ? new Set(only.split(',').map(Number)) : null };
}

/** One row of the results table. */
interface Row {
  n: number;
  what: string;
  target: string;
  measured: string;
  ratio: string;
  status: 'met' | 'missed' | 'not measured';
  note: string;
}

const STEPS = 8;
let step = 0;

/** The progress line on stderr. */
function progress(message: string): void {
  process.stderr.write(`bench [${step}/${STEPS}] ${message}\n`);
}

/** Opens a connection to the benchmark's database (set by main). */
let open: () => Promise<pg.Client> = () => Promise.reject(new Error('not connected'));

/**
 * Runs fn on a new connection, closed after: each measurement gets a fresh backend, because a long
 * session that ran a few hundred thousand pljs trigger calls was seen to run out of pljs memory.
 */
async function session<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await open();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Milliseconds taken by one query. */
async function timed(c: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const t0 = performance.now();
  await c.query(sql, params);
  return performance.now() - t0;
}

/** Formats milliseconds. */
function ms(v: number): string {
  return v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}

/** Formats a count of rows: 100000 -> 100k. */
function rows(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** Rows of three features around (0,0,0), (10,0,0), (0,10,0) with uniform noise; deterministic in i. */
function generate(table: string, from: number, to: number): string {
  const noise = (j: number) => `(hashint4(i * 3 + ${j}) % 1000000) / 500000.0`;
  return `INSERT INTO ${table} (ts, v1, v2, v3)
    SELECT timestamptz '2024-01-01' + i * interval '1 second', ((i % 3) = 1)::int * 10 + ${noise(0)}, ((i % 3) = 2)::int * 10 + ${noise(1)}, ${noise(2)}
      FROM generate_series(${from}, ${to}) AS i`;
}

/** Creates a hypertable of the benchmark's shape. */
async function hypertable(c: pg.Client, name: string): Promise<void> {
  await c.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL, v1 float8, v2 float8, v3 float8, cluster_number int)`);
  await c.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '7 days')`);
}

/** Clusters a table: settings (policy, window) and the row trigger. */
async function cluster(c: pg.Client, name: string, refit: string, window: number): Promise<void> {
  const config = {
    key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'cluster_number',
    center_choice: 'k-means++', refit, maximum_data_count: window,
  };
  await c.query('INSERT INTO centroid.settings (table_name, config) VALUES ($1, $2)', [name, config]);
  await c.query(`CREATE TRIGGER ${name}_cluster BEFORE INSERT ON ${name} FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
}

/** Runs fn `times` times and returns the median of what it measured (each call returns milliseconds). */
async function repeat(times: number, fn: (rep: number) => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let r = 0; r < times; r++) values.push(await fn(r));
  return median(values);
}

/** Builds the benchmark-only pljs bundle (our core, ml-kmeans, the refit profile) and creates bench_js(). */
async function createBenchFunction(c: pg.Client): Promise<void> {
  await createBundledFunction(c, {
    signature: 'bench_js(op text, arg jsonb)',
    entry: { file: join(here, 'inpg.ts') },
    global: '__pg_centroid_bench',
    call: '[op](arg)',
    minify: true,
  });
}

/** Everything measured, for the report. */
interface Report {
  rows: Row[];
  details: string[];
  scaling: { window: number; sqlMs: number; jsMs: number }[];
  fitSql: ReturnType<typeof linearFit>;
  fitJs: ReturnType<typeof linearFit>;
}

/** 1. INSERT ... SELECT of a second batch into a clustered hypertable (statement policy) vs no trigger. */
async function statementLoad(o: Options, batch: number, report: Report): Promise<void> {
  const plain: number[] = [];
  const clustered: number[] = [];
  const noop: number[] = [];
  const refit: number[] = [];
  for (let r = 0; r < o.repeat; r++) await session(async (c) => {
    for (const t of ['s_plain', 's_noop', 's_clustered']) await hypertable(c, t);
    await c.query(`CREATE TRIGGER s_noop_t BEFORE INSERT ON s_noop FOR EACH ROW EXECUTE FUNCTION bench_noop()`);
    await cluster(c, 's_clustered', 'statement', batch);
    for (const t of ['s_plain', 's_noop', 's_clustered']) await c.query(generate(t, 1, batch));
    plain.push(await timed(c, generate('s_plain', batch + 1, 2 * batch)));
    noop.push(await timed(c, generate('s_noop', batch + 1, 2 * batch)));
    clustered.push(await timed(c, generate('s_clustered', batch + 1, 2 * batch)));
    refit.push(Number((await c.query(`SELECT duration_ms FROM centroid.state WHERE table_name = 's_clustered'::regclass`)).rows[0]?.duration_ms));
    await c.query('DROP TABLE s_plain, s_noop, s_clustered');
  });
  const [p, k, n, f] = [median(plain), median(clustered), median(noop), median(refit)];
  report.rows.push({
    n: 1, what: `${rows(batch)}-row INSERT ... SELECT into a clustered hypertable, policy \`statement\`, second batch, vs no trigger`,
    target: '<= 3x', measured: `${ms(k)} vs ${ms(p)}`, ratio: `${(k / p).toFixed(2)}x`, status: k / p <= 3 ? 'met' : 'missed',
    note: `refit of the ${rows(batch)}-row window at the statement's end: ${ms(f)}; row triggers and statement triggers: ${ms(k - f - p)} (${(((k - f - p) / batch) * 1000).toFixed(1)} us a row); a pljs trigger that only returns NEW costs ${ms(n - p)} (${(((n - p) / batch) * 1000).toFixed(1)} us a row)`,
  });
  report.details.push(
    `### 1. Where the time of the ${rows(batch)}-row second batch goes`,
    '',
    '| part | time |',
    '| --- | --- |',
    `| the INSERT itself (no trigger) | ${ms(p)} |`,
    `| our row triggers (the PL/pgSQL guard, and the label trigger passing each row's features to pljs as float8[]) and the statement triggers | ${ms(k - f - p)} |`,
    `| the refit at the statement's end (SQL engine: ${batch > 20000 ? 'yes' : 'no, window too small'}) | ${ms(f)} |`,
    `| total with clustering | ${ms(k)} |`,
    '',
    `For comparison, a pljs BEFORE ROW trigger that only returns NEW costs ${ms(n - p)} on the same load: pljs's conversion of NEW alone (and it leaks memory on every row, see the README).`,
    '',
  );
}

/** 2. A single-row INSERT with a full window in policy `row` (a refit per row), per window row. */
async function rowPolicy(c: pg.Client, o: Options, window: number, report: Report): Promise<number> {
  await hypertable(c, 'r_rows');
  await c.query(generate('r_rows', 1, window));
  await cluster(c, 'r_rows', 'row', window);
  await c.query(`SELECT centroid.refit('r_rows')`);
  let i = window;
  const single = () => timed(c, generate('r_rows', ++i, i));
  const sql = await repeat(o.repeat + 2, single);
  await c.query(`SET pg_centroid.engine = 'js'`);
  const js = await repeat(o.repeat, single);
  await c.query(`RESET pg_centroid.engine`);
  const perRow = (sql / window) * 1000;
  report.rows.push({
    n: 2, what: `single-row INSERT with a ${rows(window)}-row window in policy \`row\`, time per window row (the paper: ~22 us)`,
    target: '<= 1.1 us', measured: `${perRow.toFixed(2)} us (${ms(sql)} an insert)`, ratio: `${(perRow / 1.1).toFixed(2)}x the target; ${(22 / perRow).toFixed(1)}x faster than the paper`,
    status: perRow <= 1.1 ? 'met' : 'missed',
    note: `JS engine (window read into pljs): ${((js / window) * 1000).toFixed(2)} us (${ms(js)})`,
  });
  const profile = (await c.query(`SELECT bench_js('profileRefit', to_jsonb('r_rows'::regclass::oid::int8)) AS p`)).rows[0].p as Record<string, number>;
  report.details.push(
    `### 2. Where the time of a JS-engine refit of the ${rows(window)}-row window goes (phases timed inside pljs)`,
    '',
    '| phase | time |',
    '| --- | --- |',
    `| read the settings and stored centroids | ${profile.settings_and_state} ms |`,
    `| read the window (one array_agg query, into JS arrays) | ${profile.read_window} ms |`,
    `| fit in QuickJS (warm start; ${profile.iterations} iterations plus the first and last assignments) | ${profile.fit} ms |`,
    `| compare labels (only changed ones are written: ${profile.changed} here) | ${profile.compare_labels} ms |`,
    `| cluster radii (one more distance pass) | ${profile.radii} ms |`,
    `| worst case label write: every label rendered as a literal and inserted | ${profile.write_all_labels} ms |`,
    '',
    `The SQL engine replaces the read, the fit, the radii and the label write with ${Math.round(sql)} ms of SQL: one statement per Lloyd iteration and one that writes changed labels and returns sizes, radii and cost.`,
    '',
  );
  await c.query('DROP TABLE r_rows');
  return perRow;
}

/** 3. Per-row cost of an INSERT in policy `online` at several window sizes vs a plain insert. */
async function onlinePolicy(o: Options, src: string, windows: number[], batch: number, report: Report): Promise<void> {
  const ratios: string[] = [];
  const notes: string[] = [];
  const measured: string[] = [];
  let worst = 0;
  for (const w of windows) await session(async (c) => {
    progress(`online policy, window ${rows(w)}`);
    await hypertable(c, 'o_plain');
    await hypertable(c, 'o_online');
    for (const t of ['o_plain', 'o_online']) await c.query(`INSERT INTO ${t} (ts, v1, v2, v3) SELECT ts, v1, v2, v3 FROM ${src} ORDER BY id LIMIT ${w}`);
    await cluster(c, 'o_online', 'online', w);
    await c.query(`SELECT centroid.refit('o_online')`);
    let next = 2 * w + 10;
    const load = (t: string) => {
      const from = next;
      next += batch;
      return timed(c, generate(t, from, from + batch - 1));
    };
    const p = await repeat(o.repeat, () => load('o_plain'));
    const k = await repeat(o.repeat, () => load('o_online'));
    const one = (t: string) => timed(c, generate(t, next, next++));
    const p1 = await repeat(o.repeat + 2, () => one('o_plain'));
    const k1 = await repeat(o.repeat + 2, () => one('o_online'));
    worst = Math.max(worst, k / p);
    ratios.push(`${rows(w)}: ${(k / p).toFixed(2)}x`);
    measured.push(`${rows(w)}: ${((k / batch) * 1000).toFixed(2)} vs ${((p / batch) * 1000).toFixed(2)} us a row`);
    notes.push(`window ${rows(w)}: a one-row INSERT takes ${ms(k1)} vs ${ms(p1)}`);
    await c.query('DROP TABLE o_plain, o_online');
  });
  report.rows.push({
    n: 3, what: `per-row cost of a ${rows(batch)}-row INSERT in policy \`online\` at windows ${windows.map(rows).join(', ')}, vs a plain insert`,
    target: '<= 3x', measured: measured.join('; '), ratio: ratios.join(', '), status: worst <= 3 ? 'met' : 'missed',
    note: `single-row statements pay per statement for arming the cache and storing the moved centroids: ${notes.join('; ')}`,
  });
}

/** 4 and 7. Full fit of the big window, then warm refits of windows of growing size in both engines. */
async function bigWindows(c: pg.Client, o: Options, src: string, big: number, windows: number[], report: Report): Promise<void> {
  await hypertable(c, 'w_big');
  await c.query(`INSERT INTO w_big (ts, v1, v2, v3) SELECT ts, v1, v2, v3 FROM ${src} ORDER BY id LIMIT ${big}`);
  await c.query(`ANALYZE w_big`);
  await c.query(`INSERT INTO centroid.settings (table_name, config) VALUES ('w_big', $1)`, [
    { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'cluster_number', center_choice: 'k-means++', maximum_data_count: big },
  ]);
  const first = await timed(c, `SELECT centroid.refit('w_big')`);
  const full = await repeat(o.repeat, async () => {
    await c.query(`DELETE FROM centroid.state WHERE table_name = 'w_big'::regclass`);
    return timed(c, `SELECT centroid.refit('w_big')`);
  });
  const facts = (await c.query(`SELECT iterations, rows_used FROM centroid.state WHERE table_name = 'w_big'::regclass`)).rows[0] as { iterations: number; rows_used: number };
  report.rows.push({
    n: 4, what: `full fit of ${rows(big)} x 3 rows, k = 3 (\`centroid.refit\` from no stored centroids: k-means++ on a sample, then Lloyd in the SQL engine)`,
    target: '<= 4 s', measured: ms(full), ratio: `${(full / 4000).toFixed(2)}x the limit`, status: full <= 4000 ? 'met' : 'missed',
    note: `${facts.iterations} iterations over ${facts.rows_used} rows; labels already written (an unchanged result writes none); the very first fit, writing all ${rows(big)} labels: ${ms(first)}`,
  });
  step++;
  for (const w of windows) await session(async (c) => {
    progress(`window scaling, ${rows(w)} rows`);
    await c.query(`UPDATE centroid.settings SET config = config || jsonb_build_object('maximum_data_count', ${w}) WHERE table_name = 'w_big'::regclass`);
    await c.query(`SELECT centroid.refit('w_big')`);
    const at = async (engine: string) => {
      await c.query(`SET pg_centroid.engine = '${engine}'`);
      const t = await repeat(o.repeat, () => timed(c, `SELECT centroid.refit('w_big')`));
      await c.query(`RESET pg_centroid.engine`);
      return t;
    };
    report.scaling.push({ window: w, sqlMs: await at('sql'), jsMs: await at('js') });
  });
  await c.query('DROP TABLE w_big');
  const xs = report.scaling.map((s) => s.window);
  report.fitSql = linearFit(xs, report.scaling.map((s) => s.sqlMs));
  report.fitJs = linearFit(xs, report.scaling.map((s) => s.jsMs));
  const s = report.fitSql;
  report.rows.push({
    n: 7, what: `warm refit time for windows ${windows.map(rows).join(', ')}: linear?`,
    target: 'linear', measured: report.scaling.map((x) => `${rows(x.window)}: ${ms(x.sqlMs)}`).join('; '),
    ratio: `${(s.slope * 1e5).toFixed(1)} ms per 100k rows, R^2 = ${s.r2.toFixed(4)}`, status: s.r2 >= 0.98 ? 'met' : 'missed',
    note: `SQL engine; the JS engine: ${(report.fitJs.slope * 1e5).toFixed(1)} ms per 100k rows, R^2 = ${report.fitJs.r2.toFixed(4)} (${report.scaling.map((x) => `${rows(x.window)}: ${ms(x.jsMs)}`).join('; ')})`,
  });
}

/** 5. Our k-means vs ml-kmeans inside pljs, same data and starts; one Lloyd iteration four ways, in pljs and Node. */
async function kernels(c: pg.Client, o: Options, src: string, n: number, report: Report): Promise<void> {
  // Uniform data: k-means creeps for many iterations there, so both implementations run the full 10
  // iterations the comparison is about (on well separated clusters both stop after 3 or 4).
  void src;
  await c.query(`SELECT setseed(0.42)`);
  await c.query(`CREATE TABLE km_data AS SELECT g AS id, random() * 100 AS c0, random() * 100 AS c1, random() * 100 AS c2 FROM generate_series(1, ${n}) g`);
  await c.query(`ANALYZE km_data`);
  // Three rows as the starts: the same for every implementation.
  const first = (await c.query(`SELECT c0, c1, c2 FROM km_data WHERE id % 3 = 0 ORDER BY id LIMIT 3`)).rows as { c0: number; c1: number; c2: number }[];
  const starts = first.flatMap((r) => [r.c0, r.c1, r.c2]);
  const inPg = async (kernel: Kernel, iterations: number) => {
    const runs: { ms: number; iterations: number }[] = [];
    for (let r = 0; r < o.repeat; r++) {
      const res = await c.query(`SELECT bench_js('kernel', $1) AS r`, [{ kernel, table: 'km_data', d: 3, k: 3, iterations, starts }]);
      runs.push(res.rows[0].r);
    }
    return { ms: median(runs.map((x) => x.ms)), iterations: runs[0]?.iterations ?? 0 };
  };
  await inPg('plain', 1); // reads the data into the connection's cache
  const ours = await inPg('ours', 10);
  const ml = await inPg('ml-kmeans', 10);
  const ham = await inPg('hamerly', 10);
  const ours1 = await inPg('ours', 1);
  const plain1 = await inPg('plain', 1);
  // The same iteration as one SQL statement (as the SQL engine writes it).
  const [a, b, cc] = [starts.slice(0, 3), starts.slice(3, 6), starts.slice(6, 9)];
  const dist = (p: number[], name: string) => p.map((v, j) => `(c${j} - (${v}::float8)) * (c${j} - (${v}::float8))`).join(' + ') + ` AS ${name}`;
  const sqlIteration = `SELECT nl, count(*), sum(c0), sum(c1), sum(c2) FROM (SELECT c0, c1, c2, CASE WHEN d0 <= d1 AND d0 <= d2 THEN 0 WHEN d1 <= d2 THEN 1 ELSE 2 END AS nl
    FROM (SELECT c0, c1, c2, ${dist(a, 'd0')}, ${dist(b, 'd1')}, ${dist(cc, 'd2')} FROM km_data OFFSET 0) x) y GROUP BY nl`;
  await c.query(`SET enable_sort = off`);
  const sql1 = await repeat(o.repeat + 2, () => timed(c, sqlIteration));
  await c.query(`RESET enable_sort`);
  // Node (V8, what plv8 would give): the same data and starts.
  const all = (await c.query(`SELECT c0, c1, c2 FROM km_data ORDER BY id`)).rows as { c0: number; c1: number; c2: number }[];
  const data = Float64Array.from(all.flatMap((r) => [r.c0, r.c1, r.c2]));
  const node = (kernel: Kernel, it: number) => median(Array.from({ length: o.repeat + 2 }, () => runKernel(kernel, data, all.length, 3, Float64Array.from(starts), 3, it).ms));
  const nOurs = node('ours', 10);
  const nMl = node('ml-kmeans', 10);
  const nHam = node('hamerly', 10);
  const nOurs1 = node('ours', 1);
  const nPlain1 = node('plain', 1);
  report.rows.push({
    n: 5, what: `our k-means vs ml-kmeans 7, both inside pljs: ${rows(n)} x 3, k = 3, 10 iterations, same starting centers`,
    target: '>= 5x faster', measured: `${ms(ours.ms)} (${ours.iterations} iterations) vs ${ms(ml.ms)} (${ml.iterations})`,
    ratio: `${(ml.ms / ours.ms).toFixed(1)}x faster`, status: ml.ms / ours.ms >= 5 ? 'met' : 'missed',
    note: `filtering engine (d <= 3); Hamerly's engine on the same run: ${ms(ham.ms)} (${(ml.ms / ham.ms).toFixed(1)}x); in Node: ${ms(nOurs)} vs ${ms(nMl)} (${(nMl / nOurs).toFixed(1)}x)`,
  });
  report.details.push(
    `### 5. One Lloyd iteration over ${rows(n)} x 3, k = 3`,
    '',
    '| implementation | pljs (QuickJS) | Node (V8) |',
    '| --- | --- | --- |',
    `| our core, \`fit\` with maxIterations = 1 (validation, the grid, a first walk, one update, a labelling walk) | ${ms(ours1.ms)} | ${ms(nOurs1)} |`,
    `| our core, each further iteration (the filtering engine's walk: whole boxes of rows go to one center): (10 iterations - 1) / 9 | ${ms(Math.max(0, ours.ms - ours1.ms) / Math.max(1, ours.iterations - 1))} | ${ms(Math.max(0, nOurs - nOurs1) / Math.max(1, ours.iterations - 1))} |`,
    `| Hamerly's engine (any d): 10 iterations, total / 10 | ${ms(ham.ms / Math.max(1, ham.iterations))} | ${ms(nHam / Math.max(1, ham.iterations))} |`,
    `| a plain typed-array loop | ${ms(plain1.ms)} | ${ms(nPlain1)} |`,
    `| ml-kmeans, per iteration | ${ms(ml.ms / Math.max(1, ml.iterations))} | ${ms(nMl / Math.max(1, ml.iterations))} |`,
    `| one SQL statement (distances + CASE argmin + GROUP BY sums), the SQL engine's step | ${ms(sql1)} | |`,
    '',
  );
  await c.query('DROP TABLE km_data');
}

/** 6. centroid.fit vs the article's PL/Python + scikit-learn function on the same server and data. */
async function article(c: pg.Client, o: Options, url: string, customers: number, report: Report): Promise<void> {
  await c.query('CREATE EXTENSION IF NOT EXISTS plpython3u');
  await setUpArticle(c, { customers, ordersPerCustomer: 10 });
  await c.query(ARTICLE_FUNCTION_SQL);
  const orders = Number((await c.query('SELECT count(*) AS n FROM orders')).rows[0].n);
  const fitSql = `SELECT centroid.fit('customer_segments', 'customer_features', $1)`;
  // The first call of a session pays for loading scikit-learn / the bundle.
  const firstCall = async (sql: string, params: unknown[] = []) => {
    const s = new pg.Client({ connectionString: url });
    await s.connect();
    try {
      return await timed(s, sql, params);
    } finally {
      await s.end();
    }
  };
  const pyFirst = await firstCall('SELECT build_customer_clusters(6)');
  const oursFirst = await firstCall(fitSql, [ARTICLE_FIT_CONFIG]);
  const py = await repeat(o.repeat, () => timed(c, 'SELECT build_customer_clusters(6)'));
  const ours = await repeat(o.repeat, () => timed(c, fitSql, [ARTICLE_FIT_CONFIG]));
  const costs = (await c.query(`SELECT (SELECT inertia FROM model_registry ORDER BY id DESC LIMIT 1) AS py,
      (SELECT cost FROM centroid.models WHERE model = 'customer_segments' ORDER BY version DESC LIMIT 1) AS ours`)).rows[0] as { py: number; ours: number };
  report.rows.push({
    n: 6, what: `\`centroid.fit\` vs the article's PL/Python + scikit-learn function (KMeans, n_init = 'auto'), same server and data: ${rows(customers)} customers, ${orders} orders, 4 z-scored features, k = 6, end to end`,
    target: 'faster', measured: `${ms(ours)} vs ${ms(py)}`, ratio: `${(py / ours).toFixed(2)}x faster`, status: ours < py ? 'met' : 'missed',
    note: `first call of a session: ${ms(oursFirst)} vs ${ms(pyFirst)}; cost (inertia) ${Number(costs.ours).toFixed(1)} vs ${Number(costs.py).toFixed(1)}`,
  });
  await c.query('DROP MATERIALIZED VIEW customer_features; DROP TABLE orders, customers, model_registry CASCADE');
}

/** Writes RESULTS.md and the SVG. */
function write(o: Options, report: Report, meta: { server: string; started: Date; seconds: number }): void {
  mkdirSync(o.out, { recursive: true });
  const svg = linePlot(
    [
      { name: `SQL engine (used above 20k rows): ${(report.fitSql.slope * 1e5).toFixed(1)} ms / 100k rows, R² ${report.fitSql.r2.toFixed(3)}`, color: '#1f77b4', points: report.scaling.map((s) => ({ x: s.window, y: s.sqlMs })) },
      { name: `JS engine (QuickJS): ${(report.fitJs.slope * 1e5).toFixed(1)} ms / 100k rows, R² ${report.fitJs.r2.toFixed(3)}`, color: '#d62728', points: report.scaling.map((s) => ({ x: s.window, y: s.jsMs })) },
    ],
    `pg_centroid: warm refit time vs window size (k = 3, d = 3${o.quick ? ', quick mode' : ''})`,
    'window (rows)',
    'refit time (ms)',
    rows,
  );
  writeFileSync(join(o.out, 'window-scaling.svg'), svg);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# pg_centroid benchmark results',
    '',
    `Measured by \`npm run bench\`${o.quick ? ' --quick' : ''} (median of ${o.repeat} runs each; every comparison side by side in one run) on ${meta.started.toISOString().slice(0, 10)},`,
    `${availableParallelism()} CPUs, ${meta.server}; ${Math.round(meta.seconds)} s in all.${o.quick ? ' QUICK MODE: every size is 100x smaller; these are not the figures of record.' : ''}`,
    '',
    '| # | what | target | measured | ratio | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.rows.sort((a, b) => a.n - b.n).map((r) => `| ${r.n} | ${cell(r.what)} | ${cell(r.target)} | ${cell(r.measured)} | ${cell(r.ratio)} | ${r.status} |`),
    '',
    '## Notes per row',
    '',
    ...report.rows.map((r) => `${r.n}. ${r.note}`),
    '',
    '## Where the time goes',
    '',
    ...report.details,
    '## Window scaling',
    '',
    '| window | SQL engine | JS engine |',
    '| --- | --- | --- |',
    ...report.scaling.map((s) => `| ${rows(s.window)} | ${ms(s.sqlMs)} | ${ms(s.jsMs)} |`),
    '',
    `Least squares: SQL engine ${(report.fitSql.slope * 1e5).toFixed(1)} ms per 100k rows + ${ms(report.fitSql.intercept)}, R^2 = ${report.fitSql.r2.toFixed(4)}; ` +
      `JS engine ${(report.fitJs.slope * 1e5).toFixed(1)} ms per 100k rows + ${ms(report.fitJs.intercept)}, R^2 = ${report.fitJs.r2.toFixed(4)}.`,
    '',
    '![refit time vs window size](window-scaling.svg)',
    '',
  ];
  writeFileSync(join(o.out, 'RESULTS.md'), lines.join('\n'));
}

/** Runs one measurement; a failure becomes a 'not measured' row with the error, and the run goes on. */
async function attempt(report: Report, n: number, what: string, target: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const message = e instanceof Error ? `${e.message}${(e as { detail?: string }).detail ? ` (${(e as { detail?: string }).detail})` : ''}` : String(e);
    process.stderr.write(`bench: ${what} failed: ${message}\n`);
    report.rows.push({ n, what, target, measured: '-', ratio: '-', status: 'not measured', note: `failed: ${message}` });
  }
}

/** True when one of the rows is to be measured. */
function wanted(o: Options, ...rows: number[]): boolean {
  return !o.only || rows.some((r) => o.only?.has(r));
}

/** Runs every measurement in a database of its own and writes the results. */
async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const scale = o.quick ? 0.01 : 1;
  const size = (n: number) => Math.max(100, Math.round(n * scale));
  const base = databaseUrl((line) => process.stderr.write(line + '\n'));
  const name = `pg_centroid_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = '/' + name;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('notice', () => {});
  await c.connect();
  open = async () => {
    const s = new pg.Client({ connectionString: url.toString() });
    s.on('notice', () => {});
    // A backend that dies must fail the measurement, not the process.
    s.on('error', () => {});
    await s.connect();
    return s;
  };
  const report: Report = { rows: [], details: [], scaling: [], fitSql: linearFit([0], [0]), fitJs: linearFit([0], [0]) };
  try {
    step++;
    progress(`setting up ${name}`);
    for (const e of ['timescaledb', 'pljs', 'pg_centroid']) await c.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
    await c.query(`CREATE FUNCTION bench_noop() RETURNS trigger LANGUAGE pljs AS $$ return NEW; $$`);
    await createBenchFunction(c);
    const big = size(1_000_000);
    await c.query(`CREATE TABLE src (id int8, ts timestamptz, v1 float8, v2 float8, v3 float8)`);
    await c.query(generate('src', 1, big).replace('(ts, v1, v2, v3)', '(id, ts, v1, v2, v3)').replace('SELECT timestamptz', 'SELECT i, timestamptz'));
    const server = String((await c.query(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0].v);
    step++;
    progress(`statement policy: ${rows(size(100_000))}-row batches`);
    if (wanted(o, 1)) await attempt(report, 1, 'statement policy load', '<= 3x', async () => { await statementLoad(o, size(100_000), report); });
    step++;
    progress(`row policy: ${rows(size(100_000))}-row window`);
    if (wanted(o, 2)) await attempt(report, 2, 'row policy insert', '<= 1.1 us', async () => { await session((s) => rowPolicy(s, o, size(100_000), report)); });
    step++;
    if (wanted(o, 3)) await attempt(report, 3, 'online policy insert', '<= 3x', async () => { await onlinePolicy(o, 'src', [size(10_000), size(100_000), size(1_000_000)], size(10_000), report); });
    step++;
    progress(`full fit of ${rows(big)} rows`);
    if (wanted(o, 4, 7)) await attempt(report, 4, 'full fit', '<= 4 s', async () => { await session((s) => bigWindows(s, o, 'src', big, [10_000, 30_000, 100_000, 300_000, 1_000_000].map(size), report)); });
    step++;
    progress(`k-means kernels: ${rows(size(100_000))} x 3 in pljs and Node`);
    if (wanted(o, 5)) await attempt(report, 5, 'k-means vs ml-kmeans in pljs', '>= 5x faster', async () => { await session((s) => kernels(s, o, 'src', size(100_000), report)); });
    step++;
    progress(`the article: ${rows(size(100_000))} customers, PL/Python + scikit-learn vs centroid.fit`);
    if (wanted(o, 6)) await attempt(report, 6, 'centroid.fit vs PL/Python + scikit-learn', 'faster', async () => { await session((s) => article(s, o, url.toString(), size(100_000), report)); });
    write(o, report, { server, started, seconds: (Date.now() - started.getTime()) / 1000 });
    process.stderr.write(`bench: wrote ${join(o.out, 'RESULTS.md')} and ${join(o.out, 'window-scaling.svg')}\n`);
    for (const r of report.rows.sort((a, b) => a.n - b.n)) console.log(`${r.n}. ${r.status.padEnd(6)} ${r.ratio} (${r.measured}; target ${r.target})`);
  } finally {
    await c.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
