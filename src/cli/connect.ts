// Which server the CLI talks to, and errors people can act on when it cannot reach or use it.

import pg from 'pg';
import { isRunning, stackUrl } from '../stack/stack';

// bigint (row counts) as numbers: counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

const START_HINT = 'start the embedded stack with `npx pg-centroid db up`, or set DATABASE_URL to your server (postgres://user@host:5432/db)';

/** The exit codes of pg-centroid (the README's CLI section lists them). */
export const EXIT = {
  ok: 0,
  /** The server refused a statement (its message and HINT are printed). */
  refused: 1,
  /** Bad arguments: usage, files named on the command line, an unusable DATABASE_URL. */
  usage: 2,
  /** No server answered at that host and port. */
  unreachable: 3,
  /** The server answered but pg_centroid is not installed in that database. */
  notInstalled: 4,
  /** The server answered but refused the connection: no such database or role, authentication, pg_hba.conf. */
  connectionRefused: 5,
} as const;

/** An error the CLI prints as message + hint (and as {error} with --json, with `extra` beside them). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint = '',
    readonly exitCode: number = EXIT.refused,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A URL for messages: its password replaced by ***. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/** Checks DATABASE_URL is a postgres:// URL (pg would otherwise read "not-a-url" as a host name). */
export function checkUrl(url: string): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new CliError(`DATABASE_URL is not a PostgreSQL URL: "${redact(url)}"`, 'write it as postgres://user[:password]@host[:port]/database, e.g. postgres://postgres@127.0.0.1:5432/postgres', EXIT.usage);
  }
  return url;
}

/** The server's URL: DATABASE_URL, else the embedded stack when it is running. */
export function serverUrl(): string {
  if (process.env.DATABASE_URL) return checkUrl(process.env.DATABASE_URL);
  if (isRunning()) return stackUrl();
  throw new CliError('no server: DATABASE_URL is not set and the embedded stack is not running', START_HINT, EXIT.unreachable);
}

/** The host, port and database of a URL, for messages (never its password). */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the server in DATABASE_URL';
  }
}

/** The database and user a URL names. */
function target(url: string): { database: string; user: string; host: string } {
  try {
    const u = new URL(url);
    return { database: decodeURIComponent(u.pathname.slice(1)) || 'postgres', user: decodeURIComponent(u.username) || 'postgres', host: `${u.hostname || 'localhost'}:${u.port || '5432'}` };
  } catch {
    return { database: '?', user: '?', host: '?' };
  }
}

// Notices of IF [NOT] EXISTS in our own DDL (what was never there, or already is) tell a user nothing.
const NOISE = /(does not exist|already exists), skipping$/;

/** Opens a client, turning "cannot connect" into a CliError that says what to do. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('notice', (n) => {
    if ((n.severity === 'WARNING' || n.severity === 'NOTICE') && !NOISE.test(n.message ?? '')) console.error(`${n.severity.toLowerCase()}: ${n.message}`);
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw explainConnect(e, url);
  }
  return client;
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  EHOSTUNREACH: 'no route to the host',
  ETIMEDOUT: 'no answer',
  ECONNRESET: 'the connection was reset',
};

/** Explains an error of opening the connection: unreachable (3), or refused by the server (5). */
export function explainConnect(e: unknown, url: string): unknown {
  const err = e as { code?: string; message?: string };
  const { database, user, host } = target(url);
  if ((err.code && err.code in UNREACHABLE) || /timeout expired|Connection terminated/.test(err.message ?? '')) {
    const why = err.code && UNREACHABLE[err.code] ? `${err.code}: ${UNREACHABLE[err.code]}` : err.message;
    const hint = err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? `check the host name in DATABASE_URL (postgres://user@HOST:port/database); ${START_HINT}` : START_HINT;
    return new CliError(`cannot reach PostgreSQL at ${where(url)} (${why})`, hint, EXIT.unreachable);
  }
  const message = `${err.message ?? 'the server refused the connection'} (server ${host})`;
  switch (err.code) {
    case '3D000':
      return new CliError(message, `create it (CREATE DATABASE ${pg.escapeIdentifier(database)}; or createdb), or point DATABASE_URL at an existing database`, EXIT.connectionRefused);
    case '28000':
      if (/role .* does not exist/.test(err.message ?? '')) {
        return new CliError(message, `connect as an existing role (the user in DATABASE_URL: postgres://USER@${host}/${database}), or create this one: CREATE ROLE ${pg.escapeIdentifier(user)} LOGIN;`, EXIT.connectionRefused);
      }
      return new CliError(message, `the server's pg_hba.conf does not let ${user} connect to ${database} from here: add a line for this host, or connect as another role`, EXIT.connectionRefused);
    case '28P01':
      return new CliError(message, `check the password in DATABASE_URL (postgres://${user}:PASSWORD@${host}/${database}) or in ~/.pgpass`, EXIT.connectionRefused);
    case '42501':
      return new CliError(message, `ask the database's owner for the right to connect: GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${pg.escapeIdentifier(user)};`, EXIT.connectionRefused);
    case '53300':
      return new CliError(message, 'the server has no free connection slots: close other connections, or raise max_connections', EXIT.connectionRefused);
    default:
      if (err.code) return new CliError(message, '', EXIT.connectionRefused);
      return e;
  }
}

/** Turns an error of a statement into one with the server's hint; leaves others as they are. */
export function explain(e: unknown, url: string): unknown {
  if (e instanceof CliError) return e;
  const err = e as { code?: string; message?: string; hint?: string; detail?: string };
  if (err.code === '3F000' || (err.code === '42883' && /centroid\./.test(err.message ?? '')) || (err.code === '42P01' && /"centroid\./.test(err.message ?? ''))) {
    return new CliError(`pg_centroid is not installed in ${where(url)} (${err.message})`, 'run `npx pg-centroid install` (with the same DATABASE_URL)', EXIT.notInstalled);
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
