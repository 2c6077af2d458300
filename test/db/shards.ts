// Test helper: a sharded table on real servers. The coordinator is a fresh database of the main stack (see
// database.ts); each shard is a database of the same name on another server of the stack (src/stack/shards.ts),
// reached through postgres_fdw: servers s1, s2, ..., a user mapping each, and a table `events` partitioned by LIST
// (shard) whose partition events_i is a foreign table on server si. `events_local` holds the same rows on the
// coordinator alone, for comparisons with one server.

import pg from 'pg';
import { isRunning, type Instance } from '../../src/stack/stack';
import { createDatabase, type TestDatabase } from './database';

/** The columns of events, events_local and each shard's table. */
export const EVENT_COLUMNS = 'id bigint, shard int, v1 float8, v2 float8, v3 real, cl int, dist float8, anomaly bool';

/** A coordinator and its shards' databases. */
export interface Sharded {
  db: TestDatabase;
  /** A client per shard, connected to its database (pg_stat_statements is created there). */
  shards: pg.Client[];
  instances: Instance[];
  close(): Promise<void>;
}

/** A client of a shard's server. */
async function connect(instance: Instance, database: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${instance.port}/${database}` });
  c.on('notice', () => {});
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Creates the coordinator database and, on every shard server, a database of the same name with pg_stat_statements. */
export async function createSharded(prefix: string, instances: Instance[]): Promise<Sharded> {
  for (const i of instances) if (!isRunning(i)) throw new Error(`shard server on port ${i.port} is not running`);
  const db = await createDatabase(prefix);
  await db.client.query('CREATE EXTENSION postgres_fdw');
  const shards: pg.Client[] = [];
  for (const [t, instance] of instances.entries()) {
    const admin = await connect(instance, 'postgres');
    await admin.query(`CREATE DATABASE ${db.name}`);
    await admin.end();
    const c = await connect(instance, db.name);
    await c.query('CREATE EXTENSION pg_stat_statements');
    shards.push(c);
    await db.client.query(
      `CREATE SERVER s${t + 1} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '${instance.port}', dbname '${db.name}', async_capable 'true', batch_size '1000')`,
    );
    await db.client.query(`CREATE USER MAPPING FOR CURRENT_USER SERVER s${t + 1} OPTIONS (user 'postgres')`);
  }
  return {
    db,
    shards,
    instances,
    async close() {
      for (const c of shards) await c.end().catch(() => {});
      await db.close();
      for (const instance of instances) {
        if (!isRunning(instance)) continue;
        const admin = await connect(instance, 'postgres');
        await admin.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}

/**
 * events (on the shards) and events_local (on the coordinator) with the same rows: `rows` rows around 4 well-separated
 * centers in 3 dimensions, seeded, in runs of 7 ids per shard (each shard holds rows of every center), plus `invalid`
 * rows with a NULL or NaN feature.
 */
export async function createEvents(s: Sharded, rows: number, invalid = 0): Promise<void> {
  const c = s.db.client;
  const n = s.shards.length;
  for (const [t, shard] of s.shards.entries()) await shard.query(`CREATE TABLE events_${t + 1} (${EVENT_COLUMNS})`);
  await c.query(`CREATE TABLE events (${EVENT_COLUMNS}) PARTITION BY LIST (shard)`);
  for (let t = 1; t <= n; t++) await c.query(`CREATE FOREIGN TABLE events_${t} PARTITION OF events FOR VALUES IN (${t}) SERVER s${t}`);
  await c.query(`CREATE TABLE events_local (${EVENT_COLUMNS}, PRIMARY KEY (id))`);
  await c.query('SELECT setseed(0.25)');
  // Gaussian noise (Box-Muller) of deviation 1.5 around (0, 0, 0), (10, 0, 0), (0, 10, 0), (0, 0, 10).
  await c.query(
    `INSERT INTO events_local (id, shard, v1, v2, v3)
     SELECT g, 1 + (g / 7) % ${n},
            (CASE WHEN g % 4 = 1 THEN 10 ELSE 0 END) + 1.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
            (CASE WHEN g % 4 = 2 THEN 10 ELSE 0 END) + 1.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()),
            ((CASE WHEN g % 4 = 3 THEN 10 ELSE 0 END) + 1.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::real
       FROM generate_series(1, ${rows}) g`,
  );
  if (invalid > 0) {
    await c.query(
      `INSERT INTO events_local (id, shard, v1, v2, v3)
       SELECT ${rows} + g, 1 + g % ${n}, CASE WHEN g % 2 = 0 THEN NULL ELSE 1 END, CASE WHEN g % 2 = 1 THEN 'NaN'::float8 ELSE 1 END, 1 FROM generate_series(1, ${invalid}) g`,
    );
  }
  await c.query('INSERT INTO events SELECT * FROM events_local');
}

/** Rows the shard's server returned to clients of this database (FETCH of postgres_fdw's cursors) since the last reset. */
export async function rowsReturned(shard: pg.Client): Promise<number> {
  const r = await shard.query(
    `SELECT coalesce(sum(rows), 0)::float8 AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE 'FETCH %'`,
  );
  return Number(r.rows[0].n);
}

/** Forgets the statement statistics of this database on every shard (other databases' stay). */
export async function resetStatements(s: Sharded): Promise<void> {
  for (const shard of s.shards) await shard.query(`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`);
}
