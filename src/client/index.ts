// The typed client API for Node apps: each method is one call of a pg_centroid SQL function over `pg`.

import pg from 'pg';
import type { Config, Settings } from '../config/settings';
import { ident, integer } from '../sql/quote';

export type { Config, Settings, RefitPolicy, InvalidRows, Standardize } from '../config/settings';
export type { Algorithm, CenterChoice, DistanceType } from '../core/types';

/** Anything with pg's query method: a pg.Pool, a pg.Client or a pool's client. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** What one refit did (centroid.refit): the type the in-database code returns. */
export type { RefitResult } from '../config/results';
import type { RefitResult as RefitOutcome } from '../config/results';

/** What centroid.attach did. */
export interface AttachResult {
  table: string;
  trigger: string;
  refit: RefitOutcome | null;
}

/** What centroid.detach did. */
export interface DetachResult {
  table: string;
  triggers_dropped: string[];
  settings_removed: boolean;
}

/** One cluster of a clustered table. */
export interface ClusterStatus {
  cluster: number;
  size: number | null;
  radius: number | null;
  centroid: number[];
}

/** The state of one clustered table (centroid.status). */
export interface TableStatus {
  table: string;
  config: Config;
  /** The settings with every default filled in; null when they no longer fit the table (see error). */
  settings: Settings | null;
  error: { message: string; hint: string; detail: string; code: string } | null;
  trigger: boolean;
  rows: number | null;
  labelled_rows: number | null;
  refits: number;
  refitted_at: string | null;
  online_updated_at: string | null;
  rows_used: number | null;
  iterations: number | null;
  converged: boolean | null;
  cost: number | null;
  duration_ms: number | null;
  changed_labels: number | null;
  centroids: number[][] | null;
  clusters: ClusterStatus[];
}

/** What centroid.fit returns: the new model version and how it went (see the README's batch workflow). */
export interface FitResult {
  model: string;
  version: number;
  rows_used: number;
  rows_skipped: number;
  k: number;
  algorithm: string;
  cost: number;
  iterations: number;
  converged: boolean;
  duration_ms: number;
  centroids: number[][];
  standardization: { means: number[]; scales: number[] } | null;
  metrics: Record<string, unknown>;
  output_table: string | null;
  labels_changed: number;
}

/** A sampled row for plots: its features and cluster number (null when unlabelled). */
export interface SampleRow {
  features: number[];
  cluster: number | null;
}

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
    return this.value('SELECT centroid.attach($1::regclass, $2::jsonb, $3) AS v', [table, JSON.stringify(config), options.refit ?? true]);
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
  async refit(table: string): Promise<RefitOutcome> {
    return this.value('SELECT centroid.refit($1::regclass) AS v', [table]);
  }

  /** Segments a table, view or query in one call and records the model (the batch workflow). */
  async fit(model: string, source: string, config: Config): Promise<FitResult> {
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
