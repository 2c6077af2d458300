// Row 4: policy `online` (each row moves its nearest centroid; no refit in the insert path). Per-row cost of
// a 10k-row INSERT at windows of 10k, 100k and 1M rows, against the same insert into a plain hypertable.

import { pointShapes, type PointShape } from '../data';
import { attach, copyRows, hypertable, pointSettings, repeat, sideBySide, timed, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const LIMIT = 2;

/** One shape at one window: both tables hold the window, the online one clustered; then batches side by side. */
async function measure(b: Bench, shape: PointShape, window: number, batch: number): Promise<Figure> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await hypertable(c, 'o_plain');
    await hypertable(c, 'o_online');
    for (const t of ['o_plain', 'o_online']) await c.query(copyRows(source, t, 1, window));
    await attach(c, 'o_online', pointSettings('online', window));
    // Both tables get the same rows in each repeat.
    const load = (t: string) => (rep: number) => timed(c, copyRows(source, t, window + 1 + rep * batch, window + (rep + 1) * batch));
    const m = await sideBySide(b.options.repeat, [load('o_online'), load('o_plain')]);
    let next = window + b.options.repeat * batch;
    const one = (t: string) => () => {
      next++;
      return timed(c, copyRows(source, t, next, next));
    };
    const online1 = await repeat(b.options.repeat + 2, one('o_online'));
    const plain1 = await repeat(b.options.repeat + 2, one('o_plain'));
    await c.query('DROP TABLE o_plain, o_online');
    const [online, plain] = m.ms as [number, number];
    const ratio = m.ratio[0] as number;
    return {
      shape: shape.id,
      measured: `window ${rows(window)}: ${((online / batch) * 1000).toFixed(2)} vs ${((plain / batch) * 1000).toFixed(2)} us a row`,
      ratio: `${ratio.toFixed(2)}x`,
      value: ratio,
      met: ratio <= LIMIT,
      note: `a one-row INSERT: ${ms(online1)} vs ${ms(plain1)}`,
    };
  });
}

export const onlinePolicy: Case = {
  n: 4,
  id: 'online',
  title: 'INSERT in policy online',
  target: `<= ${LIMIT}x`,
  async run(b) {
    const windows = [10_000, 100_000, 1_000_000].map(b.size);
    const batch = b.size(10_000);
    const figures: Figure[] = [];
    for (const shape of pointShapes()) {
      for (const w of windows) {
        b.progress(`online policy, shape ${shape.id}: window ${rows(w)}`);
        figures.push(await measure(b, shape, w, batch));
      }
    }
    return {
      what: `per-row cost of a ${rows(batch)}-row INSERT in policy \`online\` at windows ${windows.map(rows).join(', ')}, vs a plain insert`,
      figures,
      worse: 'higher',
      note: 'Every shape at every window; the worst of them all decides. One-row statements also pay per statement for arming the cache and storing the moved centroids (the notes).',
    };
  },
};
