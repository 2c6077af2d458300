// Sharded tables when a shard fails: a server that is down, a statement that times out on a shard, a shard refusing
// the label UPDATE. Each gives an error naming the server (and the fix), and nothing is
// written: no labels on any shard, no model version. The server that goes down is one of this file's own.

import type pg from 'pg';
import { readmeBlock } from '../readme';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardInstance, shardPort, upShards } from '../../src/stack/shards';
import { down, up } from '../../src/stack/stack';
import { failure } from './database';
import { createEvents, createSharded, type Sharded } from './shards';

const ROWS = 30_000;
const config = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_count: 4, cluster_number_column: 'cl' };
// A third shard of this file alone: it is stopped by a test.
const doomed = shardInstance(3, 'sharded_down_test', shardPort(3));

let s: Sharded;

beforeAll(async () => {
  upShards(2);
  up(() => {}, doomed);
  s = await createSharded('sharded_fail', [shardInstance(1), shardInstance(2), doomed]);
  await createEvents(s, ROWS);
}, 600_000);

afterAll(async () => {
  up(() => {}, doomed);
  await s?.close();
  down(doomed);
});

/** Labelled rows on each shard, read there. */
async function labelled(): Promise<number[]> {
  const out: number[] = [];
  for (const [t, shard] of s.shards.entries()) out.push(Number((await shard.query(`SELECT count(cl) AS n FROM events_${t + 1}`)).rows[0].n));
  return out;
}

/** Versions of every model. */
async function versions(): Promise<number> {
  return Number((await s.db.client.query('SELECT count(*) AS n FROM centroid.models')).rows[0].n);
}

/** A server as the errors name it. */
function named(t: number): string {
  return `"s${t}" (127.0.0.1:${s.instances[t - 1]?.port}, database ${s.db.name})`;
}

/** Holds an ACCESS EXCLUSIVE lock on shard t's table until the returned function releases it. */
async function lockShard(t: number): Promise<() => Promise<void>> {
  const shard = s.shards[t - 1] as pg.Client;
  await shard.query('BEGIN');
  await shard.query(`LOCK TABLE events_${t} IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await shard.query('ROLLBACK');
  };
}

describe('a shard that fails', () => {
  it('times out on the shard: the error names that server and says how to give it time', async () => {
    await s.db.client.query(`ALTER SERVER s2 OPTIONS (ADD options '-c statement_timeout=500')`);
    const release = await lockShard(2);
    try {
      const e = await failure(s.db.client, `SELECT centroid.fit('timeout', 'events', $1)`, [config]);
      expect(e.code).toBe('57014');
      expect(e.message).toBe(`pg_centroid: centroid.fit on events was stopped while waiting for shard server ${named(2)}: canceling statement due to statement timeout`);
      expect(e.hint).toContain(`SET statement_timeout = '30min';`);
      expect(e.hint).toContain(`ALTER SERVER s2 OPTIONS (SET options '-c statement_timeout=30min')`);
      expect(e.detail).toContain('nothing was written');
    } finally {
      await release();
      await s.db.client.query(`ALTER SERVER s2 OPTIONS (DROP options)`);
    }
    expect(await labelled()).toEqual([0, 0, 0]);
    expect(await versions()).toBe(0);
  });

  it('refuses the label UPDATE on one shard: no shard keeps a label, no version is registered', async () => {
    const shard = s.shards[1] as pg.Client;
    await shard.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no labels on this shard' USING HINT = 'ask its owner'; END $$`);
    await shard.query('CREATE TRIGGER refuse BEFORE UPDATE ON events_2 FOR EACH ROW EXECUTE FUNCTION refuse()');
    try {
      const e = await failure(s.db.client, `SELECT centroid.fit('refused', 'events', $1)`, [config]);
      expect(e.code).toBe('P0001');
      expect(e.message).toBe(`pg_centroid: shard server ${named(2)} of events failed in centroid.fit: no labels on this shard`);
      expect(e.hint).toBe('ask its owner');
      // The other shards ran their part of the UPDATE; it was rolled back with the statement.
      expect(await labelled()).toEqual([0, 0, 0]);
      expect(await versions()).toBe(0);
    } finally {
      await shard.query('DROP TRIGGER refuse ON events_2');
    }
    const ok = (await s.db.client.query(`SELECT centroid.fit('refused', 'events', $1) AS f`, [config])).rows[0].f;
    expect(ok.labels_changed).toBe(ROWS);
    expect((await labelled()).reduce((a, b) => a + b)).toBe(ROWS);
  });

  it('names every server that may have failed when partitions on several servers have the same remote name', async () => {
    for (const [t, shard] of s.shards.slice(0, 2).entries()) {
      await shard.query('CREATE TABLE twin (id bigint, k int, v1 float8, v2 float8, v3 real, cl int)');
      await shard.query(`INSERT INTO twin SELECT id, ${t + 1}, v1, v2, v3, NULL FROM events_${t + 1}`);
    }
    await s.shards[1]?.query(`CREATE FUNCTION refuse_twin() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'not this twin'; END $$`);
    await s.shards[1]?.query('CREATE TRIGGER refuse BEFORE UPDATE ON twin FOR EACH ROW EXECUTE FUNCTION refuse_twin()');
    await s.db.client.query('CREATE TABLE twins (id bigint, k int, v1 float8, v2 float8, v3 real, cl int) PARTITION BY LIST (k)');
    for (const t of [1, 2]) await s.db.client.query(`CREATE FOREIGN TABLE twins_${t} PARTITION OF twins FOR VALUES IN (${t}) SERVER s${t} OPTIONS (table_name 'twin')`);
    // Both partitions are public.twin on their servers: the failed remote SQL cannot tell them apart.
    const e = await failure(s.db.client, `SELECT centroid.fit('twins', 'twins', $1)`, [config]);
    expect(e.message).toBe(`pg_centroid: one of the shard servers ${named(1)}, ${named(2)} of twins failed in centroid.fit: not this twin`);
  });

  it('is down: the error names the server and the partition to detach, and nothing is written', async () => {
    await s.db.client.query('UPDATE events SET cl = NULL');
    const before = await versions();
    down(doomed);
    for (const sql of [`SELECT centroid.fit('down', 'events', $1)`, `SELECT centroid.choose_k('events', $1, 2, 3)`]) {
      const e = await failure(s.db.client, sql, [config]);
      expect(e.code).toBe('08001');
      const what = sql.includes('fit') ? 'centroid.fit' : 'centroid.choose_k';
      expect(e.message).toMatch(new RegExp(`^pg_centroid: shard server ${named(3).replace(/[().]/g, '\\$&')} of events is not reachable, so ${what} cannot run: could not connect to server "s3"$`));
      expect(e.hint).toBe('start that server and run it again, or leave its partition out: ALTER TABLE events DETACH PARTITION events_3;');
      expect(e.detail).toContain('Connection refused');
      if (what === 'centroid.fit') {
        // The README's example of this error, with its server's name, address and partition in general terms.
        const [message, , , hint] = readmeBlock('sharded-errors').split('\n').map((l) => l.replace(/^(ERROR|HINT):  /, ''));
        const general = (t: string) => t.replace(/"s\d"/g, '"sN"').replace(/ \([^)]*\) of /, ' (...) of ').replace(/events_\d/, 'events_N');
        expect(general(e.message)).toBe(general(message as string));
        expect(general(e.hint ?? '')).toBe(general(hint as string));
      }
    }
    expect(await versions()).toBe(before);
    const live = s.shards.slice(0, 2);
    for (const [t, shard] of live.entries()) expect(Number((await shard.query(`SELECT count(cl) AS n FROM events_${t + 1}`)).rows[0].n)).toBe(0);
  });
});
