// npm run demo: streams rows from drifting sources into a clustered hypertable and shows what a
// user wants to see: clusters, sizes, centroids against the true sources, and what clustering cost.

import pg from 'pg';
import { databaseUrl } from '../stack/stack';

/** Where each simulated source starts and how far it drifts per batch (3 features). */
const SOURCES = [
  { name: 'pump A', start: [5, 5, 5], drift: [0.05, 0, 0] },
  { name: 'pump B', start: [15, 5, 5], drift: [0, 0.05, 0] },
  { name: 'fan C', start: [5, 15, 5], drift: [0, 0, 0.05] },
  { name: 'fan D', start: [15, 15, 15], drift: [-0.05, -0.05, 0] },
];

const BATCHES = 20;
const ROWS_PER_BATCH = 2000;

/** The demo database's URL: a database named pg_centroid_demo on the same server. */
function demoUrl(base: string): string {
  const u = new URL(base);
  u.pathname = '/pg_centroid_demo';
  return u.toString();
}

/** Runs the demo, printing to stdout; progress goes to log (stderr). */
export async function demo(log: (line: string) => void): Promise<void> {
  const server = databaseUrl(log);
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS pg_centroid_demo WITH (FORCE)');
  await admin.query('CREATE DATABASE pg_centroid_demo');
  await admin.end();

  const c = new pg.Client({ connectionString: demoUrl(server) });
  await c.connect();
  c.on('notice', () => {});
  try {
    await streamingDemo(c);
    const article = await import('./article').catch(() => null);
    if (article && typeof article.articleDemo === 'function') {
      console.log('\n== The article\'s workflow: customer segmentation with centroid.fit ==\n');
      await article.articleDemo(c, (s: string) => console.log(s), { customers: 20000, ordersPerCustomer: 10 });
    }
  } finally {
    await c.end();
  }
  console.log(`\nThe demo database is kept: psql "${demoUrl(server)}"`);
}

/** Clustering on insert: four drifting sources streamed in batches into a hypertable. */
async function streamingDemo(c: pg.Client): Promise<void> {
  for (const e of ['timescaledb', 'pljs', 'pg_centroid']) await c.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
  await c.query(`CREATE TABLE readings (
    id bigserial, ts timestamptz NOT NULL, source text, v1 real, v2 real, v3 real, cluster_number int)`);
  await c.query(`SELECT create_hypertable('readings', 'ts', chunk_time_interval => interval '1 hour')`);
  await c.query(`INSERT INTO centroid.settings (table_name, config) VALUES ('readings', $1)`, [
    {
      key_column: 'id',
      clustering_columns: ['v1', 'v2', 'v3'],
      clustering_algorithm: 'k-means',
      center_choice: 'k-means++',
      cluster_count: SOURCES.length,
      distance_type: 'euclidean',
      cluster_number_column: 'cluster_number',
      maximum_data_count: 20000,
      minimum_data_count: 100,
    },
  ]);
  await c.query('CREATE TRIGGER readings_cluster BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
  console.log(`== Clustering on insert: ${SOURCES.length} drifting sources, ${BATCHES} batches of ${ROWS_PER_BATCH} rows ==\n`);
  console.log('batch   rows   insert ms   refit ms   iterations   changed labels   cluster sizes');

  let insertMs = 0;
  for (let b = 0; b < BATCHES; b++) {
    const started = performance.now();
    await c.query(
      `INSERT INTO readings (ts, source, v1, v2, v3)
       SELECT now() - interval '1 day' + ($1::int * $2::int + g) * interval '1 second', s.name,
              s.x + $1 * s.dx + (random() - 0.5) * 3, s.y + $1 * s.dy + (random() - 0.5) * 3, s.z + $1 * s.dz + (random() - 0.5) * 3
         FROM generate_series(1, $2::int) g
         JOIN (SELECT * FROM jsonb_to_recordset($3) AS t(i int, name text, x float8, y float8, z float8, dx float8, dy float8, dz float8)) s
           ON s.i = g % $4::int`,
      [b, ROWS_PER_BATCH, JSON.stringify(SOURCES.map((s, i) => ({ i, name: s.name, x: s.start[0], y: s.start[1], z: s.start[2], dx: s.drift[0], dy: s.drift[1], dz: s.drift[2] }))), SOURCES.length],
    );
    const ms = performance.now() - started;
    insertMs += ms;
    const st = (await c.query(`SELECT duration_ms, iterations, changed_labels, sizes FROM centroid.state WHERE table_name = 'readings'::regclass`)).rows[0];
    if (b < 3 || b % 5 === 4) {
      console.log(
        `${String(b + 1).padStart(5)} ${String((b + 1) * ROWS_PER_BATCH).padStart(6)} ${ms.toFixed(0).padStart(11)} ${Number(st?.duration_ms ?? 0).toFixed(0).padStart(10)} ${String(st?.iterations ?? '-').padStart(12)} ${String(st?.changed_labels ?? '-').padStart(16)}   ${st ? st.sizes.join(' / ') : '-'}`,
      );
    }
  }

  console.log('\nWhere each source ended up (rows of the last window; a good clustering puts each source in one cluster):\n');
  const table = await c.query(`
    SELECT source, cluster_number, count(*)::int AS rows
      FROM (SELECT * FROM readings ORDER BY ts DESC LIMIT 20000) w
     GROUP BY 1, 2 ORDER BY 1, 3 DESC`);
  let lastSource = '';
  for (const r of table.rows) {
    console.log(`  ${r.source === lastSource ? ''.padEnd(8) : String(r.source).padEnd(8)} -> cluster ${r.cluster_number}: ${r.rows} rows`);
    lastSource = r.source;
  }

  const state = (await c.query(`SELECT centroids, sizes, radii, rows_used, refits, cost FROM centroid.state WHERE table_name = 'readings'::regclass`)).rows[0];
  console.log('\nCentroids now, against where the sources have drifted to:\n');
  console.log('cluster   size    radius   centroid (v1, v2, v3)        nearest source (true center)');
  (state.centroids as number[][]).forEach((center, j) => {
    const truth = SOURCES.map((s) => ({ s, at: s.start.map((x, i) => x + (BATCHES - 1) * (s.drift[i] as number)) }))
      .map((t) => ({ ...t, d: Math.hypot(...t.at.map((x, i) => x - (center[i] as number))) }))
      .sort((a, b) => a.d - b.d)[0]!;
    console.log(
      `${String(j).padStart(7)} ${String(state.sizes[j]).padStart(6)} ${Number(state.radii[j]).toFixed(2).padStart(9)}   (${center.map((x) => x.toFixed(2).padStart(6)).join(',')})   ${truth.s.name} (${truth.at.map((x) => x.toFixed(2)).join(', ')})`,
    );
  });
  const unlabelled = (await c.query('SELECT count(*)::int AS n FROM readings WHERE cluster_number IS NULL')).rows[0].n;
  console.log(
    `\n${BATCHES * ROWS_PER_BATCH} rows inserted in ${(insertMs / 1000).toFixed(1)} s with clustering on (${((insertMs * 1000) / (BATCHES * ROWS_PER_BATCH)).toFixed(1)} us a row, refits included); ${state.refits} refits of a ${state.rows_used}-row window; ${unlabelled} rows unlabelled.`,
  );
}
