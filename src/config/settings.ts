// The settings vocabulary shared by clustering on insert (centroid.settings) and batch fits
// (centroid.fit): every key, its default and range, and the validation that names the fix.

import type { Algorithm, CenterChoice, DistanceType } from '../core/types';

/** When the window is re-clustered. */
export type RefitPolicy = 'statement' | 'row' | 'online';

/** What happens to a row whose clustering columns hold NULL, NaN or an infinity. */
export type InvalidRows = 'skip' | 'error';

/** Scaling applied to features before clustering. */
export type Standardize = 'none' | 'zscore';

/** Settings as users write them (JSON keys). */
export interface Config {
  key_column: string;
  clustering_columns: string[];
  clustering_algorithm?: Algorithm;
  center_choice?: CenterChoice;
  cluster_count: number;
  starting_centers?: number[][];
  distance_type?: DistanceType | 'euclidian';
  cluster_number_column?: string;
  maximum_data_count?: number;
  minimum_data_count?: number;
  seed?: number;
  starts?: number;
  max_iterations?: number;
  tolerance?: number;
  refit?: RefitPolicy;
  invalid_rows?: InvalidRows;
  decay?: number;
  time_column?: string | null;
  standardize?: Standardize;
  output_table?: string;
}

/** Settings after defaults and validation: every key present and in range. */
export interface Settings {
  key_column: string;
  clustering_columns: string[];
  clustering_algorithm: Algorithm;
  center_choice: CenterChoice;
  cluster_count: number;
  starting_centers: number[][] | null;
  distance_type: DistanceType;
  cluster_number_column: string | null;
  maximum_data_count: number;
  minimum_data_count: number;
  seed: number;
  starts: number;
  max_iterations: number;
  tolerance: number;
  refit: RefitPolicy;
  invalid_rows: InvalidRows;
  decay: number;
  time_column: string | null;
  standardize: Standardize;
  output_table: string | null;
}

/** A refused setting: names the key, the bad value and the fix. */
export class SettingsError extends Error {
  constructor(
    readonly key: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** One documented key: used for validation, for "did you mean", and for the README table. */
export interface KeyDoc {
  key: keyof Config;
  default: string;
  range: string;
  meaning: string;
}

/** Every key, in the order the README lists them. */
export const KEYS: KeyDoc[] = [
  { key: 'key_column', default: '(required)', range: 'a column of the table', meaning: 'column that identifies a row; changed labels are written back by it' },
  { key: 'clustering_columns', default: '(required)', range: '1 to 1000 distinct numeric columns', meaning: 'the features clustered on' },
  { key: 'clustering_algorithm', default: 'k-means', range: 'k-means, k-means++, k-medoids, k-medians', meaning: 'k-means++ is k-means with k-means++ starts' },
  { key: 'center_choice', default: 'k-means++', range: 'random, k-means++, manual', meaning: 'how the first clustering starts; later ones start from the stored centroids' },
  { key: 'cluster_count', default: '(required)', range: '1 to 1000', meaning: 'k, the number of clusters' },
  { key: 'starting_centers', default: 'none', range: 'cluster_count points of len(clustering_columns) finite numbers', meaning: 'the first centers, for center_choice manual only' },
  { key: 'distance_type', default: 'euclidean', range: 'euclidean (or the paper\'s euclidian), manhattan', meaning: 'distance between rows and centers' },
  { key: 'cluster_number_column', default: '(required on insert)', range: 'an integer column of the table', meaning: 'receives each row\'s cluster number, 0 to cluster_count - 1' },
  { key: 'maximum_data_count', default: '100000 (10000 for k-medoids)', range: 'minimum_data_count to 10000000 (10000 for k-medoids)', meaning: 'the window: at most this many most recent rows are clustered' },
  { key: 'minimum_data_count', default: '10 x cluster_count (at most maximum_data_count)', range: 'cluster_count to maximum_data_count', meaning: 'below this many valid rows nothing is clustered; inserts still succeed' },
  { key: 'seed', default: '42', range: 'integer 0 to 2147483647', meaning: 'seed of every random choice: same seed, same clusters' },
  { key: 'starts', default: '10 for random, 1 for k-means++ and manual', range: '1 to 100', meaning: 'starts tried on a first clustering; the lowest cost wins' },
  { key: 'max_iterations', default: '100', range: '1 to 10000', meaning: 'iteration limit of one clustering' },
  { key: 'tolerance', default: '0.0001', range: '0 to 1', meaning: "relative to the data's mean variance, as scikit-learn: k-means stops when the squared distances its centers moved in one iteration sum to at most tolerance x the mean per-column variance (0: only when no label changes)" },
  { key: 'refit', default: 'statement', range: 'statement, row, online', meaning: 'when the window is re-clustered: once per INSERT/COPY, on every row (the paper), or never in the insert path' },
  { key: 'invalid_rows', default: 'skip', range: 'skip, error', meaning: 'rows with NULL, NaN or infinite features: kept with a NULL cluster number, or refused' },
  { key: 'decay', default: '1', range: 'greater than 0 to 1', meaning: 'online policy: weight kept by past rows at each new row (1 = no forgetting)' },
  { key: 'time_column', default: 'the hypertable\'s time dimension, else none', range: 'a column of the table', meaning: 'orders the window (most recent first); without one, the key orders it' },
  { key: 'standardize', default: 'none', range: 'none, zscore', meaning: 'z-score features with means and deviations frozen at fit time' },
  { key: 'output_table', default: 'the source', range: 'a table', meaning: 'centroid.fit: where cluster numbers are written' },
];

const ALGORITHMS: readonly Algorithm[] = ['k-means', 'k-means++', 'k-medoids', 'k-medians'];
const CENTER_CHOICES: readonly CenterChoice[] = ['random', 'k-means++', 'manual'];
const DISTANCES: readonly string[] = ['euclidean', 'euclidian', 'manhattan'];
const POLICIES: readonly RefitPolicy[] = ['statement', 'row', 'online'];
const INVALID: readonly InvalidRows[] = ['skip', 'error'];
const STANDARDIZE: readonly Standardize[] = ['none', 'zscore'];

/** Where the settings are used: on insert a cluster number column is required. */
export type Usage = 'insert' | 'fit';

/** Validates users' settings and fills in defaults; throws SettingsError naming the key and fix. */
export function validateConfig(input: unknown, usage: Usage = 'insert'): Settings {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SettingsError('config', `settings must be a JSON object, not ${show(input)}`, 'write them as {"key_column": "id", "clustering_columns": ["v1"], "cluster_count": 3, ...}');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KEYS.some((k) => k.key === key)) {
      const close = closest(key, KEYS.map((k) => k.key));
      throw new SettingsError(key, `unknown setting "${key}"`, close ? `did you mean "${close}"?` : `known settings: ${KEYS.map((k) => k.key).join(', ')}`);
    }
  }

  const keyColumn = columnName(raw, 'key_column', true) as string;
  const columns = columnList(raw);
  const algorithm = oneOf(raw, 'clustering_algorithm', ALGORITHMS, 'k-means');
  const k = int(raw, 'cluster_count', undefined, 1, 1000);
  const defaultChoice: CenterChoice = 'k-means++';
  const centerChoice = oneOf(raw, 'center_choice', CENTER_CHOICES, defaultChoice);
  const distanceRaw = oneOf(raw, 'distance_type', DISTANCES, 'euclidean');
  const distance: DistanceType = distanceRaw === 'manhattan' ? 'manhattan' : 'euclidean';
  const clusterColumn = columnName(raw, 'cluster_number_column', usage === 'insert');
  // k-medoids takes at most 10,000 rows (src/core/kmedoids.ts): its window defaults to that.
  const maximum = int(raw, 'maximum_data_count', algorithm === 'k-medoids' ? 10000 : 100000, 1, 10000000);
  const minimum = int(raw, 'minimum_data_count', Math.min(10 * k, maximum), 1, 10000000);
  if (k > minimum) {
    throw new SettingsError('minimum_data_count', `minimum_data_count (${minimum}) is less than cluster_count (${k})`, `set minimum_data_count to at least ${k}: k clusters need at least k rows`);
  }
  if (minimum > maximum) {
    throw new SettingsError('minimum_data_count', `minimum_data_count (${minimum}) is greater than maximum_data_count (${maximum})`, `set minimum_data_count <= maximum_data_count, e.g. {"minimum_data_count": ${Math.min(minimum, maximum)}, "maximum_data_count": ${Math.max(minimum, maximum)}}`);
  }
  // One k-means++ start, as scikit-learn's n_init='auto': its seeding makes further starts rarely pay for themselves.
  const defaultStarts = centerChoice === 'random' ? 10 : 1;
  const settings: Settings = {
    key_column: keyColumn,
    clustering_columns: columns,
    clustering_algorithm: algorithm,
    center_choice: centerChoice,
    cluster_count: k,
    starting_centers: centers(raw, centerChoice, k, columns.length),
    distance_type: distance,
    cluster_number_column: clusterColumn,
    maximum_data_count: maximum,
    minimum_data_count: minimum,
    seed: int(raw, 'seed', 42, 0, 2147483647),
    starts: int(raw, 'starts', defaultStarts, 1, 100),
    max_iterations: int(raw, 'max_iterations', 100, 1, 10000),
    tolerance: num(raw, 'tolerance', 1e-4, 0, 1, true),
    refit: oneOf(raw, 'refit', POLICIES, 'statement'),
    invalid_rows: oneOf(raw, 'invalid_rows', INVALID, 'skip'),
    decay: num(raw, 'decay', 1, 0, 1, false),
    time_column: columnName(raw, 'time_column', false),
    standardize: oneOf(raw, 'standardize', STANDARDIZE, 'none'),
    output_table: tableName(raw, 'output_table'),
  };
  if (centerChoice === 'manual' && settings.starts !== 1 && raw.starts !== undefined) {
    throw new SettingsError('starts', `starts is ${settings.starts} but center_choice is manual, which has one start`, 'remove "starts" or choose center_choice random or k-means++');
  }
  const named = [keyColumn, clusterColumn].filter((c): c is string => c !== null);
  for (const c of named) {
    if (columns.includes(c)) {
      throw new SettingsError(c === keyColumn ? 'key_column' : 'cluster_number_column', `column "${c}" is both a clustering column and the ${c === keyColumn ? 'key' : 'cluster number'} column`, `remove "${c}" from clustering_columns`);
    }
  }
  if (clusterColumn !== null && clusterColumn === keyColumn) {
    throw new SettingsError('cluster_number_column', `cluster_number_column "${clusterColumn}" is also the key_column`, 'use a separate integer column for cluster numbers');
  }
  return settings;
}

/** Reads a required or optional column name. */
function columnName(raw: Record<string, unknown>, key: keyof Config, required: boolean): string | null {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (required) throw new SettingsError(key, `${key} is missing`, `add "${key}": "<column name>"`);
    return null;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 63) {
    throw new SettingsError(key, `${key} must be a column name (text of 1 to 63 characters), not ${show(v)}`, `write "${key}": "<column name>"`);
  }
  return v;
}

/** Reads an optional table name (possibly schema-qualified). */
function tableName(raw: Record<string, unknown>, key: keyof Config): string | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0) {
    throw new SettingsError(key, `${key} must be a table name, not ${show(v)}`, `write "${key}": "schema.table"`);
  }
  return v;
}

/** Reads clustering_columns: a non-empty list of distinct names. */
function columnList(raw: Record<string, unknown>): string[] {
  const v = raw.clustering_columns;
  if (v === undefined || v === null) {
    throw new SettingsError('clustering_columns', 'clustering_columns is missing', 'add "clustering_columns": ["v1", "v2"] with the numeric columns to cluster on');
  }
  if (typeof v === 'string') {
    throw new SettingsError('clustering_columns', `clustering_columns must be a list, not the text ${show(v)}`, `write "clustering_columns": [${JSON.stringify(v)}]`);
  }
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000) {
    throw new SettingsError('clustering_columns', `clustering_columns must be a list of 1 to 1000 column names, not ${show(v)}`, 'write "clustering_columns": ["v1", "v2"]');
  }
  const seen = new Set<string>();
  for (const c of v) {
    if (typeof c !== 'string' || c.length === 0 || c.length > 63) {
      throw new SettingsError('clustering_columns', `clustering_columns holds ${show(c)}, which is not a column name`, 'list column names as text: ["v1", "v2"]');
    }
    if (seen.has(c)) {
      throw new SettingsError('clustering_columns', `clustering_columns lists "${c}" twice`, `list each column once`);
    }
    seen.add(c);
  }
  return v as string[];
}

/** Reads a value from a fixed list. */
function oneOf<T extends string>(raw: Record<string, unknown>, key: keyof Config, allowed: readonly T[], fallback: T): T {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    const close = typeof v === 'string' ? closest(v, allowed) : null;
    throw new SettingsError(key, `${key} must be one of ${allowed.join(', ')}, not ${show(v)}`, close ? `did you mean "${close}"?` : `write "${key}": "${fallback}"`);
  }
  return v as T;
}

/** Reads an integer in [min, max]. */
function int(raw: Record<string, unknown>, key: keyof Config, fallback: number | undefined, min: number, max: number): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new SettingsError(key, `${key} is missing`, `add "${key}": <integer from ${min} to ${max}>`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new SettingsError(key, `${key} must be an integer, not ${show(v)}`, `write "${key}": <integer from ${min} to ${max}>`);
  }
  if (v < min || v > max) {
    throw new SettingsError(key, `${key} is ${v}, outside ${min} to ${max}`, `set ${key} to an integer from ${min} to ${max}`);
  }
  return v;
}

/** Reads a finite number in [min, max] (or (min, max] when the minimum is exclusive). */
function num(raw: Record<string, unknown>, key: keyof Config, fallback: number, min: number, max: number, minInclusive: boolean): number {
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  const range = `${minInclusive ? 'from' : 'greater than'} ${min} to ${max}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new SettingsError(key, `${key} must be a number, not ${show(v)}`, `write "${key}": <number ${range}>`);
  }
  if (v < min || (!minInclusive && v === min) || v > max) {
    throw new SettingsError(key, `${key} is ${v}, outside ${range}`, `set ${key} to a number ${range}`);
  }
  return v;
}

/** Reads starting_centers: k points of d finite numbers, for manual only. */
function centers(raw: Record<string, unknown>, choice: CenterChoice, k: number, d: number): number[][] | null {
  const v = raw.starting_centers;
  if (choice !== 'manual') {
    if (v !== undefined && v !== null) {
      throw new SettingsError('starting_centers', `starting_centers is given but center_choice is ${choice}`, 'set "center_choice": "manual" to use them, or remove starting_centers');
    }
    return null;
  }
  if (v === undefined || v === null) {
    throw new SettingsError('starting_centers', 'center_choice is manual but starting_centers is missing', `add "starting_centers": ${k} points of ${d} numbers, e.g. [${Array.from({ length: Math.min(k, 2) }, () => '[' + Array(d).fill(0).join(', ') + ']').join(', ')}${k > 2 ? ', ...' : ''}]`);
  }
  if (!Array.isArray(v) || v.length !== k) {
    throw new SettingsError('starting_centers', `starting_centers must hold cluster_count (${k}) points, not ${Array.isArray(v) ? v.length : show(v)}`, `give exactly ${k} points`);
  }
  v.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== d) {
      throw new SettingsError('starting_centers', `starting_centers[${i}] must have ${d} coordinates (one per clustering column), not ${Array.isArray(p) ? p.length : show(p)}`, `give each point ${d} numbers, in the order of clustering_columns`);
    }
    p.forEach((x, j) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new SettingsError('starting_centers', `starting_centers[${i}][${j}] must be a finite number, not ${show(x)}`, 'use finite numbers only');
      }
    });
  });
  return v as number[][];
}

/** The candidate nearest to a misspelt word (Levenshtein distance at most 3). */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 4;
  for (const c of candidates) {
    const dist = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) {
      bestDistance = dist;
      best = c;
    }
  }
  return best;
}

/** Edit distance between two short strings. */
function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** A short rendering of a bad value for an error message. */
function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
