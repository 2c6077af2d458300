// Issue 11, matrix 4: the paper's Tables 1 and 2 as the paper ran them: a uuid key, an integer date_time hypertable
// with chunk_time_interval => 5, the README's settings, one row per INSERT. Nothing is labelled below
// minimum_data_count, all 15 rows are labelled after, and the result is a k-means fixed point whose cost is at most
// that of the partition the paper printed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { labelFacts } from './tables-helpers';

// The paper prints its uuids as 123e45670-e89b-12d3-a456-4266141740NN: the first group has a stray 9th digit, which
// PostgreSQL rejects (invalid input syntax for type uuid). They are used here without it: 123e4567-...-4266141740NN.
const uid = (i: number) => `123e4567-e89b-12d3-a456-4266141740${String(i).padStart(2, '0')}`;

// Table 2: No., date_time, val1, val2, val3, cluster_number (as printed).
const TABLE_2: [number, number, number, number, number][] = [
  [0, 10, 8, 1, 2], [1, 3, 2, 8, 0], [2, 5, 3, 6, 0], [3, 6, 4, 5, 0], [4, 7, 8, 4, 1],
  [5, 12, 6, 7, 2], [6, 17, 2, 1, 2], [7, 11, 1, 7, 2], [8, 13, 5, 8, 2], [9, 11, 3, 2, 2],
  [10, 6, 15, 6, 1], [11, 8, 14, 2, 1], [12, 2, 16, 7, 1], [13, 1, 13, 8, 1], [14, 9, 15, 5, 1],
];
const POINTS = TABLE_2.map(([, a, b, c]) => [a, b, c]);
const PRINTED = TABLE_2.map((r) => r[4]);

// The README's settings (the paper's ten keys), for the paper's columns.
const SETTINGS = {
  key_column: 'uid', clustering_columns: ['val1', 'val2', 'val3'], clustering_algorithm: 'k-means', center_choice: 'random',
  cluster_count: 3, distance_type: 'euclidian', cluster_number_column: 'cluster_number', maximum_data_count: 100000, minimum_data_count: 10,
};

/** Sum of squared distances of the points to their cluster's mean. */
function cost(labels: number[]): number {
  let total = 0;
  for (const l of new Set(labels)) {
    const members = POINTS.filter((_, i) => labels[i] === l);
    const mean = [0, 1, 2].map((j) => members.reduce((s, p) => s + p[j]!, 0) / members.length);
    total += members.reduce((s, p) => s + p.reduce((t, x, j) => t + (x - mean[j]!) ** 2, 0), 0);
  }
  return total;
}

/** True when every point is nearest to its own cluster's mean (a fixed point of Lloyd's iteration). */
function fixedPoint(labels: number[]): boolean {
  const ids = [...new Set(labels)];
  const means = ids.map((l) => {
    const m = POINTS.filter((_, i) => labels[i] === l);
    return [0, 1, 2].map((j) => m.reduce((s, p) => s + p[j]!, 0) / m.length);
  });
  return POINTS.every((p, i) => {
    const d = means.map((m) => m.reduce((s, c, j) => s + (c - p[j]!) ** 2, 0));
    return d[ids.indexOf(labels[i]!)] === Math.min(...d);
  });
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_paper');
});
afterAll(async () => {
  await db?.close();
});

describe("the paper's Tables 1 and 2", () => {
  for (const policy of ['statement', 'row'] as const) {
    it(`one row per INSERT (policy ${policy}): none labelled below minimum_data_count, all 15 after, as good as the printed partition`, async () => {
      const c = db.client;
      const t = `paper_${policy}`;
      await c.query(`CREATE TABLE ${t} (uid uuid, date_time integer NOT NULL, val1 real, val2 real, val3 real, cluster_number integer)`);
      await c.query(`SELECT create_hypertable('${t}', 'date_time', chunk_time_interval => 5)`);
      await c.query(`INSERT INTO centroid.settings (table_name, config) VALUES ($1, $2)`, [t, policy === 'row' ? { ...SETTINGS, refit: 'row' } : SETTINGS]);
      await c.query(`CREATE TRIGGER ${t}_cluster BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
      for (const [n, row] of TABLE_2.entries()) {
        const [dateTime, v1, v2, v3] = row;
        await c.query(`INSERT INTO ${t} (uid, date_time, val1, val2, val3) VALUES ($1, $2, $3, $4, $5)`, [uid(n), dateTime, v1, v2, v3]);
        const r = await c.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM ${t}`);
        // Table 1: below minimum_data_count (10 rows) nothing is clustered; from the 10th row on, every row is.
        expect(r.rows[0]).toEqual({ n: n + 1, l: n + 1 < 10 ? 0 : n + 1 });
      }
      expect((await c.query(`SELECT count(*)::int AS n FROM show_chunks('${t}')`)).rows[0].n).toBe(3);
      const labels = (await c.query(`SELECT cluster_number FROM ${t} ORDER BY date_time`)).rows.map((r) => r.cluster_number as number);
      expect(labels.every((l) => l >= 0 && l < 3)).toBe(true);
      expect(new Set(labels).size).toBe(3);
      expect(fixedPoint(labels)).toBe(true);
      expect(cost(labels)).toBeLessThanOrEqual(cost(PRINTED) + 1e-9);
      expect(await labelFacts(c, t, ['val1', 'val2', 'val3'], 'cluster_number')).toEqual({ n: 15, labelled: 15, wrong: 0 });
      // The uuids went in and out unchanged (no NUL bytes, no binary form).
      const uids = (await c.query(`SELECT uid::text AS u FROM ${t} ORDER BY date_time`)).rows.map((r) => r.u);
      expect(uids).toEqual(TABLE_2.map((_, n) => uid(n)));
      const s = (await c.query(`SELECT sizes, rows_used FROM centroid.state WHERE table_name = $1::regclass`, [t])).rows[0];
      expect(s.rows_used).toBe(15);
      expect([...s.sizes].sort()).toEqual([...[0, 1, 2].map((l) => labels.filter((x) => x === l).length)].sort());
    });
  }
});
