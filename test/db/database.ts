// Test helper: a fresh database per test file, with timescaledb, pljs and the built pg_centroid.
//
// The server is the embedded stack (started by test/global-setup.ts) or the one DATABASE_URL
// names; there, pg_centroid must be installed first (`pg-centroid install`).

import pg from 'pg';

// bigint and numeric come back as JavaScript numbers in tests (values stay far below 2^53).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
pg.types.setTypeParser(1016 as never, pg.types.getTypeParser(1007 as never)); // int8[] like int4[]

/** The server's URL, pointing at another database. */
export function urlFor(database: string): string {
  const base = new URL(process.env.PG_CENTROID_TEST_URL ?? process.env.DATABASE_URL ?? '');
  base.pathname = '/' + database;
  return base.toString();
}

/** A database made for one test file, dropped by close(). */
export interface TestDatabase {
  name: string;
  url: string;
  /** A client connected to it. */
  client: pg.Client;
  /** Opens another connection (for concurrency tests); closed by close(). */
  connect(options?: { user?: string }): Promise<pg.Client>;
  close(): Promise<void>;
}

/** Creates a fresh database with the extensions installed. */
export async function createDatabase(prefix: string, extensions = ['timescaledb', 'pljs', 'pg_centroid']): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = urlFor(name);
  const others: pg.Client[] = [];
  const connect = async (options: { user?: string } = {}) => {
    // A user in the connection string wins over a separate option, so put it there.
    const target = new URL(url);
    if (options.user) target.username = options.user;
    const c = new pg.Client({ connectionString: target.toString() });
    c.on('notice', () => {});
    await c.connect();
    others.push(c);
    return c;
  };
  const client = await connect();
  for (const e of extensions) await client.query(`CREATE EXTENSION IF NOT EXISTS ${e}`);
  return {
    name,
    url,
    client,
    connect,
    async close() {
      for (const c of others) await c.end().catch(() => {});
      const a = new pg.Client({ connectionString: urlFor('postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Runs a query expected to fail and returns the error (message, hint, detail, code). */
export async function failure(client: pg.Client, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  try {
    await client.query(sql, params);
  } catch (e) {
    return e as pg.DatabaseError;
  }
  throw new Error(`expected this to fail: ${sql}`);
}
