// Scheduled refits with pg_cron on the real stack. pg_cron lives in one database (cron.database_name =
// postgres here): from any other database centroid.schedule_fit registers the job there through dblink.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, urlFor, type TestDatabase } from './database';

let db: TestDatabase;
let cronDb: pg.Client;

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'label' };

/** Waits until check() is true, polling, for at most `ms`. */
async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

beforeAll(async () => {
  cronDb = new pg.Client({ connectionString: urlFor('postgres') });
  cronDb.on('notice', () => {});
  await cronDb.connect();
  await cronDb.query(`CREATE EXTENSION IF NOT EXISTS pg_cron`);
  db = await createDatabase('batch_cron');
  await db.client.query(`CREATE TABLE pts (id int PRIMARY KEY, a float8, b float8, label int)`);
  await db.client.query(`INSERT INTO pts (id, a, b) SELECT i, (i % 2) * 10 + sin(i), cos(i) FROM generate_series(1, 200) i`);
  await db.client.query(`CREATE MATERIALIZED VIEW pts_features AS SELECT id, a, b FROM pts`);
  await db.client.query(`CREATE UNIQUE INDEX ON pts_features (id)`);
});

afterAll(async () => {
  await db?.client.query(`SELECT centroid.unschedule_fit('cron_model')`).catch(() => {});
  await cronDb?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit ${db?.name} %`)}`).catch(() => {});
  await cronDb?.end();
  await db?.close();
});

describe('centroid.schedule_fit', () => {
  it('says what to do when pg_cron is in another database and dblink is not installed here', async () => {
    const e = await failure(db.client, `SELECT centroid.schedule_fit('cron_model', 'pts', $1, '0 3 * * *')`, [CONFIG]);
    expect(e.message).toBe(`pg_centroid: pg_cron runs in database "postgres", not in this database ("${db.name}"), and dblink is not installed here to reach it`);
    expect(e.hint).toContain('run CREATE EXTENSION dblink; here and call this again');
    expect(e.hint).toContain(`connect to database postgres and run: SELECT cron.schedule_in_database('pg_centroid refit ${db.name} cron_model', '0 3 * * *'`);
  });

  it('refuses bad settings and a refresh that is not a materialized view before scheduling anything', async () => {
    const e = await failure(db.client, `SELECT centroid.schedule_fit('cron_model', 'pts', $1, '0 3 * * *')`, [{ ...CONFIG, cluster_count: 0 }]);
    expect(e.message).toBe('pg_centroid setting cluster_count: cluster_count is 0, outside 1 to 1000');
    const r = await failure(db.client, `SELECT centroid.schedule_fit('cron_model', 'pts', $1, '0 3 * * *', 'pts')`, [CONFIG]);
    expect(r.message).toBe('pg_centroid: refresh "pts" is not a materialized view');
  });

  it('registers a job in pg_cron\'s database that refreshes the view and refits, runs it, and removes it', async () => {
    await db.client.query(`CREATE EXTENSION dblink`);
    const r = (await db.client.query(`SELECT centroid.schedule_fit('cron_model', 'pts_features', $1, '1 seconds', 'pts_features') AS r`, [{ ...CONFIG, output_table: 'pts' }])).rows[0].r;
    expect(r.job_name).toBe(`pg_centroid refit ${db.name} cron_model`);
    expect(r.command).toContain('REFRESH MATERIALIZED VIEW CONCURRENTLY public.pts_features; SELECT centroid.fit(');
    const job = await cronDb.query(`SELECT jobid, schedule, database, command, username FROM cron.job WHERE jobname = $1`, [r.job_name]);
    expect(job.rows).toHaveLength(1);
    expect(Number(job.rows[0].jobid)).toBe(r.job_id);
    expect(job.rows[0]).toMatchObject({ schedule: '1 seconds', database: db.name, username: 'postgres', command: r.command });

    // pg_cron really runs it: a model version appears and the labels are written.
    const ran = await waitFor(async () => (await db.client.query(`SELECT count(*) AS n FROM centroid.models WHERE model = 'cron_model'`)).rows[0].n > 0, 30_000);
    expect(ran).toBe(true);
    const runs = await cronDb.query(`SELECT status FROM cron.job_run_details WHERE jobid = $1 AND status = 'succeeded' LIMIT 1`, [job.rows[0].jobid]);
    expect(runs.rows).toHaveLength(1);
    const labelled = await db.client.query(`SELECT count(label) AS n FROM pts`);
    expect(labelled.rows[0].n).toBe(200);

    // Scheduling again replaces the job instead of adding a second one.
    await db.client.query(`SELECT centroid.schedule_fit('cron_model', 'pts', $1, '0 3 * * *')`, [CONFIG]);
    const again = await cronDb.query(`SELECT schedule FROM cron.job WHERE jobname = $1`, [r.job_name]);
    expect(again.rows).toEqual([{ schedule: '0 3 * * *' }]);

    expect((await db.client.query(`SELECT centroid.unschedule_fit('cron_model') AS ok`)).rows[0].ok).toBe(true);
    expect((await cronDb.query(`SELECT count(*)::int AS n FROM cron.job WHERE jobname = $1`, [r.job_name])).rows[0].n).toBe(0);
    expect((await db.client.query(`SELECT centroid.unschedule_fit('cron_model') AS ok`)).rows[0].ok).toBe(false);
  });

  it('schedules with cron.schedule_in_database directly where pg_cron is installed (checked in its database, rolled back)', async () => {
    await cronDb.query('BEGIN');
    try {
      await cronDb.query(`CREATE EXTENSION IF NOT EXISTS pljs`);
      await cronDb.query(`CREATE EXTENSION IF NOT EXISTS pg_centroid`);
      await cronDb.query(`CREATE TABLE pg_centroid_cron_check (id int, a float8, b float8, label int)`);
      const r = (await cronDb.query(`SELECT centroid.schedule_fit('local_model', 'pg_centroid_cron_check', $1, '0 4 * * *') AS r`, [CONFIG])).rows[0].r;
      const job = await cronDb.query(`SELECT database, schedule FROM cron.job WHERE jobname = $1`, [r.job_name]);
      expect(job.rows).toEqual([{ database: 'postgres', schedule: '0 4 * * *' }]);
      expect((await cronDb.query(`SELECT centroid.unschedule_fit('local_model') AS ok`)).rows[0].ok).toBe(true);
    } finally {
      await cronDb.query('ROLLBACK');
    }
  });
});
