// Issue 11, matrix 5: keys that do not identify rows. A device id (5 values over 40 rows, half of them at a = 0
// and half at a = 100) is refused when the settings are written; a hypertable whose unique index on (key, time)
// proves rows apart accepts a key that repeats across time and labels every row by its own features; duplicates
// that arrive after the settings (no unique index) are refused at the refit, and no label is written wrongly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { attempt, expectUserError, labelFacts } from './tables-helpers';

const CONFIG = { key_column: 'dev', clustering_columns: ['a'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4 };
/** 40 rows of 5 devices; odd rows at a = 100, even rows at a = 0, so every device has rows in both clusters. */
const DEVICES = `SELECT 'dev ' || (i % 5), (i % 2) * 100 + (i % 7) * 0.1 FROM generate_series(1, 40) AS i`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_unique');
});
afterAll(async () => {
  await db?.close();
});

/** Settings rows and companion triggers left for a table. */
async function leftovers(t: string): Promise<{ settings: number; triggers: number }> {
  return (await db.client.query(`SELECT (SELECT count(*) FROM centroid.settings WHERE table_name = $1::regclass)::int AS settings,
    (SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE 'centroid%')::int AS triggers`, [t])).rows[0];
}

describe('a key that does not identify rows is refused when the settings are written', () => {
  it('on a plain table: the message names key_column and a repeated value, the HINT the fix', async () => {
    await db.client.query(`CREATE TABLE dev_plain (dev text, a float8, cl int)`);
    await db.client.query(`INSERT INTO dev_plain (dev, a) ${DEVICES}`);
    const e = await failure(db.client, `INSERT INTO centroid.settings VALUES ('dev_plain', $1)`, [CONFIG]);
    expect(e.message).toMatch(/^pg_centroid setting key_column: column "dev" of dev_plain does not identify rows: several rows hold \(dev \d\), so cluster numbers could be written to the wrong rows$/);
    expect(e.hint).toMatch(/choose a unique key column \(a primary key\), or add one: ALTER TABLE "public"."dev_plain" ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY/);
    expect(e.code).toBe('23505');
    expectUserError(await attempt(db.client, `SELECT centroid.attach('dev_plain', $1)`, [CONFIG]), /key_column/);
    expect(await leftovers('dev_plain')).toEqual({ settings: 0, triggers: 0 });
    expect((await db.client.query(`SELECT count(cl)::int AS l FROM dev_plain`)).rows[0].l).toBe(0);
    // The HINT's fix works.
    await db.client.query(`ALTER TABLE dev_plain ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY`);
    await db.client.query(`SELECT centroid.attach('dev_plain', $1)`, [{ ...CONFIG, key_column: 'id' }]);
    expect(await labelFacts(db.client, 'dev_plain', ['a'])).toEqual({ n: 40, labelled: 40, wrong: 0 });
  });

  it('on a hypertable where (key, time) repeats: the message names both columns', async () => {
    await db.client.query(`CREATE TABLE dev_hyper (dev text, ts timestamptz NOT NULL, a float8, cl int)`);
    await db.client.query(`SELECT create_hypertable('dev_hyper', 'ts')`);
    // Eight readings per device, all at one instant.
    await db.client.query(`INSERT INTO dev_hyper (dev, ts, a) SELECT 'dev ' || (i % 5), '2024-01-01', (i % 2) * 100 FROM generate_series(1, 40) AS i`);
    const e = await failure(db.client, `INSERT INTO centroid.settings VALUES ('dev_hyper', $1)`, [CONFIG]);
    expect(e.message).toMatch(/^pg_centroid setting key_column: columns dev, ts \(the key and the time dimension\) of dev_hyper do not identify rows: several rows hold \(dev \d, 2024-01-01 /);
    expect(e.hint).toMatch(/choose a key that is unique together with ts/);
    expect(await leftovers('dev_hyper')).toEqual({ settings: 0, triggers: 0 });
  });
});

describe('a hypertable with a unique index on (key, time)', () => {
  for (const policy of ['statement', 'row', 'online'] as const) {
    it(`accepts a device key that repeats across time and labels every row by its own features (policy ${policy})`, async () => {
      const t = `dev_indexed_${policy}`;
      await db.client.query(`CREATE TABLE ${t} (dev text NOT NULL, ts timestamptz NOT NULL, a float8, cl int)`);
      await db.client.query(`SELECT create_hypertable('${t}', 'ts', chunk_time_interval => interval '5 minutes')`);
      await db.client.query(`CREATE UNIQUE INDEX ON ${t} (dev, ts)`);
      const rows = (from: number, to: number) => `INSERT INTO ${t} (dev, ts, a)
        SELECT 'dev ' || (i % 5), '2024-01-01'::timestamptz + (i / 5) * interval '1 minute', (i % 2) * 100 + (i % 7) * 0.1 FROM generate_series(${from}, ${to}) AS i`;
      await db.client.query(rows(1, 25));
      // Rows already there, every device at many instants: the index proves them apart.
      await db.client.query(`SELECT centroid.attach($1, $2)`, [t, { ...CONFIG, refit: policy }]);
      await db.client.query(rows(26, 40));
      const facts = await labelFacts(db.client, t, ['a']);
      expect(facts).toMatchObject({ n: 40, labelled: 40 });
      if (policy !== 'online') expect(facts.wrong).toBe(0);
      // Every device has rows in both clusters, each with its own label.
      const per = await db.client.query(`SELECT dev, count(DISTINCT cl)::int AS labels FROM ${t} GROUP BY dev`);
      expect(per.rows.map((r) => r.labels)).toEqual([2, 2, 2, 2, 2]);
      const groups = await db.client.query(`SELECT (a > 50) AS hi, array_agg(DISTINCT cl) AS ls FROM ${t} GROUP BY 1 ORDER BY 1`);
      expect(groups.rows.map((g) => g.ls.length)).toEqual([1, 1]);
      const refit = (await db.client.query(`SELECT centroid.refit($1) AS r`, [t])).rows[0].r;
      expect(refit).toMatchObject({ status: 'refitted', rows: 40 });
      expect(await labelFacts(db.client, t, ['a'])).toEqual({ n: 40, labelled: 40, wrong: 0 });
    });
  }
});

describe('duplicates that arrive after the settings (no unique index)', () => {
  it('policy statement: the INSERT whose refit would write them is refused, and nothing is written', async () => {
    await db.client.query(`CREATE TABLE dev_late (dev text, a float8, cl int)`);
    await db.client.query(`SELECT centroid.attach('dev_late', $1)`, [CONFIG]);
    const e = await attempt(db.client, `INSERT INTO dev_late (dev, a) ${DEVICES}`);
    expectUserError(e, /^pg_centroid setting key_column: column "dev" of dev_late does not identify rows: several rows hold \(dev \d\)/);
    expect(e?.code).toBe('23505');
    expect((await db.client.query(`SELECT count(*)::int AS n FROM dev_late`)).rows[0].n).toBe(0);
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.state WHERE table_name = 'dev_late'::regclass`)).rows[0].n).toBe(0);
  });

  it('policy statement, rows already clustered: a refit that would write by a repeated key is refused, labels as they were', async () => {
    await db.client.query(`CREATE TABLE dev_later (dev text, a float8, cl int)`);
    await db.client.query(`SELECT centroid.attach('dev_later', $1)`, [CONFIG]);
    await db.client.query(`INSERT INTO dev_later (dev, a) SELECT 'dev ' || i, (i % 2) * 100 FROM generate_series(1, 10) AS i`);
    // Repeated keys, each row labelled by its own features on the way in (the refit has no label to change).
    await db.client.query(`INSERT INTO dev_later (dev, a) SELECT 'dev ' || (1 + i % 10), (i % 2) * 100 + 1 FROM generate_series(1, 30) AS i`);
    expect(await labelFacts(db.client, 'dev_later', ['a'])).toEqual({ n: 40, labelled: 40, wrong: 0 });
    // Labels wiped by hand: the next refit must write them back by a key that names several rows.
    await db.client.query(`UPDATE dev_later SET cl = NULL WHERE a = 1`);
    const before = (await db.client.query(`SELECT ctid::text, dev, a, cl FROM dev_later ORDER BY ctid`)).rows;
    const e = await attempt(db.client, `INSERT INTO dev_later (dev, a) VALUES ('dev 99', 0)`);
    expectUserError(e, /^pg_centroid setting key_column: column "dev" of dev_later does not identify rows/);
    expect((await db.client.query(`SELECT ctid::text, dev, a, cl FROM dev_later ORDER BY ctid`)).rows).toEqual(before);
    expectUserError(await attempt(db.client, `SELECT centroid.refit('dev_later')`), /does not identify rows/);
    expect((await db.client.query(`SELECT ctid::text, dev, a, cl FROM dev_later ORDER BY ctid`)).rows).toEqual(before);
  });

  it('policy online: rows are labelled inline by their own features; centroid.refit refuses to write by the key', async () => {
    await db.client.query(`CREATE TABLE dev_online (dev text, a float8, cl int)`);
    await db.client.query(`SELECT centroid.attach('dev_online', $1)`, [{ ...CONFIG, refit: 'online' }]);
    await db.client.query(`INSERT INTO dev_online (dev, a) SELECT 'dev ' || i, (i % 2) * 100 FROM generate_series(1, 10) AS i`);
    await db.client.query(`INSERT INTO dev_online (dev, a) ${DEVICES}`);
    const facts = (await db.client.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE (a > 50) = (cl = (SELECT cl FROM dev_online WHERE a = 100 LIMIT 1)))::int AS right FROM dev_online`)).rows[0];
    expect(facts).toEqual({ n: 50, right: 50 });
    const before = (await db.client.query(`SELECT ctid::text, cl FROM dev_online ORDER BY ctid`)).rows;
    const stateBefore = (await db.client.query(`SELECT centroids, refits FROM centroid.state WHERE table_name = 'dev_online'::regclass`)).rows[0];
    // Wipe two labels by hand: the refit would have to write them back by a key that names several rows.
    await db.client.query(`UPDATE dev_online SET cl = NULL WHERE ctid IN (SELECT ctid FROM dev_online WHERE dev = 'dev 3' LIMIT 2)`);
    const wiped = (await db.client.query(`SELECT ctid::text, cl FROM dev_online ORDER BY ctid`)).rows;
    const e = await attempt(db.client, `SELECT centroid.refit('dev_online')`);
    expectUserError(e, /key_column: column "dev" of dev_online does not identify rows/);
    expect((await db.client.query(`SELECT ctid::text, cl FROM dev_online ORDER BY ctid`)).rows).toEqual(wiped);
    expect((await db.client.query(`SELECT centroids, refits FROM centroid.state WHERE table_name = 'dev_online'::regclass`)).rows[0]).toEqual(stateBefore);
    expect(before).toHaveLength(50);
  });
});
