// The SQL engine: Lloyd's passes over a big window computed by the SQL executor, under the core's driver
// (src/core/lloyd.ts), which owns every rule. A pass is one statement: each window row's squared distance to every
// center (centers rendered as literals), the nearest by a CASE (ties to the lowest index, as in the JavaScript
// engines), and per cluster the row count and coordinate sums (GROUP BY). The window is never read into
// JavaScript, so its size is bounded by the server, not by pljs's memory. The statement that finishes a refit
// writes the labels that changed and returns sizes, radii and cost.

import type { Settings } from '../config/settings';
import { featureValue } from '../core/features';
import type { Assignment, Candidate, LloydEngine } from '../core/lloyd';
import { float, ident, integer, text } from '../sql/quote';
import { hasOldest, identityColumns, notUniqueError, orderColumn, type Table } from './catalog';
import { one, query } from './pl';
import { MIN_WEIGHT_EXPONENT, validSql, windowSql } from './window';

/** Largest k the SQL engine renders (its argmin is a CASE of k * (k - 1) / 2 comparisons). */
export const SQL_ENGINE_MAX_K = 16;

/** A center coordinate as a literal, 0 below FEATURE_ZERO like the features (so no square underflows). */
export function centerLiteral(v: number): string {
  return `(${float(featureValue(v) ?? 0)})`;
}

/** Squared distance of the row (c0..) to each center, as SQL expressions d0..d{k-1}. */
function distanceColumns(centers: Float64Array, k: number, d: number): string {
  const out: string[] = [];
  for (let c = 0; c < k; c++) {
    const terms: string[] = [];
    for (let j = 0; j < d; j++) {
      const v = centerLiteral(centers[c * d + j] as number);
      terms.push(`(c${j} - ${v}) * (c${j} - ${v})`);
    }
    out.push(`${terms.join(' + ')} AS d${c}`);
  }
  return out.join(', ');
}

/** Index of the smallest of d0..d{k-1} as a CASE (ties go to the lowest index), and that distance; NULL for invalid rows. */
function argminSql(k: number, d: number): { label: string; dist: string } {
  const valid = validSql(d);
  if (k === 1) return { label: `CASE WHEN ${valid} THEN 0 END`, dist: 'd0' };
  const whens: string[] = [`WHEN NOT (${valid}) THEN NULL`];
  for (let c = 0; c < k - 1; c++) {
    const conds: string[] = [];
    for (let o = c + 1; o < k; o++) conds.push(`d${c} <= d${o}`);
    whens.push(`WHEN ${conds.join(' AND ')} THEN ${c}`);
  }
  const ds = Array.from({ length: k }, (_, c) => `d${c}`).join(', ');
  return { label: `CASE ${whens.join(' ')} ELSE ${k - 1} END`, dist: `LEAST(${ds})` };
}

/**
 * The nearest center to a row whose features are the SQL expressions x, as flat expressions: no subquery and no
 * window function, only built-in operators and functions, so that postgres_fdw ships them to a shard (and Citus to a
 * worker). `position` is the nearest center's 1-based index (ties to the lowest, as in the JavaScript engines),
 * `dist` the squared distance to it; each distance is written out twice (no LEAST: postgres_fdw does not ship it).
 * For rows with every feature set (a NULL feature makes position 1).
 */
export function nearestFlatSql(x: string[], centers: Float64Array, k: number): { position: string; dist: string } {
  const d = x.length;
  const ds = Array.from({ length: k }, (_, c) =>
    x.map((e, j) => {
      const v = centerLiteral(centers[c * d + j] as number);
      return `(${e} - ${v}) * (${e} - ${v})`;
    }).join(' + '),
  );
  let dist = ds[0] as string;
  for (let c = 1; c < k; c++) dist = `pg_catalog.float8smaller(${dist}, ${ds[c] as string})`;
  return { position: `pg_catalog.array_position(ARRAY[${ds.join(', ')}]::pg_catalog.float8[], ${dist})`, dist };
}

/**
 * The window with each row's nearest center (nl, NULL for invalid rows) and squared distance to it (dist); with
 * `numbered`, also its position in the window (r), which costs a window function over every row.
 */
export function assignedSql(win: string, centers: Float64Array, k: number, d: number, numbered = false): string {
  const { label, dist } = argminSql(k, d);
  const rows = numbered ? `SELECT *, pg_catalog.row_number() OVER () AS r FROM (${win}) w0` : win;
  // OFFSET 0 keeps d0.. computed once per row instead of once per reference in the CASE.
  return `SELECT *, ${label} AS nl, ${dist} AS dist FROM (SELECT *, ${distanceColumns(centers, k, d)} FROM (${rows}) w OFFSET 0) x`;
}

/**
 * The window with each valid row's stored cluster number as its assignment (nl) when it names one of the k clusters,
 * else its nearest center; NULL for invalid rows. A warm refit's first pass: the stored labels are the nearest
 * centers of the stored centroids for every row the last refit or the label function wrote, so no distance is
 * computed for them.
 */
export function storedAssignmentSql(win: string, centers: Float64Array, k: number, d: number): string {
  const distances = Array.from({ length: k }, (_, c) => `(${Array.from({ length: d }, (_, j) => {
    const v = centerLiteral(centers[c * d + j] as number);
    return `(c${j} - ${v}) * (c${j} - ${v})`;
  }).join(' + ')})`);
  const whens: string[] = [];
  for (let c = 0; c < k - 1; c++) {
    const conds: string[] = [];
    for (let o = c + 1; o < k; o++) conds.push(`${distances[c]} <= ${distances[o]}`);
    whens.push(`WHEN ${conds.join(' AND ')} THEN ${c}`);
  }
  const nearest = k === 1 ? '0' : `CASE ${whens.join(' ')} ELSE ${k - 1} END`;
  return `SELECT *, CASE WHEN NOT (${validSql(d)}) THEN NULL WHEN l >= 0 AND l < ${integer(k)} THEN l ELSE ${nearest} END AS nl FROM (${win}) w`;
}

/** Runs fn with enable_sort off for this transaction (restored after): with few groups, hashing beats sorting the window. */
export function withHashAggregate<T>(fn: () => T): T {
  return withPlannerSetting('enable_sort', 'off', fn);
}

/** Runs fn with a planner setting changed for this transaction's statements in it, and puts the setting back after. */
export function withPlannerSetting<T>(name: 'enable_sort' | 'enable_nestloop', value: 'on' | 'off', fn: () => T): T {
  const previous = one<{ v: string }>(`SELECT pg_catalog.current_setting(${text(name)}) AS v`)?.v ?? 'on';
  one(`SELECT pg_catalog.set_config(${text(name)}, ${text(value)}, true)`);
  try {
    return fn();
  } finally {
    one(`SELECT pg_catalog.set_config(${text(name)}, ${text(previous)}, true)`);
  }
}

/**
 * Rows changing cluster beyond which the label UPDATE joins them to the table by hashing rather than by an index probe
 * per row: PostgreSQL cannot estimate how many rows the UPDATE's CTE holds (it guesses one), and a probe per row into
 * every chunk of a hypertable cost 21 s for the 1M labels of a first clustering where a hash join takes a few.
 */
export function hashJoinLabels(moved: number, rows: number): boolean {
  return moved > Math.max(1000, rows / 50);
}

/** The SQL engine over a table's window: a pass per statement, no labels kept between passes. */
export class SqlEngine implements LloydEngine {
  readonly d: number;
  /** Valid and invalid rows of the window, and its mean per-dimension variance, known after the first pass. */
  valid = 0;
  invalid = 0;
  variance = 0;
  private first = true;

  /**
   * The per-cluster facts of the labelled pass (the driver's last, for the final centers): what finishInSql needs,
   * so finishing a refit whose labels did not change costs no further pass.
   */
  finalPass: Record<string, unknown>[] | null = null;

  /**
   * `weighted`: the window has a weight column w (half_life), and clusters weigh their rows by it. `unit`: the rows
   * and centers are unit vectors (cosine), which changes the distances finishing reports.
   */
  /**
   * `stored`: the first pass takes the window's stored cluster numbers as its assignment (storedAssignmentSql), for
   * warm refits from the centroids those numbers were written with.
   */
  constructor(private readonly win: string, readonly k: number, d: number, private readonly weighted = false, private readonly unit = false, private readonly stored = false, private readonly oldest = true) {
    this.d = d;
  }

  assign(centers: Float64Array, last: boolean): Assignment {
    const { k, d } = this;
    const squares = this.first ? ', ' + Array.from({ length: d }, (_, j) => `sum(c${j} * c${j}) AS q${j}`).join(', ') : '';
    const sums = Array.from({ length: d }, (_, j) => (this.weighted ? `sum(w * c${j}) AS s${j}` : `sum(c${j}) AS s${j}`)).join(', ');
    const weight = this.weighted ? 'sum(w) AS m' : 'count(*) AS m';
    const final = last ? `, ${finalStats(this.unit, this.weighted, this.oldest)}` : '';
    const assigned = this.first && this.stored && !last ? storedAssignmentSql(this.win, centers, k, d) : assignedSql(this.win, centers, k, d);
    const rows = query<Record<string, unknown>>(`SELECT nl, count(*) AS n, ${weight}, ${sums}${squares}${final} FROM (${assigned}) a GROUP BY nl`);
    this.finalPass = last ? rows : null;
    const counts = new Float64Array(k);
    const out = new Float64Array(k * d);
    const q = new Float64Array(d);
    let n = 0;
    for (const r of rows) {
      if (r.nl === null) {
        this.invalid = Number(r.n);
        continue;
      }
      const c = Number(r.nl);
      counts[c] = Number(r.m);
      n += Number(r.n);
      for (let j = 0; j < d; j++) {
        out[c * d + j] = Number(r[`s${j}`]);
        if (this.first) q[j] = (q[j] as number) + Number(r[`q${j}`]);
      }
    }
    if (this.first) {
      this.valid = n;
      // The mean over the dimensions of the population variance, from the pass's sums and squares.
      let total = 0;
      let mass = 0;
      for (let c = 0; c < k; c++) mass += counts[c] as number;
      for (let j = 0; j < d; j++) {
        let sum = 0;
        for (let c = 0; c < k; c++) sum += out[c * d + j] as number;
        // The tolerance's scale: the rows' variance around their (weighted) mean.
        const mean = mass > 0 ? sum / mass : 0;
        total += n > 0 ? Math.max(0, (q[j] as number) / n - mean * mean) : 0;
      }
      this.variance = total / d;
      this.first = false;
    }
    return { counts, sums: out, changed: null };
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    const { k, d } = this;
    const cs = Array.from({ length: d }, (_, j) => `c${j}`).join(', ');
    const rows = query<Record<string, unknown>>(
      `SELECT ${cs}, nl, dist, r${this.weighted ? ', w' : ''} FROM (${assignedSql(this.win, centers, k, d, true)}) a WHERE nl IS NOT NULL AND dist > 0 ORDER BY dist DESC, r LIMIT ${integer(m)}`,
    );
    return rows.map((r) => ({
      row: Number(r.r),
      cluster: Number(r.nl),
      dist: Math.sqrt(Number(r.dist)),
      x: Float64Array.from({ length: d }, (_, j) => Number(r[`c${j}`])),
      weight: this.weighted ? Number(r.w) : 1,
    }));
  }

  /** Every pass assigns from the centers alone: a moved row needs no bookkeeping. */
  move(): void {}
}

/** What finishing a refit in SQL reports. */
export interface SqlFinish {
  sizes: Int32Array;
  /** Each cluster's weight (its size, unless the rows carry weights). */
  weights: Float64Array;
  radii: Float64Array;
  rms: Float64Array;
  threshold: number | null;
  cost: number;
  rows: number;
  changed: number;
  /** The newest event time of the window (half_life), else null. */
  newest: number | null;
}

/** A per-cluster constant as a CASE over nl. */
function perClusterSql(values: ArrayLike<number>): string {
  const whens = Array.from(values, (v, c) => `WHEN ${c} THEN ${float(v)}`).join(' ');
  return `(CASE nl ${whens} END)`;
}

/** SQL: a row's reported distance from its squared euclidean distance dist (cosine: half of it, on unit rows). */
function reportedSql(unit: boolean, dist = 'dist'): string {
  return unit ? `(${dist} / 2)` : `pg_catalog.sqrt(${dist})`;
}

/** SQL: a row's normalized distance from its squared distance dist and its cluster's RMS radius. */
function normalizedSql(rms: Float64Array, unit: boolean): string {
  const whens = Array.from(rms, (r, c) => (r > 0 ? `WHEN ${c} THEN ${reportedSql(unit)} / ${float(r)}` : `WHEN ${c} THEN CASE WHEN dist > 0 THEN 'Infinity'::float8 ELSE 0::float8 END`)).join(' ');
  return `(CASE nl ${whens} END)`;
}

/**
 * SQL: per cluster (GROUP BY nl over an assignment), what finishing a refit needs besides counts: the mean reported
 * distance (radius), the cost (k-means' sum of squared distances, or under cosine the sum of 1 - cos), the weighted
 * sum of squared reported distances (for the RMS radius), the newest event time, how many rows of the table change
 * cluster (the pending row of the row policy is not one), and
 * the window's oldest order value (as text, the same in every group; NULL when pg_catalog.min does not take its type).
 */
function finalStats(unit: boolean, weighted: boolean, oldest: boolean): string {
  const reported = reportedSql(unit);
  const w = weighted ? 'w' : '1::float8';
  return `avg(${reported}) AS radius, sum(${unit ? reported : 'dist'}) AS cost, sum(${w} * ${unit ? `${reported} * ${reported}` : 'dist'}) AS wcost,
          max(${weighted ? 'tv' : 'NULL::float8'}) AS newest, count(*) FILTER (WHERE l IS DISTINCT FROM nl AND k IS NOT NULL) AS moved, ${oldest ? '(pg_catalog.min(pg_catalog.min(o)) OVER ())::text' : 'NULL::text'} AS oldest`;
}

/**
 * Writes the labels that changed under the final centers (matched on the rows' identity, within the window's order
 * range) and returns sizes, radii and cost. The per-cluster facts come from the driver's labelled pass when it made
 * one (`final`), else from one more pass; the UPDATE runs only when a label (or, with an anomaly column, a flag) may
 * change, over just those rows. Throws, before anything is kept, when an identity matched more rows than it should
 * (the key does not identify rows).
 */
export function finishInSql(table: Table, s: Settings, win: string, centers: Float64Array, weighted: boolean, final: Record<string, unknown>[] | null = null): SqlFinish {
  // Cosine distance (rows and centers on the unit sphere): 1 - cos is half the squared euclidean distance.
  const unit = s.distance_type === 'cosine';
  const k = s.cluster_count;
  const d = s.clustering_columns.length;
  const order = orderColumn(table, s) ?? s.key_column;
  const ids = identityColumns(table, s);
  const label = ident(s.cluster_number_column as string);
  const match = `t.${ident(s.key_column)} = a.k${ids.length > 1 ? ` AND t.${ident(ids[1] as string)} = a.t` : ''}`;
  const w = weighted ? 'w' : '1::float8';
  const rows = final ?? query<Record<string, unknown>>(`SELECT nl, count(*) AS n, sum(${w}) AS m, ${finalStats(unit, weighted, hasOldest(table, s))} FROM (${assignedSql(win, centers, k, d)}) a GROUP BY nl`);

  const out: SqlFinish = { sizes: new Int32Array(k), weights: new Float64Array(k), radii: new Float64Array(k), rms: new Float64Array(k), threshold: s.anomaly_threshold, cost: 0, rows: 0, changed: 0, newest: null };
  let moved = 0;
  let oldest: string | null = null;
  for (const r of rows) {
    if (r.nl === null) continue;
    const c = Number(r.nl);
    out.sizes[c] = Number(r.n);
    out.weights[c] = Number(r.m);
    out.radii[c] = Number(r.radius);
    out.rms[c] = Number(r.m) > 0 ? Math.sqrt(Number(r.wcost) / Number(r.m)) : 0;
    out.cost += Number(r.cost);
    out.rows += Number(r.n);
    moved += Number(r.moved);
    if (r.newest !== null && r.newest !== undefined) out.newest = Math.max(out.newest ?? -Infinity, Number(r.newest));
    if (typeof r.oldest === 'string') oldest = r.oldest;
  }
  const nd = normalizedSql(out.rms, unit);
  if (s.contamination !== null) {
    const flagged = Math.min(out.rows, Math.round(s.contamination * out.rows));
    // The same rule as contaminationThreshold(): the largest normalized distance of the rows left unflagged.
    out.threshold = flagged === out.rows
      ? -Infinity
      : Number(one<{ t: number }>(`SELECT ${nd} AS t FROM (${assignedSql(win, centers, k, d)}) a WHERE nl IS NOT NULL ORDER BY 1 DESC OFFSET ${integer(flagged)} LIMIT 1`)?.t);
  }
  // Nothing to write: no row changes cluster, and no anomaly flag to bring in line with new radii.
  if (moved === 0 && s.anomaly_column === null) return out;

  const sets = [`${label} = a.nl`];
  let changed = 'a.l IS DISTINCT FROM a.nl';
  if (s.distance_column !== null) sets.push(`${ident(s.distance_column)} = ${reportedSql(unit, 'a.dist')}`);
  if (s.anomaly_column !== null) {
    const anomaly = out.threshold === null ? 'false' : `(${nd.replace(/\bnl\b/g, 'a.nl').replace(/\bdist\b/g, 'a.dist')} > ${float(out.threshold)})`;
    sets.push(`${ident(s.anomaly_column)} = ${anomaly}`);
    changed += ` OR a.a IS DISTINCT FROM ${anomaly}`;
  }
  const orderType = table.columns.get(order)?.type;
  const bound = oldest !== null && orderType ? ` AND t.${ident(order)} >= ${text(oldest)}::${orderType}` : '';
  // Only the rows that change are kept between the scan and the UPDATE (usually few: no spill to disk).
  const write = () => one<Record<string, unknown>>(
    `WITH a AS MATERIALIZED (SELECT * FROM (${assignedSql(win, centers, k, d)}) a WHERE a.nl IS NOT NULL AND a.k IS NOT NULL AND (${changed})),
          u AS (UPDATE ${table.sql} AS t SET ${sets.join(', ')} FROM a WHERE ${match}${bound} RETURNING 1)
     SELECT (SELECT count(*) FROM u) AS written, (SELECT count(*) FROM a) AS changed,
            (SELECT count(*) FROM (SELECT DISTINCT k${ids.length > 1 ? ', t' : ''} FROM a) x) AS distinct_changed`,
  );
  const r = hashJoinLabels(moved, out.rows) ? withPlannerSetting('enable_nestloop', 'off', write) : write();
  out.changed = Number(r?.changed ?? 0);
  const written = Number(r?.written ?? 0);
  const distinct = Number(r?.distinct_changed ?? 0);
  if (written > out.changed || distinct < out.changed) throw notUniqueError(table, s, ids, null);
  return out;
}

/** Valid rows of the window (one counting pass), and rows sampled every step-th for seeding. */
export function windowSample(win: string, d: number, sampleSize: number): { n: number; sample: Float64Array; m: number } {
  const valid = validSql(d);
  const n = Number(one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (${win}) w WHERE ${valid}`)?.n ?? 0);
  const step = Math.max(1, Math.floor(n / sampleSize));
  const cs = Array.from({ length: d }, (_, j) => `c${j}`).join(', ');
  const cols = Array.from({ length: d }, (_, j) => `pg_catalog.array_agg(c${j} ORDER BY r) AS c${j}`).join(', ');
  // Every step-th valid row in window order: deterministic, so the same data and seed give the same start.
  const row = one<Record<string, number[] | null>>(
    `SELECT ${cols} FROM (SELECT ${cs}, pg_catalog.row_number() OVER () AS r FROM (${win}) w WHERE ${valid}) x WHERE r % ${integer(step)} = 0`,
  );
  const columns = Array.from({ length: d }, (_, j) => row?.[`c${j}`] ?? []);
  const m = columns[0]?.length ?? 0;
  const sample = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) sample[i * d + j] = Number((columns[j] as number[])[i]);
  return { n, sample, m };
}

/**
 * The window SQL the SQL engine runs on: native keys (never read into JavaScript), plus a pending row (policy row);
 * with half_life h, a weight column w, 2^((tv - newest) / h) (at least 2^MIN_WEIGHT_EXPONENT; the pending row is the
 * newest).
 */
export function engineWindow(table: Table, s: Settings, pending?: Float64Array, h: number | null = null): string {
  const win = `(${windowSql(table, s, { keys: 'native' })})`;
  let rows = `SELECT * FROM ${win} w`;
  if (pending) {
    const time = identityColumns(table, s).length > 1 ? 'NULL AS t, ' : '';
    const values = Array.from(pending, (v, j) => `${float(v)} AS c${j}`).join(', ');
    const tail = [s.half_life !== null ? 'NULL::float8 AS tv' : null, s.anomaly_column !== null ? 'NULL::bool AS a' : null].filter(Boolean).join(', ');
    rows += ` UNION ALL SELECT NULL AS k, ${time}${values}, NULL::int4 AS l, NULL AS o${tail ? ', ' + tail : ''}`;
  }
  if (h === null) return rows;
  return `SELECT *, pg_catalog.power(2::float8, GREATEST(${MIN_WEIGHT_EXPONENT}::float8, (coalesce(tv, max(tv) OVER ()) - max(tv) OVER ()) / ${float(h)})) AS w FROM (${rows}) r`;
}
