// The benchmark's harness: a database of its own on the embedded stack (or DATABASE_URL), a fresh
// connection per measurement, timing, medians of repeats, and comparisons measured side by side (the two
// sides alternate within each repeat, so the machine's noise falls on both).

import pg from 'pg';
import { databaseUrl } from '../src/stack/stack';
import type { Options } from './args';
import { DATA_FUNCTIONS_SQL, type PointShape } from './data';
import { median } from './stats';

pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export { median };

/** What every case gets: the options, sizes, connections and the shared point sources. */
export interface Bench {
  options: Options;
  /** Connection string of the benchmark's database. */
  url: string;
  /** A size of the full run, 100x smaller (at least 100) in quick mode. */
  size(n: number): number;
  /** Runs fn on a new connection, closed after. */
  session<T>(fn: (c: pg.Client) => Promise<T>): Promise<T>;
  /** The table holding a point shape's rows (id, ts, v1, v2, v3), made on first use. */
  points(shape: PointShape): Promise<string>;
  /** A progress line on stderr. */
  progress(message: string): void;
}

/** The server's URL pointing at another database. */
function at(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = '/' + database;
  return u.toString();
}

/** Opens a connection that ignores notices and survives its backend's death (the query fails instead). */
async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('notice', () => {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Creates the benchmark's database (extensions, data functions) and returns the bench and its teardown. */
export async function openBench(options: Options, progress: (message: string) => void): Promise<{ bench: Bench; server: string; close(): Promise<void> }> {
  const base = databaseUrl((line) => process.stderr.write(line + '\n'));
  const name = `pg_centroid_bench_${process.pid}`;
  const admin = await connect(base);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = at(base, name);
  const setup = await connect(url);
  let server = '';
  try {
    for (const e of ['timescaledb', 'pljs', 'pg_centroid']) await setup.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
    await setup.query(DATA_FUNCTIONS_SQL);
    server = String((await setup.query(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0].v);
  } finally {
    await setup.end();
  }
  const session = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    // A fresh backend per measurement: pljs was seen to run out of memory in long sessions.
    const c = await connect(url);
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => {});
    }
  };
  const scale = options.quick ? 0.01 : 1;
  const size = (n: number) => Math.max(100, Math.round(n * scale));
  const sources = new Map<string, Promise<string>>();
  const points = (shape: PointShape): Promise<string> => {
    let made = sources.get(shape.id);
    if (!made) {
      made = session(async (c) => {
        const table = `bench.points_${shape.id.replace(/[^a-z0-9]/g, '_')}`;
        progress(`generating ${pointRows(options, size)} rows of points, shape ${shape.id}`);
        await c.query(`CREATE TABLE ${table} AS ${shape.select(1, pointRows(options, size))}`);
        await c.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
        await c.query(`VACUUM ANALYZE ${table}`);
        return table;
      });
      sources.set(shape.id, made);
    }
    return made;
  };
  const bench: Bench = { options, url, size, session, points, progress };
  return {
    bench,
    server,
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}

/** Rows each point source holds: the biggest window (1M), plus every batch inserted after it. */
function pointRows(options: Options, size: (n: number) => number): number {
  return size(1_000_000) + (options.repeat + 1) * size(10_000) + 2 * options.repeat + 10;
}

/** Milliseconds taken by one query. */
export async function timed(c: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const t0 = performance.now();
  await c.query(sql, params);
  return performance.now() - t0;
}

/** Milliseconds taken by one query, and its first row's first column. */
export async function timedValue<T>(c: pg.Client, sql: string, params: unknown[] = []): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const r = await c.query(sql, params);
  const ms = performance.now() - t0;
  const row = (r.rows[0] ?? {}) as Record<string, unknown>;
  return { ms, value: Object.values(row)[0] as T };
}

/** Runs fn `times` times and returns the median of what it measured (each call returns milliseconds). */
export async function repeat(times: number, fn: (rep: number) => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let r = 0; r < times; r++) values.push(await fn(r));
  return median(values);
}

/** Two or more measurements taken side by side: medians of each, and the median of the per-repeat ratios to the last. */
export interface SideBySide {
  /** Median milliseconds of each side, in the order given. */
  ms: number[];
  /** Every repeat's milliseconds of each side. */
  runs: number[][];
  /** ratio[i]: the median over repeats of side i / the last side, each repeat's pair measured together. */
  ratio: number[];
}

/**
 * Measures the sides `times` times, all sides in each repeat, in an order that rotates from one repeat to
 * the next (so neither side always runs first, on a warmer cache or a quieter machine). Each side returns
 * milliseconds; prepare (not timed) runs before each repeat.
 */
export async function sideBySide(times: number, sides: ((rep: number) => Promise<number>)[], prepare?: (rep: number) => Promise<void>): Promise<SideBySide> {
  const runs: number[][] = sides.map(() => []);
  for (let r = 0; r < times; r++) {
    if (prepare) await prepare(r);
    for (let j = 0; j < sides.length; j++) {
      const i = (j + r) % sides.length;
      (runs[i] as number[]).push(await (sides[i] as (rep: number) => Promise<number>)(r));
    }
  }
  const last = runs[runs.length - 1] as number[];
  return {
    ms: runs.map(median),
    runs,
    ratio: runs.map((side) => median(side.map((v, r) => v / (last[r] as number)))),
  };
}

/** A number from a JSON result, under its snake_case key or its camelCase one (centroid.refit has used both). */
export function field(json: unknown, snake: string): number {
  const o = (json ?? {}) as Record<string, unknown>;
  const camel = snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const v = o[snake] ?? o[camel];
  return v === undefined || v === null ? NaN : Number(v);
}

/** Creates a hypertable of the point shapes' columns (one-week chunks) with an empty label column. */
export async function hypertable(c: pg.Client, name: string): Promise<void> {
  await c.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL, v1 float8, v2 float8, v3 float8, cluster_number int)`);
  await c.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '7 days')`);
}

/** INSERT ... SELECT of the source's rows from..to (in id order) into a hypertable. */
export function copyRows(source: string, table: string, from: number, to: number): string {
  return `INSERT INTO ${table} (ts, v1, v2, v3) SELECT ts, v1, v2, v3 FROM ${source} WHERE id BETWEEN ${from} AND ${to} ORDER BY id`;
}

/** The settings that cluster a point hypertable (k = 3 on v1..v3), with a policy and window. */
export function pointSettings(refit: 'statement' | 'row' | 'online', window: number): Record<string, unknown> {
  return { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'cluster_number', refit, maximum_data_count: window };
}

/** centroid.attach: settings, the row trigger, and (unless refit is false) a first clustering; returns its JSON. */
export async function attach(c: pg.Client, table: string, config: Record<string, unknown>, refit = true): Promise<Record<string, unknown>> {
  return (await c.query(`SELECT centroid.attach($1::regclass, $2, $3) AS r`, [table, config, refit])).rows[0].r as Record<string, unknown>;
}

/** centroid.status of one table: the last refit's facts (duration_ms, iterations, rows_used, ...). */
export async function status(c: pg.Client, table: string): Promise<Record<string, unknown>> {
  return (await c.query(`SELECT centroid.status($1::regclass) AS s`, [table])).rows[0].s as Record<string, unknown>;
}
