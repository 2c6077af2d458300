// Shards of the embedded stack: more servers from the same root file system, each with its own data directory and
// loopback port, for sharded tables (a partitioned table on the main server whose partitions are postgres_fdw foreign
// tables on these). They load pg_stat_statements, so what each shard returned to the coordinator can be read there.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { down, type Instance, isRunning, separateInstance, stackDir, stackPort, up } from './stack';

/** At most this many shards start from the command line. */
export const MAX_SHARDS = 16;

/** Settings of a shard besides the stack's: pg_stat_statements counts the rows each remote statement returned. */
export const SHARD_SETTINGS: Readonly<Record<string, string>> = {
  shared_preload_libraries: 'timescaledb,pg_cron,pg_stat_statements',
  'pg_stat_statements.track': 'all',
  max_connections: '100',
};

/** The port of shard i (1-based): PG_CENTROID_SHARD_PORT + i - 1, by default the main server's port + i. */
export function shardPort(i: number): number {
  const first = process.env.PG_CENTROID_SHARD_PORT ? Number(process.env.PG_CENTROID_SHARD_PORT) : stackPort() + 1;
  return first + i - 1;
}

/** Shard i of the stack (1-based), named `name` (shard_i by default: tests may keep shards of their own). */
export function shardInstance(i: number, name = `shard_${i}`, port = shardPort(i)): Instance {
  return separateInstance(name, port, SHARD_SETTINGS);
}

/** Starts shards 1..n (initialized on first use, like the main server); returns their URLs. */
export function upShards(n: number, log: (line: string) => void = () => {}): string[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new Error(`--shards is ${n}, expected an integer from 1 to ${MAX_SHARDS}`);
  return Array.from({ length: n }, (_, t) => {
    const instance = shardInstance(t + 1);
    try {
      return up(log, instance);
    } catch (e) {
      if (!/is already in use/.test((e as Error).message)) throw e;
      throw new Error(
        `port ${instance.port} of shard ${t + 1} is already in use (shards listen on the ports after the main server's); ` +
          `choose other ports for the shards: PG_CENTROID_SHARD_PORT=${shardPort(1) + 100}, or move the main server: PG_CENTROID_PORT=${stackPort() + 100}`,
      );
    }
  });
}

/** The shards shard_1, shard_2, ... initialized in the stack so far, in order. */
export function knownShards(): number[] {
  const dir = join(stackDir(), 'root/var/lib/pg_centroid');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^shard_(\d+)$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Stops every running shard (their files stay); returns the ones stopped. */
export function downShards(): number[] {
  const stopped: number[] = [];
  for (const i of knownShards()) {
    const instance = shardInstance(i);
    if (!isRunning(instance)) continue;
    down(instance);
    stopped.push(i);
  }
  return stopped;
}

/** The URL of shard i. */
export function shardUrl(i: number, database = 'postgres'): string {
  return `postgres://postgres@127.0.0.1:${shardPort(i)}/${database}`;
}
