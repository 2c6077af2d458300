// The SQL engine: k-means on big windows with the distance pass run by the SQL executor. One
// statement per Lloyd iteration assigns every window row to its nearest center (centers rendered
// as literals, argmin by CASE) and sums each cluster's rows (GROUP BY); a last statement writes
// the labels that changed and returns sizes, radii and cost. The window is never read into
// JavaScript, so its size is bounded by the server, not by pljs's memory.
//
// Windows read into JavaScript (the other engine) are checked against pljs.memory_limit first.

import type { Settings } from '../config/settings';
import { nearest } from '../core/assign';
import { fit } from '../core/fit';
import { countDistinct } from '../core/seeding';
import type { Points } from '../core/types';
import { float, ident, integer, text } from '../sql/quote';
import { orderColumn, type Table } from './catalog';
import { UserError } from './errors';
import { now, one, query } from './pl';
import { fitOptions, type PendingRow, type RefitOutcome } from './refit';
import { saveRefit, type State } from './state';

/** Windows of more rows than this run in the SQL engine (when the settings allow it). */
export const SQL_ENGINE_FROM = 20000;

/** Largest k the SQL engine renders (its argmin is a CASE of k * (k - 1) / 2 comparisons). */
export const SQL_ENGINE_MAX_K = 16;

/** Rows sampled to seed a first clustering: ~50 per cluster, at least 10,000 (as pgvector does). */
export function sampleSize(k: number): number {
  return Math.max(10000, 50 * k);
}

/** Bytes a window row costs once read into JavaScript: keys, labels and d features as JS arrays and a typed copy. */
export function bytesPerRow(d: number): number {
  return (d + 2) * 16 + d * 8;
}

/** Which engine refits: `sql` (this file) or `js` (read the window, fit in the interpreter). */
export type Engine = 'js' | 'sql';

/** True when the SQL engine computes what the JS engine would: k-means, euclidean, unscaled, small k. */
export function sqlEngineSupports(s: Settings): boolean {
  return (
    (s.clustering_algorithm === 'k-means' || s.clustering_algorithm === 'k-means++') &&
    s.distance_type === 'euclidean' &&
    s.standardize === 'none' &&
    s.cluster_count <= SQL_ENGINE_MAX_K
  );
}

/** Picks the engine: the session's pg_centroid.engine (js, sql, auto) or, by default, the window's size. */
export function chooseEngine(table: Table, s: Settings): Engine {
  const forced = one<{ e: string | null }>(`SELECT pg_catalog.current_setting('pg_centroid.engine', true) AS e`)?.e ?? 'auto';
  if (!sqlEngineSupports(s) || forced === 'js') return 'js';
  if (forced === 'sql') return 'sql';
  if (s.maximum_data_count <= SQL_ENGINE_FROM) return 'js';
  return rowsUpTo(table, SQL_ENGINE_FROM + 1) > SQL_ENGINE_FROM ? 'sql' : 'js';
}

/** Rows of the table, counted up to limit (cheap: no ordering). */
function rowsUpTo(table: Table, limit: number): number {
  const row = one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table.sql} LIMIT ${integer(limit)}) t`);
  return Number(row?.n ?? 0);
}

/** Throws a UserError when the window, read into JavaScript, would not fit in pljs's memory limit. */
export function checkWindowMemory(table: Table, s: Settings): void {
  const limitMb = Number(one<{ m: string | null }>(`SELECT pg_catalog.current_setting('pljs.memory_limit', true) AS m`)?.m ?? 512) || 512;
  // Half the limit: the fit's own arrays (labels, bounds, distances) need the rest.
  const budget = (limitMb * 1024 * 1024) / 2;
  const d = s.clustering_columns.length;
  if (s.maximum_data_count * bytesPerRow(d) <= budget) return;
  const rows = rowsUpTo(table, s.maximum_data_count);
  const need = rows * bytesPerRow(d);
  if (need <= budget) return;
  const fits = Math.floor(budget / bytesPerRow(d));
  throw new UserError(
    `pg_centroid: the window of ${table.display} (${rows} rows x ${d} columns, about ${Math.ceil(need / 1048576)} MB in JavaScript) does not fit in half of pljs.memory_limit (${limitMb} MB)`,
    `lower maximum_data_count to at most ${fits} in centroid.settings, or raise pljs.memory_limit (as a superuser: ALTER SYSTEM SET pljs.memory_limit = ${Math.ceil((2 * need) / 1048576)}; then SELECT pg_reload_conf())` +
      (sqlEngineSupports(s) ? '' : '; k-means with euclidean distance, no standardize and at most 16 clusters runs in the SQL engine, without this limit'),
    `the ${s.clustering_algorithm} / ${s.distance_type} settings of this table need the window in memory`,
    '54000',
  );
}

/** The window as SQL: key k, features c0..c{d-1} as float8, label l, order o; invalid rows left out; plus the pending row. */
function windowSql(table: Table, s: Settings, pending?: PendingRow): string {
  const order = orderColumn(table, s) ?? s.key_column;
  const cols = s.clustering_columns.map((c, j) => `${ident(c)}::float8 AS c${j}`).join(', ');
  // x - x = 0 is false for NaN and the infinities, and NULL for NULL.
  const valid = s.clustering_columns.map((_, j) => `(c${j} - c${j}) = 0`).join(' AND ');
  const rows = `SELECT k, ${s.clustering_columns.map((_, j) => `c${j}`).join(', ')}, l, o FROM (SELECT ${ident(s.key_column)} AS k, ${cols}, ${ident(s.cluster_number_column as string)}::int4 AS l, ${ident(order)} AS o
      FROM ${table.sql} ORDER BY ${ident(order)} DESC LIMIT ${integer(s.maximum_data_count)}) w WHERE ${valid}`;
  if (!pending) return rows;
  const values = Array.from(pending.x, (v) => float(v)).join(', ');
  return `${rows} UNION ALL SELECT NULL, ${values}, NULL::int4, NULL`;
}

/** Squared distance of the row (c0..) to each center, as SQL expressions d0..d{k-1}. */
function distanceColumns(centers: Float64Array, k: number, d: number): string {
  const out: string[] = [];
  for (let c = 0; c < k; c++) {
    const terms: string[] = [];
    for (let j = 0; j < d; j++) {
      const v = `(${float(centers[c * d + j] as number)})`;
      terms.push(`(c${j} - ${v}) * (c${j} - ${v})`);
    }
    out.push(`${terms.join(' + ')} AS d${c}`);
  }
  return out.join(', ');
}

/** Index of the smallest of d0..d{k-1} as a CASE (ties go to the lowest index, as in the JS engine), and that distance. */
function argminSql(k: number): { label: string; dist: string } {
  if (k === 1) return { label: '0', dist: 'd0' };
  const whens: string[] = [];
  for (let c = 0; c < k - 1; c++) {
    const conds: string[] = [];
    for (let o = c + 1; o < k; o++) conds.push(`d${c} <= d${o}`);
    whens.push(`WHEN ${conds.join(' AND ')} THEN ${c}`);
  }
  const ds = Array.from({ length: k }, (_, c) => `d${c}`).join(', ');
  return { label: `CASE ${whens.join(' ')} ELSE ${k - 1} END`, dist: `LEAST(${ds})` };
}

/** The window with each row's nearest center (nl) and squared distance to it (dist). */
function assignedSql(win: string, centers: Float64Array, k: number, d: number): string {
  const { label, dist } = argminSql(k);
  const cs = Array.from({ length: d }, (_, j) => `c${j}`).join(', ');
  // OFFSET 0 keeps d0.. computed once per row instead of once per reference in the CASE.
  return `SELECT k, ${cs}, l, o, ${label} AS nl, ${dist} AS dist FROM (SELECT *, ${distanceColumns(centers, k, d)} FROM (${win}) w OFFSET 0) x`;
}

/** Runs fn with enable_sort off for this transaction (restored after): with 3 groups, hashing beats sorting the window. */
function withHashAggregate<T>(fn: () => T): T {
  const previous = one<{ v: string }>(`SELECT pg_catalog.current_setting('enable_sort') AS v`)?.v ?? 'on';
  one(`SELECT pg_catalog.set_config('enable_sort', 'off', true)`);
  try {
    return fn();
  } finally {
    one(`SELECT pg_catalog.set_config('enable_sort', ${text(previous)}, true)`);
  }
}

/** One Lloyd step in SQL: per cluster, its row count and coordinate sums under the given centers. */
function lloydStep(win: string, centers: Float64Array, k: number, d: number): { counts: Float64Array; sums: Float64Array; n: number; squares: Float64Array } {
  const sums = Array.from({ length: d }, (_, j) => `sum(c${j}) AS s${j}, sum(c${j} * c${j}) AS q${j}`).join(', ');
  const rows = query<Record<string, unknown>>(`SELECT nl, count(*) AS n, ${sums} FROM (${assignedSql(win, centers, k, d)}) a GROUP BY nl`);
  const squares = new Float64Array(d);
  const counts = new Float64Array(k);
  const out = new Float64Array(k * d);
  let n = 0;
  for (const r of rows) {
    const c = Number(r.nl);
    counts[c] = Number(r.n);
    n += Number(r.n);
    for (let j = 0; j < d; j++) {
      out[c * d + j] = Number(r[`s${j}`]);
      squares[j] = (squares[j] as number) + Number(r[`q${j}`]);
    }
  }
  return { counts, sums: out, n, squares };
}

/** Mean over the dimensions of the window's population variance, from a step's counts and sums. */
function meanVariance(step: { counts: Float64Array; sums: Float64Array; n: number; squares: Float64Array }): number {
  const d = step.squares.length;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (let c = 0; c < step.counts.length; c++) sum += step.sums[c * d + j] as number;
    const mean = sum / step.n;
    total += Math.max(0, (step.squares[j] as number) / step.n - mean * mean);
  }
  return total / d;
}

/** The window row farthest from its nearest center, to re-seed an empty cluster (as the JS engine does); null if all sit on a center. */
function farthestRow(win: string, centers: Float64Array, k: number, d: number): Float64Array | null {
  const cs = Array.from({ length: d }, (_, j) => `c${j}`).join(', ');
  const row = one<Record<string, unknown>>(`SELECT ${cs}, dist FROM (${assignedSql(win, centers, k, d)}) a ORDER BY dist DESC LIMIT 1`);
  if (!row || !(Number(row.dist) > 0)) return null;
  return Float64Array.from({ length: d }, (_, j) => Number(row[`c${j}`]));
}

/** First centers when there are no stored ones: the settings' start, fitted on a sample of the window. */
function seedCenters(win: string, s: Settings, d: number): Float64Array | null {
  const options = fitOptions(s, null);
  if (options.centerChoice === 'manual' && options.centers) return options.centers;
  const n = Number(one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (${win}) w`)?.n ?? 0);
  const step = Math.max(1, Math.floor(n / sampleSize(s.cluster_count)));
  const cs = Array.from({ length: d }, (_, j) => `c${j}`).join(', ');
  const cols = Array.from({ length: d }, (_, j) => `array_agg(c${j} ORDER BY r) AS c${j}`).join(', ');
  // Every step-th row in window order: deterministic, so the same data and seed give the same start.
  const row = one<Record<string, number[] | null>>(
    `SELECT ${cols} FROM (SELECT ${cs}, pg_catalog.row_number() OVER () AS r FROM (${win}) w) x WHERE r % ${integer(step)} = 0`,
  );
  const columns = Array.from({ length: d }, (_, j) => row?.[`c${j}`] ?? []);
  const m = columns[0]?.length ?? 0;
  const data = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) data[i * d + j] = Number((columns[j] as number[])[i]);
  const sample: Points = { data, n: m, d };
  if (m < s.cluster_count || countDistinct(sample, s.cluster_count) < s.cluster_count) return null;
  return fit(sample, options).centers;
}

/**
 * Refits the window in the SQL engine when the settings and the window's size call for it; null
 * means the caller runs the JS engine (after the memory check). Writes labels and the new state.
 */
export function refitInSql(table: Table, s: Settings, state: State | null, pending?: PendingRow): { outcome: RefitOutcome; state: State | null } | null {
  const started = now();
  if (chooseEngine(table, s) === 'js') {
    checkWindowMemory(table, s);
    return null;
  }
  const k = s.cluster_count;
  const d = s.clustering_columns.length;
  const win = windowSql(table, s, pending);
  return withHashAggregate(() => {
    let centers = state && !state.scaler && state.centers.length === k * d ? Float64Array.from(state.centers) : seedCenters(win, s, d);
    // Fewer distinct rows than clusters in the sample: the JS engine checks and reports it.
    if (!centers) return null;
    let iterations = 0;
    let converged = false;
    // The core's relative tolerance: squared center shifts summed, against tolerance x the mean variance.
    let threshold = -1;
    while (iterations < s.max_iterations) {
      const step = lloydStep(win, centers, k, d);
      if (step.n < s.minimum_data_count) return null;
      if (threshold < 0) threshold = s.tolerance > 0 ? s.tolerance * meanVariance(step) : 0;
      const next = new Float64Array(k * d);
      for (let c = 0; c < k; c++) {
        const m = step.counts[c] as number;
        const seed = m > 0 ? null : farthestRow(win, centers, k, d);
        // An empty cluster with every row on a center: fewer distinct rows than clusters; the JS engine reports it.
        if (m === 0 && !seed) return null;
        for (let j = 0; j < d; j++) next[c * d + j] = seed ? (seed[j] as number) : (step.sums[c * d + j] as number) / m;
      }
      let shift = 0;
      for (let i = 0; i < k * d; i++) shift += ((next[i] as number) - (centers[i] as number)) ** 2;
      // No label changed in this step: the JS engine stops one iteration earlier, when it sees that.
      if (shift === 0 && iterations > 0) {
        converged = true;
        break;
      }
      centers = next;
      iterations++;
      if (shift <= threshold) {
        converged = true;
        break;
      }
    }
    return finish(table, s, state, win, centers, { iterations, converged, started, pending });
  });
}

/** Writes the labels that changed under the final centers and stores the state with sizes, radii and cost. */
function finish(
  table: Table,
  s: Settings,
  state: State | null,
  win: string,
  centers: Float64Array,
  run: { iterations: number; converged: boolean; started: number; pending: PendingRow | undefined },
): { outcome: RefitOutcome; state: State } {
  const k = s.cluster_count;
  const d = s.clustering_columns.length;
  const order = orderColumn(table, s) ?? s.key_column;
  const label = ident(s.cluster_number_column as string);
  const rows = query<{ nl: number; n: bigint | number; radius: number; cost: number; changed: bigint | number }>(
    `WITH a AS MATERIALIZED (${assignedSql(win, centers, k, d)}),
          u AS (UPDATE ${table.sql} AS t SET ${label} = a.nl FROM a
                 WHERE t.${ident(s.key_column)} = a.k AND a.l IS DISTINCT FROM a.nl
                   AND t.${ident(order)} >= (SELECT min(o) FROM a) RETURNING 1)
     SELECT nl, count(*) AS n, avg(sqrt(dist)) AS radius, sum(dist) AS cost, (SELECT count(*) FROM u) AS changed FROM a GROUP BY nl`,
  );
  const sizes = new Int32Array(k);
  const radii = new Float64Array(k);
  let cost = 0;
  let changed = 0;
  let n = 0;
  for (const r of rows) {
    const c = Number(r.nl);
    sizes[c] = Number(r.n);
    radii[c] = Number(r.radius);
    cost += Number(r.cost);
    changed = Number(r.changed);
    n += Number(r.n);
  }
  const next: State = { centers, scaler: null, k, d, counts: Float64Array.from(sizes), refits: (state?.refits ?? 0) + 1 };
  const durationMs = now() - run.started;
  saveRefit(table.oid, next, { rowsUsed: n, iterations: run.iterations, converged: run.converged, cost, durationMs, sizes, radii, changed });
  return {
    outcome: {
      status: 'refitted',
      rows: n,
      // Invalid rows are left out by the window's WHERE; counting them would cost another pass.
      invalid: 0,
      changed,
      iterations: run.iterations,
      cost,
      durationMs,
      pendingLabel: run.pending ? nearest(run.pending.x, 0, centers, k, d, 'euclidean') : null,
    },
    state: next,
  };
}
