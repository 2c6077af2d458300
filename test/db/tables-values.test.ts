// Issue 11, matrix 6: values. 1e200, 1e-170 / 3e-170, -0, 5e-324 (subnormal), NaN, the infinities, NULL and the
// bounds +-1e150 in every policy, in attach, centroid.refit and centroid.fit: no statement meets an internal error
// or a JavaScript stack ("execution error"), every error a user can meet has a HINT. Values beyond 1e150, NaN,
// infinities and NULL make a row invalid; magnitudes below 1e-100 count as 0.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { attempt, expectUserError, stateOf } from './tables-helpers';

/** Values and whether they make a row invalid. */
const VALUES: { sql: string; invalid: boolean }[] = [
  { sql: `'1e200'`, invalid: true },
  { sql: `'-1e200'`, invalid: true },
  { sql: `'1e-170'`, invalid: false },
  { sql: `'3e-170'`, invalid: false },
  { sql: `'-0'`, invalid: false },
  { sql: `'5e-324'`, invalid: false },
  { sql: `'NaN'`, invalid: true },
  { sql: `'Infinity'`, invalid: true },
  { sql: `'-Infinity'`, invalid: true },
  { sql: `NULL`, invalid: true },
  { sql: `'1e150'`, invalid: false },
  { sql: `'-1e150'`, invalid: false },
];
const POLICIES = ['statement', 'row', 'online'] as const;
const TYPES = ['float8', 'numeric'] as const;
const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4 };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_values');
});
afterAll(async () => {
  await db?.close();
});

async function table(name: string, type: string): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL DEFAULT clock_timestamp(), a ${type}, b ${type}, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts')`);
}

/** Runs a statement that must succeed; a failure is reported with its message (and must be a user's error). */
async function ok(sql: string): Promise<void> {
  const e = await attempt(db.client, sql);
  if (e) expectUserError(e);
  expect(e?.message ?? null, sql).toBeNull();
}

const good = (name: string, n: number) => `INSERT INTO ${name} (a, b) SELECT (i % 2) * 100 + i % 3, (i % 2) * 100 FROM generate_series(1, ${n}) AS i`;

describe('special values x policies', () => {
  const VARIANTS = [
    ...TYPES.map((t) => [t, 'none', 'auto'] as const),
    ['float8', 'zscore', 'auto'] as const,
    // Refits in the SQL engine (what windows of over 20,000 rows get), forced for the session.
    ...TYPES.map((t) => [t, 'none', 'sql'] as const),
  ];
  for (const [type, standardize, engine] of VARIANTS) {
    for (const policy of POLICIES) {
      const variant = (standardize === 'none' ? '' : ', standardize zscore') + (engine === 'sql' ? ', SQL engine' : '');
      it(`${type}${variant}, policy ${policy}: every value alone, paired and in one statement; tiny-only first rows; labels as the rule says`, async () => {
        const name = `v_${type}_${standardize}_${engine}_${policy}`;
        await db.client.query(`SET pg_centroid.engine = '${engine}'`);
        onTestFinished(() => db.client.query('RESET pg_centroid.engine').then(() => undefined));
        await table(name, type);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy, standardize }]);
        // First rows that are all (nearly) one point: no clustering yet (too few distinct rows), no error.
        await ok(`INSERT INTO ${name} (a, b) VALUES ('1e-170', '3e-170'), ('3e-170', '1e-170'), ('1e-170', '1e-170'), ('3e-170', '3e-170'), ('-0', '5e-324')`);
        expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${name}`)).rows[0].l).toBe(0);
        await ok(good(name, 20));
        // Now clustered: the tiny rows count as 0 and are labelled with the rows at (1, 0)-ish.
        expect((await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name}`)).rows[0]).toEqual({ n: 25, l: 25 });
        let expectedValid = 25;
        let expectedInvalid = 0;
        for (const v of VALUES) {
          await ok(`INSERT INTO ${name} (a, b) VALUES (${v.sql}, 1)`);
          await ok(`INSERT INTO ${name} (a, b) VALUES (2, ${v.sql}), (101, 100)`);
          expectedValid += v.invalid ? 1 : 3;
          expectedInvalid += v.invalid ? 2 : 0;
        }
        await ok(`INSERT INTO ${name} (a, b) VALUES ${VALUES.map((v) => `(${v.sql}, ${v.sql})`).join(', ')}`);
        expectedValid += VALUES.filter((v) => !v.invalid).length;
        expectedInvalid += VALUES.filter((v) => v.invalid).length;
        const r = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name}`);
        expect(r.rows[0]).toEqual({ n: expectedValid + expectedInvalid, l: expectedValid });
        // Rows with an invalid value have no label, and only they.
        const invalidLabelled = await db.client.query(`SELECT count(*)::int AS n FROM ${name} WHERE cl IS NOT NULL AND (a IS NULL OR b IS NULL
          OR a::float8 IN ('NaN', 'Infinity', '-Infinity') OR b::float8 IN ('NaN', 'Infinity', '-Infinity') OR abs(a) > 1e150 OR abs(b) > 1e150)`);
        expect(invalidLabelled.rows[0].n).toBe(0);
        const s = await stateOf(db.client, name);
        expect(s?.centroids.flat().every(Number.isFinite)).toBe(true);
        const refit = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
        expect(refit).toMatchObject({ status: 'refitted', rows: expectedValid, invalid: expectedInvalid, engine: engine === 'sql' ? 'sql' : 'js' });
        expect((await stateOf(db.client, name))?.centroids.flat().every(Number.isFinite)).toBe(true);
        // After the refit, labels still follow the rule.
        expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${name}`)).rows[0].l).toBe(expectedValid);
      });

      it(`${type}${variant}, policy ${policy}, invalid_rows = error: each invalid value is refused with a HINT, each valid one kept`, async () => {
        const name = `v_${type}_${standardize}_${engine}_${policy}_strict`;
        await db.client.query(`SET pg_centroid.engine = '${engine}'`);
        onTestFinished(() => db.client.query('RESET pg_centroid.engine').then(() => undefined));
        await table(name, type);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy, invalid_rows: 'error', standardize }]);
        await ok(good(name, 20));
        let n = 20;
        for (const v of VALUES) {
          const e = await attempt(db.client, `INSERT INTO ${name} (a, b) VALUES (1, 1), (${v.sql}, 2)`);
          if (v.invalid) {
            expectUserError(e, /has a NULL, NaN, infinite or out-of-range \(beyond 1e150\) clustering column/);
          } else {
            expect(e?.message ?? null).toBeNull();
            n += 2;
          }
        }
        expect((await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name}`)).rows[0]).toEqual({ n, l: n });
      });
    }
    if (standardize !== 'none' || engine !== 'auto') continue;

    it(`${type}: attach on a table already holding -0, 5e-324, tiny and invalid values clusters it`, async () => {
      const name = `v_${type}_attach`;
      await table(name, type);
      await db.client.query(`INSERT INTO ${name} (a, b) VALUES ('-0', '5e-324'), ('5e-324', '-0'), ('1e-170', '3e-170'), ('-0', '-0')`);
      await db.client.query(good(name, 20));
      await db.client.query(`INSERT INTO ${name} (a, b) VALUES ${VALUES.map((v) => `(${v.sql}, 1)`).join(', ')}`);
      const r = await attempt(db.client, `SELECT centroid.attach($1, $2)`, [name, CONFIG]);
      expect(r?.message ?? null).toBeNull();
      const invalid = VALUES.filter((v) => v.invalid).length;
      const l = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name}`);
      expect(l.rows[0]).toEqual({ n: 24 + VALUES.length, l: 24 + VALUES.length - invalid });
    });

    it(`${type}: centroid.fit leaves invalid rows out (NULL label), takes tiny ones as 0; too few distinct rows is an error with a HINT`, async () => {
      const name = `v_${type}_fit`;
      await table(name, type);
      await db.client.query(good(name, 20));
      await db.client.query(`INSERT INTO ${name} (a, b) VALUES ${VALUES.map((v) => `(${v.sql}, ${v.sql})`).join(', ')}`);
      const config = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl' };
      const invalid = VALUES.filter((v) => v.invalid).length;
      const fit = (await db.client.query(`SELECT centroid.fit($1, $2, $3) AS r`, [`m_${name}`, name, config])).rows[0].r;
      expect(fit).toMatchObject({ rows_used: 20 + VALUES.length - invalid, rows_skipped: invalid });
      expect(fit.centroids.flat().every(Number.isFinite)).toBe(true);
      expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${name}`)).rows[0].l).toBe(20 + VALUES.length - invalid);
      // Only tiny values: all one point once they count as 0.
      const tiny = `SELECT id, a, b FROM ${name} WHERE a = 0 OR abs(a) < 1e-100`;
      expectUserError(await attempt(db.client, `SELECT centroid.fit($1, $2, $3)`, [`m_${name}_tiny`, tiny, { ...config, cluster_number_column: undefined, output_table: undefined }]),
        /has only 1 distinct rows, fewer than cluster_count 2/);
    });
  }

  it('centroid.fit and centroid.choose_k: a source query that fails at parse or run time is the server\'s message with a HINT, no JavaScript stack', async () => {
    await db.client.query(`CREATE TABLE v_src (id int, a float8, b float8)`);
    await db.client.query(`INSERT INTO v_src SELECT i, i % 2 * 10, i FROM generate_series(1, 10) i`);
    const config = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2 };
    for (const [source, message] of [
      ['SELECT id, a, b FROM v_src WHERE nonsense', /^pg_centroid: column "nonsense" does not exist$/],
      ['SELECT id, a / (a - a) AS a, b FROM v_src', /^pg_centroid: division by zero$/],
      ['SELECT id, a, b FROM no_such_table', /^pg_centroid: relation "no_such_table" does not exist$/],
    ] as const) {
      expectUserError(await attempt(db.client, `SELECT centroid.fit('m_bad', $1, $2)`, [source, config]), message);
      expectUserError(await attempt(db.client, `SELECT centroid.choose_k($1, $2, 2, 3)`, [source, config]), message);
    }
    // The transaction goes on after such an error (the wrapper rolled back to its own savepoint).
    await db.client.query('BEGIN');
    try {
      await db.client.query('SAVEPOINT s');
      expect(await attempt(db.client, `SELECT centroid.fit('m_bad', 'SELECT id, a, b FROM v_src WHERE nonsense', $1)`, [config])).not.toBeNull();
      await db.client.query('ROLLBACK TO SAVEPOINT s');
      const fit = (await db.client.query(`SELECT centroid.fit('m_ok', 'v_src', $1) AS r`, [config])).rows[0].r;
      expect(fit.rows_used).toBe(10);
    } finally {
      await db.client.query('ROLLBACK');
    }
  });
});
