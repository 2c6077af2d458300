// Which server the CLI talks to, and errors people can act on when it cannot reach or use it.

import pg from 'pg';
import { isRunning, stackUrl } from '../stack/stack';

// bigint (row counts) as numbers: counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

const START_HINT = 'start the embedded stack with `npx pg-centroid db up`, or set DATABASE_URL to your server (postgres://user@host:5432/db)';

/** An error the CLI prints as message + hint (and as {error} with --json). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint = '',
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The server's URL: DATABASE_URL, else the embedded stack when it is running. */
export function serverUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (isRunning()) return stackUrl();
  throw new CliError('no server: DATABASE_URL is not set and the embedded stack is not running', START_HINT, 3);
}

/** The host and port of a URL, for messages (never its password). */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

/** Opens a client, turning "cannot connect" into a CliError that says how to start a server. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('notice', (n) => {
    if (n.severity === 'WARNING' || n.severity === 'NOTICE') console.error(`${n.severity.toLowerCase()}: ${n.message}`);
  });
  try {
    await client.connect();
  } catch (e) {
    throw explain(e, url);
  }
  return client;
}

/** Turns an error from pg into one with a hint; leaves others as they are. */
export function explain(e: unknown, url: string): unknown {
  const err = e as { code?: string; message?: string; hint?: string; detail?: string };
  const unreachable = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET'];
  if ((err.code && unreachable.includes(err.code)) || /timeout expired|Connection terminated/.test(err.message ?? '')) {
    return new CliError(`cannot reach PostgreSQL at ${where(url)} (${err.code ?? err.message})`, START_HINT, 3);
  }
  if (err.code === '3D000') return new CliError(err.message ?? 'database does not exist', 'create it (createdb), or point DATABASE_URL at an existing database', 3);
  if (err.code === '3F000' || (err.code === '42883' && /centroid\./.test(err.message ?? ''))) {
    return new CliError(`pg_centroid is not installed in ${where(url)} (${err.message})`, 'run `npx pg-centroid install` (with the same DATABASE_URL)', 4);
  }
  if (err.code && typeof err.message === 'string') {
    return new CliError(err.message + (err.detail ? `\n${err.detail}` : ''), err.hint ?? '');
  }
  return e;
}

/** Runs fn with a connected client and closes it, explaining server errors. */
export async function withClient<T>(fn: (client: pg.Client, url: string) => Promise<T>): Promise<T> {
  const url = serverUrl();
  const client = await connect(url);
  try {
    return await fn(client, url);
  } catch (e) {
    throw explain(e, url);
  } finally {
    await client.end().catch(() => {});
  }
}
