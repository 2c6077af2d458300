// The sharded benchmark (issue 16), run by hand: `npm run build && npx tsx bench/sharded.ts [--rows 1000000] [--k 8]`.
// The same rows on two shards of the embedded stack (a partitioned table of postgres_fdw foreign partitions) and on
// one server: time per Lloyd iteration and what moves to the coordinator per iteration (rows, from pg_stat_statements
// on the shards; bytes, from the kernel's counters of postgres_fdw's TCP connections, `ss -ti`), for the aggregate route
// (every pass on the shards) and for reading the rows (pg_centroid.engine = js). Writes bench/SHARDED.md.
// On a machine of 2 cores the coordinator and both shards share them: the point is the data moved, not the speed-up.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { shardInstance, upShards } from '../src/stack/shards';
import { projectRoot, up } from '../src/stack/stack';

pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const ROWS = option('rows', 1_000_000);
const K = option('k', 8);
const ITERATIONS = option('iterations', 10);
const RUNS = 3;
const DB = 'pg_centroid_bench_sharded';
const log = (line: string) => console.error(line);

/** A pseudo-random number in [0, 1) from (g, stream), the same on every server (no random(), no seed state). */
const uniform = (stream: number) => `(((pg_catalog.hashint8extended(g, ${stream}) >> 11) & 9007199254740991)::float8 / 9007199254740992.0)`;
/** A standard normal from two streams (Box-Muller). */
const normal = (a: number) => `(sqrt(-2 * ln(1 - ${uniform(a)})) * cos(2 * pi() * ${uniform(a + 1)}))`;
/** Rows g of the benchmark: K blobs in 3 dimensions (blob g % K around a seeded corner of a cube of side 20), deviation 2. */
function rowsSql(where: string): string {
  const center = (j: number) => `(pg_catalog.hashint8extended((g % ${K}), ${100 + j}) & 1023)::float8 / 1023.0 * 20`;
  return `SELECT g AS id, 1 + (g / 7) % 2 AS shard, ${center(0)} + 2 * ${normal(1)} AS v1, ${center(1)} + 2 * ${normal(3)} AS v2,
                 ${center(2)} + 2 * ${normal(5)} AS v3, NULL::int AS cl FROM generate_series(1, ${ROWS}) g WHERE ${where}`;
}

/** A client of a server, database DB. */
async function connect(port: number, database = DB): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${database}` });
  c.on('notice', () => {});
  await c.connect();
  return c;
}

/** Drops and creates DB on a server. */
async function freshDatabase(port: number): Promise<pg.Client> {
  const admin = await connect(port, 'postgres');
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  return connect(port);
}

/** Median of numbers. */
function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** What the shards sent to (wchar) and received from (rchar) the coordinator, and rows returned, summed over the shards. */
interface Moved {
  rows: number;
  sent: number;
  received: number;
}

/** Bytes each established TCP connection of a local port has sent and received (the kernel's tcp_info, from `ss -ti`), by peer port. */
function socketBytes(port: number): Map<number, { sent: number; received: number }> {
  const out = new Map<number, { sent: number; received: number }>();
  const text = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const peer = /\S+:\d+\s+\S+:(\d+)\s*$/.exec(lines[i] as string);
    if (!peer) continue;
    const info = lines[i + 1] as string;
    out.set(Number(peer[1]), { sent: Number(/bytes_sent:(\d+)/.exec(info)?.[1] ?? 0), received: Number(/bytes_received:(\d+)/.exec(info)?.[1] ?? 0) });
  }
  return out;
}

/** Rows the shards returned (FETCH of postgres_fdw's cursors, pg_stat_statements) and the bytes of their postgres_fdw connections. */
async function counters(shards: pg.Client[], ports: number[]): Promise<Moved> {
  const out: Moved = { rows: 0, sent: 0, received: 0 };
  for (const [t, s] of shards.entries()) {
    out.rows += Number((await s.query(`SELECT coalesce(sum(rows), 0) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE 'FETCH %'`)).rows[0].n);
    const sockets = socketBytes(ports[t] as number);
    for (const { port } of (await s.query(`SELECT client_port AS port FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'postgres_fdw'`)).rows) {
      const b = sockets.get(Number(port));
      out.sent += b?.sent ?? 0;
      out.received += b?.received ?? 0;
    }
  }
  return out;
}

/** The difference of two counter readings. */
const minus = (a: Moved, b: Moved): Moved => ({ rows: a.rows - b.rows, sent: a.sent - b.sent, received: a.received - b.received });

type Fit = { iterations: number; duration_ms: number; timings: { fit_ms: number; write_ms: number; read_ms: number }; pushdown?: { passes: number; sample_rows: number }; centroids: number[][] };

/** centroid.fit under pg_centroid.engine (auto when null), and what moved meanwhile. */
async function fit(c: pg.Client, shards: pg.Client[], ports: number[], source: string, config: object, engine: string | null): Promise<{ f: Fit; moved: Moved; ms: number }> {
  await c.query('BEGIN');
  if (engine) await c.query(`SET LOCAL pg_centroid.engine = '${engine}'`);
  const before = await counters(shards, ports);
  const t = performance.now();
  const f = (await c.query('SELECT centroid.fit($1, $2, $3) AS f', [`bench_${source}_${engine ?? 'auto'}`, source, config])).rows[0].f as Fit;
  const ms = performance.now() - t;
  const moved = minus(await counters(shards, ports), before);
  await c.query('COMMIT');
  return { f, moved, ms };
}

/** Runs one statement RUNS times: the median time and what moved per run. */
async function timed(c: pg.Client, shards: pg.Client[], ports: number[], sql: string): Promise<{ ms: number; moved: Moved }> {
  await c.query(sql);
  const before = await counters(shards, ports);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await c.query(sql);
    times.push(performance.now() - t);
  }
  const m = minus(await counters(shards, ports), before);
  return { ms: median(times), moved: { rows: m.rows / RUNS, sent: m.sent / RUNS, received: m.received / RUNS } };
}

/** Bytes as KB or MB. */
function bytes(n: number): string {
  return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${Math.round(n)} B`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const url = up(log);
  upShards(2, log);
  const mainPort = Number(new URL(url).port);
  const ports = [shardInstance(1).port, shardInstance(2).port];
  log(`coordinator 127.0.0.1:${mainPort}, shards ${ports.join(', ')}; ${ROWS} rows, k = ${K}`);
  const c = await freshDatabase(mainPort);
  const shards = await Promise.all(ports.map(freshDatabase));
  for (const e of ['pljs', 'pg_centroid', 'postgres_fdw']) await c.query(`CREATE EXTENSION ${e}`);
  for (const [t, s] of shards.entries()) {
    await s.query('CREATE EXTENSION pg_stat_statements');
    await s.query(`CREATE TABLE events_${t + 1} AS ${rowsSql(`1 + (g / 7) % 2 = ${t + 1}`)}`);
    await s.query(`CREATE TABLE events_small_${t + 1} AS SELECT * FROM events_${t + 1} LIMIT 1000`);
    await s.query('VACUUM ANALYZE');
    await c.query(`CREATE SERVER s${t + 1} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '${ports[t]}', dbname '${DB}', async_capable 'true')`);
    await c.query(`CREATE USER MAPPING FOR CURRENT_USER SERVER s${t + 1} OPTIONS (user 'postgres')`);
  }
  log('rows generated on the shards; the same rows on the coordinator ...');
  await c.query(`CREATE TABLE events_local AS ${rowsSql('true')}`);
  await c.query('VACUUM ANALYZE events_local');
  const columns = 'id bigint, shard int, v1 float8, v2 float8, v3 float8, cl int';
  await c.query(`CREATE TABLE events (${columns}) PARTITION BY LIST (shard)`);
  await c.query(`CREATE TABLE events_small (${columns}) PARTITION BY LIST (shard)`);
  for (const t of [1, 2]) {
    await c.query(`CREATE FOREIGN TABLE events_${t} PARTITION OF events FOR VALUES IN (${t}) SERVER s${t}`);
    await c.query(`CREATE FOREIGN TABLE events_small_p${t} PARTITION OF events_small FOR VALUES IN (${t}) SERVER s${t} OPTIONS (table_name 'events_small_${t}')`);
  }
  // Open the postgres_fdw connections (their sockets are what is counted).
  await c.query('SELECT count(*) FROM events_small');
  const starts = Array.from({ length: K }, (_, b) => [0, 1, 2].map((j) => ((b * 37 + j * 11) % 20) + 0.5));
  const config = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: K, center_choice: 'manual', starting_centers: starts, tolerance: 0, max_iterations: ITERATIONS };

  log('fits: sharded by aggregates ...');
  const sharded = await fit(c, shards, ports, 'events', config, null);
  log('fits: one server by aggregates ...');
  const single = await fit(c, shards, ports, 'events_local', config, 'sql');
  log('fits: one server in JavaScript ...');
  const js = await fit(c, shards, ports, 'events_local', config, null);
  log('fits: sharded, reading every row (pg_centroid.engine = js) ...');
  const rowsRoute = await fit(c, shards, ports, 'events', config, 'js');
  log('one pass, timed ...');
  const centers = sharded.f.centroids;
  const st = async (source: string) => (await c.query('SELECT centroid.fit_statements($1, $2, $3) AS s', [source, config, centers])).rows[0].s.pass as string;
  const passSharded = await timed(c, shards, ports, await st('events'));
  const passSingle = await timed(c, shards, ports, await st('events_local'));
  const passSmall = await timed(c, shards, ports, await st('events_small'));
  log('labels written on the shards (direct UPDATE) and on one server ...');
  const labelled = { ...config, cluster_number_column: 'cl' };
  const writeSharded = await fit(c, shards, ports, 'events', labelled, null);
  const writeSingle = await fit(c, shards, ports, 'events_local', labelled, 'sql');

  const perIteration = (r: { f: Fit }) => r.f.timings.fit_ms / (r.f.pushdown?.passes ?? r.f.iterations);
  const lines = [
    '# Sharded fits: the benchmark',
    '',
    `Measured by \`npx tsx bench/sharded.ts\` (after \`npm run build\`) on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs shared by the`,
    `coordinator and both shards (the embedded stack: PostgreSQL 18, postgres_fdw, \`async_capable\`), ${Math.round((Date.now() - started) / 1000)} s in all.`,
    `${ROWS.toLocaleString('en-US')} rows x 3 float8 columns, k = ${K}, the same manual starting centers for every fit, tolerance 0,`,
    `max_iterations ${ITERATIONS}; the rows split over 2 shards (about ${Math.round(ROWS / 2).toLocaleString('en-US')} each) and copied whole on the coordinator.`,
    'Rows moved are the rows the shards returned (pg_stat_statements, FETCH of postgres_fdw\'s cursors); bytes are',
    'what the TCP connections of postgres_fdw sent from the shards and to them (the kernel\'s tcp_info, read with `ss -ti`).',
    '',
    '## Per Lloyd iteration',
    '',
    '| route | time per iteration | rows to the coordinator | bytes sent by the shards | bytes sent to the shards |',
    '| --- | --- | --- | --- | --- |',
    `| 2 shards, aggregates (one pass, timed alone, median of ${RUNS}) | ${passSharded.ms.toFixed(0)} ms | ${passSharded.moved.rows} | ${bytes(passSharded.moved.sent)} | ${bytes(passSharded.moved.received)} |`,
    `| 2 shards, aggregates (in the fit: fit_ms / passes) | ${perIteration(sharded).toFixed(0)} ms | (see the whole fit below) | | |`,
    `| 1 server, aggregates (\`pg_centroid.engine = sql\`, one pass timed alone) | ${passSingle.ms.toFixed(0)} ms | 0 | 0 | 0 |`,
    `| 1 server, aggregates (in the fit) | ${perIteration(single).toFixed(0)} ms | 0 | 0 | 0 |`,
    `| 1 server, JavaScript (the default for a local table; rows read once: ${js.f.timings.read_ms} ms) | ${(js.f.timings.fit_ms / js.f.iterations).toFixed(0)} ms | 0 | 0 | 0 |`,
    `| 2 shards, every row read into the coordinator (\`pg_centroid.engine = js\`), per fit | ${(rowsRoute.f.timings.fit_ms / rowsRoute.f.iterations).toFixed(0)} ms (after ${rowsRoute.f.timings.read_ms} ms reading) | ${rowsRoute.moved.rows.toLocaleString('en-US')} once | ${bytes(rowsRoute.moved.sent)} once | ${bytes(rowsRoute.moved.received)} |`,
    `| 2 shards of 1,000 rows each, aggregates (the fixed cost of a pass) | ${passSmall.ms.toFixed(1)} ms | ${passSmall.moved.rows} | ${bytes(passSmall.moved.sent)} | ${bytes(passSmall.moved.received)} |`,
    '',
    '## Whole fits',
    '',
    '| fit | iterations | time | rows to the coordinator | bytes sent by the shards | bytes sent to the shards |',
    '| --- | --- | --- | --- | --- | --- |',
    `| 2 shards, aggregates | ${sharded.f.iterations} (${sharded.f.pushdown?.passes} passes, sample ${sharded.f.pushdown?.sample_rows} rows) | ${sharded.ms.toFixed(0)} ms | ${sharded.moved.rows.toLocaleString('en-US')} | ${bytes(sharded.moved.sent)} | ${bytes(sharded.moved.received)} |`,
    `| 1 server, aggregates | ${single.f.iterations} | ${single.ms.toFixed(0)} ms | - | - | - |`,
    `| 1 server, JavaScript | ${js.f.iterations} | ${js.ms.toFixed(0)} ms | - | - | - |`,
    `| 2 shards, every row read | ${rowsRoute.f.iterations} | ${rowsRoute.ms.toFixed(0)} ms | ${rowsRoute.moved.rows.toLocaleString('en-US')} | ${bytes(rowsRoute.moved.sent)} | ${bytes(rowsRoute.moved.received)} |`,
    `| 2 shards, aggregates, writing the ${ROWS.toLocaleString('en-US')} labels (direct UPDATE on the shards) | ${writeSharded.f.iterations} | ${writeSharded.ms.toFixed(0)} ms (UPDATE ${writeSharded.f.timings.write_ms} ms) | ${writeSharded.moved.rows.toLocaleString('en-US')} | ${bytes(writeSharded.moved.sent)} | ${bytes(writeSharded.moved.received)} |`,
    `| 1 server, aggregates, writing the labels | ${writeSingle.f.iterations} | ${writeSingle.ms.toFixed(0)} ms (UPDATE ${writeSingle.f.timings.write_ms} ms) | - | - | - |`,
    '',
    `Centroids of the sharded and the one-server fits agree to ${Math.max(...sharded.f.centroids.flat().map((v, i) => Math.abs(v - (single.f.centroids.flat()[i] as number)), 0)).toExponential(1)} (aggregates) and ${Math.max(...sharded.f.centroids.flat().map((v, i) => Math.abs(v - (js.f.centroids.flat()[i] as number)), 0)).toExponential(1)} (JavaScript).`,
    '',
    '## A model of N machines (not a measurement)',
    '',
    `A pass costs about t(N) = T1 / N + t0: T1 the pass over all rows on one server (${passSingle.ms.toFixed(0)} ms here), t0 the fixed cost of`,
    `a pass over the shards (planning, the remote SQL, one round trip per shard: ${passSmall.ms.toFixed(1)} ms here, measured on 1,000-row shards).`,
    'Each shard sends k rows of d + 2 numbers whatever N. With one machine per shard, the speed-up of an iteration is',
    'T1 / (T1 / N + t0):',
    '',
    '| shards (machines) | time per iteration (model) | speed-up (model) |',
    '| --- | --- | --- |',
    ...[1, 2, 4, 8, 16].map((n) => {
      const t = passSingle.ms / n + (n > 1 ? passSmall.ms : 0);
      return `| ${n} | ${t.toFixed(0)} ms | ${(passSingle.ms / t).toFixed(1)}x |`;
    }),
    '',
  ];
  const out = join(projectRoot(), 'bench', 'SHARDED.md');
  writeFileSync(out, lines.join('\n'));
  log(`wrote ${out}`);
  await c.end();
  for (const s of shards) await s.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
