// The k-means engines for pgvector columns: passes of the core's Lloyd driver (src/core/lloyd.ts) computed by
// pgvector's C distance functions in SQL, never by a JavaScript loop over a row's dimensions (QuickJS does about 12
// million element operations a second; one pass over 100,000 x 384 rows and 100 centers is 3.8 billion).
// JavaScript keeps O(n) bookkeeping (labels, bounds) and O(k x d) arithmetic (means, center shifts).
//
// - SampleEngine: a seeded sample of the rows in a temporary table; each pass labels the sample in SQL and the
//   clusters' sums are moved by the rows that changed (pgvector's sum(vector) costs a few microseconds a row).
// - FullEngine: a pass over every row of the source (parallel scans where PostgreSQL plans them), and a last pass
//   that labels the rows, which the caller supplies (a fit returns every row's label, a refit writes the changed ones).

import type { Assignment, Candidate, LloydEngine } from '../core/lloyd';
import { arrayOf, ident, integer, text } from '../sql/quote';
import { distance, keyLabel, keySquared, nearestKey, parseVector, parseVectors, type Pgvector, pv, squaredDistance, vectorLiteral, vectorType } from '../sql/vector';
import { UserError } from './errors';
import { exec, now, one, query } from './pl';

/**
 * Runs fn with the settings vector passes want, restored after: hashing (few groups of wide rows: sorting them would
 * sort their vectors) with at least 64 MB of work_mem for the hash tables (the silhouette's, the labelling pass's
 * arrays of keys), and parallel plans not held back by their setup cost (the planner prices pgvector's distance at
 * one operator's cost, far below what 100 of them at 384 dimensions take).
 */
export function withVectorSettings<T>(fn: () => T): T {
  const previous = one<{ s: string; w: string; p: string }>(
    `SELECT pg_catalog.current_setting('enable_sort') AS s, pg_catalog.current_setting('work_mem') AS w, pg_catalog.current_setting('parallel_setup_cost') AS p`,
  );
  const bigger = one<{ b: boolean }>(`SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) < 67108864 AS b`)?.b === true;
  exec(`SELECT pg_catalog.set_config('enable_sort', 'off', true), pg_catalog.set_config('parallel_setup_cost', '0', true)${bigger ? `, pg_catalog.set_config('work_mem', '64MB', true)` : ''}`);
  try {
    return fn();
  } finally {
    exec(
      `SELECT pg_catalog.set_config('enable_sort', ${text(previous?.s ?? 'on')}, true), pg_catalog.set_config('work_mem', ${text(previous?.w ?? '4MB')}, true),
              pg_catalog.set_config('parallel_setup_cost', ${text(previous?.p ?? '1000')}, true)`,
    );
  }
}

/** Rows sampled to fit on: ~50 per cluster, at least 10,000 (as pgvector samples for IVFFlat). */
export function vectorSampleSize(k: number): number {
  return Math.max(10000, 50 * k);
}

/** The source of rows: what they are read from, which are valid, and their hash (for sampling) and vector. */
export interface VectorRows extends Pgvector {
  /** A relation to put after FROM. */
  from: string;
  /** SQL: true for a valid row. */
  valid: string;
  /** SQL: a seeded int8 hash of the row (of its key, when there is one). */
  hash: string;
  /** SQL: the row's vector as clustered (on the unit sphere under cosine). */
  vector: string;
  k: number;
  d: number;
}

/** SQL of the valid rows (and those passing `where`), with columns h and e, fenced so each is computed once a row. */
export function rowsSql(src: VectorRows, where = ''): string {
  return `SELECT ${src.hash} AS h, ${src.vector} AS e FROM ${src.from} WHERE ${src.valid}${where ? ` AND ${where}` : ''} OFFSET 0`;
}

/** The centers as an array of vector literals, for subscripts by label (1-based). */
function centerArray(p: Pgvector, centers: Float64Array, k: number, d: number): string {
  return `ARRAY[${Array.from({ length: k }, (_, c) => vectorLiteral(p, centers, c * d, d)).join(', ')}]::${vectorType(p)}[]`;
}

/** A temporary table of the current role's (one per role: a refit runs as the owner of its table). */
function tempName(purpose: string): string {
  const oid = one<{ o: bigint | number }>(`SELECT oid::int8 AS o FROM pg_catalog.pg_roles WHERE rolname = current_user`)?.o;
  return `centroid_vector_${purpose}_${Number(oid)}`;
}

/**
 * Creates (once per session and role) or empties a temporary table (r int4, e vector); refuses a relation another
 * role planted under its name.
 */
function tempTable(p: Pgvector, purpose: string): string {
  const name = tempName(purpose);
  const found = one<{ mine: boolean; kind: string }>(
    `SELECT c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) AS mine, c.relkind::text AS kind
       FROM pg_catalog.pg_class c WHERE c.relname = ${text(name)} AND c.relnamespace = pg_catalog.pg_my_temp_schema()`,
  );
  const table = `pg_temp.${ident(name)}`;
  if (found && (!found.mine || found.kind !== 'r')) {
    throw new UserError(`pg_centroid: the temporary table ${name} of this session is not pg_centroid's`, `drop it: DROP TABLE ${table}; (pg_centroid samples vector rows into it)`, '', '42501');
  }
  if (!found) {
    const temp = one<{ ok: boolean }>(`SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') AS ok`)?.ok === true;
    if (!temp) {
      throw new UserError(
        'pg_centroid: clustering a vector column samples its rows into a temporary table, and this role may not create temporary tables in this database',
        `GRANT TEMPORARY ON DATABASE ${ident(one<{ d: string }>('SELECT pg_catalog.current_database() AS d')?.d ?? 'db')} TO ${ident(one<{ u: string }>('SELECT current_user::text AS u')?.u ?? 'role')};`,
        '',
        '42501',
      );
    }
    exec(`CREATE TEMPORARY TABLE ${ident(name)} (r int4 NOT NULL, e ${vectorType(p)} NOT NULL) ON COMMIT DELETE ROWS`);
  } else {
    exec(`TRUNCATE ${table}`);
  }
  return table;
}

/** A sample of the rows in a temporary table: its rows r = 1..size, and the rows' mean per-dimension variance. */
export interface Sample {
  table: string;
  size: number;
  variance: number;
  /** True when the sample holds every valid row. */
  all: boolean;
  /** Each row's ctid (row r at r - 1): passes over some rows fetch just those (a TID scan). */
  tids: string[];
}

/**
 * Samples the rows: every row when there are at most twice `want`, else each row whose key hashes (with the seed)
 * below want / n. Numbered in hash order (then by value), so the same data and seed give the same sample.
 */
export function createSample(src: VectorRows, n: number, want: number): Sample {
  const table = tempTable(src, 'sample');
  const all = n <= 2 * want;
  const below = all ? null : Math.floor((want / n) * 2 ** 52);
  const where = below === null ? '' : `(${src.hash} OPERATOR(pg_catalog.&) 4503599627370495::int8) < ${integer(below)}`;
  exec(`INSERT INTO ${table} (r, e) SELECT pg_catalog.row_number() OVER (ORDER BY s.h, s.e), s.e FROM (${rowsSql(src, where)}) s`);
  exec(`ANALYZE ${table}`);
  const row = one<{ n: bigint | number; q: number | null; s: string | null; tids: string[] | null }>(
    `SELECT count(*) AS n, sum(pg_catalog.power(${pv(src, 'vector_norm')}(e), 2)) AS q, ${pv(src, 'sum')}(e)::text AS s,
            pg_catalog.array_agg(ctid::text ORDER BY r) AS tids FROM ${table}`,
  );
  const size = Number(row?.n ?? 0);
  let variance = 0;
  if (size > 0 && row?.s) {
    const mean = parseVector(row.s).map((v) => v / size);
    const meanSquare = mean.reduce((acc, v) => acc + v * v, 0);
    variance = Math.max(0, Number(row.q) / size - meanSquare) / src.d;
  }
  return { table, size, variance, all, tids: row?.tids ?? [] };
}

/** The first `size` rows of the sample (a uniform subset: the sample is in hash order) in a table of their own. */
export function seedTable(src: VectorRows, sample: Sample, size: number): string {
  const table = tempTable(src, 'seed');
  exec(`INSERT INTO ${table} (r, e) SELECT r, e FROM ${sample.table} WHERE ctid = ANY (${arrayOf(sample.tids.slice(0, size), 'tid')}) ORDER BY r`);
  exec(`ANALYZE ${table}`);
  return table;
}

/** SQL: the sample's rows given by a 0-based mask or list, as a TID condition. */
function rowsWhere(sample: Sample, rows: Iterable<number>): string {
  const tids: string[] = [];
  for (const i of rows) tids.push(sample.tids[i] as string);
  return `ctid = ANY (${arrayOf(tids, 'tid')})`;
}

/** Distinct rows of the sample, counted up to limit. */
export function distinctInSample(sample: Sample, limit: number): number {
  return Number(one<{ n: bigint | number }>(`SELECT count(*) AS n FROM (SELECT DISTINCT e FROM ${sample.table} LIMIT ${integer(limit)}) x`)?.n ?? 0);
}

/** Rows of the sample by number (1-based), as a flat array of their vectors. */
export function sampleRows(sample: Sample, rows: number[], d: number): Float64Array {
  const found = query<{ r: number; e: string }>(`SELECT r, e::text AS e FROM ${sample.table} WHERE ${rowsWhere(sample, rows.map((r) => r - 1))}`);
  const byRow = new Map(found.map((f) => [Number(f.r), f.e]));
  return parseVectors(rows.map((r) => byRow.get(r) as string), d);
}

/**
 * Lloyd's passes over the sample: each pass labels every sample row in SQL (one encoded-key LEAST a row, see
 * src/sql/vector.ts) and returns the labels; the clusters' sums move by the rows whose label changed (pgvector's
 * sum(vector) costs microseconds a row, so summing every row at every pass would cost more than the distances).
 * Bounds that skip distances (Hamerly's, Elkan's) were measured slower here: at 384 dimensions and 100 clusters the
 * early passes fail nearly every bound, and a pass that sorts each row's distances for its second nearest costs
 * more than the plain pass.
 */
export class SampleEngine implements LloydEngine {
  readonly k: number;
  readonly d: number;
  readonly labels: Int32Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;
  private first = true;
  /** The sum of squared distances of the last pass (the cost of its labels to the centers it was given). */
  lastCost = 0;
  /** Rows the last farthest() returned, with their vectors (move() needs them). */
  private readonly seen = new Map<number, Float64Array>();
  /** Where the time went (ms), for the report. */
  readonly spent = { pass_ms: 0, sums_ms: 0, passes: 0 };

  constructor(private readonly p: Pgvector, private readonly sample: Sample, k: number, d: number) {
    this.k = k;
    this.d = d;
    this.labels = new Int32Array(sample.size);
    this.sums = new Float64Array(k * d);
    this.counts = new Float64Array(k);
  }

  assign(centers: Float64Array): Assignment {
    const t0 = now();
    const { k, d, p } = this;
    const r = one<{ l: number[] | null; c: number | null }>(
      `SELECT pg_catalog.array_agg(l ORDER BY r) AS l, sum(q) AS c
         FROM (SELECT r, ${LABEL} AS l, ${SQUARED} AS q FROM (SELECT r, ${nearestKey(p, 'e', centers, k, d)} AS m FROM ${this.sample.table} OFFSET 0) a) b`,
    );
    const labels = r?.l ?? [];
    this.lastCost = Number(r?.c ?? 0);
    const before = Int32Array.from(this.labels);
    let changed = 0;
    for (let i = 0; i < labels.length; i++) {
      const l = Number(labels[i]);
      if (this.labels[i] !== l) changed++;
      this.labels[i] = l;
    }
    const t1 = now();
    this.spent.pass_ms += t1 - t0;
    this.spent.passes++;
    if (this.first) {
      this.first = false;
      this.totals();
      this.spent.sums_ms += now() - t1;
      return { counts: this.counts, sums: this.sums, changed: null };
    }
    if (changed > 0) this.moveSums(before);
    this.spent.sums_ms += now() - t1;
    return { counts: this.counts, sums: this.sums, changed };
  }

  /** Every cluster's count and sum over the sample, from its labels. */
  private totals(): void {
    const { d } = this;
    this.sums.fill(0);
    this.counts.fill(0);
    const rows = query<{ l: number; n: bigint | number; s: string }>(
      `SELECT (${arrayOf(this.labels, 'int4')})[r] AS l, count(*) AS n, ${pv(this.p, 'sum')}(e)::text AS s FROM ${this.sample.table} GROUP BY 1`,
    );
    for (const row of rows) {
      const c = Number(row.l);
      this.counts[c] = Number(row.n);
      this.sums.set(parseVector(row.s), c * d);
    }
  }

  /** Moves the rows whose label changed from their old cluster's count and sum to their new one's (a TID scan). */
  private moveSums(before: Int32Array): void {
    const { d } = this;
    const moved: number[] = [];
    for (let i = 0; i < before.length; i++) if (before[i] !== this.labels[i]) moved.push(i);
    const rows = query<{ a: number; b: number; n: bigint | number; s: string }>(
      `SELECT (${arrayOf(before, 'int4')})[r] AS a, (${arrayOf(this.labels, 'int4')})[r] AS b, count(*) AS n, ${pv(this.p, 'sum')}(e)::text AS s
         FROM ${this.sample.table} WHERE ${rowsWhere(this.sample, moved)} GROUP BY 1, 2`,
    );
    for (const row of rows) {
      const a = Number(row.a);
      const b = Number(row.b);
      const n = Number(row.n);
      const v = parseVector(row.s);
      this.counts[a] = (this.counts[a] as number) - n;
      this.counts[b] = (this.counts[b] as number) + n;
      for (let j = 0; j < d; j++) {
        this.sums[a * d + j] = (this.sums[a * d + j] as number) - (v[j] as number);
        this.sums[b * d + j] = (this.sums[b * d + j] as number) + (v[j] as number);
      }
    }
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    const { k, d, p } = this;
    const own = `(${centerArray(p, centers, k, d)})[(${arrayOf(this.labels, 'int4')})[r] + 1]`;
    const rows = query<{ r: number; dist: number; e: string }>(
      `SELECT r, dist, e::text AS e FROM (SELECT r, e, ${distance(p, 'e', own)} AS dist FROM ${this.sample.table}) x WHERE dist > 0 ORDER BY dist DESC, r LIMIT ${integer(m)}`,
    );
    this.seen.clear();
    return rows.map((row) => {
      const i = Number(row.r) - 1;
      const x = Float64Array.from(parseVector(row.e));
      this.seen.set(i, x);
      return { row: i, cluster: this.labels[i] as number, dist: Number(row.dist), x, weight: 1 };
    });
  }

  move(row: number, from: number, to: number): void {
    const { d } = this;
    const x = this.seen.get(row);
    if (!x) throw new Error(`internal error: row ${row} was not offered by farthest()`);
    this.labels[row] = to;
    this.counts[from] = (this.counts[from] as number) - 1;
    this.counts[to] = (this.counts[to] as number) + 1;
    for (let j = 0; j < d; j++) {
      this.sums[from * d + j] = (this.sums[from * d + j] as number) - (x[j] as number);
      this.sums[to * d + j] = (this.sums[to * d + j] as number) + (x[j] as number);
    }
  }
}

/** SQL of the rows with each row's nearest-center key (column m), computed in parallel workers where planned. */
export function keyedRows(src: VectorRows, centers: Float64Array, columns = 'e'): string {
  // Both levels fenced (OFFSET 0): the row's vector (normalized under cosine) is computed once, not once per center.
  return `SELECT ${columns}, ${nearestKey(src, 'e', centers, src.k, src.d)} AS m FROM (${rowsSql(src)}) s OFFSET 0`;
}

/** The label and squared distance of a keyed row, as SQL over column m. */
export const LABEL = keyLabel('m');
export const SQUARED = keySquared('m');

/** One pass over every row: each cluster's count and sum (pgvector's sum, parsed). */
export function fullPass(src: VectorRows, centers: Float64Array): { counts: Float64Array; sums: Float64Array; n: number } {
  const { k, d } = src;
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);
  let n = 0;
  for (const row of query<{ l: number; n: bigint | number; s: string }>(
    `SELECT ${LABEL} AS l, count(*) AS n, ${pv(src, 'sum')}(e)::text AS s FROM (${keyedRows(src, centers)}) a GROUP BY 1`,
  )) {
    const c = Number(row.l);
    counts[c] = Number(row.n);
    n += Number(row.n);
    sums.set(parseVector(row.s), c * d);
  }
  return { counts, sums, n };
}

/** The engine over every row: mean passes in SQL, and a last pass (the labelling) the caller supplies. */
export class FullEngine implements LloydEngine {
  readonly k: number;
  readonly d: number;
  constructor(private readonly src: VectorRows, private readonly label: (centers: Float64Array) => Float64Array) {
    this.k = src.k;
    this.d = src.d;
  }

  /** Where the time went (ms). */
  readonly spent = { mean_pass_ms: 0, label_pass_ms: 0 };

  assign(centers: Float64Array, last: boolean): Assignment {
    const t0 = now();
    // The labelling pass counts rows but sums nothing: no mean update follows it.
    if (last) {
      const counts = this.label(centers);
      this.spent.label_pass_ms += now() - t0;
      return { counts, sums: new Float64Array(this.k * this.d), changed: null };
    }
    const { counts, sums } = fullPass(this.src, centers);
    this.spent.mean_pass_ms += now() - t0;
    return { counts, sums, changed: null };
  }

  farthest(centers: Float64Array, m: number): Candidate[] {
    const rows = query<{ l: number; q: number; e: string }>(
      `SELECT ${LABEL} AS l, ${SQUARED} AS q, e::text AS e FROM (${keyedRows(this.src, centers)}) a ORDER BY 2 DESC LIMIT ${integer(m)}`,
    );
    return rows
      .filter((r) => Number(r.q) > 0)
      .map((r, i) => ({ row: i, cluster: Number(r.l), dist: Math.sqrt(Number(r.q)), x: Float64Array.from(parseVector(r.e)), weight: 1 }));
  }

  /** Every pass assigns from the centers alone: a moved row needs no bookkeeping. */
  move(): void {}
}
