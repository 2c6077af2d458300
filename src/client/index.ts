// The typed client API for Node apps: each method is one call of a pg_centroid SQL function over `pg`.

import pg from 'pg';
import type { AttachResult, ChooseK, DetachResult, Metrics, ModelFit, RefitResult, Schedule, TableStatus } from '../config/results';
import type { Config } from '../config/spec';
import { ident, integer } from '../sql/quote';

// The JSON of the SQL functions has one typed definition (src/config/results.ts), which the in-database code
// builds and this client returns; Config is declared once in src/config/spec.ts.
export type { AttachResult, Candidate, ChooseK, ClusterStatus, DetachResult, Metrics, ModelFit, RefitResult, Schedule, TableStatus } from '../config/results';
export type { Config } from '../config/spec';
export type { Settings, RefitPolicy, InvalidRows, Standardize } from '../config/settings';
export type { Algorithm, CenterChoice, DistanceType } from '../core/types';

/** Anything with pg's query method: a pg.Pool, a pg.Client or a pool's client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * A refit's JSON with duration_ms and pending_label in snake_case, also from a 0.2.0 server, which spelled them
 * durationMs and pendingLabel (keys that server did not return stay missing).
 */
export function refitOutcome(raw: unknown): RefitResult | null {
  if (raw === null || raw === undefined) return null;
  const { durationMs, pendingLabel, ...rest } = raw as Record<string, unknown>;
  return {
    ...rest,
    duration_ms: Number(rest.duration_ms ?? durationMs ?? 0),
    pending_label: (rest.pending_label ?? pendingLabel ?? null) as number | null,
  } as RefitResult;
}

/** A sampled row for plots: its features and cluster number (null when unlabelled). */
export interface SampleRow {
  features: number[];
  cluster: number | null;
}

/** One version of a fitted model (a row of centroid.models; k is the number of centroids). */
export interface ModelVersion {
  model: string;
  version: number;
  k: number;
  source: string;
  config: Config;
  centroids: number[][];
  standardization: { means: number[]; scales: number[] } | null;
  cost: number;
  iterations: number | null;
  metrics: Metrics | null;
  rows_used: number;
  rows_skipped: number;
  duration_ms: number | null;
  owner: string;
  created_at: Date;
}

// A SELECT (or WITH, VALUES, TABLE) statement rather than a relation name, as centroid.fit tells them apart.
const QUERY_START = /^\s*(\(|select\b|with\b|values\b|table\b)/i;

/** The pg_centroid API over one connection pool or client. */
export class PgCentroid {
  private readonly db: Queryable;
  private readonly owned: pg.Pool | null;

  /** Uses a connection string (a pool is made and closed by end()) or an existing pool or client. */
  constructor(db: string | Queryable) {
    if (typeof db === 'string') {
      this.owned = new pg.Pool({ connectionString: db, max: 2 });
      this.db = this.owned as unknown as Queryable;
    } else {
      this.owned = null;
      this.db = db;
    }
  }

  /** Writes the table's settings, creates its row trigger and (unless refit is false) clusters the rows already there. */
  async attach(table: string, config: Config, options: { refit?: boolean } = {}): Promise<AttachResult> {
    const r = await this.value<AttachResult>('SELECT centroid.attach($1::regclass, $2::jsonb, $3) AS v', [table, JSON.stringify(config), options.refit ?? true]);
    return { ...r, refit: refitOutcome(r.refit) };
  }

  /** Stops clustering the table on insert (its cluster numbers stay). */
  async detach(table: string): Promise<DetachResult> {
    return this.value('SELECT centroid.detach($1::regclass) AS v', [table]);
  }

  /** The status of every clustered table you own. */
  async statusAll(): Promise<TableStatus[]> {
    const r = await this.db.query('SELECT s AS v FROM centroid.status() s');
    return r.rows.map((row) => row.v as TableStatus);
  }

  /** The status of one clustered table (fails when it is not clustered). */
  async status(table: string): Promise<TableStatus> {
    return this.value('SELECT s AS v FROM centroid.status($1::regclass) s', [table]);
  }

  /** Re-clusters the table's window now. */
  async refit(table: string): Promise<RefitResult> {
    return refitOutcome(await this.value('SELECT centroid.refit($1::regclass) AS v', [table])) as RefitResult;
  }

  /** Registers a pg_cron job that refits the table on a schedule (cron syntax, or 'N seconds'). */
  async scheduleRefit(table: string, schedule: string): Promise<Schedule> {
    return this.value('SELECT centroid.schedule_refit($1::regclass, $2) AS v', [table, schedule]);
  }

  /** Removes the table's scheduled refit; false when there was none. */
  async unscheduleRefit(table: string): Promise<boolean> {
    return this.value('SELECT centroid.unschedule_refit($1::regclass) AS v', [table]);
  }

  /** Segments a table, view or query in one call and records the model (the batch workflow). */
  async fit(model: string, source: string, config: Config): Promise<ModelFit> {
    return this.value('SELECT centroid.fit($1, $2, $3::jsonb) AS v', [model, source, JSON.stringify(config)]);
  }

  /** Cluster numbers of points under a fitted model's latest version (null for a point with NULL or NaN). */
  async predict(model: string, points: (number | null)[][]): Promise<(number | null)[]> {
    const r = await this.db.query(
      `SELECT centroid.predict($1, ARRAY(SELECT pg_catalog.jsonb_array_elements_text(e.p)::float8)) AS v
         FROM pg_catalog.jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(p, i) ORDER BY e.i`,
      [model, JSON.stringify(points)],
    );
    return r.rows.map((row) => (row.v === null ? null : Number(row.v)));
  }

  /** Fits every k from kMin to kMax (default 2 to 10) and recommends one (writes nothing). */
  async chooseK(source: string, config: Omit<Config, 'cluster_count'> & { cluster_count?: number }, options: { kMin?: number; kMax?: number } = {}): Promise<ChooseK> {
    return this.value('SELECT centroid.choose_k($1, $2::jsonb, $3, $4) AS v', [source, JSON.stringify(config), options.kMin ?? 2, options.kMax ?? 10]);
  }

  /** Registers a pg_cron job that refits the model on a schedule, refreshing a materialized view first when given. */
  async scheduleFit(model: string, source: string, config: Config, schedule: string, options: { refresh?: string } = {}): Promise<Schedule> {
    return this.value('SELECT centroid.schedule_fit($1, $2, $3::jsonb, $4, $5) AS v', [model, source, JSON.stringify(config), schedule, options.refresh ?? null]);
  }

  /** Removes the model's scheduled refit; false when there was none. */
  async unscheduleFit(model: string): Promise<boolean> {
    return this.value('SELECT centroid.unschedule_fit($1) AS v', [model]);
  }

  /** The versions of every model you own, or of one model, oldest first (centroid.models). */
  async models(model?: string): Promise<ModelVersion[]> {
    const r = await this.db.query(
      `SELECT m.model, m.version, pg_catalog.array_length(m.centroids, 1) AS k, m.source, m.config, m.centroids, m.standardization, m.cost,
              m.iterations, m.metrics, m.rows_used::float8 AS rows_used, m.rows_skipped::float8 AS rows_skipped, m.duration_ms, m.owner::text AS owner, m.created_at
         FROM centroid.models m WHERE $1::text IS NULL OR m.model = $1 ORDER BY m.model, m.version`,
      [model ?? null],
    );
    return r.rows as unknown as ModelVersion[];
  }

  /** The latest version of a model (the one predict uses), or null when there is none. */
  async model(model: string): Promise<ModelVersion | null> {
    const versions = await this.models(model);
    return versions[versions.length - 1] ?? null;
  }

  /**
   * A random sample of at most n rows of a source (table, view or SELECT; by default the one the
   * model was fitted on), with the model's clustering columns and its predicted cluster.
   */
  async sampleModel(model: string, n: number, source?: string): Promise<{ version: ModelVersion; rows: SampleRow[] }> {
    const version = await this.model(model);
    if (!version) throw new Error(`model "${model}" does not exist (fit it first: centroid.fit)`);
    const from = await this.relationOrQuery(source ?? version.source);
    const features = `ARRAY[${version.config.clustering_columns.map((c) => `${ident(c)}::float8`).join(', ')}]`;
    const r = await this.db.query(
      `SELECT s.f, centroid.predict($1, s.f) AS c FROM (SELECT ${features} AS f FROM ${from} ORDER BY pg_catalog.random() LIMIT ${integer(Math.max(1, Math.floor(n)))}) s`,
      [model],
    );
    return { version, rows: r.rows.map((row) => ({ features: (row.f as (number | null)[]).map(Number), cluster: row.c === null ? null : Number(row.c) })) };
  }

  /** A FROM item for a source: a relation's quoted name, or a SELECT statement as a subquery. */
  private async relationOrQuery(source: string): Promise<string> {
    if (QUERY_START.test(source)) return `(${source.trim().replace(/;+\s*$/, '')}) AS src`;
    const rel = await this.value<string | null>('SELECT pg_catalog.to_regclass($1)::text AS v', [source]);
    if (!rel) throw new Error(`source "${source}" is neither a table, view or materialized view, nor a SELECT statement`);
    return rel;
  }

  /** A random sample of at most n rows of a clustered table: its clustering columns and cluster number. */
  async sample(table: string, n: number): Promise<SampleRow[]> {
    const status = await this.status(table);
    const s = status.settings;
    if (!s || !s.cluster_number_column) throw new Error(`the settings of ${status.table} do not fit the table any more: see pg-centroid status ${status.table}`);
    // status.table is regclass text: already a quoted, schema-qualified name.
    const r = await this.db.query(
      `SELECT ARRAY[${s.clustering_columns.map((c) => `${ident(c)}::float8`).join(', ')}] AS f, ${ident(s.cluster_number_column)} AS c
         FROM ${status.table} ORDER BY pg_catalog.random() LIMIT ${integer(Math.max(1, Math.floor(n)))}`,
    );
    return r.rows.map((row) => ({ features: (row.f as (number | null)[]).map(Number), cluster: row.c === null ? null : Number(row.c) }));
  }

  /** Inserts rows (column name to value) in one statement, so clustering on insert refits once; returns the count. */
  async insert(table: string, rows: Record<string, unknown>[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const rel = await this.value<string>('SELECT $1::regclass::text AS v', [table]);
    // jsonb_populate_recordset converts each value to its column's type, as COPY would.
    const list = columns.map(ident).join(', ');
    const r = await this.db.query(`INSERT INTO ${rel} (${list}) SELECT ${list} FROM pg_catalog.jsonb_populate_recordset(NULL::${rel}, $1::jsonb)`, [JSON.stringify(rows)]);
    return (r as { rowCount?: number | null }).rowCount ?? rows.length;
  }

  /** Closes the pool made from a connection string (a pool or client you passed in stays open). */
  async end(): Promise<void> {
    await this.owned?.end();
  }

  /** Runs a query returning one row with column v. */
  private async value<T>(sql: string, values: unknown[]): Promise<T> {
    const r = await this.db.query(sql, values);
    return r.rows[0]?.v as T;
  }
}

/** Connects to a server: the same as new PgCentroid(url). */
export function connect(url: string): PgCentroid {
  return new PgCentroid(url);
}
