// Row 7: warm refit time against window size (10k to 1M rows), in the SQL engine and the JS engine: is it
// linear? Also the cold centroid.refit of the 1M-row window (from no stored centroids, writing every label).

import { pointShapes, type PointShape } from '../data';
import { attach, copyRows, field, hypertable, median, pointSettings, sideBySide, timedValue, type Bench } from '../harness';
import { linearFit } from '../stats';
import { ms, rows, type Curve, type Figure } from '../report';
import type { Case } from './case';

const R2 = 0.98;

/** One shape: the big table clustered once, then warm refits of each window size in both engines, side by side. */
async function measure(b: Bench, shape: PointShape, big: number, windows: number[]): Promise<{ figure: Figure; curves: Curve[]; table: string[] }> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await hypertable(c, 'w_big');
    await c.query(copyRows(source, 'w_big', 1, big));
    await c.query('ANALYZE w_big');
    const cold = await timedValue<Record<string, unknown>>(c, `SELECT centroid.attach('w_big', $1) AS r`, [pointSettings('statement', big)]);
    const coldIterations = field(cold.value.refit, 'iterations');
    const points: { window: number; sql: number; js: number; iterations: number }[] = [];
    for (const w of windows) {
      b.progress(`window scaling, shape ${shape.id}: ${rows(w)} rows`);
      await attach(c, 'w_big', pointSettings('statement', w), false);
      await c.query(`SELECT centroid.refit('w_big')`);
      const iterations: number[] = [];
      const refit = (engine: string) => async () => {
        await c.query(`SET pg_centroid.engine = '${engine}'`);
        const r = await timedValue<Record<string, unknown>>(c, `SELECT centroid.refit('w_big') AS r`);
        iterations.push(field(r.value, 'iterations'));
        return r.ms;
      };
      const m = await sideBySide(b.options.repeat, [refit('sql'), refit('js')]);
      await c.query('RESET pg_centroid.engine');
      points.push({ window: w, sql: m.ms[0] as number, js: m.ms[1] as number, iterations: median(iterations) });
    }
    await c.query('DROP TABLE w_big');
    const xs = points.map((p) => p.window);
    const sql = linearFit(xs, points.map((p) => p.sql));
    const js = linearFit(xs, points.map((p) => p.js));
    return {
      figure: {
        shape: shape.id,
        measured: points.map((p) => `${rows(p.window)}: ${ms(p.sql)}`).join('; '),
        ratio: `${(sql.slope * 1e5).toFixed(1)} ms per 100k rows, R^2 = ${sql.r2.toFixed(4)}`,
        value: sql.r2,
        met: sql.r2 >= R2,
        iterations: coldIterations,
        note: `JS engine: ${(js.slope * 1e5).toFixed(1)} ms per 100k rows, R^2 = ${js.r2.toFixed(4)}; warm refits ${[...new Set(points.map((p) => p.iterations))].join('-')} iterations; the cold refit of ${rows(big)} rows (attach: no stored centroids, every label written): ${ms(cold.ms)}, ${coldIterations} iterations`,
      },
      curves: [
        { name: `SQL engine, ${shape.id}`, shape: shape.id, points: points.map((p) => ({ x: p.window, y: p.sql })) },
        { name: `JS engine (dashed), ${shape.id}`, shape: shape.id, dashed: true, points: points.map((p) => ({ x: p.window, y: p.js })) },
      ],
      table: [
        ...points.map((p) => `| ${shape.id} | ${rows(p.window)} | ${ms(p.sql)} | ${ms(p.js)} | ${p.iterations} |`),
        `| ${shape.id} | least squares | ${(sql.slope * 1e5).toFixed(1)} ms per 100k rows + ${ms(sql.intercept)}, R^2 = ${sql.r2.toFixed(4)} | ${(js.slope * 1e5).toFixed(1)} ms per 100k rows + ${ms(js.intercept)}, R^2 = ${js.r2.toFixed(4)} | |`,
      ],
    };
  });
}

export const refitScaling: Case = {
  n: 7,
  id: 'scaling',
  title: 'warm refit time against window size',
  target: 'linear',
  async run(b) {
    const big = b.size(1_000_000);
    const windows = [10_000, 30_000, 100_000, 300_000, 1_000_000].map(b.size);
    const figures: Figure[] = [];
    const series: Curve[] = [];
    const table: string[] = [];
    for (const shape of pointShapes()) {
      b.progress(`window scaling, shape ${shape.id}: cold refit of ${rows(big)} rows`);
      const r = await measure(b, shape, big, windows);
      figures.push(r.figure);
      series.push(...r.curves);
      table.push(...r.table);
    }
    return {
      what: `warm \`centroid.refit\` time for windows ${windows.map(rows).join(', ')} (SQL engine): linear?`,
      figures,
      worse: 'lower',
      note: `Linear when the least-squares line's R^2 >= ${R2} on every shape. The iterations column is the cold refit's.`,
      details: ['### 7. Window scaling (warm refits, median of the repeats)', '', '| shape | window | SQL engine | JS engine | iterations (median of both engines\' refits) |', '| --- | --- | --- | --- | --- |', ...table],
      series,
    };
  },
};
