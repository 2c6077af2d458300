// Row 5: a cold fit of 1,000,000 x 3 rows (k = 3) into an empty label column: centroid.fit against a
// PL/Python + scikit-learn function written the way the article writes its own (read with plpy.execute,
// KMeans n_init='auto', labels back through a temporary table and one UPDATE, a registry row), end to end.

import type pg from 'pg';
import { pointShapes, type PointShape } from '../data';
import { median, sideBySide, timedValue, type Bench } from '../harness';
import { ms, rows, type Figure } from '../report';
import type { Case } from './case';

const SPEEDUP = 1.5;

/** The article's function, made generic over a table of points (id, v1, v2, v3, label); it records n_iter too. */
export const SKLEARN_POINTS_SQL = `
CREATE TABLE IF NOT EXISTS bench_model_registry (
  id serial PRIMARY KEY,
  model_name text NOT NULL,
  trained_at timestamptz NOT NULL,
  params jsonb,
  inertia float8
);
CREATE OR REPLACE FUNCTION bench_point_clusters(source regclass, k int) RETURNS void
LANGUAGE plpython3u SECURITY DEFINER AS $$
import json
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
import warnings

rows = plpy.execute(f"""
    SELECT id, ARRAY[v1, v2, v3] AS f FROM {source}
     WHERE v1 IS NOT NULL AND v2 IS NOT NULL AND v3 IS NOT NULL
""")
if len(rows) < k:
    plpy.error(f"Not enough data points ({len(rows)}) for k={k}")
ids = [r['id'] for r in rows]
X = [r['f'] for r in rows]

warnings.filterwarnings("ignore", category=ConvergenceWarning)
model = KMeans(n_clusters=k, n_init='auto', random_state=42)
model.fit(X)
labels = model.labels_

plpy.execute("CREATE TEMP TABLE _tmp_cluster (id bigint, label int) ON COMMIT DROP")
plpy.execute("INSERT INTO _tmp_cluster VALUES " + ", ".join(f"({i}, {int(l)})" for i, l in zip(ids, labels)))
plpy.execute(f"UPDATE {source} c SET label = t.label FROM _tmp_cluster t WHERE t.id = c.id")
plpy.execute("DROP TABLE _tmp_cluster")

plan = plpy.prepare("""
    INSERT INTO public.bench_model_registry (model_name, trained_at, params, inertia)
    VALUES ($1, now(), $2, $3)
""", ["text", "jsonb", "float8"])
plpy.execute(plan, [source, json.dumps({**model.get_params(), 'n_iter': int(model.n_iter_)}), float(model.inertia_)])
$$;`;

/** centroid.fit's settings for a table of points. */
const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, cluster_number_column: 'label', seed: 42 };

/** A fresh table of the source's first n rows with an empty label column (vacuumed, analyzed, keyed). */
async function freshTable(c: pg.Client, name: string, source: string, n: number): Promise<void> {
  await c.query(`DROP TABLE IF EXISTS ${name}`);
  await c.query(`CREATE TABLE ${name} AS SELECT id, v1, v2, v3, NULL::int AS label FROM ${source} WHERE id <= ${n}`);
  await c.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id)`);
  await c.query(`VACUUM ANALYZE ${name}`);
}

/** What centroid.fit returns, as far as the benchmark reads it. */
interface FitSummary {
  cost: number;
  iterations: number;
  converged: boolean;
  timings?: Record<string, number>;
}

/** One shape: a session warmed on a small table, then both fits side by side on fresh tables each repeat. */
async function measure(b: Bench, shape: PointShape, n: number): Promise<{ figure: Figure; phases: Record<string, number>; total: number; sklearnIterations: number }> {
  const source = await b.points(shape);
  return b.session(async (c) => {
    await c.query('CREATE EXTENSION IF NOT EXISTS plpython3u');
    await c.query(SKLEARN_POINTS_SQL);
    const model = `bench_cold_${shape.id.replace(/[^a-z0-9]/g, '_')}`;
    // Loading scikit-learn and our bundle is a session's first call, not the fit: both are loaded first.
    await freshTable(c, 'cf_warm', source, 1000);
    await c.query(`SELECT centroid.fit($1, 'cf_warm', $2)`, [`${model}_warm`, CONFIG]);
    await c.query(`SELECT bench_point_clusters('cf_warm', 3)`);
    const fits: FitSummary[] = [];
    const ours = async () => {
      const r = await timedValue<FitSummary>(c, `SELECT centroid.fit($1, 'cf_ours', $2)`, [model, CONFIG]);
      fits.push(r.value);
      return r.ms;
    };
    const sklearn = async () => (await timedValue(c, `SELECT bench_point_clusters('cf_sk', 3)`)).ms;
    const m = await sideBySide(b.options.repeat, [sklearn, ours], async () => {
      await freshTable(c, 'cf_ours', source, n);
      await freshTable(c, 'cf_sk', source, n);
    });
    const sk = (await c.query(`SELECT inertia, (params->>'n_iter')::int AS n_iter FROM bench_model_registry WHERE model_name = 'cf_sk' ORDER BY id DESC LIMIT 1`)).rows[0] as { inertia: number; n_iter: number };
    await c.query('DROP TABLE cf_warm, cf_ours, cf_sk');
    const [skMs, oursMs] = m.ms as [number, number];
    const speedup = m.ratio[0] as number;
    const last = fits[fits.length - 1] as FitSummary;
    const phases: Record<string, number> = {};
    for (const key of Object.keys(last.timings ?? {})) phases[key] = median(fits.map((f) => Number(f.timings?.[key] ?? NaN)));
    const cost = Number(last.cost) / Number(sk.inertia) - 1;
    return {
      figure: {
        shape: shape.id,
        measured: `${ms(oursMs)} vs ${ms(skMs)}`,
        ratio: `${speedup.toFixed(2)}x faster`,
        value: speedup,
        met: speedup >= SPEEDUP,
        iterations: last.iterations,
        note: `${last.converged ? 'converged' : 'stopped at max_iterations'}; scikit-learn ${sk.n_iter} iterations; cost ${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(3)}% against its inertia`,
      },
      phases,
      total: oursMs,
      sklearnIterations: Number(sk.n_iter),
    };
  });
}

export const coldFit: Case = {
  n: 5,
  id: 'cold-fit',
  title: 'cold centroid.fit of 1M x 3 vs PL/Python + scikit-learn',
  target: `>= ${SPEEDUP}x faster`,
  async run(b) {
    const n = b.size(1_000_000);
    const figures: Figure[] = [];
    const phaseRows: string[] = [];
    let keys: string[] = [];
    for (const shape of pointShapes()) {
      b.progress(`cold fit, shape ${shape.id}: ${rows(n)} x 3`);
      const r = await measure(b, shape, n);
      figures.push(r.figure);
      if (keys.length === 0) keys = Object.keys(r.phases);
      const other = r.total - keys.reduce((s, k) => s + (r.phases[k] ?? 0), 0);
      phaseRows.push(`| ${shape.id} | ${keys.map((k) => ms(r.phases[k] ?? NaN)).join(' | ')} | ${ms(other)} | ${ms(r.total)} |`);
    }
    return {
      what: `cold \`centroid.fit\` of ${rows(n)} x 3 (k = 3) into an empty label column, end to end, vs an article-style PL/Python + scikit-learn function (KMeans, n_init = 'auto') on the same rows`,
      figures,
      worse: 'lower',
      note: 'Each repeat fits fresh copies of the rows (made, keyed and vacuumed before the clock starts), so both write every label; the session has already loaded scikit-learn and our bundle (a fit of 1,000 rows each).',
      details: [
        `### 5. Where the time of the cold \`centroid.fit\` goes (its \`timings\`, median of the timed calls)`,
        '',
        `| shape | ${keys.join(' | ')} | the rest (call, JSON, transaction; medians, so it may be negative) | end to end |`,
        `| --- | ${keys.map(() => '---').join(' | ')} | --- | --- |`,
        ...phaseRows,
      ],
    };
  },
};
