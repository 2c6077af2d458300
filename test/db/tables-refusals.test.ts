// Issue 11, matrix 12: settings that cannot work are refused when they are written, not at some later insert or
// night: a k-medoids window beyond its 10,000 rows (naming maximum_data_count and the fix), a k-medoids fit on
// more rows (a clear error with a HINT), a scheduled fit whose columns its source lacks; and detach takes the
// table's scheduled refit with it.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, urlFor, type TestDatabase } from './database';
import { attempt, expectUserError } from './tables-helpers';

const KMEDOIDS = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', clustering_algorithm: 'k-medoids', distance_type: 'manhattan' };

let db: TestDatabase;
let cronDb: pg.Client;

beforeAll(async () => {
  cronDb = new pg.Client({ connectionString: urlFor('postgres') });
  cronDb.on('notice', () => {});
  await cronDb.connect();
  await cronDb.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
  db = await createDatabase('tables_refusals');
  await db.client.query('CREATE EXTENSION dblink');
  await db.client.query(`CREATE TABLE big (id int PRIMARY KEY, a float8, b float8, cl int)`);
  await db.client.query(`INSERT INTO big SELECT i, (i % 2) * 100 + i % 7, i % 5 FROM generate_series(1, 20000) i`);
});
afterAll(async () => {
  await cronDb?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit % ${db?.name} %`)}`).catch(() => {});
  await cronDb?.end();
  await db?.close();
});

/** Settings rows and companion triggers of a table. */
async function leftovers(t: string): Promise<{ settings: number; triggers: number }> {
  return (await db.client.query(`SELECT (SELECT count(*) FROM centroid.settings WHERE table_name = $1::regclass)::int AS settings,
    (SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE 'centroid%')::int AS triggers`, [t])).rows[0];
}

describe('a k-medoids window beyond 10,000 rows is refused when written', () => {
  it('by INSERT INTO centroid.settings and by attach, with windows of 100,000 and 10,001 rows', async () => {
    await db.client.query(`CREATE TABLE kmed (id bigserial, ts timestamptz NOT NULL DEFAULT now(), a float8, b float8, cl int)`);
    await db.client.query(`SELECT create_hypertable('kmed', 'ts')`);
    for (const n of [100000, 10001]) {
      const config = { ...KMEDOIDS, maximum_data_count: n };
      for (const sql of [`INSERT INTO centroid.settings VALUES ('kmed', $1)`, `SELECT centroid.attach('kmed', $1)`]) {
        const e = await failure(db.client, sql, [config]);
        expect(e.message).toBe(`pg_centroid setting maximum_data_count: ${n} rows is more than k-medoids takes (10000); once the table had more rows, every insert would fail`);
        expect(e.hint).toBe('set "maximum_data_count": 10000 (or fewer), or use "clustering_algorithm": "k-medians", which scales');
        expectUserError(e);
        expect(await leftovers('kmed')).toEqual({ settings: 0, triggers: 0 });
      }
    }
    // Without maximum_data_count, a k-medoids window is 10,000 rows; the HINT's fix is accepted too.
    await db.client.query(`SELECT centroid.attach('kmed', $1)`, [KMEDOIDS]);
    expect((await db.client.query(`SELECT centroid.status('kmed') AS s`)).rows[0].s.settings.maximum_data_count).toBe(10000);
    await db.client.query(`SELECT centroid.attach('kmed', $1)`, [{ ...KMEDOIDS, maximum_data_count: 10000 }]);
    await db.client.query(`INSERT INTO kmed (a, b) SELECT (i % 2) * 100, i % 3 FROM generate_series(1, 50) i`);
    expect((await db.client.query(`SELECT count(cl)::int AS l FROM kmed`)).rows[0].l).toBe(50);
  });

  it('by an UPDATE that switches existing settings to k-medoids: refused, the old settings and state stay', async () => {
    await db.client.query(`CREATE TABLE kmed_switch (id bigserial PRIMARY KEY, a float8, b float8, cl int)`);
    await db.client.query(`SELECT centroid.attach('kmed_switch', $1)`, [{ key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4, maximum_data_count: 100000 }]);
    await db.client.query(`INSERT INTO kmed_switch (a, b) SELECT (i % 2) * 100, i % 3 FROM generate_series(1, 20) i`);
    const before = (await db.client.query(`SELECT s.config, st.centroids FROM centroid.settings s JOIN centroid.state st USING (table_name) WHERE s.table_name = 'kmed_switch'::regclass`)).rows[0];
    const e = await failure(db.client, `UPDATE centroid.settings SET config = config || '{"clustering_algorithm": "k-medoids"}' WHERE table_name = 'kmed_switch'::regclass`);
    expect(e.message).toMatch(/^pg_centroid setting maximum_data_count: 100000 rows is more than k-medoids takes \(10000\)/);
    expectUserError(e);
    const after = (await db.client.query(`SELECT s.config, st.centroids FROM centroid.settings s JOIN centroid.state st USING (table_name) WHERE s.table_name = 'kmed_switch'::regclass`)).rows[0];
    expect(after).toEqual(before);
  });
});

describe('centroid.fit with k-medoids beyond its limit', () => {
  for (const source of ['big', 'SELECT id, a, b FROM big']) {
    it(`on 20,000 rows (${source.startsWith('SELECT') ? 'a query' : 'a table'}): a clear error with a HINT, nothing written`, async () => {
      const config = source === 'big' ? KMEDOIDS : { ...KMEDOIDS, cluster_number_column: undefined };
      const e = await attempt(db.client, `SELECT centroid.fit('kmed_model', $1, $2)`, [source, config]);
      expectUserError(e, /^pg_centroid setting clustering_algorithm: k-medoids takes at most 10000 rows, and (big|the query) has more$/);
      expect(e?.hint).toMatch(/"clustering_algorithm": "k-medians"/);
      expect((await db.client.query(`SELECT count(cl)::int AS l FROM big`)).rows[0].l).toBe(0);
      expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.models WHERE model = 'kmed_model'`)).rows[0].n).toBe(0);
    });
  }
});

describe('centroid.schedule_fit checks its settings against the source when it is called', () => {
  const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2 };
  for (const [what, source, config, message] of [
    ['a clustering column the table lacks', 'big', { ...CONFIG, clustering_columns: ['a', 'nope'] }, /^pg_centroid setting clustering_columns: column "nope" does not exist in big$/],
    ['a clustering column the query lacks', 'SELECT id, a FROM big', CONFIG, /^pg_centroid setting clustering_columns: column "b" does not exist in /],
    ['a key column the source lacks, with labels to write', 'big', { ...CONFIG, key_column: 'uid', cluster_number_column: 'cl' }, /^pg_centroid setting key_column: column "uid" does not exist in (output table )?big$/],
    ['a cluster number column the output table lacks', 'big', { ...CONFIG, cluster_number_column: 'label' }, /^pg_centroid setting cluster_number_column: column "label" does not exist in output table big$/],
    ['a source query that fails', 'SELECT id, a, b FROM big WHERE nonsense', CONFIG, /^pg_centroid: column "nonsense" does not exist$/],
    ['a source that does not exist', 'no_such_table', CONFIG, /^pg_centroid: source "no_such_table" is neither a table/],
  ] as const) {
    it(`refuses ${what}, and schedules nothing`, async () => {
      const e = await attempt(db.client, `SELECT centroid.schedule_fit('sched_model', $1, $2, '0 3 * * *')`, [source, config]);
      expectUserError(e, message);
      const jobs = await cronDb.query(`SELECT count(*)::int AS n FROM cron.job WHERE jobname = $1`, [`pg_centroid refit ${db.name} sched_model`]);
      expect(jobs.rows[0].n).toBe(0);
    });
  }

  it('schedules a fit whose columns are all there', async () => {
    const r = (await db.client.query(`SELECT centroid.schedule_fit('sched_model', 'big', $1, '0 3 * * *') AS r`, [CONFIG])).rows[0].r;
    expect(r.job_name).toBe(`pg_centroid refit ${db.name} sched_model`);
    expect((await db.client.query(`SELECT centroid.unschedule_fit('sched_model') AS u`)).rows[0].u).toBe(true);
  });
});

describe('centroid.detach', () => {
  it("removes the table's pg_cron refit job (and says so); without a job it says none was removed", async () => {
    await db.client.query(`CREATE TABLE sched (id bigserial PRIMARY KEY, a float8, b float8, cl int)`);
    const config = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4, refit: 'online' };
    await db.client.query(`SELECT centroid.attach('sched', $1)`, [config]);
    const job = (await db.client.query(`SELECT centroid.schedule_refit('sched', '0 3 * * *') AS j`)).rows[0].j;
    expect((await cronDb.query(`SELECT count(*)::int AS n FROM cron.job WHERE jobid = $1`, [job.job_id])).rows[0].n).toBe(1);
    const d = (await db.client.query(`SELECT centroid.detach('sched') AS d`)).rows[0].d;
    expect(d).toMatchObject({ settings_removed: true, refit_unscheduled: true });
    expect((await cronDb.query(`SELECT count(*)::int AS n FROM cron.job WHERE jobname = $1`, [job.job_name])).rows[0].n).toBe(0);
    // Attached again without a schedule: detach removes no job, and raises no NOTICE.
    await db.client.query(`SELECT centroid.attach('sched', $1)`, [config]);
    const notices: string[] = [];
    const listener = (n: { message?: string }) => notices.push(n.message ?? '');
    db.client.on('notice', listener);
    try {
      const d2 = (await db.client.query(`SELECT centroid.detach('sched') AS d`)).rows[0].d;
      expect(d2).toMatchObject({ settings_removed: true, refit_unscheduled: false });
    } finally {
      db.client.off('notice', listener);
    }
    expect(notices).toEqual([]);
  });
});
