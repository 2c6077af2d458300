// Benchmark-only bundle, loaded into a pljs function of the benchmark's own database (never part of the
// extension): the k-means kernels (our core, ml-kmeans, a plain loop) on a table's rows, from given starts.
// It reads tables with pljs.execute itself and imports nothing of src/db, so it does not depend on the
// extension's internals.

import { runKernel, type Kernel, type KernelRun } from './kernels';

/** The part of pljs this bundle uses. */
declare const pljs: { execute(sql: string): Record<string, unknown>[] };

const cache = new Map<string, { data: Float64Array; n: number; d: number }>();

/** Reads columns c0..c{d-1} of a table (a plain name, made by the benchmark) into a row-major Float64Array, cached per connection. */
function readData(table: string, d: number): { data: Float64Array; n: number; d: number } {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bench: table name ${JSON.stringify(table)} is not a plain identifier`);
  const hit = cache.get(table);
  if (hit) return hit;
  const cols = Array.from({ length: d }, (_, j) => `array_agg(c${j} ORDER BY id) AS c${j}`).join(', ');
  const row = pljs.execute(`SELECT ${cols} FROM ${table}`)[0] as Record<string, number[]> | undefined;
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

(globalThis as Record<string, unknown>).__pg_centroid_bench = { kernel };
