// Benchmark-only bundle, loaded into a temporary pljs function of the benchmark's own database (never
// part of the extension): the k-means kernels (ours, ml-kmeans, a plain loop) and a per-phase profile of a refit.

import { assignAll } from '../src/core/assign';
import { fit } from '../src/core/fit';
import { countDistinct } from '../src/core/seeding';
import { describe } from '../src/db/catalog';
import { exec, one } from '../src/db/pl';
import { fitOptions } from '../src/db/refit';
import { readWindow } from '../src/db/window';
import { loadSettings, loadState } from '../src/db/state';
import { arrayOf, ident } from '../src/sql/quote';
import { runKernel, type Kernel, type KernelRun } from './kernels';

/** Milliseconds taken by each phase of one JS-engine refit of the table (nothing is written back to it). */
function profileRefit(oid: number): Record<string, number> {
  const t: Record<string, number> = {};
  let at = Date.now();
  const lap = (name: string) => {
    const n = Date.now();
    t[name] = n - at;
    at = n;
  };
  const s = loadSettings(oid);
  if (!s) throw new Error('not clustered');
  const table = describe(oid);
  const state = loadState(oid, s.cluster_count, s.clustering_columns.length);
  lap('settings_and_state');
  const w = readWindow(table, s);
  lap('read_window');
  countDistinct(w.points, s.cluster_count);
  const r = fit(w.points, fitOptions(s, state));
  lap('fit');
  t.iterations = r.iterations;
  let changed = 0;
  for (let i = 0; i < w.points.n; i++) if (w.labels[i] !== r.labels[i]) changed++;
  lap('compare_labels');
  assignAll(w.points, r.centers, r.k, s.distance_type);
  lap('radii');
  // The worst case of the label write: every label rendered and written (into a scratch table).
  exec(`CREATE TEMP TABLE IF NOT EXISTS bench_labels (k int8, l int4)`);
  exec(`TRUNCATE bench_labels`);
  exec(`INSERT INTO bench_labels SELECT * FROM ROWS FROM (unnest(${arrayOf(w.keys, 'int8')}), unnest(${arrayOf(Array.from(r.labels), 'int4')}))`);
  lap('write_all_labels');
  t.rows = w.points.n;
  t.changed = changed;
  return t;
}

const cache = new Map<string, { data: Float64Array; n: number; d: number }>();

/** Reads columns c0..c{d-1} of a table into a row-major Float64Array (cached per connection). */
function readData(table: string, d: number): { data: Float64Array; n: number; d: number } {
  const hit = cache.get(table);
  if (hit) return hit;
  const cols = Array.from({ length: d }, (_, j) => `array_agg(c${j} ORDER BY id) AS c${j}`).join(', ');
  const row = one<Record<string, number[]>>(`SELECT ${cols} FROM ${ident(table)}`);
  const columns = Array.from({ length: d }, (_, j) => row?.[`c${j}`] ?? []);
  const n = columns[0]?.length ?? 0;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (columns[j] as number[])[i] as number;
  const out = { data, n, d };
  cache.set(table, out);
  return out;
}

/** Runs one kernel on a table's data from the given starting centers. */
function kernel(args: { kernel: Kernel; table: string; d: number; k: number; iterations: number; starts: number[] }): KernelRun {
  const { data, n, d } = readData(args.table, args.d);
  return runKernel(args.kernel, data, n, d, Float64Array.from(args.starts), args.k, args.iterations);
}

(globalThis as Record<string, unknown>).__pg_centroid_bench = { profileRefit, kernel };
