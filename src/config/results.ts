// The JSON the SQL functions return, typed once: the in-database code builds these and the client reads them.
// Keys are snake_case throughout.

import type { Config, Settings } from './settings';

/** What one refit did (centroid.refit, the refit of attach, and the insert path's refits). */
export interface RefitResult {
  /** refitted; waiting (fewer valid rows than minimum_data_count); too-few-distinct (fewer distinct rows than k). */
  status: 'refitted' | 'waiting' | 'too-few-distinct';
  /** Valid rows of the window clustered. */
  rows: number;
  /** Rows of the window left out for an invalid feature. */
  invalid: number;
  /** Cluster numbers rewritten. */
  changed: number;
  iterations: number;
  cost: number;
  duration_ms: number;
  /** The engine that ran: js (the window read into JavaScript), sql (passes in the SQL executor), vector (a pgvector column's passes in SQL). */
  engine: 'js' | 'sql' | 'vector' | null;
  /** The pending row's cluster (policy row), else null. */
  pending_label: number | null;
  /** The pending row's distance to its centroid and normalized distance (policy row), else null. */
  pending_distance: number | null;
  pending_normalized: number | null;
}

/** What centroid.attach did. */
export interface AttachResult {
  table: string;
  trigger: string;
  refit: RefitResult | null;
}

/** What centroid.detach did. */
export interface DetachResult {
  table: string;
  triggers_dropped: string[];
  settings_removed: boolean;
  refit_unscheduled: boolean;
}

/** One cluster of a clustered table. */
export interface ClusterStatus {
  cluster: number;
  /** Rows in the cluster at the last refit. */
  size: number | null;
  /** Weight of the cluster: rows at the last refit plus rows the online policy added since (decayed). */
  weight: number | null;
  radius: number | null;
  /** The RMS distance of its rows to its centroid at the last refit. */
  rms_radius: number | null;
  /** Rows labelled since the last refit (online policy), their mean normalized distance and share of anomalies. */
  rows_since_refit: number | null;
  mean_normalized_distance: number | null;
  anomaly_share: number | null;
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
  /** Why the last refit ran: statement, row, online, drift, refit, schedule. */
  refit_reason: string | null;
  anomaly_threshold: number | null;
  centroids: number[][] | null;
  clusters: ClusterStatus[];
}

/** Quality of one fit, in the space it was fitted in (standardized when standardize is zscore). */
export interface Metrics {
  inertia: number;
  silhouette: number | null;
  silhouette_sample: number;
  davies_bouldin: number | null;
  calinski_harabasz: number | null;
  cluster_sizes: number[];
  /** Each cluster's mean distance of its rows to its centroid. */
  radii: number[];
  /** Each cluster's RMS distance (normalized distances divide by it). */
  rms_radii: number[];
  /** The normalized distance above which a row is an anomaly (from anomaly_threshold, 3, or contamination). */
  anomaly_threshold: number | null;
}

/** What centroid.fit returns: the new model version and how it went. */
export interface ModelFit {
  model: string;
  version: number;
  owner: string;
  rows_used: number;
  rows_skipped: number;
  k: number;
  algorithm: string;
  cost: number;
  iterations: number;
  converged: boolean;
  duration_ms: number;
  /** Where the time went; a vector fit adds its phases (sample_ms, seed_ms, sample_iterations_ms, full_ms) and sample sizes. */
  timings: { read_ms: number; fit_ms: number; renumber_ms: number; metrics_ms: number; write_ms: number } & Record<string, number>;
  /** pgvector's type of the clustered column (vector, halfvec), or null for numeric columns. */
  vector_type: string | null;
  centroids: number[][];
  standardization: { means: number[]; scales: number[] } | null;
  metrics: Metrics;
  output_table: string | null;
  labels_changed: number;
  /** Present when the fit ran on aggregates (a sharded source): the relations and servers its statements reached. */
  pushdown?: {
    relations: string[];
    servers: { name: string; host: string | null; port: string | null; async_capable: boolean }[];
    /** Lloyd passes run (each one aggregate statement per relation). */
    passes: number;
    /** Rows of the sample drawn on the shards for the start and the silhouette. */
    sample_rows: number;
  };
}

/** One k tried by centroid.choose_k. */
export interface Candidate {
  k: number;
  cost: number;
  silhouette: number | null;
  davies_bouldin: number | null;
  calinski_harabasz: number | null;
  iterations: number;
}

/** What centroid.choose_k returns. */
export interface ChooseK {
  recommended: number;
  by_silhouette: number | null;
  by_elbow: number | null;
  rows_used: number;
  rows_skipped: number;
  duration_ms: number;
  candidates: Candidate[];
}

/** What centroid.schedule_refit and centroid.schedule_fit return. */
export interface Schedule {
  job_name: string;
  job_id: number;
  schedule: string;
  command: string;
  cron_database: string | null;
}
