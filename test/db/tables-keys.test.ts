// Issue 11, matrix 1: key types x policies. Every key type with equality identifies rows in every path that writes
// labels back by the key (the statement, row and online policies on a timestamptz hypertable, centroid.refit, and
// centroid.fit into the table itself); a key type without equality is refused when the settings are written.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { labelFacts, nearestSql, stateOf } from './tables-helpers';

/** A key type and the SQL of the i-th key (i from 1): values JavaScript could not carry back unchanged. */
const KEYS: { name: string; type: string; key: string }[] = [
  { name: 'uuid', type: 'uuid', key: `md5(i::text)::uuid` },
  { name: 'int2', type: 'int2', key: `(i * 1000 - 15000)::int2` },
  { name: 'int4', type: 'int4', key: `(-2147483000 + i::int8 * 140000000)::int4` },
  // Neighbours above 2^53: as JavaScript numbers they would collapse into one another.
  { name: 'int8', type: 'int8', key: `9007199254740993::int8 + i` },
  { name: 'numeric', type: 'numeric(12,3)', key: `(123456789.001 + i * 0.001) * (CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END)` },
  { name: 'text', type: 'text', key: `'it''s "ключ" ' || i || ' 鍵 \\ '` },
  { name: 'varchar', type: 'varchar(40)', key: `'Ünï''"кod' || i || ' ✓'` },
  // char(n) is padded; its text form is not: the key goes back as the column's own type.
  { name: 'char', type: 'char(8)', key: `'q''é' || i` },
  { name: 'date', type: 'date', key: `'1999-12-31'::date + i * 37` },
  { name: 'timestamp', type: 'timestamp', key: `'2024-02-29 23:59:59.999999'::timestamp + i * interval '1.000001 second'` },
  { name: 'timestamptz', type: 'timestamptz', key: `'2024-02-29 23:59:59.999999+05:30'::timestamptz + i * interval '3 days 0.000007 second'` },
];

const POLICIES = ['statement', 'row', 'online'] as const;

const CONFIG = { key_column: 'k', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_keys');
});
afterAll(async () => {
  await db?.close();
});

/** A timestamptz hypertable (chunks of 10 minutes) keyed by a column of the given type. */
async function table(name: string, type: string): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (k ${type} NOT NULL, ts timestamptz NOT NULL, a float8, b float8, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '10 minutes')`);
}

/** Rows from..to: two well separated groups (around (0, 0) and (100, 100)), one minute apart (several chunks). */
function insert(name: string, key: string, from: number, to: number): string {
  return `INSERT INTO ${name} (k, ts, a, b)
    SELECT ${key}, '2024-01-01 00:00:00.123456+00'::timestamptz + i * interval '1 minute 0.000001 second',
           (i % 2) * 100 + (i % 5) * 0.1, (i % 2) * 100 - (i % 3) * 0.1
      FROM generate_series(${from}, ${to}) AS i`;
}

/** The two groups each hold one label, and the labels differ. */
async function groupsSeparated(name: string): Promise<void> {
  const r = await db.client.query(`SELECT (a > 50) AS hi, array_agg(DISTINCT cl) AS ls FROM ${name} GROUP BY 1 ORDER BY 1`);
  expect(r.rows.map((g) => g.ls.length)).toEqual([1, 1]);
  expect(r.rows[0].ls[0]).not.toBe(r.rows[1].ls[0]);
}

describe('keys x policies on a timestamptz hypertable', () => {
  for (const key of KEYS) {
    // The statement and row policies also with their refits in the SQL engine (windows of over 20,000 rows get it).
    for (const [policy, engine] of [...POLICIES.map((p) => [p, 'auto'] as const), ['statement', 'sql'] as const, ['row', 'sql'] as const]) {
      it(`${key.name} key, policy ${policy}${engine === 'sql' ? ', SQL engine' : ''}: every row labelled, 20 rows then 10`, async () => {
        const name = `k_${key.name}_${policy}_${engine}`;
        await db.client.query(`SET pg_centroid.engine = '${engine}'`);
        onTestFinished(() => db.client.query('RESET pg_centroid.engine').then(() => undefined));
        await table(name, key.type);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy }]);
        await db.client.query(insert(name, key.key, 1, 20));
        expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${name}`)).rows[0].l).toBe(20);
        await db.client.query(insert(name, key.key, 21, 30));
        const facts = await labelFacts(db.client, name, ['a', 'b']);
        expect(facts.n).toBe(30);
        expect(facts.labelled).toBe(30);
        await groupsSeparated(name);
        const s = await stateOf(db.client, name);
        if (policy === 'online') {
          // The second statement's rows moved their centroids: one count per row, as labelled.
          const l = await db.client.query(`SELECT cl, count(*)::int AS n FROM ${name} GROUP BY cl ORDER BY cl`);
          expect(l.rows.map((r) => r.cl)).toEqual([0, 1]);
          expect(s?.counts).toEqual(l.rows.map((r) => r.n));
        } else {
          expect(facts.wrong).toBe(0);
          expect(s?.rows_used).toBe(30);
          expect(s?.sizes).toEqual([15, 15]);
        }
        if (engine === 'sql') {
          // Labels wiped by hand are written back by the SQL engine, matched on the key (and time) natively.
          await db.client.query(`UPDATE ${name} SET cl = NULL WHERE ts > (SELECT min(ts) + interval '10 minutes' FROM ${name})`);
          const r = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
          expect(r).toMatchObject({ engine: 'sql', status: 'refitted' });
          expect(r.changed).toBeGreaterThan(0);
          expect(await labelFacts(db.client, name, ['a', 'b'])).toEqual({ n: 30, labelled: 30, wrong: 0 });
        }
      });
    }

    it(`${key.name} key: centroid.refit labels rows inserted before the settings, and relabels wiped labels`, async () => {
      const name = `k_${key.name}_refit`;
      await table(name, key.type);
      await db.client.query(insert(name, key.key, 1, 20));
      await db.client.query(insert(name, key.key, 21, 30));
      await db.client.query(`SELECT centroid.attach($1, $2, false)`, [name, CONFIG]);
      const r = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
      expect(r).toMatchObject({ status: 'refitted', rows: 30, changed: 30 });
      expect(await labelFacts(db.client, name, ['a', 'b'])).toEqual({ n: 30, labelled: 30, wrong: 0 });
      // Labels written over by hand are found different and written back, by the key.
      await db.client.query(`UPDATE ${name} SET cl = NULL WHERE ts > (SELECT min(ts) + interval '10 minutes' FROM ${name})`);
      const again = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
      expect(again.changed).toBeGreaterThan(0);
      expect(await labelFacts(db.client, name, ['a', 'b'])).toEqual({ n: 30, labelled: 30, wrong: 0 });
      await groupsSeparated(name);
    });

    it(`${key.name} key: centroid.fit writes labels into the table itself, matched by the key`, async () => {
      const name = `k_${key.name}_fit`;
      await table(name, key.type);
      const config = { key_column: 'k', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl' };
      await db.client.query(insert(name, key.key, 1, 20));
      const first = (await db.client.query(`SELECT centroid.fit($1, $2, $3) AS r`, [`m_${name}`, name, config])).rows[0].r;
      expect(first).toMatchObject({ rows_used: 20, labels_changed: 20 });
      await db.client.query(insert(name, key.key, 21, 30));
      const second = (await db.client.query(`SELECT centroid.fit($1, $2, $3) AS r`, [`m_${name}`, name, config])).rows[0].r;
      // The clusters keep their numbers: only the ten new rows are written.
      expect(second).toMatchObject({ rows_used: 30, labels_changed: 10, version: 2 });
      const wrong = await db.client.query(
        `SELECT count(*)::int AS n, count(t.cl)::int AS labelled, count(*) FILTER (WHERE t.cl IS DISTINCT FROM ${nearestSql(['a', 'b'], 'm')})::int AS wrong
           FROM ${name} t, (SELECT centroids FROM centroid.models WHERE model = $1 ORDER BY version DESC LIMIT 1) m`,
        [`m_${name}`],
      );
      expect(wrong.rows[0]).toEqual({ n: 30, labelled: 30, wrong: 0 });
      await groupsSeparated(name);
    });
  }

  it('a timestamptz key that is the time dimension itself (microseconds apart) works in every policy', async () => {
    for (const policy of POLICIES) {
      const name = `k_time_itself_${policy}`;
      await db.client.query(`CREATE TABLE ${name} (ts timestamptz NOT NULL, a float8, b float8, cl int)`);
      await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '1 millisecond')`);
      await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, key_column: 'ts', refit: policy }]);
      for (const [from, to] of [[1, 20], [21, 30]]) {
        await db.client.query(`INSERT INTO ${name} (ts, a, b) SELECT '2024-01-01 00:00:00.000001+00'::timestamptz + i * interval '0.000137 second',
          (i % 2) * 100, (i % 2) * 100 + i * 0.01 FROM generate_series(${from}, ${to}) i`);
      }
      const facts = await labelFacts(db.client, name, ['a', 'b']);
      expect(facts).toMatchObject({ n: 30, labelled: 30 });
      if (policy !== 'online') expect(facts.wrong).toBe(0);
      await groupsSeparated(name);
    }
  });
});

describe('keys x policies on a plain table without a time column (the key orders the window)', () => {
  // The window is the rows with the greatest keys; its oldest key bounds the label UPDATE when pg_catalog.min takes
  // the key's type, and no bound is used when it does not (uuid has no min).
  for (const key of KEYS) {
    for (const [policy, engine] of [...POLICIES.map((p) => [p, 'auto'] as const), ['statement', 'sql'] as const]) {
      it(`${key.name} key, policy ${policy}${engine === 'sql' ? ', SQL engine' : ''}: every row labelled, 20 rows then 10`, async () => {
        const name = `p_${key.name}_${policy}_${engine}`;
        await db.client.query(`SET pg_centroid.engine = '${engine}'`);
        onTestFinished(() => db.client.query('RESET pg_centroid.engine').then(() => undefined));
        await db.client.query(`CREATE TABLE ${name} (k ${key.type} PRIMARY KEY, ts timestamptz NOT NULL, a float8, b float8, cl int)`);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy }]);
        await db.client.query(insert(name, key.key, 1, 20));
        expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${name}`)).rows[0].l).toBe(20);
        await db.client.query(insert(name, key.key, 21, 30));
        const facts = await labelFacts(db.client, name, ['a', 'b']);
        expect(facts).toMatchObject({ n: 30, labelled: 30 });
        await groupsSeparated(name);
        if (policy !== 'online') expect(facts.wrong).toBe(0);
        await db.client.query(`UPDATE ${name} SET cl = NULL`);
        const r = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
        expect(r).toMatchObject({ status: 'refitted', changed: 30, engine: engine === 'sql' ? 'sql' : 'js' });
        expect(await labelFacts(db.client, name, ['a', 'b'])).toEqual({ n: 30, labelled: 30, wrong: 0 });
      });
    }
  }
});

describe('key types without equality', () => {
  for (const [type, value] of [['json', `'{"a": 1}'`], ['point', `'(1,2)'`]] as const) {
    it(`a ${type} key is refused when the settings are written, naming the column, its type and the fix`, async () => {
      const name = `k_no_eq_${type}`;
      await db.client.query(`CREATE TABLE ${name} (k ${type}, ts timestamptz NOT NULL DEFAULT now(), a float8, b float8, cl int)`);
      await db.client.query(`SELECT create_hypertable('${name}', 'ts')`);
      await db.client.query(`INSERT INTO ${name} (k, a, b) VALUES (${value}, 1, 2)`);
      const e = await failure(db.client, `INSERT INTO centroid.settings VALUES ($1, $2)`, [name, CONFIG]);
      expect(e.message).toBe(`pg_centroid setting key_column: column "k" of ${name} is ${type}, which has no equality operator, so rows cannot be matched by it`);
      expect(e.hint).toMatch(/choose a key column of a type that can be compared with =/);
      expect(e.code).toBe('22023');
      const e2 = await failure(db.client, `SELECT centroid.attach($1, $2)`, [name, CONFIG]);
      expect(e2.message).toBe(e.message);
      const left = await db.client.query(`SELECT (SELECT count(*) FROM centroid.settings WHERE table_name = $1::regclass)::int AS settings,
        (SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal)::int AS triggers`, [name]);
      expect(left.rows[0]).toEqual({ settings: 0, triggers: 0 });
    });
  }
});
