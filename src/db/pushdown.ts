// The aggregate engine: Lloyd's passes as plain SQL aggregates, under the core's driver (src/core/lloyd.ts). A pass is
// one statement: per leaf relation of the source (a partition), each valid row's nearest center (a flat expression of
// built-in functions, sqlengine.ts's nearestFlatSql) and per nearest center the row count and coordinate sums,
// GROUP BY; the leaves' aggregates are put together by UNION ALL and summed here. On a postgres_fdw foreign partition
// that aggregate runs on its server (PostgreSQL 18 pushes full aggregates to a foreign table, not the partial ones a
// GROUP BY over the partitioned table would need), and an Append runs the servers at the same time when they are
// async_capable: what leaves a shard per pass is k rows of d + 2 numbers. Over one plain table the same statement is
// an ordinary GROUP BY, which PostgreSQL may run with parallel workers, and which Citus would push to its workers.

import type { Assignment, Candidate, LloydEngine } from '../core/lloyd';
import { FEATURE_MAX, FEATURE_ZERO } from '../core/features';
import { float, ident, integer } from '../sql/quote';
import type { Column } from './catalog';
import { type Layout, remoteQuery } from './shards';
import { nearestFlatSql } from './sqlengine';

/** How the rows of a source look to the aggregate passes: where they are, which are valid, and their features. */
export interface Frame {
  layout: Layout;
  /** The source, for messages. */
  display: string;
  /** SQL: true when every feature of the row is valid (finite, magnitude at most FEATURE_MAX). */
  valid: string;
  /** The features as float8 expressions over the row (flushed to 0 below FEATURE_ZERO where a column needs it; standardized when asked). */
  x: string[];
}

/** A column's value as float8, unchecked. */
function asFloat(c: Column): string {
  return `${ident(c.name)}::pg_catalog.float8`;
}

/** SQL: true when the column's value is a valid feature (numeric is compared before its cast, which could fail). */
export function validColumnSql(c: Column): string {
  if (c.kind === 'integer') return `${ident(c.name)} IS NOT NULL`;
  if (c.kind === 'numeric') return `pg_catalog.abs(${ident(c.name)}) <= ${FEATURE_MAX}::pg_catalog.numeric`;
  // NULL, NaN (greater than every number in PostgreSQL) and the infinities fail.
  return `pg_catalog.abs(${asFloat(c)}) <= ${float(FEATURE_MAX)}`;
}

/** A column's feature expression for valid rows: its float8 value, flushed to 0 below FEATURE_ZERO when `flush`. */
export function rawFeatureSql(c: Column, flush: boolean): string {
  const v = asFloat(c);
  return flush ? `CASE WHEN pg_catalog.abs(${v}) < ${float(FEATURE_ZERO)} THEN 0::pg_catalog.float8 ELSE ${v} END` : v;
}

/** A standardized feature, (x - mean) / scale, flushed to 0 below FEATURE_ZERO when `flush`. */
export function scaledFeatureSql(x: string, mean: number, scale: number, flush: boolean): string {
  const z = `((${x}) - (${float(mean)})) / (${float(scale)})`;
  return flush ? `CASE WHEN pg_catalog.abs(${z}) < ${float(FEATURE_ZERO)} THEN 0::pg_catalog.float8 ELSE ${z} END` : `(${z})`;
}

/** One statement over every leaf: the statement of each, joined by UNION ALL (a single leaf: its statement alone). */
export function overLeaves(layout: Layout, statement: (relation: string) => string): string {
  const parts = layout.leaves.map((l) => statement(l.sql));
  return parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' UNION ALL ');
}

/** Rows ordered by their values (column by column), so that sums over them run in one order whatever the servers' order. */
export function inOrder<T extends Record<string, unknown>>(rows: T[], columns: string[]): T[] {
  const key = (v: unknown) => (v === null || v === undefined ? -Infinity : Number(v));
  return rows.slice().sort((a, b) => {
    for (const c of columns) {
      const d = key(a[c]) - key(b[c]);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
  });
}

/** The statement of one Lloyd pass from `centers`: per leaf and nearest center (p, 1-based), the rows n and sums s0.. */
export function passSql(f: Frame, centers: Float64Array, k: number): string {
  const { position } = nearestFlatSql(f.x, centers, k);
  const sums = f.x.map((e, j) => `pg_catalog.sum(${e}) AS s${j}`).join(', ');
  return overLeaves(f.layout, (rel) => `SELECT ${position} AS p, pg_catalog.count(*) AS n, ${sums} FROM ${rel} WHERE ${f.valid} GROUP BY 1`);
}

/** The statement of the m rows farthest from their nearest center (and not on it), farthest first, ties by features. */
export function farthestSql(f: Frame, centers: Float64Array, k: number, m: number): string {
  const { position, dist } = nearestFlatSql(f.x, centers, k);
  const xs = f.x.map((e, j) => `${e} AS x${j}`).join(', ');
  const order = ['dist DESC', ...f.x.map((_, j) => `x${j}`)].join(', ');
  // Each leaf sends at most m rows (ORDER BY ... LIMIT is pushed down to a foreign table), then the best m of those.
  return `SELECT * FROM (${overLeaves(f.layout, (rel) => `SELECT ${xs}, ${position} AS p, ${dist} AS dist FROM ${rel} WHERE ${f.valid} AND ${dist} > 0 ORDER BY ${order} LIMIT ${integer(m)}`)}) f ORDER BY ${order} LIMIT ${integer(m)}`;
}

/** The aggregate engine over a frame: a pass per statement, no labels kept between passes. */
export class AggregateEngine implements LloydEngine {
  readonly d: number;
  /** Passes run so far (assign calls). */
  passes = 0;

  constructor(private readonly f: Frame, readonly k: number, private readonly what: string) {
    this.d = f.x.length;
  }

  assign(centers: Float64Array): Assignment {
    const { k, d } = this;
    const rows = remoteQuery<Record<string, unknown>>(passSql(this.f, centers, k), this.f.layout, this.f.display, this.what);
    this.passes++;
    const counts = new Float64Array(k);
    const sums = new Float64Array(k * d);
    for (const r of inOrder(rows, ['p', 'n', ...Array.from({ length: d }, (_, j) => `s${j}`)])) {
      const c = Number(r.p) - 1;
      counts[c] = (counts[c] as number) + Number(r.n);
      for (let j = 0; j < d; j++) sums[c * d + j] = (sums[c * d + j] as number) + Number(r[`s${j}`]);
    }
    return { counts, sums, changed: null };
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    const { k, d } = this;
    const rows = remoteQuery<Record<string, unknown>>(farthestSql(this.f, centers, k, m), this.f.layout, this.f.display, this.what);
    const xs = Array.from({ length: d }, (_, j) => `x${j}`);
    // Farthest first, then by features: the same order whichever server answered first. A row is named by its place.
    const ordered = inOrder(rows, xs).sort((a, b) => Number(b.dist) - Number(a.dist));
    return ordered.map((r, i) => ({
      row: i,
      cluster: Number(r.p) - 1,
      dist: Math.sqrt(Number(r.dist)),
      x: Float64Array.from(xs, (x) => Number(r[x])),
      weight: 1,
    }));
  }

  /** Every pass assigns from the centers alone: a moved row needs no bookkeeping. */
  move(): void {}
}
