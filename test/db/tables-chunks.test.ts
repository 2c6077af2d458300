// What the README's "Getting started" and "Guarantees and limits" say about the companion triggers: settings alone
// cluster a table (the trigger users attach only guards), with the companions each policy needs; rows inserted
// straight into a hypertable's chunk are labelled by the chunk's copy of the row trigger but start no refit and move
// no centroid, and under the row policy stay unlabelled until a refit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_chunks');
});
afterAll(async () => {
  await db?.close();
});

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4, seed: 3 };

/** A hypertable (one chunk for the rows below) clustered with the policy, with two groups around (0, 0) and (100, 100). */
async function hypertable(name: string, policy: string): Promise<{ chunk: string; low: number; high: number }> {
  await db.client.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT now(), a float8, b float8, cl int)`);
  await db.client.query(`SELECT create_hypertable('${name}', 'ts', chunk_time_interval => interval '1 year')`);
  await db.client.query(`SELECT centroid.attach('${name}', $1::jsonb)`, [JSON.stringify({ ...CONFIG, refit: policy })]);
  await db.client.query(`INSERT INTO ${name} (a, b) SELECT (i % 2) * 100 + i % 3, (i % 2) * 100 + i % 5 FROM generate_series(1, 20) i`);
  const labels = (await db.client.query(`SELECT a < 50 AS low, array_agg(DISTINCT cl) AS l FROM ${name} GROUP BY 1 ORDER BY 1 DESC`)).rows;
  expect(labels.map((r) => r.l.length)).toEqual([1, 1]);
  const chunk = (await db.client.query(`SELECT tableoid::regclass::text AS c FROM ${name} LIMIT 1`)).rows[0].c as string;
  expect(chunk).toMatch(/^_timescaledb_internal\./);
  return { chunk, low: labels[0].l[0], high: labels[1].l[0] };
}

/** The stored state's facts that a refit or an online move changes. */
async function state(name: string): Promise<{ refits: number; centroids: number[][]; online_updated_at: Date | null }> {
  return (await db.client.query(`SELECT refits, centroids, online_updated_at FROM centroid.state WHERE table_name = '${name}'::regclass`)).rows[0];
}

/** The companion triggers of a table, by name. */
async function companions(name: string): Promise<string[]> {
  return (await db.client.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${name}'::regclass AND NOT tgisinternal AND tgname LIKE 'centroid\\_%' ORDER BY 1`)).rows.map((r) => r.tgname);
}

describe('settings alone', () => {
  it('cluster a table without centroid.cluster_on_insert, with the companions of its policy', async () => {
    await db.client.query(`CREATE TABLE plain (id bigserial PRIMARY KEY, a float8, b float8, cl int)`);
    await db.client.query(`INSERT INTO centroid.settings (table_name, config) VALUES ('plain', $1::jsonb)`, [JSON.stringify(CONFIG)]);
    expect(await companions('plain')).toEqual(['centroid_after_insert', 'centroid_label', 'centroid_truncate']);
    await db.client.query(`INSERT INTO plain (a, b) SELECT (i % 2) * 100, (i % 2) * 100 + i % 3 FROM generate_series(1, 10) i`);
    expect((await db.client.query(`SELECT count(cl)::int AS n FROM plain`)).rows[0].n).toBe(10);
    expect((await db.client.query(`SELECT s->'trigger' AS t FROM centroid.status('plain') s`)).rows[0].t).toBe(false);
    await db.client.query(`UPDATE centroid.settings SET config = config || '{"refit": "row"}' WHERE table_name = 'plain'::regclass`);
    expect(await companions('plain')).toEqual(['centroid_after_insert', 'centroid_before_insert', 'centroid_label', 'centroid_truncate']);
    await db.client.query(`DELETE FROM centroid.settings WHERE table_name = 'plain'::regclass`);
    expect(await companions('plain')).toEqual([]);
    expect((await db.client.query(`SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'centroid_internal'::regnamespace AND proname ~ ('^(label|hook)_' || 'plain'::regclass::oid)`)).rows[0].n).toBe(0);
  });
});

describe('rows inserted straight into a chunk', () => {
  it('policy statement: labelled from the stored centroids, with no refit', async () => {
    const { chunk, low, high } = await hypertable('st', 'statement');
    const before = await state('st');
    await db.client.query(`INSERT INTO ${chunk} (a, b) VALUES (1, 2), (101, 99)`);
    expect((await db.client.query(`SELECT cl FROM st WHERE id > 20 ORDER BY id`)).rows.map((r) => r.cl)).toEqual([low, high]);
    expect(await state('st')).toEqual(before);
  });

  it('policy online: labelled, and no centroid moves', async () => {
    const { chunk, low, high } = await hypertable('onl', 'online');
    const before = await state('onl');
    await db.client.query(`INSERT INTO ${chunk} (a, b) VALUES (1, 2), (101, 99)`);
    expect((await db.client.query(`SELECT cl FROM onl WHERE id > 20 ORDER BY id`)).rows.map((r) => r.cl)).toEqual([low, high]);
    expect(await state('onl')).toEqual(before);
  });

  it('policy row: unlabelled until a refit', async () => {
    const { chunk, low, high } = await hypertable('rw', 'row');
    const before = await state('rw');
    await db.client.query(`INSERT INTO ${chunk} (a, b) VALUES (1, 2), (101, 99)`);
    expect((await db.client.query(`SELECT cl FROM rw WHERE id > 20 ORDER BY id`)).rows.map((r) => r.cl)).toEqual([null, null]);
    expect((await state('rw')).refits).toBe(before.refits);
    await db.client.query(`SELECT centroid.refit('rw')`);
    expect((await db.client.query(`SELECT cl FROM rw WHERE id > 20 ORDER BY id`)).rows.map((r) => r.cl)).toEqual([low, high]);
  });
});
