// Row 9 (issue 14): centroid.score over 100,000 rows against the same nearest-centroid computation written by hand
// as one SQL CASE expression over the same rows (key, cluster, distance).

import { pointShapes, type PointShape } from '../data';
import { sideBySide, timed, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const LIMIT = 3;

/** The hand-written query: each row's key, nearest of the model's centroids (ties to the lowest) and distance. */
function byHand(source: string, n: number, centroids: number[][]): string {
  const d = centroids.map((c, i) => `(v1 - ${c[0]}) ^ 2 + (v2 - ${c[1]}) ^ 2 + (v3 - ${c[2]}) ^ 2 AS d${i}`).join(', ');
  const k = centroids.length;
  const whens = Array.from({ length: k - 1 }, (_, c) => `WHEN ${Array.from({ length: k - c - 1 }, (_, o) => `d${c} <= d${c + o + 1}`).join(' AND ')} THEN ${c}`).join(' ');
  const least = `LEAST(${centroids.map((_, i) => `d${i}`).join(', ')})`;
  return `SELECT count(*), sum(cluster), sum(distance) FROM (
            SELECT key, CASE ${whens} ELSE ${k - 1} END AS cluster, sqrt(${least}) AS distance
              FROM (SELECT id::text AS key, ${d} FROM ${source} WHERE id <= ${n} OFFSET 0) x) y`;
}

async function measure(b: Bench, shape: PointShape, n: number): Promise<Figure> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await c.query(`DROP VIEW IF EXISTS b_scored; CREATE VIEW b_scored AS SELECT id, v1, v2, v3 FROM ${source} WHERE id <= ${n}`);
    const model = `bench_score_${shape.id.replace(/[^a-z0-9]/g, '_')}`;
    const fit = (await c.query(`SELECT centroid.fit($1, 'b_scored', $2) AS r`, [model, { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3 }])).rows[0].r;
    const centroids = fit.centroids as number[][];
    const ours = `SELECT count(*), sum(cluster), sum(distance) FROM centroid.score('${model}', 'b_scored')`;
    const hand = byHand(source, n, centroids);
    // The same labels both ways (the check is not timed).
    const [a, h] = [(await c.query(ours)).rows[0], (await c.query(hand)).rows[0]];
    if (a.count !== h.count || a.sum !== h.sum) throw new Error(`score and the hand-written CASE disagree: ${JSON.stringify(a)} vs ${JSON.stringify(h)}`);
    const m = await sideBySide(b.options.repeat, [() => timed(c, ours), () => timed(c, hand)]);
    await c.query(`DROP VIEW b_scored`);
    const ratio = m.ratio[0] as number;
    return { shape: shape.id, measured: `${ms(m.ms[0] as number)} vs ${ms(m.ms[1] as number)}`, ratio: `${ratio.toFixed(2)}x`, value: ratio, met: ratio <= LIMIT };
  });
}

export const score: Case = {
  n: 9,
  id: 'score',
  title: 'centroid.score vs the nearest-centroid CASE written by hand',
  target: `<= ${LIMIT}x`,
  async run(b) {
    const n = b.size(100_000);
    const figures: Figure[] = [];
    for (const shape of pointShapes()) {
      b.progress(`centroid.score, shape ${shape.id}: ${rows(n)} rows`);
      figures.push(await measure(b, shape, n));
    }
    return {
      what: `\`centroid.score\` of ${rows(n)} rows (key, cluster, distance, normalized distance, anomaly flag) vs the same nearest-centroid computation written by hand as a SQL CASE (key, cluster, distance) over the same rows`,
      figures,
      worse: 'higher',
      note: 'Each side is consumed by count(*), sum(cluster), sum(distance); the labels of both are checked equal before timing.',
    };
  },
};
