// The adapter over the JavaScript language the server has: pljs (tested here) or plv8 (same API shape).

import { text } from '../sql/quote';

/** The part of pljs / plv8 that pg_centroid uses. */
interface Language {
  execute(sql: string): unknown;
  elog(level: number, ...message: string[]): void;
  find_function(name: string): (...args: unknown[]) => unknown;
}

declare const globalThis: { pljs?: Language; plv8?: Language; NOTICE?: number; WARNING?: number };

/** The language object, found once per connection. */
function language(): Language {
  const l = globalThis.pljs ?? globalThis.plv8;
  if (!l) throw new Error('pg_centroid runs inside PostgreSQL under pljs or plv8');
  return l;
}

/** A row as the language returns it: column name to value. */
export type Row = Record<string, unknown>;

/** Runs a query that returns rows. Values must already be rendered as literals (see src/sql/quote.ts). */
export function query<T = Row>(sql: string): T[] {
  const result = language().execute(sql);
  return Array.isArray(result) ? (result as T[]) : [];
}

/** Runs a query and returns its first row, or null. */
export function one<T = Row>(sql: string): T | null {
  return query<T>(sql)[0] ?? null;
}

/** Runs a statement that returns a row count (UPDATE, DELETE, INSERT without RETURNING). */
export function exec(sql: string): number {
  const result = language().execute(sql);
  return typeof result === 'number' ? result : Array.isArray(result) ? result.length : 0;
}

/** Sends a NOTICE to the client. */
export function notice(message: string): void {
  language().elog(globalThis.NOTICE ?? 18, message);
}

/** Sends a WARNING to the client. */
export function warning(message: string): void {
  language().elog(globalThis.WARNING ?? 19, message);
}

/** Milliseconds from an arbitrary origin, for durations. */
export function now(): number {
  return Date.now();
}

/** The search_path every statement of pg_centroid runs under (each JavaScript function pins it). */
export const PINNED_PATH = 'pg_catalog, pg_temp';

/**
 * Runs fn with the caller's search_path (to resolve names the caller gave: a fit's source and output table),
 * then pins it again. fn must run only statements whose every function, operator and type is qualified.
 */
export function underCallerPath<T>(callerPath: string, fn: () => T): T {
  exec(`SELECT pg_catalog.set_config('search_path', ${text(callerPath)}, true)`);
  try {
    return fn();
  } finally {
    exec(`SELECT pg_catalog.set_config('search_path', '${PINNED_PATH}', true)`);
  }
}

/**
 * Runs fn under search_path = pg_catalog, pg_temp, restoring the session's own after (for the hot entries that
 * carry no SET clause, so they pay for pinning only when they run SQL).
 */
export function pinnedPath<T>(fn: () => T): T {
  const previous = (language().execute(`SELECT pg_catalog.current_setting('search_path') AS p`) as { p: string }[])[0]?.p ?? PINNED_PATH;
  if (previous === PINNED_PATH) return fn();
  exec(`SELECT pg_catalog.set_config('search_path', '${PINNED_PATH}', true)`);
  try {
    return fn();
  } finally {
    exec(`SELECT pg_catalog.set_config('search_path', ${text(previous)}, true)`);
  }
}
