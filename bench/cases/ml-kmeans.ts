// Row 6: our k-means against ml-kmeans 7, both inside pljs (QuickJS), on the same rows from the same starting
// centers, 10 iterations at most; and one Lloyd iteration several ways (pljs, Node, one SQL statement).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { pointShapes, type PointShape } from '../data';
import { repeat, sideBySide, timed, median, type Bench } from '../harness';
import { runKernel, type Kernel, type KernelRun } from '../kernels';
import { createBundledFunction } from '../pljs';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const SPEEDUP = 5;
const ITERATIONS = 10;

/** Creates bench_js(op, arg): the kernels bundle (bench/inpg.ts: our core, ml-kmeans, a plain loop). */
async function createBenchFunction(c: pg.Client): Promise<void> {
  await createBundledFunction(c, {
    signature: 'bench_js(op text, arg jsonb)',
    entry: { file: join(dirname(fileURLToPath(import.meta.url)), '..', 'inpg.ts') },
    global: '__pg_centroid_bench',
    call: '[op](arg)',
    minify: true,
  });
}

/** One shape: the kernels in pljs side by side, then the per-iteration figures in pljs, SQL and Node. */
async function measure(b: Bench, shape: PointShape, n: number): Promise<{ figure: Figure; detail: string[] }> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await createBenchFunction(c);
    await c.query(`DROP TABLE IF EXISTS km_data`);
    await c.query(`CREATE TABLE km_data AS SELECT id, v1 AS c0, v2 AS c1, v3 AS c2 FROM ${source} WHERE id <= ${n}`);
    await c.query(`ANALYZE km_data`);
    // The first three rows are the starts of every implementation.
    const first = (await c.query(`SELECT c0, c1, c2 FROM km_data ORDER BY id LIMIT 3`)).rows as { c0: number; c1: number; c2: number }[];
    const starts = first.flatMap((r) => [r.c0, r.c1, r.c2]);
    const runs: Record<string, KernelRun[]> = {};
    const inPg = (kernel: Kernel, iterations: number) => async () => {
      const r = (await c.query(`SELECT bench_js('kernel', $1) AS r`, [{ kernel, table: 'km_data', d: 3, k: 3, iterations, starts }])).rows[0].r as KernelRun;
      (runs[`${kernel}/${iterations}`] ??= []).push(r);
      return r.ms;
    };
    await inPg('plain', 1)(); // reads the rows into the connection's cache
    const m = await sideBySide(b.options.repeat, [inPg('ml-kmeans', ITERATIONS), inPg('ours', ITERATIONS)]);
    const [mlMs, oursMs] = m.ms as [number, number];
    const speedup = m.ratio[0] as number;
    const its = (key: string) => median((runs[key] ?? []).map((r) => r.iterations));
    const ham = await repeat(b.options.repeat, inPg('hamerly', ITERATIONS));
    const ours1 = await repeat(b.options.repeat, inPg('ours', 1));
    const plain1 = await repeat(b.options.repeat, inPg('plain', 1));
    // The same iteration as one SQL statement (as the SQL engine writes it).
    const [a, bb, cc] = [starts.slice(0, 3), starts.slice(3, 6), starts.slice(6, 9)];
    const dist = (p: number[], name: string) => p.map((v, j) => `(c${j} - (${v}::float8)) * (c${j} - (${v}::float8))`).join(' + ') + ` AS ${name}`;
    const sqlIteration = `SELECT nl, count(*), sum(c0), sum(c1), sum(c2) FROM (SELECT c0, c1, c2, CASE WHEN d0 <= d1 AND d0 <= d2 THEN 0 WHEN d1 <= d2 THEN 1 ELSE 2 END AS nl
      FROM (SELECT c0, c1, c2, ${dist(a, 'd0')}, ${dist(bb, 'd1')}, ${dist(cc, 'd2')} FROM km_data OFFSET 0) x) y GROUP BY nl`;
    await c.query(`SET enable_sort = off`);
    const sql1 = await repeat(b.options.repeat + 2, () => timed(c, sqlIteration));
    await c.query(`RESET enable_sort`);
    // Node (V8, what plv8 would give): the same rows and starts.
    const all = (await c.query(`SELECT c0, c1, c2 FROM km_data ORDER BY id`)).rows as { c0: number; c1: number; c2: number }[];
    const data = Float64Array.from(all.flatMap((r) => [r.c0, r.c1, r.c2]));
    const node = (kernel: Kernel, it: number) => median(Array.from({ length: b.options.repeat + 2 }, () => runKernel(kernel, data, all.length, 3, Float64Array.from(starts), 3, it).ms));
    const [nOurs, nMl] = [node('ours', ITERATIONS), node('ml-kmeans', ITERATIONS)];
    await c.query('DROP TABLE km_data');
    const oursIts = its(`ours/${ITERATIONS}`);
    const hamIts = its(`hamerly/${ITERATIONS}`);
    return {
      figure: {
        shape: shape.id,
        measured: `${ms(oursMs)} (${oursIts} iterations) vs ${ms(mlMs)} (${its(`ml-kmeans/${ITERATIONS}`)})`,
        ratio: `${speedup.toFixed(1)}x faster`,
        value: speedup,
        met: speedup >= SPEEDUP,
        note: `Hamerly's engine on the same run: ${ms(ham)} (${(mlMs / ham).toFixed(1)}x); in Node: ${ms(nOurs)} vs ${ms(nMl)} (${(nMl / nOurs).toFixed(1)}x)`,
      },
      detail: [
        shape.id,
        ms(ours1),
        ms(Math.max(0, oursMs - ours1) / Math.max(1, oursIts - 1)),
        ms(ham / Math.max(1, hamIts)),
        ms(plain1),
        ms(mlMs / Math.max(1, its(`ml-kmeans/${ITERATIONS}`))),
        ms(sql1),
      ],
    };
  });
}

export const mlKmeans: Case = {
  n: 6,
  id: 'ml-kmeans',
  title: 'our k-means vs ml-kmeans inside pljs',
  target: `>= ${SPEEDUP}x faster`,
  async run(b) {
    const n = b.size(100_000);
    const figures: Figure[] = [];
    const details: string[] = [];
    for (const shape of pointShapes()) {
      b.progress(`k-means kernels, shape ${shape.id}: ${rows(n)} x 3 in pljs and Node`);
      const r = await measure(b, shape, n);
      figures.push(r.figure);
      details.push(`| ${r.detail.join(' | ')} |`);
    }
    return {
      what: `our k-means vs ml-kmeans 7, both inside pljs: ${rows(n)} x 3, k = 3, at most ${ITERATIONS} iterations (tolerance 0), same starting centers`,
      figures,
      worse: 'lower',
      note: 'Both stop early only when no label changes (ours) or no center moves (ml-kmeans); the iteration counts are in the figures.',
      details: [
        `### 6. One Lloyd iteration over ${rows(n)} x 3, k = 3, in pljs (QuickJS) unless said`,
        '',
        "| shape | our core, `fit` with maxIterations = 1 (validation, set-up, a first pass, one update, labels) | our core, each further iteration | Hamerly's engine, per iteration | a plain typed-array loop | ml-kmeans, per iteration | one SQL statement (distances + CASE argmin + GROUP BY sums), the SQL engine's step |",
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...details,
      ],
    };
  },
};
