// The README's "Sharded tables" example, run as printed against two shards of the stack: its servers' addresses,
// database and user mapping replaced by the stack's, each shard holding 10,000 rows of its partition.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { shardInstance, upShards } from '../../src/stack/shards';
import { readmeBlock } from '../readme';
import { createSharded, type Sharded } from './shards';

let s: Sharded;

beforeAll(async () => {
  upShards(2);
  s = await createSharded('sharded_readme', [shardInstance(1), shardInstance(2)]);
  // The README makes the servers, user mappings and postgres_fdw itself.
  await s.db.client.query('DROP EXTENSION postgres_fdw CASCADE');
  for (const [t, shard] of s.shards.entries()) {
    await shard.query(`CREATE TABLE events_${t + 1} (id bigint, shard int, v1 float8, v2 float8, v3 float8, cl int)`);
    // Eight groups, well apart, in both partitions.
    await shard.query(`INSERT INTO events_${t + 1} SELECT g, ${t + 1}, (g % 8) * 10 + sin(g), ((g / 8) % 2) * 10 + cos(g), sin(g * 3)
                         FROM generate_series(${t * 10000 + 1}, ${(t + 1) * 10000}) g`);
  }
}, 600_000);

afterAll(async () => {
  await s?.close();
});

it('runs the README\'s sharded example and returns what it prints', async () => {
  let sql = readmeBlock('sharded-setup');
  for (const [t, instance] of s.instances.entries()) {
    sql = sql.replace(`host '10.0.0.1${t + 1}', port '5432', dbname 'app'`, `host '127.0.0.1', port '${instance.port}', dbname '${s.db.name}'`);
  }
  sql = sql.replaceAll(`OPTIONS (user 'app', password '...')`, `OPTIONS (user 'postgres')`);
  expect(sql.split('\n').filter((l) => !l.startsWith('--')).join('\n')).not.toMatch(/10\.0\.0|'app'/);
  const results = await s.db.client.query(sql);
  const fit = (Array.isArray(results) ? results[results.length - 1] : results).rows[0].fit;
  const printed = readmeBlock('sharded-setup').split('\n').filter((l) => l.startsWith('--')).join('\n');
  expect(fit).toMatchObject({ model: 'ev', version: 1, k: 8, rows_used: 20000, labels_changed: 20000 });
  expect(printed).toContain(`"rows_used": ${fit.rows_used}, "k": ${fit.k}`);
  expect(printed).toContain(`"labels_changed": ${fit.labels_changed}`);
  expect(fit.pushdown.relations).toEqual(['events_1', 'events_2']);
  expect(fit.pushdown.servers.map((v: { name: string; async_capable: boolean }) => [v.name, v.async_capable])).toEqual([['s1', true], ['s2', true]]);
  expect(printed).toContain(`"relations": ["events_1", "events_2"]`);
});
