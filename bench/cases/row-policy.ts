// Row 3: the paper's mode. A single-row INSERT into a hypertable in policy `row` (a refit of the window on
// every row) with a 100k-row window, reported per window row; the paper's C++ extension took ~22 us.

import { pointShapes, type PointShape } from '../data';
import { attach, copyRows, field, hypertable, median, pointSettings, repeat, status, timed, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const LIMIT_US = 1.1;
const PAPER_US = 22;

/** One shape: the window loaded and clustered, then single-row inserts in the default engine and in the JS engine. */
async function measure(b: Bench, shape: PointShape, window: number): Promise<{ figure: Figure; detail: string }> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await hypertable(c, 'r_rows');
    await hypertable(c, 'r_plain');
    await c.query(copyRows(source, 'r_rows', 1, window));
    await attach(c, 'r_rows', pointSettings('row', window));
    let next = window;
    const refits: number[] = [];
    const iterations: number[] = [];
    const single = async () => {
      next++;
      const t = await timed(c, copyRows(source, 'r_rows', next, next));
      const s = await status(c, 'r_rows');
      refits.push(field(s, 'duration_ms'));
      iterations.push(field(s, 'iterations'));
      return t;
    };
    const plain = await repeat(b.options.repeat + 2, (r) => timed(c, copyRows(source, 'r_plain', window + r + 1, window + r + 1)));
    const auto = await repeat(b.options.repeat + 2, single);
    const refit = median(refits);
    const its = median(iterations);
    await c.query(`SET pg_centroid.engine = 'js'`);
    const js = await repeat(b.options.repeat, single);
    await c.query(`RESET pg_centroid.engine`);
    await c.query('DROP TABLE r_rows, r_plain');
    const perRow = (auto / window) * 1000;
    return {
      figure: {
        shape: shape.id,
        measured: `${perRow.toFixed(2)} us (${ms(auto)} an insert)`,
        ratio: `${(perRow / LIMIT_US).toFixed(2)}x the target; ${(PAPER_US / perRow).toFixed(1)}x faster than the paper`,
        value: perRow,
        met: perRow <= LIMIT_US,
        note: `warm refits of ${its} iteration${its === 1 ? '' : 's'}; JS engine (window read into pljs): ${((js / window) * 1000).toFixed(2)} us (${ms(js)}); a plain one-row insert ${ms(plain)}`,
      },
      detail: `| ${shape.id} | ${ms(auto)} | ${ms(plain)} | ${ms(refit)} (${its} iterations) | ${ms(auto - refit - plain)} |`,
    };
  });
}

export const rowPolicy: Case = {
  n: 3,
  id: 'row',
  title: 'single-row INSERT in policy row',
  target: `<= ${LIMIT_US} us`,
  async run(b) {
    const window = b.size(100_000);
    const figures: Figure[] = [];
    const details: string[] = [];
    for (const shape of pointShapes()) {
      b.progress(`row policy, shape ${shape.id}: ${rows(window)}-row window`);
      const r = await measure(b, shape, window);
      figures.push(r.figure);
      details.push(r.detail);
    }
    return {
      what: `single-row INSERT with a ${rows(window)}-row window in policy \`row\`, time per window row (the paper: ~${PAPER_US} us)`,
      figures,
      worse: 'higher',
      details: [
        `### 3. Where the time of a single-row insert in policy \`row\` goes (default engine; the refit's duration from \`centroid.status\`)`,
        '',
        '| shape | the insert | a plain one-row insert | the refit of the window | the rest (triggers, cache, state) |',
        '| --- | --- | --- | --- | --- |',
        ...details,
      ],
    };
  },
};
