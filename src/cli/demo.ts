// npm run demo: streams rows from drifting sources into a clustered hypertable and shows what a
// user wants to see: clusters, sizes, centroids against the true sources, and what clustering cost;
// then the article's customer segmentation with centroid.fit.
//
// It works in the database it is told (DATABASE_URL's, or --database), inside a schema of its own
// (centroid_demo), and never drops a database: an earlier run's schema is dropped only with
// --reset or a yes at the prompt. pg_centroid is installed the way `pg-centroid install` would.

import { createInterface } from 'node:readline/promises';
import pg from 'pg';
import { PgCentroid } from '../client/index';
import { databaseUrl } from '../stack/stack';
import { args, type Command } from './args';
import { checkUrl, CliError, connect, EXIT, explain, redact, where } from './connect';
import { describeInstall, install } from './install';

/** Where each simulated source starts and how far it drifts per batch (3 features). */
const SOURCES = [
  { name: 'pump A', start: [5, 5, 5], drift: [0.05, 0, 0] },
  { name: 'pump B', start: [15, 5, 5], drift: [0, 0.05, 0] },
  { name: 'fan C', start: [5, 15, 5], drift: [0, 0, 0.05] },
  { name: 'fan D', start: [15, 15, 15], drift: [-0.05, -0.05, 0] },
];

/** The schema the demo's tables live in, and the name of its model. */
export const DEMO_SCHEMA = 'centroid_demo';
const DEMO_MODEL = 'centroid_demo customer_segments';
/** The database used on the embedded stack when no other is given. */
const STACK_DATABASE = 'pg_centroid_demo';

/** How big the demo is. */
interface Size {
  batches: number;
  rowsPerBatch: number;
  window: number;
  customers: number;
}

const FULL: Size = { batches: 20, rowsPerBatch: 2000, window: 20000, customers: 20000 };
const QUICK: Size = { batches: 3, rowsPerBatch: 400, window: 1000, customers: 1000 };

export const demo: Command = {
  name: 'demo',
  usage: 'demo [--database NAME] [--reset] [--quick]',
  summary: 'stream rows from drifting sources into a clustered hypertable, then segment customers',
  help: `Runs in the database of DATABASE_URL (on the embedded stack: database ${STACK_DATABASE}, created when
missing), in a schema of its own, ${DEMO_SCHEMA}; installs pg_centroid there when it is missing (as
pg-centroid install does: the plain SQL installer on servers that only allow that). Never drops a database.
  --database NAME   use this database on the same server instead (created when missing)
  --reset           drop the schema ${DEMO_SCHEMA} of an earlier run first (without it, a terminal is asked)
  --quick           a small run (${QUICK.batches} batches of ${QUICK.rowsPerBatch} rows, ${QUICK.customers} customers)`,
  async run(argv) {
    const p = args(argv, this.usage, { database: { type: 'string' }, reset: { type: 'boolean' }, quick: { type: 'boolean' } });
    const log = (line: string) => console.error(line);
    const fromEnv = process.env.DATABASE_URL;
    const server = fromEnv ? checkUrl(fromEnv) : databaseUrl(log);
    const database = typeof p.values.database === 'string' ? p.values.database : fromEnv ? null : STACK_DATABASE;
    const url = database === null ? server : await ensureDatabase(server, database, log);
    const c = await connect(url);
    try {
      await prepare(c, url, p.values.reset === true, log);
      const size = p.values.quick ? QUICK : FULL;
      await streamingDemo(c, size);
      const article = await import('./article');
      console.log('\n== The article\'s workflow: customer segmentation with centroid.fit ==\n');
      await article.articleDemo(c, (s: string) => console.log(s), { customers: size.customers, ordersPerCustomer: 10, model: DEMO_MODEL });
    } catch (e) {
      throw explain(e, url);
    } finally {
      await c.end();
    }
    console.log(`\nThe demo's tables are kept in schema ${DEMO_SCHEMA}: psql "${redact(url)}", then SET search_path TO ${DEMO_SCHEMA}, public;`);
    return EXIT.ok;
  },
};

/** The URL of another database on the same server, created when it is missing (never dropped). */
async function ensureDatabase(server: string, database: string, log: (line: string) => void): Promise<string> {
  const u = new URL(server);
  u.pathname = '/' + encodeURIComponent(database);
  const admin = await connect(server);
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database])).rows.length > 0;
    if (!exists) {
      log(`creating database ${database} on ${where(server)} ...`);
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    }
  } catch (e) {
    throw explain(e, server);
  } finally {
    await admin.end();
  }
  return u.toString();
}

/** Installs what the demo needs, and gives it a fresh schema of its own as the only search_path entry. */
async function prepare(c: pg.Client, url: string, reset: boolean, log: (line: string) => void): Promise<void> {
  const db = (await c.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d ?? '?';
  const result = await install(c, url, 'auto');
  if (result.action !== 'already installed') log(describeInstall(result));
  const timescale = (await c.query(`SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb' UNION ALL SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'timescaledb'`)).rows.length > 0;
  if (timescale) await c.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
  else log('TimescaleDB is not available on this server: readings is a plain table (clustering on insert works the same)');
  const exists = (await c.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [DEMO_SCHEMA])).rows.length > 0;
  if (exists) {
    if (!reset && !(await ask(`schema ${DEMO_SCHEMA} in database ${db} holds an earlier demo run: drop it and start again? [y/N] `))) {
      throw new CliError(`schema ${DEMO_SCHEMA} in database ${db} holds an earlier demo run`, `run the demo with --reset to drop that schema (and only it) and start again, or use another database: --database NAME`, EXIT.usage);
    }
    log(`dropping schema ${DEMO_SCHEMA} of an earlier run ...`);
    // Without the NOTICE listing every object the cascade drops.
    await c.query('SET client_min_messages TO warning');
    await c.query(`DROP SCHEMA ${pg.escapeIdentifier(DEMO_SCHEMA)} CASCADE`);
    await c.query('RESET client_min_messages');
    await c.query('DELETE FROM centroid.models WHERE model = $1', [DEMO_MODEL]);
  }
  await c.query(`CREATE SCHEMA ${pg.escapeIdentifier(DEMO_SCHEMA)}`);
  // Only the demo's schema: its unqualified names (and DROP ... IF EXISTS) never reach the database's own tables.
  await c.query(`SET search_path TO ${pg.escapeIdentifier(DEMO_SCHEMA)}`);
}

/** Asks a yes/no question when stdin and stderr are a terminal; false otherwise. */
async function ask(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** The schema-qualified create_hypertable, or null without TimescaleDB. */
async function hypertableFunction(c: pg.Client): Promise<string | null> {
  const r = await c.query<{ s: string }>(`SELECT n.nspname AS s FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'`);
  return r.rows[0] ? `${pg.escapeIdentifier(r.rows[0].s)}.create_hypertable` : null;
}

/** Clustering on insert: four drifting sources streamed in batches into a hypertable. */
async function streamingDemo(c: pg.Client, size: Size): Promise<void> {
  const { batches, rowsPerBatch } = size;
  await c.query(`CREATE TABLE readings (
    id bigserial, ts timestamptz NOT NULL, source text, v1 real, v2 real, v3 real, cluster_number int)`);
  const hypertable = await hypertableFunction(c);
  if (hypertable) await c.query(`SELECT ${hypertable}('readings', 'ts', chunk_time_interval => interval '1 hour')`);
  await c.query(`INSERT INTO centroid.settings (table_name, config) VALUES ('readings', $1)`, [
    {
      key_column: 'id',
      clustering_columns: ['v1', 'v2', 'v3'],
      clustering_algorithm: 'k-means',
      center_choice: 'k-means++',
      cluster_count: SOURCES.length,
      distance_type: 'euclidean',
      cluster_number_column: 'cluster_number',
      maximum_data_count: size.window,
      minimum_data_count: 100,
    },
  ]);
  await c.query('CREATE TRIGGER readings_cluster BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
  console.log(`== Clustering on insert: ${SOURCES.length} drifting sources, ${batches} batches of ${rowsPerBatch} rows ==\n`);
  console.log('batch   rows   insert ms   refit ms   iterations   changed labels   cluster sizes');

  let insertMs = 0;
  for (let b = 0; b < batches; b++) {
    const started = performance.now();
    await c.query(
      `INSERT INTO readings (ts, source, v1, v2, v3)
       SELECT now() - interval '1 day' + ($1::int * $2::int + g) * interval '1 second', s.name,
              s.x + $1 * s.dx + (random() - 0.5) * 3, s.y + $1 * s.dy + (random() - 0.5) * 3, s.z + $1 * s.dz + (random() - 0.5) * 3
         FROM generate_series(1, $2::int) g
         JOIN (SELECT * FROM jsonb_to_recordset($3) AS t(i int, name text, x float8, y float8, z float8, dx float8, dy float8, dz float8)) s
           ON s.i = g % $4::int`,
      [b, rowsPerBatch, JSON.stringify(SOURCES.map((s, i) => ({ i, name: s.name, x: s.start[0], y: s.start[1], z: s.start[2], dx: s.drift[0], dy: s.drift[1], dz: s.drift[2] }))), SOURCES.length],
    );
    const ms = performance.now() - started;
    insertMs += ms;
    if (b < 3 || b % 5 === 4) {
      const st = await new PgCentroid(c).status('readings');
      console.log(
        `${String(b + 1).padStart(5)} ${String((b + 1) * rowsPerBatch).padStart(6)} ${ms.toFixed(0).padStart(11)} ${Number(st.duration_ms ?? 0).toFixed(0).padStart(10)} ${String(st.iterations ?? '-').padStart(12)} ${String(st.changed_labels ?? '-').padStart(16)}   ${st.clusters.length ? st.clusters.map((k) => k.size).join(' / ') : '-'}`,
      );
    }
  }

  console.log('\nWhere each source ended up (rows of the last window; a good clustering puts each source in one cluster):\n');
  const table = await c.query(`
    SELECT source, cluster_number, count(*)::int AS rows
      FROM (SELECT * FROM readings ORDER BY ts DESC LIMIT $1) w
     GROUP BY 1, 2 ORDER BY 1, 3 DESC`, [size.window]);
  let lastSource = '';
  for (const r of table.rows) {
    console.log(`  ${r.source === lastSource ? ''.padEnd(8) : String(r.source).padEnd(8)} -> cluster ${r.cluster_number}: ${r.rows} rows`);
    lastSource = r.source;
  }

  const state = await new PgCentroid(c).status('readings');
  console.log('\nCentroids now, against where the sources have drifted to:\n');
  console.log('cluster   size    radius   centroid (v1, v2, v3)        nearest source (true center)');
  state.clusters.forEach(({ centroid: center, size, radius }, j) => {
    const truth = SOURCES.map((s) => ({ s, at: s.start.map((x, i) => x + (batches - 1) * (s.drift[i] as number)) }))
      .map((t) => ({ ...t, d: Math.hypot(...t.at.map((x, i) => x - (center[i] as number))) }))
      .sort((a, b) => a.d - b.d)[0]!;
    console.log(
      `${String(j).padStart(7)} ${String(size).padStart(6)} ${Number(radius).toFixed(2).padStart(9)}   (${center.map((x) => x.toFixed(2).padStart(6)).join(',')})   ${truth.s.name} (${truth.at.map((x) => x.toFixed(2)).join(', ')})`,
    );
  });
  const unlabelled = (await c.query('SELECT count(*)::int AS n FROM readings WHERE cluster_number IS NULL')).rows[0].n;
  console.log(
    `\n${batches * rowsPerBatch} rows inserted in ${(insertMs / 1000).toFixed(1)} s with clustering on (${((insertMs * 1000) / (batches * rowsPerBatch)).toFixed(1)} us a row, refits included); ${state.refits} refits of a ${state.rows_used}-row window; ${unlabelled} rows unlabelled.`,
  );
}
