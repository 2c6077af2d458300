// The benchmark's data generators (bench/data.ts) on the real server: seeded, the same rows in any batch,
// and the shapes they claim (heavy tails, unequal clusters, about ten orders a customer).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE_TABLES_SQL, FEATURES_SQL } from '../../src/cli/article';
import { customerShapes, DATA_FUNCTIONS_SQL, heavyTailedPoints, overlappingPoints, pointShapes, separatedPoints } from '../../bench/data';
import { createDatabase, type TestDatabase } from '../db/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('bench_data', []);
  await db.client.query(DATA_FUNCTIONS_SQL);
});
afterAll(async () => {
  await db?.close();
});

/** The rows of a SELECT as text, in id order. */
async function rowsOf(sql: string): Promise<string[]> {
  return (await db.client.query(`SELECT id, ts, v1, v2, v3 FROM (${sql}) s ORDER BY id`)).rows.map((r) => JSON.stringify(r));
}

describe('point shapes', () => {
  it('give the same rows whatever the batches, and other rows for another seed', async () => {
    for (const shape of pointShapes()) {
      const whole = await rowsOf(shape.select(1, 2000));
      const parts = [...(await rowsOf(shape.select(1, 700))), ...(await rowsOf(shape.select(701, 2000)))];
      expect(parts, shape.id).toEqual(whole);
      expect(whole.every((r) => !r.includes('null')), shape.id).toBe(true);
    }
    const a = await rowsOf(separatedPoints(1).select(1, 50));
    const b = await rowsOf(separatedPoints(99).select(1, 50));
    expect(a).not.toEqual(b);
  });

  it('have the shapes they claim: heavy tails, unequal overlapping clusters, well separated blobs', async () => {
    const q = async (sql: string) => (await db.client.query(sql)).rows[0];
    const heavy = await q(`SELECT max(v1) / percentile_cont(0.5) WITHIN GROUP (ORDER BY v1) AS r1, max(v2) / percentile_cont(0.5) WITHIN GROUP (ORDER BY v2) AS r2 FROM (${heavyTailedPoints().select(1, 20000)}) s`);
    expect(heavy.r1).toBeGreaterThan(50);
    expect(heavy.r2).toBeGreaterThan(50);
    // The overlapping shape's biggest cluster sits at the origin: most rows are nearer to it than to the others.
    const near = await q(`SELECT avg((v1 * v1 + v2 * v2 + v3 * v3 < (v1 - 3) ^ 2 + (v2 - 0.5) ^ 2 + v3 * v3)::int) AS share FROM (${overlappingPoints().select(1, 20000)}) s`);
    expect(near.share).toBeGreaterThan(0.5);
    expect(near.share).toBeLessThan(0.8);
    // Separated blobs: almost no row lies halfway between two centers.
    const between = await q(`SELECT avg((abs(v1 - 5) < 2 AND abs(v2) < 2)::int) AS share FROM (${separatedPoints().select(1, 20000)}) s`);
    expect(between.share).toBeLessThan(0.01);
  });
});

describe('customer shapes', () => {
  it("fill the article's tables with about ten orders a customer, and its feature view builds", async () => {
    const c = db.client;
    for (const shape of customerShapes()) {
      await c.query('BEGIN');
      await c.query(ARTICLE_TABLES_SQL);
      for (const sql of shape.statements(2000, 10)) await c.query(sql);
      await c.query(FEATURES_SQL);
      await c.query('COMMIT');
      const r = (await c.query(`SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders,
        (SELECT count(*) FROM customer_features WHERE days_since_last IS NOT NULL AND mean_amount IS NOT NULL) AS featured`)).rows[0];
      expect(Number(r.customers), shape.id).toBe(2000);
      expect(Number(r.orders) / 2000, shape.id).toBeGreaterThan(7);
      expect(Number(r.orders) / 2000, shape.id).toBeLessThan(13);
      expect(Number(r.featured), shape.id).toBeGreaterThan(1500);
    }
  });
});
