// Sharded tables: centroid.fit and centroid.choose_k on a partitioned table whose partitions are postgres_fdw foreign
// tables on two other servers of the stack run every Lloyd pass on the shards (the aggregate in the remote SQL, k
// rows back per shard and pass), start from a sample drawn there, write labels by a direct UPDATE there, and give the
// centroids and labels of one server on the same rows.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardInstance, upShards } from '../../src/stack/shards';
import { createEvents, createSharded, resetStatements, rowsReturned, type Sharded } from './shards';

const ROWS = 100_000;
const INVALID = 10;
const base = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 4, cluster_number_column: 'cl' };
const manual = { ...base, center_choice: 'manual', starting_centers: [[1, 1, 1], [9, 1, 1], [1, 9, 1], [1, 1, 9]] };

let s: Sharded;

beforeAll(async () => {
  upShards(2);
  s = await createSharded('sharded', [shardInstance(1), shardInstance(2)]);
  await createEvents(s, ROWS, INVALID);
}, 600_000);

afterAll(async () => {
  await s?.close();
});

type Fit = {
  centroids: number[][];
  iterations: number;
  cost: number;
  rows_used: number;
  rows_skipped: number;
  labels_changed: number;
  metrics: { cluster_sizes: number[]; rms_radii: number[]; anomaly_threshold: number | null; davies_bouldin: number; calinski_harabasz: number };
  standardization: { means: number[]; scales: number[] } | null;
  pushdown?: { relations: string[]; servers: { name: string; async_capable: boolean }[]; passes: number; sample_rows: number };
};

/** centroid.fit, optionally with pg_centroid.engine set for it. */
async function fit(model: string, source: string, config: object, engine?: 'sql' | 'js'): Promise<Fit> {
  const c = s.db.client;
  await c.query('BEGIN');
  try {
    if (engine) await c.query(`SET LOCAL pg_centroid.engine = '${engine}'`);
    const r = await c.query('SELECT centroid.fit($1, $2, $3) AS f', [model, source, config]);
    await c.query('COMMIT');
    return r.rows[0].f as Fit;
  } catch (e) {
    await c.query('ROLLBACK');
    throw e;
  }
}

/** Clears the labels, distances and flags of both tables. */
async function clearLabels(): Promise<void> {
  await s.db.client.query('UPDATE events SET cl = NULL, dist = NULL, anomaly = NULL WHERE cl IS NOT NULL OR dist IS NOT NULL OR anomaly IS NOT NULL');
  await s.db.client.query('UPDATE events_local SET cl = NULL, dist = NULL, anomaly = NULL WHERE cl IS NOT NULL OR dist IS NOT NULL OR anomaly IS NOT NULL');
}

/** Rows of the sharded table and its local copy that differ in label, anomaly flag, or (largest difference) distance. */
async function differences(): Promise<{ rows: number; cl: number; anomaly: number; dist: number | null }> {
  const r = await s.db.client.query(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE e.cl IS DISTINCT FROM l.cl)::int AS cl,
            count(*) FILTER (WHERE e.anomaly IS DISTINCT FROM l.anomaly)::int AS anomaly, max(abs(e.dist - l.dist)) AS dist
       FROM events e JOIN events_local l USING (id)`,
  );
  return r.rows[0];
}

/** Expects two fits' centroids to agree to rounding. */
function sameCentroids(a: number[][], b: number[][]): void {
  expect(a).toHaveLength(b.length);
  a.forEach((row, c) => row.forEach((v, j) => expect(v).toBeCloseTo((b[c] as number[])[j] as number, 9)));
}

/** A plan's lines as one text. */
async function explain(sql: string, options = 'VERBOSE, COSTS OFF'): Promise<string> {
  const r = await s.db.client.query(`EXPLAIN (${options}) ${sql}`);
  return r.rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** The statements of a fit by aggregates on a source (centroid.fit_statements). */
async function statements(source: string, config: object): Promise<{ relations: string[]; servers: string[]; sharded: boolean; pass: string; sample: string; farthest: string; update: string | null }> {
  return (await s.db.client.query('SELECT centroid.fit_statements($1, $2) AS s', [source, config])).rows[0].s;
}

describe('a Lloyd pass on a sharded table', () => {
  it('runs on the shards: one aggregate per foreign partition in the remote SQL, both servers at once, k rows back from each', async () => {
    const st = await statements('events', manual);
    expect(st).toMatchObject({ relations: ['events_1', 'events_2'], servers: ['s1', 's2'], sharded: true });
    const plan = await explain(st.pass);
    for (const t of [1, 2]) {
      expect(plan).toContain(`Relations: Aggregate on (public.events_${t})`);
      expect(plan).toMatch(new RegExp(`Remote SQL: SELECT array_position\\(ARRAY\\[.*\\], float8smaller\\(.*\\)\\), count\\(\\*\\), sum\\(v1\\), sum\\(v2\\), sum\\(v3::double precision\\) FROM public\\.events_${t} WHERE .* GROUP BY 1(\\n|$)`));
    }
    expect(plan.match(/Async Foreign Scan/g)).toHaveLength(2);
    // The rows each shard sends: one per nearest center.
    const analyzed = await explain(st.pass, 'ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF');
    const sent = [...analyzed.matchAll(/Async Foreign Scan \(actual rows=([\d.]+) loops=1\)/g)].map((m) => Number(m[1]));
    expect(sent).toEqual([4, 4]);
  });

  it('sends far fewer rows than the shards hold across a fit (pg_stat_statements on the shards), k per pass', async () => {
    await clearLabels();
    await resetStatements(s);
    const f = await fit('stats', 'events', base);
    expect(f.pushdown).toMatchObject({ relations: ['events_1', 'events_2'], servers: [{ name: 's1', async_capable: true }, { name: 's2', async_capable: true }] });
    expect(f.pushdown?.passes).toBe(f.iterations + 1);
    for (const [t, shard] of s.shards.entries()) {
      const held = Number((await shard.query(`SELECT count(*) AS n FROM events_${t + 1}`)).rows[0].n);
      // The sample (about 10,000 rows in all) and k rows per pass: a tenth of what the shard holds, and less.
      expect(await rowsReturned(shard)).toBeLessThan(held / 8);
      const passes = (await shard.query(
        `SELECT sum(calls)::int AS calls, sum(rows)::int AS rows FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT toplevel
            AND query ~ '^DECLARE .*array_position.* GROUP BY 1$'`,
      )).rows[0];
      expect(passes.calls).toBe(f.pushdown?.passes);
      expect(passes.rows).toBeLessThanOrEqual(4 * passes.calls);
      const update = (await shard.query(
        `SELECT sum(calls)::int AS calls, sum(rows)::int AS rows FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE 'UPDATE public.events_${t + 1} SET cl = %'`,
      )).rows[0];
      // The labels were written there, by one statement (invalid rows keep their NULL).
      expect(update.calls).toBe(1);
      expect(update.rows).toBe(held - INVALID / 2);
    }
    expect(f.labels_changed).toBe(ROWS);
  });

  it('writes the labels where the rows are: a direct Foreign Update on each shard, NULL for invalid rows', async () => {
    await clearLabels();
    await fit('labels', 'events', manual);
    const st = await statements('events', base);
    const plan = await explain(st.update as string);
    for (const t of [1, 2]) {
      expect(plan).toContain(`Foreign Update on public.events_${t}`);
      expect(plan).toMatch(new RegExp(`Remote SQL: UPDATE public\\.events_${t} SET cl = \\(CASE WHEN .* THEN \\(array_position\\(`));
    }
    expect(plan).not.toContain('Foreign Scan');
    for (const [t, shard] of s.shards.entries()) {
      const r = (await shard.query(`SELECT count(*)::int AS n, count(cl)::int AS labelled, min(cl) AS lo, max(cl) AS hi,
                                           count(*) FILTER (WHERE cl IS NULL AND (v1 IS NULL OR v2 = 'NaN'))::int AS invalid FROM events_${t + 1}`)).rows[0];
      expect(r.labelled).toBe(r.n - INVALID / 2);
      expect(r.invalid).toBe(INVALID / 2);
      expect([r.lo, r.hi]).toEqual([0, 3]);
    }
  });
});

describe('centroid.fit_statements', () => {
  it('refuses centers that are not cluster_count rows of one number per column', async () => {
    const e = await s.db.client.query(`SELECT centroid.fit_statements('events', $1, ARRAY[[1, 2], [3, 4]]::float8[])`, [base]).catch((x) => x);
    expect(e.message).toBe('pg_centroid: centers must be cluster_count x clustering columns = 4 x 3 finite numbers, not 4 values');
    expect(e.hint).toBe('pass ARRAY[[...], ...] with 4 rows of 3 numbers, or NULL for the starting_centers');
  });
});

describe('the same result as one server', () => {
  it('gives the centroids, labels, distances and anomaly flags of centroid.fit on a local copy, from the same start', async () => {
    await clearLabels();
    const config = { ...manual, distance_column: 'dist', anomaly_column: 'anomaly', contamination: 0.01 };
    const sharded = await fit('same_sharded', 'events', config);
    const local = await fit('same_local', 'events_local', config);
    expect(sharded.pushdown).toBeDefined();
    // The local table is fitted in JavaScript (the rows read into pljs), the sharded one by aggregates.
    expect(local.pushdown).toBeUndefined();
    sameCentroids(sharded.centroids, local.centroids);
    expect(sharded.iterations).toBe(local.iterations);
    expect([sharded.rows_used, sharded.rows_skipped]).toEqual([local.rows_used, local.rows_skipped]);
    expect([sharded.rows_used, sharded.rows_skipped]).toEqual([ROWS, INVALID]);
    expect(sharded.cost / local.cost).toBeCloseTo(1, 12);
    expect(sharded.metrics.cluster_sizes).toEqual(local.metrics.cluster_sizes);
    sharded.metrics.rms_radii.forEach((r, c) => expect(r).toBeCloseTo(local.metrics.rms_radii[c] as number, 9));
    expect(sharded.metrics.anomaly_threshold).toBeCloseTo(local.metrics.anomaly_threshold as number, 9);
    expect(sharded.metrics.davies_bouldin).toBeCloseTo(local.metrics.davies_bouldin, 9);
    expect(sharded.metrics.calinski_harabasz / local.metrics.calinski_harabasz).toBeCloseTo(1, 9);
    expect(sharded.labels_changed).toBe(local.labels_changed);
    const diff = await differences();
    expect(diff).toMatchObject({ rows: ROWS + INVALID, cl: 0, anomaly: 0 });
    expect(diff.dist).toBeLessThan(1e-9);
    const flagged = (await s.db.client.query('SELECT count(*) FILTER (WHERE anomaly)::int AS n FROM events')).rows[0].n;
    expect(flagged).toBe(Math.round(0.01 * ROWS));
  });

  it('standardizes as one server does (zscore from pushed-down sums and deviations)', async () => {
    await clearLabels();
    const config = { ...base, standardize: 'zscore', center_choice: 'manual', starting_centers: [[-0.5, -0.5, -0.5], [1.5, -0.5, -0.5], [-0.5, 1.5, -0.5], [-0.5, -0.5, 1.5]] };
    const sharded = await fit('z_sharded', 'events', config);
    const local = await fit('z_local', 'events_local', config);
    expect(sharded.pushdown).toBeDefined();
    sameCentroids(sharded.centroids, local.centroids);
    sharded.standardization?.means.forEach((m, j) => expect(m).toBeCloseTo(local.standardization?.means[j] as number, 12));
    sharded.standardization?.scales.forEach((v, j) => expect(v).toBeCloseTo(local.standardization?.scales[j] as number, 12));
    expect((await differences()).cl).toBe(0);
  });

  it('re-seeds an empty cluster from the rows farthest from their centers, as one server does', async () => {
    await clearLabels();
    // No row is nearest to the last start: the driver takes the farthest row, found on the shards by ORDER BY ... LIMIT.
    const config = { ...manual, starting_centers: [[1, 1, 1], [9, 1, 1], [1, 9, 1], [100, 100, 100]] };
    const st = await statements('events', config);
    const plan = await explain(st.farthest);
    for (const t of [1, 2]) expect(plan).toMatch(new RegExp(`Remote SQL: SELECT .* FROM public\\.events_${t} WHERE .* ORDER BY .* DESC NULLS FIRST, .* LIMIT 8::bigint`));
    const sharded = await fit('empty_sharded', 'events', config);
    const local = await fit('empty_local', 'events_local', config);
    sameCentroids(sharded.centroids, local.centroids);
    expect(sharded.metrics.cluster_sizes.every((n) => n > 0)).toBe(true);
    expect((await differences()).cl).toBe(0);
  });

  it('draws the k-means++ sample on the shards by a shipped hash of the key: the rows one server draws, another seed other rows', async () => {
    const st = await statements('events', base);
    const plan = await explain(st.sample);
    for (const t of [1, 2]) expect(plan).toMatch(new RegExp(`Remote SQL: SELECT .* FROM public\\.events_${t} WHERE .*\\(\\(hashint8extended\\(id, 42::bigint\\) % 10::bigint\\) = 0\\)`));
    const rows = async (sql: string) => (await s.db.client.query(`SELECT * FROM (${sql}) x ORDER BY x0, x1, x2`)).rows;
    const sample = await rows(st.sample);
    expect(sample.length).toBeGreaterThan(8000);
    expect(sample.length).toBeLessThan(12000);
    expect(await rows((await statements('events_local', base)).sample)).toEqual(sample);
    expect(await rows((await statements('events', { ...base, seed: 7 })).sample)).not.toEqual(sample);
  });

  it('fits one server by the same statements (pg_centroid.engine = sql): the same sample, start, centroids and labels', async () => {
    await clearLabels();
    const sharded = await fit('seed_sharded', 'events', base);
    const local = await fit('seed_local', 'events_local', base, 'sql');
    expect(local.pushdown).toMatchObject({ relations: ['events_local'], servers: [] });
    expect(local.pushdown?.sample_rows).toBe(sharded.pushdown?.sample_rows);
    expect(local.iterations).toBe(sharded.iterations);
    sameCentroids(sharded.centroids, local.centroids);
    expect((await differences()).cl).toBe(0);
    // The same seed again: the same start (the sample, ordered by its values) and so the same fit.
    const again = await fit('seed_sharded', 'events', base);
    expect(again.iterations).toBe(sharded.iterations);
    sameCentroids(again.centroids, sharded.centroids);
    expect(again.labels_changed).toBe(0);
  });
});

describe('choose_k and score on a sharded table', () => {
  it('chooses k with every k fitted on the shards, as one server does by the same statements', async () => {
    await resetStatements(s);
    const sharded = (await s.db.client.query(`SELECT centroid.choose_k('events', $1, 2, 5) AS r`, [base])).rows[0].r;
    for (const [t, shard] of s.shards.entries()) {
      const held = Number((await shard.query(`SELECT count(*) AS n FROM events_${t + 1}`)).rows[0].n);
      expect(await rowsReturned(shard)).toBeLessThan(held / 8);
    }
    await s.db.client.query('BEGIN');
    await s.db.client.query(`SET LOCAL pg_centroid.engine = 'sql'`);
    const local = (await s.db.client.query(`SELECT centroid.choose_k('events_local', $1, 2, 5) AS r`, [base])).rows[0].r;
    await s.db.client.query('COMMIT');
    expect(sharded.recommended).toBe(4);
    expect(sharded).toMatchObject({ recommended: local.recommended, by_elbow: local.by_elbow, rows_used: ROWS, rows_skipped: INVALID });
    sharded.candidates.forEach((c: { k: number; cost: number; iterations: number }, i: number) => {
      expect(c.k).toBe(local.candidates[i].k);
      expect(c.iterations).toBe(local.candidates[i].iterations);
      expect(c.cost / local.candidates[i].cost).toBeCloseTo(1, 9);
    });
  });

  it('scores the sharded table in one statement with the labels the fit wrote', async () => {
    await clearLabels();
    await fit('scored', 'events', manual);
    const r = await s.db.client.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE c.cluster IS DISTINCT FROM e.cl)::int AS differ
         FROM centroid.score('scored', 'events') c JOIN events e ON e.id::text = c.key`,
    );
    expect(r.rows[0]).toEqual({ n: ROWS + INVALID, differ: 0 });
  });

  it('reads the rows, and says why, when the aggregates cannot do what the settings ask', async () => {
    const notices: string[] = [];
    const listen = (n: { message?: string }) => notices.push(n.message ?? '');
    s.db.client.on('notice', listen);
    try {
      const f = await fit('to_local', 'events', { ...base, output_table: 'events_local' });
      expect(f.pushdown).toBeUndefined();
      expect(f.rows_used).toBe(ROWS);
    } finally {
      s.db.client.off('notice', listen);
    }
    expect(notices).toContain(
      'pg_centroid: centroid.fit reads every row of sharded table events into this server\'s memory, because its labels go to events_local, not to the source itself (k-means with euclidean distance and labels written to the source itself runs on aggregates)',
    );
  });
});
