// Row 8 (issue 14): what distance and anomaly columns cost on the 100k bulk insert (policy statement), against the
// same insert into a table clustered with labels alone.

import { pointShapes, type PointShape } from '../data';
import { attach, copyRows, hypertable, pointSettings, sideBySide, timed, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const LIMIT = 1.2;

/** One shape: `repeat` fresh pairs of tables loaded with a first batch, then the timed second batch of each. */
async function measure(b: Bench, shape: PointShape, batch: number): Promise<Figure> {
  const source = await b.points(shape);
  const m = await b.session(async (c) => {
    const tables = ['b_flagged', 'b_labelled'];
    const second = (t: string) => () => timed(c, copyRows(source, t, batch + 1, 2 * batch));
    const measured = await sideBySide(b.options.repeat, [second('b_flagged'), second('b_labelled')], async (rep) => {
      if (rep > 0) await c.query(`DROP TABLE ${tables.join(', ')}`);
      else await c.query(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
      for (const t of tables) await hypertable(c, t);
      await c.query(`ALTER TABLE b_flagged ADD COLUMN dist float8, ADD COLUMN odd bool`);
      await attach(c, 'b_flagged', { ...pointSettings('statement', batch), distance_column: 'dist', anomaly_column: 'odd' });
      await attach(c, 'b_labelled', pointSettings('statement', batch));
      for (const t of tables) await c.query(copyRows(source, t, 1, batch));
    });
    await c.query(`DROP TABLE ${tables.join(', ')}`);
    return measured;
  });
  const [flagged, labelled] = m.ms as [number, number];
  const ratio = m.ratio[0] as number;
  return { shape: shape.id, measured: `${ms(flagged)} vs ${ms(labelled)}`, ratio: `${ratio.toFixed(2)}x`, value: ratio, met: ratio <= LIMIT };
}

export const anomalyColumns: Case = {
  n: 8,
  id: 'anomaly-columns',
  title: 'distance and anomaly columns on the bulk insert (policy statement)',
  target: `<= ${LIMIT}x`,
  async run(b) {
    const batch = b.size(100_000);
    const figures: Figure[] = [];
    for (const shape of pointShapes()) {
      b.progress(`distance and anomaly columns, shape ${shape.id}: ${rows(batch)}-row batches`);
      figures.push(await measure(b, shape, batch));
    }
    return {
      what: `${rows(batch)}-row INSERT ... SELECT into a clustered hypertable (policy \`statement\`, window ${rows(batch)}) writing distance_column and anomaly_column, second batch, vs the same with labels alone`,
      figures,
      worse: 'higher',
      note: 'Both tables have the default hidden label mode; the ratio includes the refit at the end of the statement, which writes distances and flags of the rows whose cluster changes.',
    };
  },
};
