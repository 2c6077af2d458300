// Cosine distance on the real stack: rows cluster by direction whatever their length, in every refit policy, both
// engines and both label modes; rows of zeros get no cluster and are kept; centroid.fit, predict and score agree
// with each other and with 1 - cos computed by hand; settings that cannot work with cosine are refused when written.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('cosine');
});
afterAll(async () => {
  await db?.close();
});

/**
 * SQL of n rows in three directions (0°, 120° and 240° in the v1/v2 plane, with v3 small), each row at a length
 * from 1 to 1000: euclidean distance would split them by length, cosine keeps each direction together.
 */
function directions(name: string, n: number, from = 1): string {
  return `INSERT INTO ${name} (v1, v2, v3)
          SELECT r * cos(a), r * sin(a), r * 0.01 * sin(g * 3.7)
            FROM (SELECT g, (g % 3) * 2 * pi() / 3 + 0.05 * sin(g * 12.9898) AS a, 1 + (g * 7919 % 1000) AS r
                    FROM generate_series(${from}, ${from + n - 1}) g) s`;
}

/** A hypertable of three features with cluster and distance columns, clustered with cosine distance. */
async function table(name: string, config: Record<string, unknown>): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 float8, v2 float8, v3 real, cl int, dist float8)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts')`);
  await db.client.query(`SELECT centroid.attach($1, $2)`, [
    name,
    { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_number_column: 'cl', distance_column: 'dist', cluster_count: 3, distance_type: 'cosine', minimum_data_count: 30, ...config },
  ]);
}

/** 1 - cos between each row and its stored centroid, by hand, and how far each stored centroid is from unit length. */
async function check(name: string): Promise<{ worstDistance: number; worstNorm: number; purity: number; labelled: number; n: number }> {
  const centroids = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = '${name}'::regclass`)).rows[0].centroids as number[][];
  // Distances to the current centroids (the distance column holds each row's as of when its label was written).
  const rows = (await db.client.query(`SELECT id, v1, v2, v3, cl, s.distance AS dist, s.cluster AS scored FROM ${name} JOIN centroid.score('${name}', '${name}') s ON s.key = id::text ORDER BY id`)).rows;
  let worstDistance = 0;
  const byDirection = new Map<number, Map<number, number>>();
  let labelled = 0;
  for (const r of rows) {
    if (r.cl === null) continue;
    if (r.scored === r.cl) labelled++;
    const x = [r.v1, r.v2, r.v3] as number[];
    const c = centroids[r.cl] as number[];
    const dot = x.reduce((s, v, j) => s + v * (c[j] as number), 0);
    const cos = dot / (Math.hypot(...x) * Math.hypot(...c));
    worstDistance = Math.max(worstDistance, Math.abs(1 - cos - r.dist));
    // The direction a row was drawn from: its angle rounded to the nearest third of a turn.
    const dir = ((Math.round(Math.atan2(r.v2, r.v1) / ((2 * Math.PI) / 3)) % 3) + 3) % 3;
    const m = byDirection.get(dir) ?? new Map<number, number>();
    m.set(r.cl, (m.get(r.cl) ?? 0) + 1);
    byDirection.set(dir, m);
  }
  const majority = [...byDirection.values()].reduce((s, m) => s + Math.max(...m.values()), 0);
  const worstNorm = Math.max(...centroids.map((c) => Math.abs(Math.hypot(...c) - 1)));
  return { worstDistance, worstNorm, purity: majority / Math.max(1, labelled), labelled, n: rows.length };
}

describe('cosine distance on insert', () => {
  const cases: [string, Record<string, unknown>, string | null][] = [
    ['statement', { refit: 'statement' }, null],
    ['statement_sql', { refit: 'statement' }, 'sql'],
    ['statement_js', { refit: 'statement' }, 'js'],
    ['row', { refit: 'row', maximum_data_count: 500 }, null],
    ['online', { refit: 'online' }, null],
    ['inline', { refit: 'statement', inline_centroids: true }, null],
  ];
  for (const [name, config, engine] of cases) {
    it(`groups rows by direction, not length, with unit centroids and distances 1 - cos (${name})`, async () => {
      await table(`dir_${name}`, config);
      if (engine) await db.client.query(`SET pg_centroid.engine = ${engine}`);
      try {
        const statements = name === 'row' ? 2 : 5;
        for (let b = 0; b < statements; b++) await db.client.query(directions(`dir_${name}`, name === 'row' ? 60 : 400, 1 + b * 400));
      } finally {
        await db.client.query(`RESET pg_centroid.engine`);
      }
      const r = await check(`dir_${name}`);
      expect(r.labelled).toBe(r.n);
      expect(r.purity).toBe(1);
      expect(r.worstNorm).toBeLessThan(1e-9);
      expect(r.worstDistance).toBeLessThan(1e-9);
    });
  }

  it('gives both engines the same centroids on the same window', async () => {
    const found: number[][][] = [];
    for (const engine of ['js', 'sql']) {
      await table(`same_${engine}`, { center_choice: 'manual', starting_centers: [[1, 0, 0], [0, 1, 0], [-1, -1, 0]] });
      await db.client.query(`SET pg_centroid.engine = ${engine}`);
      try {
        await db.client.query(directions(`same_${engine}`, 3000));
      } finally {
        await db.client.query(`RESET pg_centroid.engine`);
      }
      found.push((await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'same_${engine}'::regclass`)).rows[0].centroids);
    }
    const [js, sql] = found as [number[][], number[][]];
    for (let c = 0; c < 3; c++) for (let j = 0; j < 3; j++) expect(sql[c]?.[j]).toBeCloseTo(js[c]?.[j] as number, 9);
  });

  it('leaves a row of zeros (or of values under 1e-100) without a cluster and keeps it, and relabels it once it has a direction', async () => {
    for (const config of [{}, { inline_centroids: true }, { refit: 'online' }]) {
      const name = `zero_${Object.keys(config).join('') || 'hidden'}`;
      await table(name, config);
      await db.client.query(directions(name, 300));
      await db.client.query(`INSERT INTO ${name} (v1, v2, v3) VALUES (0, 0, 0), (1e-200, -1e-150, 0), (5, 0, 0)`);
      const rows = (await db.client.query(`SELECT v1, cl, dist FROM ${name} WHERE v2 <= 0 AND abs(v1) < 10 AND v3 = 0 ORDER BY v1`)).rows;
      expect(rows.map((r) => r.cl === null)).toEqual([true, true, false]);
      await db.client.query(`UPDATE ${name} SET v1 = -3, v2 = -5.2 WHERE v1 = 0 AND v2 = 0`);
      const moved = (await db.client.query(`SELECT cl FROM ${name} WHERE v1 = -3`)).rows[0];
      expect(moved.cl).not.toBeNull();
    }
  });
});

describe('cosine distance in batch fits', () => {
  it('fits by direction, skips zero rows, and predict and score agree with the labels it wrote', async () => {
    await db.client.query(`CREATE TABLE docs (id int PRIMARY KEY, v1 float8, v2 numeric, v3 real, cl int, dist float8)`);
    await db.client.query(directions('docs', 900).replace('INSERT INTO docs (v1, v2, v3)', 'INSERT INTO docs (id, v1, v2, v3)').replace('SELECT r * cos(a)', 'SELECT g, r * cos(a)'));
    await db.client.query(`INSERT INTO docs VALUES (1001, 0, 0, 0), (1002, NULL, 1, 1)`);
    const fit = (
      await db.client.query(`SELECT centroid.fit('docs_model', 'docs', $1) AS r`, [
        { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, distance_type: 'cosine', output_table: 'docs', cluster_number_column: 'cl', distance_column: 'dist' },
      ])
    ).rows[0].r;
    expect(fit.rows_used).toBe(900);
    expect(fit.rows_skipped).toBe(2);
    for (const c of fit.centroids as number[][]) expect(Math.hypot(...c)).toBeCloseTo(1, 9);
    // The cost is the sum of 1 - cos, which the written distances add up to.
    const sum = (await db.client.query(`SELECT sum(dist) AS s, count(*) FILTER (WHERE cl IS NULL)::int AS unlabelled FROM docs`)).rows[0];
    expect(sum.unlabelled).toBe(2);
    expect(Number(sum.s)).toBeCloseTo(fit.cost, 6);
    const agree = (
      await db.client.query(`SELECT count(*) FILTER (WHERE p IS NOT DISTINCT FROM cl)::int AS same, count(*) FILTER (WHERE s.cluster IS NOT DISTINCT FROM cl AND abs(coalesce(s.distance - d.dist, 0)) < 1e-9)::int AS scored, count(*)::int AS n
           FROM (SELECT id, cl, dist, centroid.predict('docs_model', ARRAY[v1, v2, v3]::float8[]) AS p FROM docs) d
           JOIN centroid.score('docs_model', 'docs') s ON s.key = d.id::text`)
    ).rows[0];
    expect(agree).toEqual({ same: 902, scored: 902, n: 902 });
    // Length does not matter to predict: a row and the same row scaled by 1e6 get the same cluster.
    const scaled = (await db.client.query(`SELECT centroid.predict('docs_model', ARRAY[1, 0.2, 0]) AS a, centroid.predict('docs_model', ARRAY[1e6, 2e5, 0]) AS b, centroid.predict('docs_model', ARRAY[0, 0, 0]) AS z`)).rows[0];
    expect(scaled.a).toBe(scaled.b);
    expect(scaled.z).toBeNull();
  });

  it('matches scikit-learn-style spherical k-means computed in the test from the same starts', async () => {
    // Spherical k-means by hand: normalize rows, assign by largest dot product, mean of unit rows renormalized.
    const rows = (await db.client.query(`SELECT v1, v2::float8 AS v2, v3::float8 AS v3 FROM docs WHERE v1 IS NOT NULL AND (v1 <> 0 OR v2 <> 0 OR v3 <> 0) ORDER BY id`)).rows.map((r) => {
      const x = [r.v1, r.v2, r.v3] as number[];
      const n = Math.hypot(...x);
      return x.map((v) => v / n);
    });
    let centers = [[1, 0, 0], [0, 1, 0], [-1, -1, 0.1]].map((c) => c.map((v) => v / Math.hypot(...c)));
    for (let it = 0; it < 100; it++) {
      const sums = centers.map(() => [0, 0, 0]);
      for (const x of rows) {
        let best = 0;
        let bd = -Infinity;
        centers.forEach((c, i) => {
          const dot = x.reduce((s, v, j) => s + v * (c[j] as number), 0);
          if (dot > bd) [bd, best] = [dot, i];
        });
        (sums[best] as number[]).forEach((_, j) => ((sums[best] as number[])[j] = (sums[best] as number[])[j] as number + (x[j] as number)));
      }
      centers = sums.map((s) => s.map((v) => v / Math.hypot(...s)));
    }
    const fit = (
      await db.client.query(`SELECT centroid.fit('docs_manual', 'docs', $1) AS r`, [
        { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 3, distance_type: 'cosine', center_choice: 'manual', starting_centers: [[1, 0, 0], [0, 1, 0], [-1, -1, 0.1]] },
      ])
    ).rows[0].r;
    for (let c = 0; c < 3; c++) for (let j = 0; j < 3; j++) expect(fit.centroids[c][j]).toBeCloseTo(centers[c]?.[j] as number, 9);
  });
});

describe('cosine distance refusals', () => {
  it('refuses settings that cannot work with cosine when they are written, naming the setting and the fix', async () => {
    await db.client.query(`CREATE TABLE refuse (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 float8, v2 float8, cl int)`);
    await db.client.query(`SELECT create_hypertable('refuse', 'ts')`);
    const base = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_number_column: 'cl', cluster_count: 2, distance_type: 'cosine' };
    for (const [extra, words] of [
      [{ clustering_algorithm: 'k-medoids' }, /clustering_algorithm.*k-means/s],
      [{ clustering_algorithm: 'k-medians' }, /clustering_algorithm.*k-means/s],
      [{ standardize: 'zscore' }, /standardize/],
    ] as const) {
      const e = await failure(db.client, `SELECT centroid.attach('refuse', $1)`, [{ ...base, ...extra }]);
      const text = `${e.message} ${e.hint ?? ''}`;
      expect(text).toMatch(/distance_type/);
      expect(text).toMatch(words);
    }
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.settings WHERE table_name = 'refuse'::regclass`)).rows[0].n).toBe(0);
  });
});
