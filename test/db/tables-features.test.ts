// Issue 11, matrix 3: feature column types. real, double precision, numeric, smallint, integer, bigint and a domain
// over numeric cluster under every policy, centroid.refit and centroid.fit. Values beyond 1e150 (1e200, and numeric's
// 1e400, which float8 cannot hold) make a row invalid: a NULL label, or the refusal of invalid_rows = error, never
// an internal error; a numeric below float8's range (1e-400) counts as 0.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { attempt, expectUserError, labelFacts, nearestSql, stateOf } from './tables-helpers';

const TYPES: { name: string; type: string; huge: string[] }[] = [
  { name: 'real', type: 'real', huge: [] }, // real holds at most ~3.4e38: nothing it holds is out of range
  { name: 'float8', type: 'double precision', huge: ['1e200', '-1e200', '1.7976931348623157e308'] },
  { name: 'numeric', type: 'numeric', huge: ['1e200', '-1e400', '1e400'] },
  { name: 'int2', type: 'smallint', huge: [] },
  { name: 'int4', type: 'integer', huge: [] },
  { name: 'int8', type: 'bigint', huge: [] },
  { name: 'domain', type: 'measure', huge: ['1e200', '1e400'] },
];
const POLICIES = ['statement', 'row', 'online'] as const;
const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_features');
  await db.client.query(`CREATE DOMAIN measure AS numeric CHECK (VALUE IS NULL OR VALUE > -1e500)`);
});
afterAll(async () => {
  await db?.close();
});

async function table(name: string, type: string): Promise<void> {
  await db.client.query(`CREATE TABLE ${name} (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL DEFAULT clock_timestamp(), a ${type}, b ${type}, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '1 day')`);
}

/** Rows from..to in two groups, integral values (every type holds them): around (2, 30) and (1002, 1030). */
const rows = (name: string, from: number, to: number) =>
  `INSERT INTO ${name} (a, b) SELECT (i % 2) * 1000 + i % 5, (i % 2) * 1000 + 30 - i % 3 FROM generate_series(${from}, ${to}) AS i`;

async function groupsSeparated(name: string): Promise<void> {
  const r = await db.client.query(`SELECT (a > 500) AS hi, array_agg(DISTINCT cl) AS ls FROM ${name} WHERE abs(a::numeric) <= 1e150 AND abs(b::numeric) <= 1e150 GROUP BY 1 ORDER BY 1`);
  expect(r.rows.map((g) => g.ls.length)).toEqual([1, 1]);
  expect(r.rows[0].ls[0]).not.toBe(r.rows[1].ls[0]);
}

describe('feature column types x policies', () => {
  for (const t of TYPES) {
    for (const policy of POLICIES) {
      it(`${t.name} features, policy ${policy}: every row labelled; huge values give a NULL label, tiny ones count as 0`, async () => {
        const name = `f_${t.name}_${policy}`;
        await table(name, t.type);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy }]);
        await db.client.query(rows(name, 1, 20));
        await db.client.query(rows(name, 21, 30));
        const facts = await labelFacts(db.client, name, ['a', 'b']);
        expect(facts).toMatchObject({ n: 30, labelled: 30 });
        if (policy !== 'online') expect(facts.wrong).toBe(0);
        await groupsSeparated(name);
        const before = await stateOf(db.client, name);
        // Values beyond 1e150: kept, unlabelled, never reaching the centroids. Alone and among good rows.
        for (const h of t.huge) {
          expect(await attempt(db.client, `INSERT INTO ${name} (a, b) VALUES (${h}, 30)`)).toBeNull();
          expect(await attempt(db.client, `INSERT INTO ${name} (a, b) VALUES (1001, 1030), (2, ${h}), (3, 29)`)).toBeNull();
        }
        if (t.huge.length) {
          const bad = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name} WHERE abs(a::numeric) > 1e150 OR abs(b::numeric) > 1e150`);
          expect(bad.rows[0]).toEqual({ n: 2 * t.huge.length, l: 0 });
          const after = await stateOf(db.client, name);
          expect(after?.centroids.flat().every(Number.isFinite)).toBe(true);
          // The good rows among them moved nothing far: each centroid stays in its group.
          after?.centroids.forEach((c: number[], i: number) => expect(Math.abs(c[0]! - before?.centroids[i][0])).toBeLessThan(5));
        }
        if (t.type === 'numeric' || t.type === 'measure') {
          // Below float8's range: counts as 0, the row is labelled with the group at 0.
          expect(await attempt(db.client, `INSERT INTO ${name} (a, b) VALUES (1e-400, 30), (-1e-400, 3e-170)`)).toBeNull();
          const tiny = await db.client.query(`SELECT cl FROM ${name} WHERE a <> 0 AND abs(a) < 1e-300`);
          const zeroGroup = (await db.client.query(`SELECT cl FROM ${name} WHERE a = 2 AND b > 25 AND b < 35 LIMIT 1`)).rows[0].cl;
          expect(zeroGroup).not.toBeNull();
          expect(tiny.rows.map((r) => r.cl)).toEqual([zeroGroup, zeroGroup]);
        }
        // A refit afterwards: every valid row labelled, each with its nearest centroid; the invalid rows left out.
        const r = (await db.client.query(`SELECT centroid.refit($1) AS r`, [name])).rows[0].r;
        expect(r).toMatchObject({ status: 'refitted', invalid: 2 * t.huge.length });
        const valid = await db.client.query(
          `SELECT count(*) FILTER (WHERE t.cl IS DISTINCT FROM ${nearestSql(['a', 'b'])})::int AS wrong
             FROM ${name} t, centroid.state s WHERE s.table_name = $1::regclass AND abs(t.a::numeric) <= 1e150 AND abs(t.b::numeric) <= 1e150
              AND (t.a = 0 OR abs(t.a::numeric) >= 1e-300) AND (t.b = 0 OR abs(t.b::numeric) >= 1e-300)`,
          [name],
        );
        expect(valid.rows[0].wrong).toBe(0);
      });
    }

    if (t.huge.length) {
      it(`${t.name} features, invalid_rows = error: a huge value is refused with the reason and a HINT, in every policy`, async () => {
        for (const policy of POLICIES) {
          const name = `f_${t.name}_strict_${policy}`;
          await table(name, t.type);
          await db.client.query(`SELECT centroid.attach($1, $2)`, [name, { ...CONFIG, refit: policy, invalid_rows: 'error' }]);
          await db.client.query(rows(name, 1, 20));
          const before = await stateOf(db.client, name);
          for (const h of t.huge) {
            const e = await attempt(db.client, `INSERT INTO ${name} (a, b) VALUES (1, 30), (${h}, 30)`);
            expectUserError(e, /has a NULL, NaN, infinite or out-of-range \(beyond 1e150\) clustering column \(a = /);
            expect(e?.code).toBe('22P02');
          }
          expect((await db.client.query(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n).toBe(20);
          expect(await stateOf(db.client, name)).toEqual(before);
        }
      });
    }

    it(`${t.name} features: centroid.fit labels every valid row, leaves huge ones out with a NULL label`, async () => {
      const name = `f_${t.name}_fit`;
      await table(name, t.type);
      await db.client.query(rows(name, 1, 20));
      await db.client.query(rows(name, 21, 30));
      for (const h of t.huge) await db.client.query(`INSERT INTO ${name} (a, b) VALUES (${h}, 30)`);
      if (t.type === 'numeric') await db.client.query(`INSERT INTO ${name} (a, b) VALUES (1e-400, 30)`);
      const config = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl' };
      const fit = (await db.client.query(`SELECT centroid.fit($1, $2, $3) AS r`, [`m_${name}`, name, config])).rows[0].r;
      const tiny = t.type === 'numeric' ? 1 : 0;
      expect(fit).toMatchObject({ rows_used: 30 + tiny, rows_skipped: t.huge.length });
      const r = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${name}`);
      expect(r.rows[0]).toEqual({ n: 30 + t.huge.length + tiny, l: 30 + tiny });
      await groupsSeparated(name);
    });
  }
});
