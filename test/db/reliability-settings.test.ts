// Settings are validated when written, on the server: each refusal names the key, the bad value and
// the fix, and a refused row leaves nothing behind (no settings row, no companion triggers).
// Names are names: quotes, spaces, semicolons, upper case and non-Latin letters work end to end.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSALS } from '../config/refusals';
import { createDatabase, failure, type TestDatabase } from './database';

const OK = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number' };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('rel_settings');
  await db.client.query(`CREATE TABLE t (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, v2 float8, note text, cluster_number int, score real)`);
  await db.client.query(`CREATE VIEW v AS SELECT * FROM t`);
});
afterAll(async () => {
  await db?.close();
});

/** Settings rows and pg_centroid's companion triggers of a table. */
async function leftovers(table: string): Promise<{ settings: number; triggers: number }> {
  const r = await db.client.query(
    `SELECT (SELECT count(*) FROM centroid.settings WHERE table_name = $1::regclass)::int AS settings,
            (SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE 'centroid%')::int AS triggers`,
    [table],
  );
  return r.rows[0];
}

/** Column-related refusals only the server can see. */
const SERVER_REFUSALS = [
  { name: 'a key_column that does not exist', config: { ...OK, key_column: 'nope' }, message: 'pg_centroid setting key_column: column "nope" does not exist in table t', hint: /columns of t: id, ts, v1, v2, note, cluster_number, score/ },
  { name: 'a clustering column that does not exist', config: { ...OK, clustering_columns: ['v1', 'V2'] }, message: 'pg_centroid setting clustering_columns: column "V2" does not exist in table t', hint: /columns of t: .*v2/ },
  { name: 'a text clustering column', config: { ...OK, clustering_columns: ['v1', 'note'] }, message: 'pg_centroid setting clustering_columns: column "note" of t is text, not a number', hint: /cluster on numeric columns/ },
  { name: 'a timestamp clustering column', config: { ...OK, clustering_columns: ['ts'] }, message: 'pg_centroid setting clustering_columns: column "ts" of t is timestamp with time zone, not a number', hint: /numeric columns/ },
  { name: 'a real cluster_number_column', config: { ...OK, cluster_number_column: 'score' }, message: 'pg_centroid setting cluster_number_column: column "score" of t is real, not an integer', hint: /^ALTER TABLE "public"\."t" ALTER COLUMN "score" TYPE integer$/ },
  { name: 'a cluster_number_column that does not exist', config: { ...OK, cluster_number_column: 'label' }, message: 'pg_centroid setting cluster_number_column: column "label" does not exist in table t', hint: /columns of t/ },
  { name: 'a time_column that does not exist', config: { ...OK, time_column: 'created' }, message: 'pg_centroid setting time_column: column "created" does not exist in table t', hint: /columns of t/ },
];

describe('a settings row is refused when written, leaving nothing behind', () => {
  for (const r of SERVER_REFUSALS) {
    it(`refuses ${r.name}`, async () => {
      const e = await failure(db.client, 'INSERT INTO centroid.settings VALUES ($1, $2)', ['t', r.config]);
      expect(e.message).toBe(r.message);
      expect(e.hint).toMatch(r.hint);
      expect(e.code).toBe('22023');
      expect(await leftovers('t')).toEqual({ settings: 0, triggers: 0 });
    });
  }

  // The pure cases of test/config/settings.test.ts, through the trigger on centroid.settings.
  for (const r of REFUSALS.filter((x) => x.key !== 'config' && typeof x.config === 'object')) {
    it(`refuses ${r.name} (as in Node)`, async () => {
      const e = await failure(db.client, 'INSERT INTO centroid.settings VALUES ($1, $2::jsonb)', ['t', JSON.stringify(r.config)]);
      expect(e.message.startsWith(`pg_centroid setting ${r.key}: `)).toBe(true);
      expect(e.message).toMatch(r.message);
      expect(e.hint).toMatch(r.hint);
      expect(await leftovers('t')).toEqual({ settings: 0, triggers: 0 });
    });
  }

  it('refuses settings that are not a JSON object', async () => {
    const e = await failure(db.client, `INSERT INTO centroid.settings VALUES ('t', '[1, 2]')`);
    expect(e.message).toBe('pg_centroid setting config: settings must be a JSON object, not [1,2]');
    expect(e.hint).toMatch(/"key_column": "id"/);
  });

  it('refuses a view, with the fix', async () => {
    const e = await failure(db.client, 'INSERT INTO centroid.settings VALUES ($1, $2)', ['v', OK]);
    expect(e.message).toBe('pg_centroid: public.v is not a table');
    expect(e.hint).toMatch(/centroid\.fit\(\)/);
    expect(e.code).toBe('42809');
  });

  it('refuses a table that does not exist, by the regclass cast', async () => {
    const e = await failure(db.client, 'INSERT INTO centroid.settings VALUES ($1, $2)', ['no_such_table', OK]);
    expect(e.message).toMatch(/relation "no_such_table" does not exist/);
  });

  it('refuses a second settings row for the same table', async () => {
    await db.client.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['t', OK]);
    const e = await failure(db.client, 'INSERT INTO centroid.settings VALUES ($1, $2)', ['t', OK]);
    expect(e.code).toBe('23505');
    expect(await leftovers('t')).toEqual({ settings: 1, triggers: 3 }); // label, after insert, truncate
  });

  it('a refused UPDATE keeps the old settings, state and triggers', async () => {
    await db.client.query('CREATE TRIGGER t_cluster BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
    await db.client.query(`INSERT INTO t (v1, v2) SELECT g % 2 * 10, g FROM generate_series(1, 30) g`);
    const before = (await db.client.query(`SELECT s.config, st.centroids FROM centroid.settings s JOIN centroid.state st USING (table_name) WHERE s.table_name = 't'::regclass`)).rows[0];
    expect(before.centroids).toHaveLength(2);
    const e = await failure(db.client, `UPDATE centroid.settings SET config = config || '{"cluster_count": 0}' WHERE table_name = 't'::regclass`);
    expect(e.message).toBe('pg_centroid setting cluster_count: cluster_count is 0, outside 1 to 1000');
    const after = (await db.client.query(`SELECT s.config, st.centroids FROM centroid.settings s JOIN centroid.state st USING (table_name) WHERE s.table_name = 't'::regclass`)).rows[0];
    expect(after).toEqual(before);
    expect(await leftovers('t')).toEqual({ settings: 1, triggers: 3 }); // label, after insert, truncate
  });

  it('moving to the row policy adds its companion trigger; deleting the settings removes them all', async () => {
    await db.client.query(`UPDATE centroid.settings SET config = config || '{"refit": "row"}' WHERE table_name = 't'::regclass`);
    expect(await leftovers('t')).toEqual({ settings: 1, triggers: 4 }); // and before insert
    await db.client.query(`DELETE FROM centroid.settings WHERE table_name = 't'::regclass`);
    expect(await leftovers('t')).toEqual({ settings: 0, triggers: 0 });
  });
});

describe('names are names', () => {
  const SCHEMA = 'My "Schema"; x';
  const TABLE = 'Ünïcode табл';
  const q = (s: string) => '"' + s.replace(/"/g, '""') + '"';
  const REL = `${q(SCHEMA)}.${q(TABLE)}`;
  const CONFIG = {
    key_column: 'a"b',
    clustering_columns: ['x; DROP TABLE y', 'Upper Case', "it's"],
    cluster_count: 2,
    cluster_number_column: 'Cluster №',
    minimum_data_count: 4,
    center_choice: 'random',
  };

  it('clusters a hypertable whose schema, table and columns need quoting, end to end', async () => {
    const c = db.client;
    await c.query(`CREATE SCHEMA ${q(SCHEMA)}`);
    await c.query(`CREATE TABLE y (id int)`); // the table the column name would drop if it were pasted
    await c.query(`CREATE TABLE ${REL} (${q('a"b')} bigserial, ${q('Time Col')} timestamptz NOT NULL DEFAULT clock_timestamp(),
      ${q('x; DROP TABLE y')} real, ${q('Upper Case')} numeric, ${q("it's")} int, ${q('Cluster №')} smallint)`);
    await c.query(`SELECT create_hypertable($1, 'Time Col')`, [REL]);
    await c.query('INSERT INTO centroid.settings VALUES ($1, $2)', [REL, CONFIG]);
    await c.query(`CREATE TRIGGER ${q('trg "x"')} BEFORE INSERT ON ${REL} FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
    await c.query(`INSERT INTO ${REL} (${q('x; DROP TABLE y')}, ${q('Upper Case')}, ${q("it's")}) SELECT g % 2 * 100, g % 2 * 100 + 0.5, g % 3 FROM generate_series(1, 20) g`);
    for (let i = 0; i < 3; i++) await c.query(`INSERT INTO ${REL} (${q('x; DROP TABLE y')}, ${q('Upper Case')}, ${q("it's")}) VALUES (100, 100, 1)`);
    const rows = (await c.query(`SELECT ${q('x; DROP TABLE y')} AS x, ${q('Cluster №')} AS l FROM ${REL}`)).rows;
    expect(rows).toHaveLength(23);
    expect(rows.every((r) => r.l !== null)).toBe(true);
    const byX = new Map<number, Set<number>>();
    for (const r of rows) byX.set(r.x, (byX.get(r.x) ?? new Set()).add(r.l));
    expect([...byX.values()].map((s) => s.size)).toEqual([1, 1]);
    expect(new Set([...byX.values()].map((s) => [...s][0])).size).toBe(2);
    const refit = (await c.query(`SELECT centroid.refit($1) AS r`, [REL])).rows[0].r;
    expect(refit).toMatchObject({ status: 'refitted', rows: 23, changed: 0 });
    expect((await c.query(`SELECT to_regclass('public.y') IS NOT NULL AS kept`)).rows[0].kept).toBe(true);
    const state = (await c.query(`SELECT rows_used FROM centroid.state WHERE table_name = $1::regclass`, [REL])).rows[0];
    expect(state.rows_used).toBe(23);
  });

  it('names the quoted table and column in its errors', async () => {
    const e = await failure(db.client, 'UPDATE centroid.settings SET config = config || $2 WHERE table_name = $1::regclass', [REL, { cluster_number_column: 'Upper Case' }]);
    expect(e.message).toBe('pg_centroid setting cluster_number_column: column "Upper Case" is both a clustering column and the cluster number column');
    const e2 = await failure(db.client, 'UPDATE centroid.settings SET config = config || $2 WHERE table_name = $1::regclass', [REL, { key_column: 'A"B' }]);
    expect(e2.message).toBe(`pg_centroid setting key_column: column "A"B" does not exist in table ${SCHEMA}.${TABLE}`);
  });
});
