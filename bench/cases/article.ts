// Row 1: the article's workload. centroid.fit against the article's PL/Python + scikit-learn function
// (src/cli/article.ts), in the same server on the same customers and orders, end to end, second call of each.

import { ARTICLE_FIT_CONFIG, ARTICLE_FUNCTION_SQL, ARTICLE_TABLES_SQL, FEATURES_SQL } from '../../src/cli/article';
import type pg from 'pg';
import { customerShapes, type CustomerShape } from '../data';
import { median, sideBySide, timedValue, type Bench } from '../harness';
import { ms, rows, type Figure, type Measured } from '../report';
import type { Case } from './case';

const SPEEDUP = 1.5;
const COST = 0.001;

/** Our fit writes its own column of customers, so each function's second call finds its own labels there. */
const OURS = { ...ARTICLE_FIT_CONFIG, cluster_number_column: 'segment' };

/** The article's tables filled by one generator, its feature view, and its function. */
async function setUp(c: pg.Client, shape: CustomerShape, customers: number): Promise<void> {
  await c.query('BEGIN');
  try {
    await c.query(ARTICLE_TABLES_SQL);
    for (const sql of shape.statements(customers, 10)) await c.query(sql);
    await c.query(FEATURES_SQL);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  }
  await c.query('ALTER TABLE customers ADD COLUMN segment int');
  await c.query('ANALYZE customers, orders, customer_features');
  await c.query(ARTICLE_FUNCTION_SQL);
}

/** What centroid.fit returns, as far as the benchmark reads it. */
interface FitSummary {
  cost: number;
  iterations: number;
  converged: boolean;
  rows_used: number;
  timings?: Record<string, number>;
}

/** One shape: first calls, then both functions side by side; returns the figure and its phase table. */
async function measure(b: Bench, shape: CustomerShape, customers: number): Promise<{ figure: Figure; phases: Record<string, number>; total: number }> {
  return b.session(async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS plpython3u');
    await setUp(c, shape, customers);
    const orders = Number((await c.query('SELECT count(*) AS n FROM orders')).rows[0].n);
    // Both functions rewrite labels of customers; a vacuum before each call keeps one from paying for the other's dead rows.
    const vacuum = () => c.query('VACUUM customers');
    const model = `bench_${shape.id.replace(/[^a-z0-9]/g, '_')}`;
    const fits: FitSummary[] = [];
    const ours = async () => {
      await vacuum();
      const r = await timedValue<FitSummary>(c, `SELECT centroid.fit($1, 'customer_features', $2)`, [model, OURS]);
      fits.push(r.value);
      return r.ms;
    };
    const sklearn = async () => {
      await vacuum();
      return (await timedValue(c, 'SELECT build_customer_clusters(6)')).ms;
    };
    // The first call of a session loads scikit-learn or our bundle, and writes every label into an empty column.
    const firstOurs = await ours();
    const firstSk = await sklearn();
    const m = await sideBySide(b.options.repeat, [sklearn, ours]);
    const [skMs, oursMs] = m.ms as [number, number];
    const speedup = m.ratio[0] as number;
    const last = fits[fits.length - 1] as FitSummary;
    const inertia = Number((await c.query('SELECT inertia FROM model_registry ORDER BY id DESC LIMIT 1')).rows[0].inertia);
    const cost = Number(last.cost) / inertia - 1;
    const phases: Record<string, number> = {};
    for (const key of Object.keys(last.timings ?? {})) phases[key] = median(fits.slice(1).map((f) => Number(f.timings?.[key] ?? NaN)));
    await c.query('DROP MATERIALIZED VIEW customer_features; DROP TABLE orders, customers, model_registry CASCADE');
    return {
      figure: {
        shape: shape.id,
        measured: `${ms(oursMs)} vs ${ms(skMs)}`,
        ratio: `${speedup.toFixed(2)}x faster, cost ${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(3)}%`,
        value: speedup,
        met: speedup >= SPEEDUP && cost <= COST,
        iterations: last.iterations,
        note: `${orders} orders, ${last.rows_used} customers with orders; ${last.converged ? 'converged' : 'stopped at max_iterations'}; cost ${Number(last.cost).toFixed(1)} vs inertia ${inertia.toFixed(1)}; first call of a session (every label written): ${ms(firstOurs)} vs ${ms(firstSk)}`,
      },
      phases,
      total: oursMs,
    };
  });
}

export const article: Case = {
  n: 1,
  id: 'article',
  title: "centroid.fit vs the article's PL/Python + scikit-learn",
  target: `>= ${SPEEDUP}x faster, cost within ${COST * 100}%`,
  async run(b) {
    const customers = b.size(100_000);
    const figures: Figure[] = [];
    const phaseRows: string[] = [];
    let keys: string[] = [];
    for (const shape of customerShapes()) {
      b.progress(`article workload, shape ${shape.id}: ${rows(customers)} customers`);
      const r = await measure(b, shape, customers);
      figures.push(r.figure);
      if (keys.length === 0) keys = Object.keys(r.phases);
      const other = r.total - keys.reduce((s, k) => s + (r.phases[k] ?? 0), 0);
      phaseRows.push(`| ${shape.id} | ${keys.map((k) => ms(r.phases[k] ?? NaN)).join(' | ')} | ${ms(other)} | ${ms(r.total)} |`);
    }
    const details: Measured['details'] = [
      `### 1. Where the time of \`centroid.fit\` goes (its \`timings\`, median of the timed calls)`,
      '',
      `| shape | ${keys.join(' | ')} | the rest (call, JSON, transaction; medians, so it may be negative) | end to end |`,
      `| --- | ${keys.map(() => '---').join(' | ')} | --- | --- |`,
      ...phaseRows,
    ];
    return {
      what: `article workload: \`centroid.fit\` vs the article's PL/Python + scikit-learn function (KMeans, n_init = 'auto'), same server and data: ${rows(customers)} customers, ~${rows(customers * 10)} orders, 4 z-scored features, k = 6, end to end, second call of each`,
      figures,
      worse: 'lower',
      note: `Ratio: the article's time / ours (median of the per-repeat ratios); cost: our cost / scikit-learn's inertia - 1 (a lower cost is within). Our fit writes \`customers.segment\`, the article's \`customers.cluster_id\`, so each second call finds its own labels; \`VACUUM customers\` (not timed) before every call.`,
      details,
    };
  },
};
