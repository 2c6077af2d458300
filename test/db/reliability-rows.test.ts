// Bad rows and schema changes: NULL, NaN and infinities never reach the centroids under any policy;
// dropped or renamed columns give a clear error at the next insert; dropped tables clean up.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';

const BASE = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, center_choice: 'random' };
const BAD = [['NULL', '1'], ["'NaN'", '1'], ["'Infinity'", '1'], ['1', "'-Infinity'"], ['NULL', 'NULL']];

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('rel_rows');
});
afterAll(async () => {
  await db?.close();
});

/** A clustered hypertable with columns of the given type, 20 good rows in two groups. */
async function table(name: string, type: string, config: Record<string, unknown>): Promise<void> {
  const c = db.client;
  await c.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 ${type}, v2 ${type}, cluster_number int)`);
  await c.query(`SELECT create_hypertable('${name}', 'ts')`);
  await c.query('INSERT INTO centroid.settings VALUES ($1, $2)', [name, config]);
  await c.query(`CREATE TRIGGER ${name.replace('.', '_')}_cluster BEFORE INSERT ON ${name} FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
  await c.query(`INSERT INTO ${name} (v1, v2) SELECT g % 2 * 10 + g / 100.0, g % 2 FROM generate_series(1, 20) g`);
}

/** The stored centroids of a table. */
async function centroids(name: string): Promise<number[][]> {
  return (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = $1::regclass`, [name])).rows[0].centroids;
}

describe('bad rows never poison the centroids', () => {
  for (const [type, policy] of [['real', 'statement'], ['numeric', 'statement'], ['numeric', 'online'], ['float8', 'online'], ['numeric', 'row'], ['float8', 'row']] as const) {
    it(`keeps NULL, NaN and infinite ${type} rows unlabelled under the ${policy} policy`, async () => {
      const name = `bad_${type}_${policy}`;
      await table(name, type, { ...BASE, refit: policy });
      const before = await centroids(name);
      for (const [a, b] of BAD) await db.client.query(`INSERT INTO ${name} (v1, v2) VALUES (${a}, ${b})`);
      await db.client.query(`INSERT INTO ${name} (v1, v2) VALUES ${BAD.map(([a, b]) => `(${a}, ${b})`).join(', ')}`);
      const after = await centroids(name);
      expect(after.flat().every(Number.isFinite)).toBe(true);
      // The statements' refits recompute the same means (in another summation order: equal to ~1e-15).
      expect(after).toHaveLength(before.length);
      after.flat().forEach((x, i) => expect(x).toBeCloseTo(before.flat()[i] as number, 12));
      const r = await db.client.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled FROM ${name}`);
      expect(r.rows[0]).toEqual({ n: 30, labelled: 20 });
      // A good row afterwards is labelled, and a refit skips the bad rows.
      await db.client.query(`INSERT INTO ${name} (v1, v2) VALUES (10, 1)`);
      expect((await db.client.query(`SELECT cluster_number FROM ${name} ORDER BY id DESC LIMIT 1`)).rows[0].cluster_number).not.toBeNull();
      const refit = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
      expect(refit).toMatchObject({ status: 'refitted', rows: 21, invalid: 10 });
      expect((await centroids(name)).flat().every(Number.isFinite)).toBe(true);
    });
  }

  for (const policy of ['statement', 'online', 'row']) {
    it(`refuses the whole statement with invalid_rows = error under the ${policy} policy`, async () => {
      const name = `strict_${policy}`;
      await table(name, 'numeric', { ...BASE, refit: policy, invalid_rows: 'error' });
      const before = await centroids(name);
      const e = await failure(db.client, `INSERT INTO ${name} (v1, v2) VALUES (1, 1), ('NaN', 2)`);
      expect(e.message).toMatch(/has a NULL, NaN, infinite or out-of-range \(beyond 1e150\) clustering column \(v1 = NaN, v2 = 2\)/);
      expect(e.hint).toMatch(/"invalid_rows": "skip"/);
      expect(e.code).toBe('22P02');
      expect((await db.client.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n).toBe(20);
      expect(await centroids(name)).toEqual(before);
    });
  }
});

describe('schema changes', () => {
  it('a dropped clustering column gives a clear error at the next insert, and the settings can be fixed', async () => {
    await table('drop_col', 'real', BASE);
    await db.client.query('ALTER TABLE drop_col DROP COLUMN v2');
    const e = await failure(db.client, 'INSERT INTO drop_col (v1) VALUES (1)');
    expect(e.message).toBe('pg_centroid setting clustering_columns: column "v2" does not exist in table drop_col');
    expect(e.hint).toBe('columns of drop_col: id, ts, v1, cluster_number');
    await db.client.query(`UPDATE centroid.settings SET config = config || '{"clustering_columns": ["v1"]}' WHERE table_name = 'drop_col'::regclass`);
    await db.client.query('INSERT INTO drop_col (v1) VALUES (1)');
    expect((await db.client.query('SELECT count(cluster_number)::int AS n FROM drop_col')).rows[0].n).toBe(21);
  });

  it('a renamed clustering column or cluster number column gives a clear error at the next insert', async () => {
    await table('rename_col', 'real', BASE);
    await db.client.query('ALTER TABLE rename_col RENAME COLUMN v1 TO "V1"');
    const e = await failure(db.client, 'INSERT INTO rename_col ("V1", v2) VALUES (1, 1)');
    expect(e.message).toBe('pg_centroid setting clustering_columns: column "v1" does not exist in table rename_col');
    expect(e.hint).toMatch(/columns of rename_col: id, ts, V1, v2, cluster_number/);
    await db.client.query('ALTER TABLE rename_col RENAME COLUMN "V1" TO v1');
    await db.client.query('ALTER TABLE rename_col RENAME COLUMN cluster_number TO label');
    const e2 = await failure(db.client, 'INSERT INTO rename_col (v1, v2) VALUES (1, 1)');
    expect(e2.message).toBe('pg_centroid setting cluster_number_column: column "cluster_number" does not exist in table rename_col');
    await db.client.query('ALTER TABLE rename_col DROP COLUMN label');
    const e3 = await failure(db.client, 'INSERT INTO rename_col (v1, v2) VALUES (1, 1)');
    expect(e3.message).toMatch(/cluster_number_column: column "cluster_number" does not exist/);
    expect((await db.client.query('SELECT count(*)::int AS n FROM rename_col')).rows[0].n).toBe(20);
  });

  it('a clustering column changed to text gives a clear error at the next insert', async () => {
    await table('retype_col', 'real', BASE);
    await db.client.query('ALTER TABLE retype_col ALTER COLUMN v2 TYPE text');
    const e = await failure(db.client, `INSERT INTO retype_col (v1, v2) VALUES (1, 'x')`);
    expect(e.message).toBe('pg_centroid setting clustering_columns: column "v2" of retype_col is text, not a number');
  });

  it('a renamed table keeps its settings and clustering', async () => {
    await table('old_name', 'real', BASE);
    await db.client.query('ALTER TABLE old_name RENAME TO new_name');
    await db.client.query('INSERT INTO new_name (v1, v2) VALUES (10, 1)');
    expect((await db.client.query('SELECT count(cluster_number)::int AS n FROM new_name')).rows[0].n).toBe(21);
    expect((await db.client.query(`SELECT rows_used FROM centroid.state WHERE table_name = 'new_name'::regclass`)).rows[0].rows_used).toBe(21);
  });

  it('DROP SCHEMA ... CASCADE removes the settings and state of the tables in it', async () => {
    await db.client.query('CREATE SCHEMA doomed');
    await table('doomed.t1', 'real', BASE);
    await table('doomed.t2', 'numeric', { ...BASE, refit: 'row' });
    const oids = (await db.client.query(`SELECT array_agg(oid)::int8[] AS o FROM pg_class WHERE relnamespace = 'doomed'::regnamespace AND relkind = 'r'`)).rows[0].o;
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.state WHERE table_name::oid = ANY($1::oid[])`, [oids])).rows[0].n).toBe(2);
    await db.client.query('DROP SCHEMA doomed CASCADE');
    const left = await db.client.query(`SELECT (SELECT count(*) FROM centroid.settings WHERE table_name::oid = ANY($1::oid[]))::int AS settings,
      (SELECT count(*) FROM centroid.state WHERE table_name::oid = ANY($1::oid[]))::int AS state`, [oids]);
    expect(left.rows[0]).toEqual({ settings: 0, state: 0 });
    // The settings table holds no dangling regclass (it would print as a number).
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.settings WHERE table_name::text ~ '^[0-9]+$'`)).rows[0].n).toBe(0);
  });
});
