// Full refits of a clustered table on a pg_cron schedule (the online policy's companion), for real:
// pg_cron lives in the postgres database here, so the job is registered there through dblink.

import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, failure, urlFor, type TestDatabase } from './database';

let db: TestDatabase;
let cronDb: pg.Client;

beforeAll(async () => {
  cronDb = new pg.Client({ connectionString: urlFor('postgres') });
  cronDb.on('notice', () => {});
  await cronDb.connect();
  await cronDb.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
  db = await createDatabase('schedule_refit');
  await db.client.query('CREATE EXTENSION dblink');
  await db.client.query('CREATE TABLE r (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
  await db.client.query(`SELECT create_hypertable('r', 'ts')`);
  await db.client.query(`SELECT centroid.attach('r', $1)`, [
    { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', refit: 'online', minimum_data_count: 10 },
  ]);
  await db.client.query('INSERT INTO r (v1, v2) SELECT (g % 2) * 10, g % 2 FROM generate_series(1, 40) g');
});

afterAll(async () => {
  await cronDb?.query(`DELETE FROM cron.job WHERE jobname LIKE ${pg.escapeLiteral(`pg_centroid refit table ${db?.name} %`)}`).catch(() => {});
  await cronDb?.end();
  await db?.close();
});

it('registers a pg_cron job that refits the table, which really runs, and removes it', async () => {
  const before = Number((await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 'r'::regclass`)).rows[0].refits);
  const job = (await db.client.query(`SELECT centroid.schedule_refit('r', '1 seconds') AS j`)).rows[0].j;
  expect(job.job_name).toBe(`pg_centroid refit table ${db.name} public.r`);
  expect(job.command).toBe(`SELECT centroid.refit('public.r'::pg_catalog.regclass)`);
  const inCron = await cronDb.query('SELECT schedule, command, database FROM cron.job WHERE jobid = $1', [job.job_id]);
  expect(inCron.rows[0]).toEqual({ schedule: '1 seconds', command: job.command, database: db.name });
  // pg_cron runs it: the refit count goes up.
  let refits = before;
  for (let i = 0; i < 60 && refits <= before; i++) {
    await new Promise((r) => setTimeout(r, 500));
    refits = Number((await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 'r'::regclass`)).rows[0].refits);
  }
  expect(refits).toBeGreaterThan(before);
  expect((await db.client.query(`SELECT centroid.unschedule_refit('r') AS u`)).rows[0].u).toBe(true);
  expect((await cronDb.query('SELECT count(*)::int AS n FROM cron.job WHERE jobid = $1', [job.job_id])).rows[0].n).toBe(0);
  expect((await db.client.query(`SELECT centroid.unschedule_refit('r') AS u`)).rows[0].u).toBe(false);
}, 60_000);

it('refuses a table that is not clustered, naming the fix', async () => {
  await db.client.query('CREATE TABLE plain (id int, v real)');
  const e = await failure(db.client, `SELECT centroid.schedule_refit('plain', '0 * * * *')`);
  expect(e.message).toBe("pg_centroid: table public.plain is not clustered");
  expect(e.hint).toMatch(/centroid.attach/);
});
