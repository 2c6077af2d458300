// Helpers of the table matrix (test/db/tables-*.test.ts, issue 11): what a clustered table holds, checked in SQL.

import type pg from 'pg';
import { expect } from 'vitest';

/** SQL: the nearest stored centroid (squared euclidean, ties to the lowest index) of a row with columns `cols` of alias t. */
export function nearestSql(cols: string[], state = 's'): string {
  const dist = cols.map((c, j) => `(t.${c}::float8 - ${state}.centroids[c][${j + 1}]) ^ 2`).join(' + ');
  return `(SELECT c - 1 FROM generate_subscripts(${state}.centroids, 1) AS c ORDER BY ${dist}, c LIMIT 1)`;
}

/** Rows, labelled rows, and rows whose label is not the nearest stored centroid of the table. */
export async function labelFacts(
  client: pg.Client,
  table: string,
  cols: string[],
  label = 'cl',
): Promise<{ n: number; labelled: number; wrong: number }> {
  const r = await client.query(
    `SELECT count(*)::int AS n, count(t.${label})::int AS labelled,
            count(*) FILTER (WHERE t.${label} IS DISTINCT FROM ${nearestSql(cols)})::int AS wrong
       FROM ${table} t, centroid.state s WHERE s.table_name = $1::regclass`,
    [table],
  );
  return r.rows[0] ?? { n: 0, labelled: 0, wrong: 0 };
}

/** The stored state of a table (null before its first clustering). */
export async function stateOf(client: pg.Client, table: string): Promise<Record<string, any> | null> {
  const r = await client.query(`SELECT centroids, counts, sizes, rows_used, refits FROM centroid.state WHERE table_name = $1::regclass`, [table]);
  return r.rows[0] ?? null;
}

/** Runs a statement and returns its error, or null when it succeeded. */
export async function attempt(client: pg.Client, sql: string, params: unknown[] = []): Promise<pg.DatabaseError | null> {
  try {
    await client.query(sql, params);
    return null;
  } catch (e) {
    return e as pg.DatabaseError;
  }
}

/** An error a user can meet: a message of ours or the server's, a HINT, and never pljs's bare "execution error" or a JavaScript stack. */
export function expectUserError(e: pg.DatabaseError | null, message?: RegExp): void {
  expect(e, 'the statement should have failed').not.toBeNull();
  const err = e as pg.DatabaseError;
  const text = `${err.message}\n${err.detail ?? ''}\n${err.hint ?? ''}`;
  expect(text).not.toMatch(/execution error/);
  expect(text).not.toMatch(/\bat .*\(.*:\d+\)|^\s+at /m);
  expect(err.code).not.toBe('XX000');
  expect(err.hint ?? '', `no HINT for: ${err.message}`).not.toBe('');
  if (message) expect(err.message).toMatch(message);
}
