// The validation of settings shared by clustering on insert (centroid.settings) and batch fits (centroid.fit):
// each key's type, range and default come from its one declaration in spec.ts; the rules between keys are here.
// Every refusal names the key, the bad value and the fix.

import type { Algorithm, CenterChoice, DistanceType } from '../core/types';
import { KEY_NAMES, type KeySpec, SPEC, type Key } from './spec';

/** When the window is re-clustered. */
export type RefitPolicy = 'statement' | 'row' | 'online';

/** What happens to a row whose clustering columns hold NULL, NaN or an infinity. */
export type InvalidRows = 'skip' | 'error';

/** Scaling applied to features before clustering. */
export type Standardize = 'none' | 'zscore';

export type { Config } from './spec';

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
  distance_column: string | null;
  anomaly_column: string | null;
  /** The anomaly threshold when fixed (3 by default), null when contamination sets it at each refit. */
  anomaly_threshold: number | null;
  contamination: number | null;
  /** An interval (text, as PostgreSQL reads it) or a number of time units; null for none. */
  half_life: string | number | null;
  drift_refit: number | null;
  inline_centroids: boolean;
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

/** Where the settings are used: on insert a cluster number column is required. */
export type Usage = 'insert' | 'fit';

/** Validates users' settings and fills in defaults; throws SettingsError naming the key and fix. */
export function validateConfig(input: unknown, usage: Usage = 'insert'): Settings {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SettingsError('config', `settings must be a JSON object, not ${show(input)}`, 'write them as {"key_column": "id", "clustering_columns": ["v1"], "cluster_count": 3, ...}');
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(KEY_NAMES as string[]).includes(key)) {
      const close = closest(key, KEY_NAMES);
      throw new SettingsError(key, `unknown setting "${key}"`, close ? `did you mean "${close}"?` : `known settings: ${KEY_NAMES.join(', ')}`);
    }
  }

  const keyColumn = columnName(raw, 'key_column', true) as string;
  const columns = columnList(raw);
  const algorithm = oneOf(raw, 'clustering_algorithm') as Algorithm;
  const k = int(raw, 'cluster_count');
  const centerChoice = oneOf(raw, 'center_choice') as CenterChoice;
  const named = oneOf(raw, 'distance_type');
  const distance: DistanceType = named === 'manhattan' ? 'manhattan' : named === 'cosine' ? 'cosine' : 'euclidean';
  if (distance === 'cosine' && algorithm !== 'k-means' && algorithm !== 'k-means++') {
    throw new SettingsError('distance_type', `distance_type cosine is clustered by spherical k-means, not ${algorithm}`, 'use "clustering_algorithm": "k-means" with cosine distance, or another distance');
  }
  const clusterColumn = columnName(raw, 'cluster_number_column', usage === 'insert');
  // k-medoids takes at most 10,000 rows (src/core/kmedoids.ts): its window defaults to that.
  const maximum = int(raw, 'maximum_data_count', algorithm === 'k-medoids' ? 10000 : 100000);
  const minimum = int(raw, 'minimum_data_count', Math.min(10 * k, maximum));
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
    seed: int(raw, 'seed'),
    starts: int(raw, 'starts', defaultStarts),
    max_iterations: int(raw, 'max_iterations'),
    tolerance: num(raw, 'tolerance'),
    refit: oneOf(raw, 'refit') as RefitPolicy,
    invalid_rows: oneOf(raw, 'invalid_rows') as InvalidRows,
    decay: num(raw, 'decay'),
    time_column: columnName(raw, 'time_column', false),
    standardize: oneOf(raw, 'standardize') as Standardize,
    output_table: tableName(raw, 'output_table'),
    distance_column: columnName(raw, 'distance_column', false),
    anomaly_column: columnName(raw, 'anomaly_column', false),
    anomaly_threshold: null,
    contamination: optionalNum(raw, 'contamination'),
    half_life: halfLife(raw),
    drift_refit: optionalNum(raw, 'drift_refit'),
    inline_centroids: bool(raw, 'inline_centroids'),
  };
  settings.anomaly_threshold = anomalyThreshold(raw, settings);
  if (settings.distance_type === 'cosine' && settings.standardize !== 'none') {
    throw new SettingsError('standardize', 'standardize zscore is not taken with distance_type cosine, which compares directions only', 'remove "standardize" (cosine distance already ignores each row\'s length), or use euclidean distance');
  }
  if (settings.drift_refit !== null && settings.refit !== 'online') {
    throw new SettingsError('drift_refit', `drift_refit is given but refit is ${settings.refit}, which refits ${settings.refit === 'statement' ? 'after every statement' : 'on every row'} anyway`, 'set "refit": "online" to refit when the stream drifts, or remove drift_refit');
  }
  if (centerChoice === 'manual' && settings.starts !== 1 && raw.starts !== undefined) {
    throw new SettingsError('starts', `starts is ${settings.starts} but center_choice is manual, which has one start`, 'remove "starts" or choose center_choice random or k-means++');
  }
  const named2 = [keyColumn, clusterColumn].filter((c): c is string => c !== null);
  for (const c of named2) {
    if (columns.includes(c)) {
      throw new SettingsError(c === keyColumn ? 'key_column' : 'cluster_number_column', `column "${c}" is both a clustering column and the ${c === keyColumn ? 'key' : 'cluster number'} column`, `remove "${c}" from clustering_columns`);
    }
  }
  checkOutputColumns(settings);
  if (clusterColumn !== null && clusterColumn === keyColumn) {
    throw new SettingsError('cluster_number_column', `cluster_number_column "${clusterColumn}" is also the key_column`, 'use a separate integer column for cluster numbers');
  }
  return settings;
}

/** Reads a boolean (the key's default when absent). */
function bool(raw: Record<string, unknown>, key: Key): boolean {
  const { default: fallback } = spec(key, 'boolean');
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new SettingsError(key, `${key} must be true or false, not ${show(v)}`, `write "${key}": ${fallback}`);
  return v;
}

/** Reads an optional number in the key's range (null when absent). */
function optionalNum(raw: Record<string, unknown>, key: Key): number | null {
  return raw[key] === undefined || raw[key] === null ? null : num(raw, key);
}

/** Reads half_life: an interval as text (checked by the server, which reads it) or a positive number. */
function halfLife(raw: Record<string, unknown>): string | number | null {
  const v = raw.half_life;
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  if (typeof v === 'string' && v.trim() !== '' && v.length <= 100) return v;
  throw new SettingsError('half_life', `half_life must be an interval such as "7 days" (or a positive number for integer time columns), not ${show(v)}`, 'write "half_life": "7 days"');
}

/** The fixed anomaly threshold: the setting, else 3; none when contamination sets it (the two exclude each other). */
function anomalyThreshold(raw: Record<string, unknown>, s: Settings): number | null {
  const given = optionalNum(raw, 'anomaly_threshold');
  if (given !== null && s.contamination !== null) {
    throw new SettingsError('contamination', `contamination (${s.contamination}) and anomaly_threshold (${given}) are both given, but each sets the threshold`, 'keep one: "contamination" flags that share of the window at each refit, "anomaly_threshold" a fixed normalized distance');
  }
  const uses = s.anomaly_column !== null || s.drift_refit !== null;
  if ((given !== null || s.contamination !== null) && !uses) {
    const key = given !== null ? 'anomaly_threshold' : 'contamination';
    throw new SettingsError(key, `${key} is given but nothing uses it: there is no anomaly_column and no drift_refit`, 'add "anomaly_column": "<boolean column>" to flag anomalies, or remove it');
  }
  if (s.contamination !== null) return null;
  return given ?? 3;
}

/** The columns the clustering writes are distinct from each other and from the ones it reads. */
function checkOutputColumns(s: Settings): void {
  const writes: [Key, string | null][] = [
    ['distance_column', s.distance_column],
    ['anomaly_column', s.anomaly_column],
  ];
  for (const [key, c] of writes) {
    if (c === null) continue;
    const clash = c === s.key_column ? 'key_column' : c === s.cluster_number_column ? 'cluster_number_column' : s.clustering_columns.includes(c) ? 'clustering_columns' : c === s.time_column ? 'time_column' : null;
    if (clash) throw new SettingsError(key, `${key} "${c}" is also named by ${clash}`, `use a column of its own for ${key}`);
  }
  if (s.distance_column !== null && s.distance_column === s.anomaly_column) {
    throw new SettingsError('anomaly_column', `anomaly_column "${s.anomaly_column}" is also the distance_column`, 'use a boolean column for anomaly_column and a double precision one for distance_column');
  }
}

/** Reads a required or optional column name. */
function columnName(raw: Record<string, unknown>, key: Key, required: boolean): string | null {
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
function tableName(raw: Record<string, unknown>, key: Key): string | null {
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
  const max = SPEC.clustering_columns.max;
  if (!Array.isArray(v) || v.length === 0 || v.length > max) {
    throw new SettingsError('clustering_columns', `clustering_columns must be a list of 1 to ${max} column names, not ${show(v)}`, 'write "clustering_columns": ["v1", "v2"]');
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

/** The spec of a key of a given type. */
function spec<T extends KeySpec['type']>(key: Key, type: T): Extract<KeySpec, { type: T }> {
  const s = SPEC[key] as KeySpec;
  if (s.type !== type) throw new Error(`settings: ${key} is declared as ${s.type}, read as ${type}`);
  return s as Extract<KeySpec, { type: T }>;
}

/** Reads a value from a fixed list (the key's values and default in the spec). */
function oneOf(raw: Record<string, unknown>, key: Key): string {
  const { values: allowed, default: fallback } = spec(key, 'enum');
  const v = raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v)) {
    const close = typeof v === 'string' ? closest(v, allowed) : null;
    throw new SettingsError(key, `${key} must be one of ${allowed.join(', ')}, not ${show(v)}`, close ? `did you mean "${close}"?` : `write "${key}": "${fallback}"`);
  }
  return v;
}

/** Reads an integer in the key's range; `derived` is its default when the spec derives it from other keys. */
function int(raw: Record<string, unknown>, key: Key, derived?: number): number {
  const s = spec(key, 'integer');
  const { min, max } = s;
  const fallback = typeof s.default === 'number' ? s.default : derived;
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

/** Reads a finite number in the key's range ((min, max] when the minimum is exclusive). */
function num(raw: Record<string, unknown>, key: Key): number {
  const s = spec(key, 'number');
  const { min, max } = s;
  const minInclusive = !s.minExclusive;
  const v = raw[key];
  if (v === undefined || v === null) {
    if (s.default === null) throw new SettingsError(key, `${key} is missing`, `add "${key}": <number>`);
    return s.default;
  }
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
  // One column may be a vector column of any length (checked against its dimensions where the table is known).
  const want = d === 1 && Array.isArray(v[0]) && (v[0] as unknown[]).length > 0 ? (v[0] as unknown[]).length : d;
  v.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== want) {
      throw new SettingsError('starting_centers', `starting_centers[${i}] must have ${want} coordinates (${want === d ? 'one per clustering column' : 'as many as starting_centers[0]'}), not ${Array.isArray(p) ? p.length : show(p)}`, `give each point ${want} numbers, in the order of clustering_columns`);
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
