// Row 2: a second 100k-row INSERT ... SELECT into a clustered hypertable (policy statement, 100k window)
// against the same insert into a hypertable with no clustering, one with a do-nothing PL/pgSQL trigger, and one
// clustered with inline_centroids (the label function holds the centroids as constants: no call into JavaScript a row).

import { pointShapes, type PointShape } from '../data';
import { attach, copyRows, field, hypertable, median, pointSettings, sideBySide, status, timed, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const LIMIT = 2;

/** One shape: `repeat` fresh sets of tables, each loaded with a first batch, then the timed second batch. */
async function measure(b: Bench, shape: PointShape, batch: number): Promise<{ figure: Figure; detail: string }> {
  const source = await b.points(shape);
  const refits: number[] = [];
  const m = await b.session(async (c) => {
    await c.query(`DROP TABLE IF EXISTS b_noop, b_clustered, b_plain, b_inline`);
    await c.query(`CREATE OR REPLACE FUNCTION bench_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`);
    const tables = ['b_noop', 'b_clustered', 'b_inline', 'b_plain'];
    const second = (t: string) => () => timed(c, copyRows(source, t, batch + 1, 2 * batch));
    const measured = await sideBySide(
      b.options.repeat,
      [second('b_noop'), async () => {
        const t = await second('b_clustered')();
        refits.push(field(await status(c, 'b_clustered'), 'duration_ms'));
        return t;
      }, second('b_inline'), second('b_plain')],
      async (rep) => {
        if (rep > 0) await c.query(`DROP TABLE ${tables.join(', ')}`);
        for (const t of tables) await hypertable(c, t);
        await c.query(`CREATE TRIGGER b_noop_t BEFORE INSERT ON b_noop FOR EACH ROW EXECUTE FUNCTION bench_noop()`);
        await attach(c, 'b_clustered', pointSettings('statement', batch));
        await attach(c, 'b_inline', { ...pointSettings('statement', batch), inline_centroids: true });
        for (const t of tables) await c.query(copyRows(source, t, 1, batch));
      },
    );
    await c.query(`DROP TABLE ${tables.join(', ')}`);
    return measured;
  });
  // The plain insert is the last side, which sideBySide's ratios divide by.
  const [noop, clustered, inline, plain] = m.ms as [number, number, number, number];
  const ratio = m.ratio[1] as number;
  const refit = median(refits);
  const triggers = clustered - refit - plain;
  return {
    figure: {
      shape: shape.id,
      measured: `${ms(clustered)} vs ${ms(plain)}`,
      ratio: `${ratio.toFixed(2)}x`,
      value: ratio,
      met: ratio <= LIMIT,
      note: `refit at the statement's end ${ms(refit)}; row and statement triggers ${ms(triggers)} (${((triggers / batch) * 1000).toFixed(2)} us a row); with inline_centroids: ${ms(inline)}, ${(m.ratio[2] as number).toFixed(2)}x`,
    },
    detail: `| ${shape.id} | ${ms(plain)} | ${ms(noop - plain)} | ${ms(triggers)} | ${ms(refit)} | ${ms(clustered)} |`,
  };
}

export const bulkInsert: Case = {
  n: 2,
  id: 'bulk',
  title: 'INSERT ... SELECT into a clustered hypertable (policy statement)',
  target: `<= ${LIMIT}x`,
  async run(b) {
    const batch = b.size(100_000);
    const figures: Figure[] = [];
    const details: string[] = [];
    for (const shape of pointShapes()) {
      b.progress(`statement policy, shape ${shape.id}: ${rows(batch)}-row batches`);
      const r = await measure(b, shape, batch);
      figures.push(r.figure);
      details.push(r.detail);
    }
    return {
      what: `${rows(batch)}-row INSERT ... SELECT into a clustered hypertable, policy \`statement\` (window ${rows(batch)}), second batch, vs the same insert with no clustering`,
      figures,
      worse: 'higher',
      details: [
        `### 2. Where the time of the ${rows(batch)}-row second batch goes (the refit's duration from \`centroid.status\`)`,
        '',
        '| shape | the INSERT itself (no trigger) | a do-nothing PL/pgSQL row trigger adds | our row and statement triggers | the refit at the statement\'s end | total with clustering |',
        '| --- | --- | --- | --- | --- | --- |',
        ...details,
      ],
    };
  },
};
