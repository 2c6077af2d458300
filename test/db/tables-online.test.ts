// Issue 11, matrix 7: under the online policy only rows that really reach the table move the centroids. Rows that
// ON CONFLICT DO NOTHING skips (INSERT 0 0), rows a BEFORE trigger drops (returning NULL, before or after the label
// trigger) and rows ON CONFLICT DO UPDATE turns into updates leave the stored centroids and counts as they were.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { stateOf } from './tables-helpers';

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10, refit: 'online' };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_online');
});
afterAll(async () => {
  await db?.close();
});

/** An online hypertable with a unique (id, ts) index and 20 rows in two groups, clustered. */
async function table(name: string): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id int NOT NULL, ts timestamptz NOT NULL, a float8, b float8, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '1 day')`);
  await db.client.query(`CREATE UNIQUE INDEX ON ${name} (id, ts)`);
  await db.client.query(`SELECT centroid.attach($1, $2)`, [name, CONFIG]);
  await db.client.query(`INSERT INTO ${name} SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', (i % 2) * 10, (i % 2) * 10, NULL FROM generate_series(1, 20) i`);
  const s = await stateOf(db.client, name);
  expect(s?.counts).toEqual([10, 10]);
}

/** Rows that collide with rows 1..10 and lie far away (3,336 in the issue), so a count of them would show. */
const FAR = (name: string, suffix: string) =>
  `INSERT INTO ${name} SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 3336, 3336, NULL FROM generate_series(1, 10) i ${suffix}`;

describe('online: rows that never reach the table never move the centroids', () => {
  it('ON CONFLICT DO NOTHING skipping every row (INSERT 0 0)', async () => {
    await table('o_conflict');
    const before = await stateOf(db.client, 'o_conflict');
    const r = await db.client.query(FAR('o_conflict', 'ON CONFLICT DO NOTHING'));
    expect(r.rowCount).toBe(0);
    expect(await stateOf(db.client, 'o_conflict')).toEqual(before);
    expect((await db.client.query(`SELECT max(a)::float8 AS m FROM o_conflict`)).rows[0].m).toBe(10);
  });

  it('ON CONFLICT DO NOTHING skipping some rows: only the inserted ones count', async () => {
    await table('o_some');
    const before = await stateOf(db.client, 'o_some');
    // Rows 16..25 at (10, 10): 16..20 collide, 21..25 are new.
    const r = await db.client.query(`INSERT INTO o_some SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 10, 10, NULL
      FROM generate_series(16, 25) i ON CONFLICT DO NOTHING`);
    expect(r.rowCount).toBe(5);
    const after = await stateOf(db.client, 'o_some');
    const high = before?.centroids.findIndex((c: number[]) => c[0]! > 5);
    expect(after?.counts[high]).toBe(before?.counts[high] + 5);
    expect(after?.counts[1 - high]).toBe(before?.counts[1 - high]);
    expect((await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM o_some`)).rows[0]).toEqual({ n: 25, l: 25 });
  });

  for (const [name, trigger] of [['o_drop_after', 'zz_drop'], ['o_drop_before', 'aa_drop']] as const) {
    it(`a BEFORE trigger returning NULL ${trigger === 'zz_drop' ? 'after' : 'before'} the label trigger (${trigger})`, async () => {
      await table(name);
      await db.client.query(`CREATE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.a > 1000 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
      await db.client.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${name} FOR EACH ROW EXECUTE FUNCTION ${name}_fn()`);
      const before = await stateOf(db.client, name);
      // Triggers fire in name order: zz_drop runs after centroid_label has labelled the row.
      const r = await db.client.query(`INSERT INTO ${name} SELECT 100 + i, '2024-02-01'::timestamptz + i * interval '1 hour', 3336, 3336, NULL FROM generate_series(1, 20) i`);
      expect(r.rowCount).toBe(0);
      expect(await stateOf(db.client, name)).toEqual(before);
      // Mixed with rows that do arrive: only those move their centroid.
      const mixed = await db.client.query(`INSERT INTO ${name} SELECT 200 + i, '2024-03-01'::timestamptz + i * interval '1 hour',
          CASE WHEN i % 2 = 0 THEN 3336 ELSE 0 END, CASE WHEN i % 2 = 0 THEN 3336 ELSE 0 END, NULL FROM generate_series(1, 10) i`);
      expect(mixed.rowCount).toBe(5);
      const after = await stateOf(db.client, name);
      const low = before?.centroids.findIndex((c: number[]) => c[0]! < 5);
      expect(after?.counts[low]).toBe(before?.counts[low] + 5);
      expect(after?.counts[1 - low]).toBe(before?.counts[1 - low]);
      expect(after?.centroids[1 - low]).toEqual(before?.centroids[1 - low]);
      expect(after?.centroids.flat().every((x: number) => x < 20)).toBe(true);
    });
  }

  it('ON CONFLICT DO UPDATE: the updated rows are relabelled in the statement, but do not count as new rows', async () => {
    await table('o_upsert');
    const before = await stateOf(db.client, 'o_upsert');
    const low = before?.centroids.findIndex((c: number[]) => c[0]! < 5);
    // Rows 1..4 move from wherever they were to the low group.
    const r = await db.client.query(`INSERT INTO o_upsert SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', 0.5, 0.5, NULL
      FROM generate_series(1, 4) i ON CONFLICT (id, ts) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b`);
    expect(r.rowCount).toBe(4);
    expect(await stateOf(db.client, 'o_upsert')).toEqual(before);
    const moved = await db.client.query(`SELECT array_agg(DISTINCT cl) AS ls FROM o_upsert WHERE id <= 4`);
    expect(moved.rows[0].ls).toEqual([low]);
  });
});

describe('the row policy: rows that never reach the table leave no trace in the centroids', () => {
  /** A row-policy table of 20 rows at (0, 0) and (10, 10), with a unique (id, ts) index. */
  async function rowTable(name: string): Promise<void> {
    await db.client.query(`CREATE TABLE ${name} (id int NOT NULL, ts timestamptz NOT NULL, a float8, b float8, cl int)`);
    await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '1 day')`);
    await db.client.query(`CREATE UNIQUE INDEX ON ${name} (id, ts)`);
    await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: 'row' }]);
    await db.client.query(`INSERT INTO ${name} SELECT i, '2024-01-01'::timestamptz + i * interval '1 hour', (i % 2) * 10, (i % 2) * 10, NULL FROM generate_series(1, 20) i`);
  }

  /** Centroids (sorted), sizes and labels, to compare before and after. */
  async function snapshot(name: string): Promise<unknown> {
    const s = await stateOf(db.client, name);
    const labels = (await db.client.query(`SELECT id, cl FROM ${name} ORDER BY id`)).rows;
    return { centroids: [...(s?.centroids ?? [])].sort((x, y) => x[0] - y[0]), sizes: [...(s?.sizes ?? [])].sort(), rows: s?.rows_used, labels };
  }

  it('rows a later BEFORE trigger drops', async () => {
    await rowTable('r_drop');
    await db.client.query(`CREATE FUNCTION r_drop_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.a > 1000 THEN RETURN NULL; END IF; RETURN NEW; END $$`);
    await db.client.query(`CREATE TRIGGER zz_drop BEFORE INSERT ON r_drop FOR EACH ROW EXECUTE FUNCTION r_drop_fn()`);
    const before = await snapshot('r_drop');
    const r = await db.client.query(`INSERT INTO r_drop SELECT 100 + i, '2024-02-01'::timestamptz + i * interval '1 hour', 3336, 3336, NULL FROM generate_series(1, 10) i`);
    expect(r.rowCount).toBe(0);
    expect(await snapshot('r_drop')).toEqual(before);
    // The next row is labelled by centroids of real rows only.
    const next = await db.client.query(`INSERT INTO r_drop VALUES (200, '2024-03-01', 9, 9, NULL) RETURNING cl`);
    expect(next.rows[0].cl).toBe((await db.client.query(`SELECT cl FROM r_drop WHERE id = 1`)).rows[0].cl);
  });

  it('rows ON CONFLICT DO NOTHING skips', async () => {
    await rowTable('r_conflict');
    const before = await snapshot('r_conflict');
    const r = await db.client.query(FAR('r_conflict', 'ON CONFLICT DO NOTHING'));
    expect(r.rowCount).toBe(0);
    expect(await snapshot('r_conflict')).toEqual(before);
  });
});
