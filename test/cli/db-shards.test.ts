// `pg-centroid db up --shards N`: shard servers of the embedded stack, for sharded tables, on the ports after the main
// server's, each answering with pg_stat_statements loaded.

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { shardPort } from '../../src/stack/shards';
import { cli } from './run';

describe('db --shards', () => {
  it('starts two shards after the main server, prints their URLs and lists them as running', async () => {
    const r = await cli(['db', 'up', '--shards', '2', '--json'], null);
    expect(r.code, r.stderr).toBe(0);
    const urls = [1, 2].map((i) => `postgres://postgres@127.0.0.1:${shardPort(i)}/postgres`);
    expect(r.json).toEqual({ url: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/), shards: urls });
    for (const url of urls) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const loaded = await c.query(`SELECT current_setting('shared_preload_libraries') AS l, current_setting('port')::int AS port`);
        expect(loaded.rows[0].l).toContain('pg_stat_statements');
        expect(`postgres://postgres@127.0.0.1:${loaded.rows[0].port}/postgres`).toBe(url);
      } finally {
        await c.end();
      }
    }
    const status = await cli(['db', 'status', '--shards', '--json'], null);
    expect(status.json.shards).toEqual(expect.arrayContaining(urls.map((url, i) => ({ shard: i + 1, url, running: true }))));
    const text = await cli(['db', 'status', '--shards'], null);
    expect(text.stdout).toContain(`shard 1: running at ${urls[0]}`);
  });

  it('refuses --shards without a count, or out of range, with the usage (exit 2)', async () => {
    for (const args of [['db', 'up', '--shards'], ['db', 'up', '--shards', '0'], ['db', 'up', '--shards=17']]) {
      const r = await cli(args, null);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('error: --shards takes the number of shards to start, from 1 to 16\nhint: usage: pg-centroid db up [--shards N] | down [--shards] | url [--shards] | status [--shards] [--json]\n');
    }
    const unknown = await cli(['db', 'up', '--shard', '2'], null);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown option --shard');
  });
});
