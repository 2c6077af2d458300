// Issue 11, matrix 9: UPDATE. An UPDATE of a clustering column that moves a row into another cluster relabels it
// in the same statement (nearest stored centroid, standardized when the settings say so) under every policy; an
// UPDATE of other columns touches no label; features set to NULL or NaN get a NULL label (or are refused under
// invalid_rows = error); UPDATEs straight on a hypertable's chunk or on a partition relabel too. No UPDATE moves
// the stored centroids.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { attempt, expectUserError, labelFacts, stateOf } from './tables-helpers';

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_update');
});
afterAll(async () => {
  await db?.close();
});

/** A clustered hypertable of 20 rows at (0..4, 0) and (100..104, 1000): the b column has another scale than a. */
async function table(name: string, config: Record<string, unknown>): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id int NOT NULL, ts timestamptz NOT NULL, a float8, b float8, note text, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '5 hours')`);
  await db.client.query(`SELECT centroid.attach($1, $2)`, [name, config]);
  await db.client.query(`INSERT INTO ${name} (id, ts, a, b) SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', (i % 2) * 100 + i % 5, (i % 2) * 1000 FROM generate_series(1, 20) i`);
}

/** The label of the group around a = 0 and of the group around a = 100. */
async function groupLabels(name: string): Promise<{ low: number; high: number }> {
  const r = await db.client.query(`SELECT (SELECT cl FROM ${name} WHERE id = 2) AS low, (SELECT cl FROM ${name} WHERE id = 1) AS high`);
  return r.rows[0];
}

describe('UPDATE of clustering columns relabels the row in the same statement', () => {
  for (const policy of ['statement', 'row', 'online'] as const) {
    for (const standardize of ['none', 'zscore'] as const) {
      it(`policy ${policy}, standardize ${standardize}`, async () => {
        const t = `up_${policy}_${standardize}`;
        await table(t, { ...CONFIG, refit: policy, standardize });
        const { low, high } = await groupLabels(t);
        expect(low).not.toBe(high);
        const state = await stateOf(db.client, t);
        // Row 2 (low) moves to the high group, row 1 (high) to the low group: one statement, both relabelled.
        const r = await db.client.query(`UPDATE ${t} SET a = CASE id WHEN 2 THEN 101 ELSE 3 END, b = CASE id WHEN 2 THEN 1000 ELSE 0 END
          WHERE id IN (1, 2) RETURNING id, cl`);
        expect(Object.fromEntries(r.rows.map((x) => [x.id, x.cl]))).toEqual({ 1: low, 2: high });
        expect((await groupLabels(t))).toEqual({ low: high, high: low });
        // Only one feature changes (b, on its own scale): with zscore the standardized distance decides, and still right.
        const r2 = await db.client.query(`UPDATE ${t} SET b = 1000, a = 99 WHERE id = 4 RETURNING cl`);
        expect(r2.rows[0].cl).toBe(high);
        // A no-op UPDATE of the features (same values) keeps the label.
        await db.client.query(`UPDATE ${t} SET cl = 7 WHERE id = 6`);
        const r3 = await db.client.query(`UPDATE ${t} SET a = a, b = b WHERE id = 6 RETURNING cl`);
        expect(r3.rows[0].cl).toBe(7);
        // No UPDATE moves the centroids.
        expect(await stateOf(db.client, t)).toEqual(state);
        if (policy !== 'online') {
          await db.client.query(`UPDATE ${t} SET cl = ${low} WHERE id = 6`);
          if (standardize === 'none') expect(await labelFacts(db.client, t, ['a', 'b'])).toEqual({ n: 20, labelled: 20, wrong: 0 });
        }
      });
    }
  }
});

describe('UPDATEs that are not moves', () => {
  it('an UPDATE of other columns touches no label, even a label written by hand', async () => {
    await table('up_other', CONFIG);
    await db.client.query(`UPDATE up_other SET cl = 42 WHERE id = 3`);
    const before = (await db.client.query(`SELECT id, cl FROM up_other ORDER BY id`)).rows;
    await db.client.query(`UPDATE up_other SET note = 'seen ' || id`);
    await db.client.query(`UPDATE up_other SET ts = ts + interval '1 microsecond' WHERE id = 5`);
    expect((await db.client.query(`SELECT id, cl FROM up_other ORDER BY id`)).rows).toEqual(before);
    expect(before.find((r) => r.id === 3)?.cl).toBe(42);
  });

  it('features set to NULL or NaN get a NULL label; set back, the row is labelled again', async () => {
    await table('up_invalid', CONFIG);
    const { low } = await groupLabels('up_invalid');
    const r = await db.client.query(`UPDATE up_invalid SET a = CASE WHEN id = 2 THEN NULL ELSE 'NaN'::float8 END WHERE id IN (2, 4) RETURNING cl`);
    expect(r.rows.map((x) => x.cl)).toEqual([null, null]);
    await db.client.query(`UPDATE up_invalid SET b = 'Infinity' WHERE id = 6`);
    await db.client.query(`UPDATE up_invalid SET b = 1e200 WHERE id = 8`);
    expect((await db.client.query(`SELECT count(cl)::int AS l FROM up_invalid WHERE id IN (2, 4, 6, 8)`)).rows[0].l).toBe(0);
    await db.client.query(`UPDATE up_invalid SET a = 1, b = 0 WHERE id IN (2, 4, 6, 8)`);
    expect((await db.client.query(`SELECT array_agg(DISTINCT cl) AS ls FROM up_invalid WHERE id IN (2, 4, 6, 8)`)).rows[0].ls).toEqual([low]);
  });

  it('invalid_rows = error refuses an UPDATE to NaN with a HINT and keeps the row', async () => {
    await table('up_strict', { ...CONFIG, invalid_rows: 'error' });
    const e = await attempt(db.client, `UPDATE up_strict SET a = 'NaN' WHERE id = 2`);
    expectUserError(e, /has a NULL, NaN, infinite or out-of-range \(beyond 1e150\) clustering column \(a = NaN, b = 0\)/);
    expect((await db.client.query(`SELECT a, cl FROM up_strict WHERE id = 2`)).rows[0]).toMatchObject({ a: 2 });
  });
});

describe('UPDATE straight on a chunk or a partition', () => {
  it('a hypertable chunk', async () => {
    await table('up_chunk', CONFIG);
    const { low, high } = await groupLabels('up_chunk');
    const chunk = (await db.client.query(`SELECT tableoid::regclass::text AS c FROM up_chunk WHERE id = 2`)).rows[0].c as string;
    expect(chunk).toMatch(/^_timescaledb_internal\./);
    const r = await db.client.query(`UPDATE ${chunk} SET a = 100, b = 1000 WHERE id = 2 RETURNING cl`);
    expect(r.rows[0].cl).toBe(high);
    expect((await db.client.query(`SELECT cl FROM up_chunk WHERE id = 2`)).rows[0].cl).toBe(high);
    expect(low).not.toBe(high);
  });

  it('a partition of a partitioned table', async () => {
    await db.client.query(`CREATE TABLE up_part (id int NOT NULL, a float8, b float8, cl int) PARTITION BY RANGE (id)`);
    await db.client.query(`CREATE TABLE up_part_1 PARTITION OF up_part FOR VALUES FROM (0) TO (11)`);
    await db.client.query(`CREATE TABLE up_part_2 PARTITION OF up_part FOR VALUES FROM (11) TO (100)`);
    await db.client.query(`SELECT centroid.attach('up_part', $1)`, [CONFIG]);
    await db.client.query(`INSERT INTO up_part (id, a, b) SELECT i, (i % 2) * 100, (i % 2) * 1000 FROM generate_series(1, 20) i`);
    const { low, high } = await groupLabels('up_part');
    const r = await db.client.query(`UPDATE up_part_1 SET a = 100, b = 1000 WHERE id = 2 RETURNING cl`);
    expect(r.rows[0].cl).toBe(high);
    const r2 = await db.client.query(`UPDATE up_part_2 SET a = 0, b = 0 WHERE id = 11 RETURNING cl`);
    expect(r2.rows[0].cl).toBe(low);
    // An UPDATE of the partition key that moves a row to another partition relabels it there too.
    const r3 = await db.client.query(`UPDATE up_part SET id = 50, a = 0, b = 0 WHERE id = 13 RETURNING cl, tableoid::regclass::text AS p`);
    expect(r3.rows[0]).toEqual({ cl: low, p: 'up_part_2' });
  });
});
