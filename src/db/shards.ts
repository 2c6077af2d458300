// What a source is made of for the aggregate route: its leaf relations (the partitions of a partitioned table, or the
// relation itself) and, for leaves that are postgres_fdw foreign tables, the servers they live on. Statements that
// reach the shards run through centroid_internal._remote, which catches a failure with its SQLSTATE and context (pljs
// would keep only the message); the failure comes back here and is raised naming the server it came from.

import { integer, qualified } from '../sql/quote';
import { UserError } from './errors';
import { one } from './pl';

/** A foreign server of a sharded source. */
export interface Server {
  name: string;
  /** Its foreign-data wrapper (postgres_fdw for the shards of a sharded table). */
  wrapper: string;
  host: string | null;
  port: string | null;
  dbname: string | null;
  /** True when async_capable is set: postgres_fdw then queries this server at the same time as the others. */
  asyncCapable: boolean;
}

/** A leaf relation: what an aggregate statement names, one per leaf. */
export interface Leaf {
  /** schema.name, quoted. */
  sql: string;
  display: string;
  /** The server of a foreign table, else null. */
  server: Server | null;
  /** The remote table as postgres_fdw names it in the SQL it sends (schema.table, quoted as needed). */
  remote: string | null;
}

/** A source's leaves, and the distinct servers of its foreign leaves in order of first use. */
export interface Layout {
  leaves: Leaf[];
  servers: Server[];
}

/** A libpq-style option of an options array (`host=...`), or null. */
function option(options: string[] | null, name: string): string | null {
  const hit = (options ?? []).find((o) => o.startsWith(`${name}=`));
  return hit === undefined ? null : hit.slice(name.length + 1);
}

/** The leaves of relation `oid` (its partitions, leaf by leaf, by name; else the relation itself) and their servers. */
export function layoutOf(oid: number): Layout {
  const rows = one<{ leaves: Record<string, unknown>[] | null }>(
    `WITH l AS (SELECT t.relid FROM pg_catalog.pg_partition_tree(${integer(oid)}::oid::pg_catalog.regclass) t WHERE t.isleaf
                UNION ALL SELECT ${integer(oid)}::oid WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_partition_tree(${integer(oid)}::oid::pg_catalog.regclass)))
     SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
              'schema', n.nspname, 'name', c.relname, 'server', s.srvname, 'wrapper', w.fdwname, 'srv', s.srvoptions, 'ft', ft.ftoptions,
              'remote', CASE WHEN ft.ftrelid IS NOT NULL THEN pg_catalog.quote_ident(coalesce(
                          (SELECT pg_catalog.substr(o, 13) FROM pg_catalog.unnest(ft.ftoptions) o WHERE o LIKE 'schema\\_name=%'), n.nspname::text))
                        || '.' || pg_catalog.quote_ident(coalesce(
                          (SELECT pg_catalog.substr(o, 12) FROM pg_catalog.unnest(ft.ftoptions) o WHERE o LIKE 'table\\_name=%'), c.relname::text)) END)
            ORDER BY n.nspname, c.relname) AS leaves
       FROM l JOIN pg_catalog.pg_class c ON c.oid = l.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
       LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
       LEFT JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw`,
  );
  const servers = new Map<string, Server>();
  const leaves = (rows?.leaves ?? []).map((r): Leaf => {
    const schema = String(r.schema);
    const name = String(r.name);
    let server: Server | null = null;
    if (typeof r.server === 'string') {
      const srv = (r.srv as string[] | null) ?? [];
      const ft = (r.ft as string[] | null) ?? [];
      server = servers.get(r.server) ?? {
        name: r.server,
        wrapper: String(r.wrapper),
        host: option(srv, 'host'),
        port: option(srv, 'port'),
        dbname: option(srv, 'dbname'),
        asyncCapable: (option(ft, 'async_capable') ?? option(srv, 'async_capable')) === 'true',
      };
      servers.set(server.name, server);
    }
    return { sql: qualified(schema, name), display: schema === 'public' ? name : `${schema}.${name}`, server, remote: typeof r.remote === 'string' ? r.remote : null };
  });
  return { leaves, servers: [...servers.values()] };
}

/** True when some leaf is a postgres_fdw foreign table: the source is sharded. */
export function isSharded(layout: Layout): boolean {
  return layout.leaves.some((l) => l.server?.wrapper === 'postgres_fdw');
}

/** A server as messages name it: "s1" (127.0.0.1:5433). */
export function serverName(s: Server): string {
  const at = s.host !== null || s.port !== null ? `${s.host ?? 'local socket'}${s.port !== null ? `:${s.port}` : ''}` : 'default host';
  return `"${s.name}" (${at}${s.dbname !== null ? `, database ${s.dbname}` : ''})`;
}

/** A failed statement as centroid_internal._remote reports it. */
export interface RemoteError {
  sqlstate: string;
  message: string;
  detail: string | null;
  hint: string | null;
  context: string | null;
}

/** The leaves whose remote table the failed remote SQL names (as a whole name). */
function leavesNamedIn(layout: Layout, sql: string): Leaf[] {
  return layout.leaves.filter((l) => {
    if (l.remote === null) return false;
    const at = sql.indexOf(l.remote);
    if (at < 0) return false;
    const next = sql.charAt(at + l.remote.length);
    return !/[A-Za-z0-9_$]/.test(next);
  });
}

/** The servers a failure came from: the one postgres_fdw could not reach, the one whose table the remote SQL names, else all. */
function failedServers(layout: Layout, e: RemoteError): Server[] {
  const refused = /could not connect to server "((?:[^"]|"")+)"/.exec(e.message);
  const byName = refused ? layout.servers.filter((s) => s.name === (refused[1] as string).replace(/""/g, '"')) : [];
  if (byName.length > 0) return byName;
  const remoteSql = /remote SQL command: ([^\n]*)/.exec(e.context ?? '')?.[1];
  if (remoteSql !== undefined) {
    const named = [...new Set(leavesNamedIn(layout, remoteSql).map((l) => l.server as Server))];
    if (named.length > 0) return named;
  }
  return layout.servers;
}

/**
 * The error a failed statement of a fit on `display` becomes: naming the server (or, when the failure does not say,
 * every server of the source), with the fix; the SQLSTATE stays the server's. Errors not from the shards keep their
 * message and say nothing of servers.
 */
export function remoteFailure(layout: Layout, display: string, what: string, e: RemoteError): UserError {
  const fromShard = /remote SQL command:/.test(e.context ?? '') || /could not connect to server "/.test(e.message) || e.sqlstate.startsWith('08');
  const timedOut = e.sqlstate === '57014' && /statement timeout/.test(e.message);
  const written = 'nothing was written: the fit runs in one transaction, and its labels are written by one UPDATE';
  const detail = [e.detail, written].filter((v) => v !== null && v !== '').join('\n');
  if (layout.servers.length === 0 || (!fromShard && !timedOut)) {
    return new UserError(`pg_centroid: ${what} on ${display} failed: ${e.message}`, e.hint ?? '', detail, e.sqlstate);
  }
  const servers = failedServers(layout, e);
  const names = servers.map(serverName).join(', ');
  const one = servers.length === 1 ? `shard server ${names}` : `one of the shard servers ${names}`;
  const partitions = layout.leaves.filter((l) => servers.includes(l.server as Server)).map((l) => l.display);
  if (/could not connect to server "/.test(e.message) || e.sqlstate.startsWith('08')) {
    return new UserError(
      `pg_centroid: ${one} of ${display} is not reachable, so ${what} cannot run: ${e.message}`,
      `start that server and run it again, or leave its partition out: ${partitions.map((p) => `ALTER TABLE ${display} DETACH PARTITION ${p};`).join(' ')}`,
      detail,
      e.sqlstate,
    );
  }
  if (e.sqlstate === '57014') {
    return new UserError(
      `pg_centroid: ${what} on ${display} was stopped while waiting for ${one}: ${e.message}`,
      timedOut
        ? `give the shards more time: SET statement_timeout = '30min'; (or raise the shard's own, e.g. ALTER SERVER ${servers[0]?.name ?? 'server'} OPTIONS (SET options '-c statement_timeout=30min')), or look for what blocks it on that server (pg_stat_activity, pg_locks)`
        : 'the statement was canceled; run it again',
      detail,
      e.sqlstate,
    );
  }
  return new UserError(`pg_centroid: ${one} of ${display} failed in ${what}: ${e.message}`, e.hint ?? `see the log of server ${servers[0]?.name ?? ''}`, detail, e.sqlstate);
}

/** Runs a statement through centroid_internal._remote: its rows (or, for rows = false, its row count), or its failure. */
function remote(sql: string, rows: boolean): { rows?: Record<string, unknown>[]; count?: number; error?: RemoteError } {
  const r = one<{ r: { rows?: Record<string, unknown>[]; count?: number; error?: RemoteError } }>(
    `SELECT centroid_internal._remote(${quoteBody(sql)}, ${rows}) AS r`,
  );
  return r?.r ?? {};
}

/** A statement as a dollar-quoted literal whose tag it does not contain. */
function quoteBody(sql: string): string {
  let tag = 'pg_centroid_q';
  while (sql.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${sql}$${tag}$`;
}

/** The rows of a query that reads the source, or the error naming the server it failed on. */
export function remoteQuery<T = Record<string, unknown>>(sql: string, layout: Layout, display: string, what: string): T[] {
  const r = remote(sql, true);
  if (r.error) throw remoteFailure(layout, display, what, r.error);
  return (r.rows ?? []) as T[];
}

/** The row count of a statement that writes to the source, or the error naming the server it failed on. */
export function remoteExec(sql: string, layout: Layout, display: string, what: string): number {
  const r = remote(sql, false);
  if (r.error) throw remoteFailure(layout, display, what, r.error);
  return Number(r.count ?? 0);
}
