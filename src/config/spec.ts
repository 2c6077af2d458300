// The settings vocabulary, declared once: every key's type, default, range and meaning. The validator
// (settings.ts) reads its types and ranges from here, the README's settings table and the JSON Schema that
// `npm run build` writes (dist/settings.schema.json) are generated from it (a test fails when the README's table
// differs), and the client's Config type is derived from it.

/** A default that depends on other keys, computed by the validator; `doc` says how, for the README. */
export interface Derived {
  derived: string;
}

/** What one key is. */
export type KeySpec =
  | { type: 'column'; required?: 'always' | 'insert'; default: null; doc: Doc }
  | { type: 'columns'; max: number; required: 'always'; default: null; doc: Doc }
  | { type: 'table'; default: null; doc: Doc }
  | { type: 'enum'; values: readonly string[]; default: string; doc: Doc }
  | { type: 'integer'; min: number; max: number; required?: 'always'; default: number | Derived | null; doc: Doc }
  | { type: 'number'; min: number; max: number; minExclusive?: boolean; default: number | null; doc: Doc }
  | { type: 'centers'; default: null; doc: Doc }
  | { type: 'boolean'; default: boolean; doc: Doc }
  | { type: 'interval'; default: null; doc: Doc };

/** How a key is documented: its default as users read it (when not the literal default), its range, its meaning. */
export interface Doc {
  default?: string;
  range: string;
  meaning: string;
}

/** Every key, in the order the README lists them: the paper's ten, then ours. */
export const SPEC = {
  key_column: {
    type: 'column',
    required: 'always',
    default: null,
    doc: { default: '(required)', range: 'a column of the table with an equality operator', meaning: 'identifies a row: changed labels are written back by it (on a hypertable together with its time dimension)' },
  },
  clustering_columns: {
    type: 'columns',
    max: 1000,
    required: 'always',
    default: null,
    doc: { default: '(required)', range: '1 to 1000 distinct numeric columns, or one pgvector `vector(n)` / `halfvec(n)` column', meaning: 'the features clustered on (smallint, integer, bigint, real, double precision, numeric, or domains over them); or one embedding column of n dimensions, clustered with pgvector\'s distances (see Clustering embeddings)' },
  },
  clustering_algorithm: {
    type: 'enum',
    values: ['k-means', 'k-means++', 'k-medoids', 'k-medians'],
    default: 'k-means',
    doc: { range: '`k-means`, `k-means++`, `k-medoids`, `k-medians`', meaning: '`k-means++` is k-means with k-means++ starts; k-means with manhattan distance runs k-medians (means only minimise euclidean distance)' },
  },
  center_choice: {
    type: 'enum',
    values: ['random', 'k-means++', 'manual'],
    default: 'k-means++',
    doc: { range: '`random`, `k-means++`, `manual`', meaning: 'how the first clustering starts; later ones start from the stored centroids' },
  },
  cluster_count: { type: 'integer', min: 1, max: 1000, required: 'always', default: null, doc: { default: '(required)', range: '1 to 1000', meaning: 'k, the number of clusters' } },
  starting_centers: {
    type: 'centers',
    default: null,
    doc: { default: 'none', range: '`cluster_count` points of one finite number per clustering column (n numbers for a `vector(n)` column)', meaning: 'the first centers, for `center_choice` `manual` only' },
  },
  distance_type: {
    type: 'enum',
    values: ['euclidean', 'euclidian', 'manhattan', 'cosine'],
    default: 'euclidean',
    doc: {
      range: "`euclidean` (or the paper's `euclidian`), `manhattan`, `cosine`; a vector column: `euclidean`, `cosine`",
      meaning: 'distance between rows and centers; `cosine` (1 - cos) clusters by direction: spherical k-means, rows and centers scaled to unit length (zero rows are invalid)',
    },
  },
  cluster_number_column: {
    type: 'column',
    required: 'insert',
    default: null,
    doc: { default: '(required on insert)', range: 'an integer column', meaning: "receives each row's cluster number, 0 to `cluster_count` - 1" },
  },
  maximum_data_count: {
    type: 'integer',
    min: 1,
    max: 10000000,
    default: { derived: '100000 (10000 for k-medoids)' },
    doc: { range: '`minimum_data_count` to 10,000,000 (10,000 for k-medoids)', meaning: 'the window: at most this many most recent rows are clustered' },
  },
  minimum_data_count: {
    type: 'integer',
    min: 1,
    max: 10000000,
    default: { derived: '10 x `cluster_count` (at most `maximum_data_count`)' },
    doc: { range: '`cluster_count` to `maximum_data_count`', meaning: 'below this many valid rows nothing is clustered; inserts still succeed' },
  },
  seed: { type: 'integer', min: 0, max: 2147483647, default: 42, doc: { range: '0 to 2147483647', meaning: 'seed of every random choice: same seed, same clusters' } },
  starts: {
    type: 'integer',
    min: 1,
    max: 100,
    default: { derived: '10 for `random`, 1 for `k-means++` and `manual`' },
    doc: { range: '1 to 100', meaning: 'starts tried on a fresh clustering; the lowest cost wins' },
  },
  max_iterations: { type: 'integer', min: 1, max: 10000, default: 100, doc: { range: '1 to 10000', meaning: 'iteration limit of one clustering' } },
  tolerance: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.0001,
    doc: {
      range: '0 to 1',
      meaning:
        "relative to the data's mean variance, as scikit-learn: k-means stops when the squared distances its centers moved in one iteration sum to at most tolerance x the mean per-column variance (0: only when no label changes)",
    },
  },
  refit: {
    type: 'enum',
    values: ['statement', 'row', 'online'],
    default: 'statement',
    doc: { range: '`statement`, `row`, `online`', meaning: 're-cluster the window once per INSERT/COPY; on every row (the paper); or never in the insert path (the rows of each statement move the centroids they were labelled with)' },
  },
  invalid_rows: {
    type: 'enum',
    values: ['skip', 'error'],
    default: 'skip',
    doc: { range: '`skip`, `error`', meaning: 'rows with a NULL, NaN, infinite or out-of-range (beyond 1e150) feature: kept with a NULL cluster number, or the statement is refused' },
  },
  decay: {
    type: 'number',
    min: 0,
    max: 1,
    minExclusive: true,
    default: 1,
    doc: { range: 'greater than 0 to 1', meaning: '`online` policy: weight past rows keep at each new row (1 = no forgetting)' },
  },
  time_column: {
    type: 'column',
    default: null,
    doc: { default: "the hypertable's time dimension, else none", range: 'a column', meaning: 'orders the window, most recent first; without one the key orders it' },
  },
  standardize: {
    type: 'enum',
    values: ['none', 'zscore'],
    default: 'none',
    doc: { range: '`none`, `zscore`', meaning: 'z-score features with means and deviations frozen at fit time' },
  },
  output_table: { type: 'table', default: null, doc: { default: 'the source', range: 'a table', meaning: '`centroid.fit`: where cluster numbers are written' } },
  distance_column: {
    type: 'column',
    default: null,
    doc: { default: 'none', range: 'a double precision (or real, numeric) column', meaning: "receives each row's distance to its own centroid, in the space clustered (z-scores under `standardize`), wherever a cluster number is written (as of that moment: a refit rewrites it on the rows whose cluster it changes, and `centroid.score` gives every row's distance to the current centroids); NULL for rows with invalid features" },
  },
  anomaly_column: {
    type: 'column',
    default: null,
    doc: {
      default: 'none',
      range: 'a boolean column',
      meaning: "set to true when the row's normalized distance (its distance over its cluster's RMS radius, as BigQuery ML's ML.DETECT_ANOMALIES) exceeds the threshold, else false; NULL for rows with invalid features",
    },
  },
  anomaly_threshold: {
    type: 'number',
    min: 0,
    max: 1000000,
    minExclusive: true,
    default: null,
    doc: { default: '3, unless `contamination` is set', range: 'greater than 0 to 1000000', meaning: 'the normalized distance above which a row is an anomaly (for `anomaly_column` and `drift_refit`)' },
  },
  contamination: {
    type: 'number',
    min: 0,
    max: 0.5,
    minExclusive: true,
    default: null,
    doc: { default: 'none', range: 'greater than 0 to 0.5; not with `anomaly_threshold`', meaning: 'instead of a fixed threshold: at each refit the threshold is set so that this share of the window is flagged' },
  },
  half_life: {
    type: 'interval',
    default: null,
    doc: {
      default: 'none',
      range: "an interval such as `'7 days'` (a positive number for integer time columns)",
      meaning: "event-time forgetting on the time column: a row's weight halves every half-life of event time before the newest row, in the `online` policy's moves (a late-arriving old row moves a centroid less) and in refits (weighted k-means)",
    },
  },
  drift_refit: {
    type: 'number',
    min: 0,
    max: 1,
    minExclusive: true,
    default: null,
    doc: {
      default: 'none',
      range: 'greater than 0 to 1; `online` policy only',
      meaning: 'refits the window at the end of the statement in which the share of anomalies among the rows inserted since the last refit (at least `minimum_data_count` of them) passes this value',
    },
  },
  inline_centroids: {
    type: 'boolean',
    default: false,
    doc: {
      range: '`true`, `false`; not on tables with row-level security',
      meaning:
        "labels on insert from centroids written into the table's label function as constants: ~10x cheaper per row, but the centroids (and z-score parameters) become readable in the catalog (pg_proc) by every role of the database; by default they stay with the table's owner and each row costs a call into JavaScript (a vector column: a query of the table's centroid store, which only its owner may read)",
    },
  },
} as const satisfies Record<string, KeySpec>;

/** A settings key. */
export type Key = keyof typeof SPEC;

/** Every key, in order. */
export const KEY_NAMES = Object.keys(SPEC) as Key[];

/** The value type users write for a key. */
type ValueOf<S> = S extends { type: 'enum'; values: readonly (infer V)[] }
  ? V
  : S extends { type: 'integer' | 'number' }
    ? number
    : S extends { type: 'interval' }
      ? string | number
      : S extends { type: 'column' | 'table' }
      ? string
      : S extends { type: 'columns' }
        ? string[]
        : S extends { type: 'centers' }
          ? number[][]
          : S extends { type: 'boolean' }
            ? boolean
            : never;

type RequiredKeys = { [K in Key]: (typeof SPEC)[K] extends { required: 'always' } ? K : never }[Key];

/** Settings as users write them (JSON keys): the keys the spec requires always, the others optional. */
export type Config = { [K in RequiredKeys]: ValueOf<(typeof SPEC)[K]> } & { [K in Exclude<Key, RequiredKeys>]?: ValueOf<(typeof SPEC)[K]> | null };

/** A key's default as the README shows it. */
function shownDefault(s: KeySpec): string {
  if (s.doc.default !== undefined) return s.doc.default;
  if (s.default !== null && typeof s.default === 'object') return s.default.derived;
  if (typeof s.default === 'string' || typeof s.default === 'boolean') return `\`${s.default}\``;
  return s.default === null ? 'none' : String(s.default);
}

/** The README's settings table, in Markdown. */
export function settingsTable(): string {
  const rows = KEY_NAMES.map((k) => {
    const s = SPEC[k] as KeySpec;
    return `| \`${k}\` | ${shownDefault(s)} | ${s.doc.range} | ${s.doc.meaning} |`;
  });
  return ['| key | default | range | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The JSON Schema (2020-12) of a settings object, for editors. */
export function settingsSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const k of KEY_NAMES) {
    const s = SPEC[k] as KeySpec;
    const description = `${s.doc.meaning} (range: ${s.doc.range.replace(/`/g, '')}; default: ${shownDefault(s).replace(/`/g, '')})`;
    const base: Record<string, unknown> = { description };
    switch (s.type) {
      case 'column':
      case 'table':
        Object.assign(base, { type: 'string', minLength: 1, ...(s.type === 'column' ? { maxLength: 63 } : {}) });
        break;
      case 'interval':
        Object.assign(base, { type: ['string', 'number'] });
        break;
      case 'columns':
        Object.assign(base, { type: 'array', items: { type: 'string', minLength: 1, maxLength: 63 }, minItems: 1, maxItems: s.max, uniqueItems: true });
        break;
      case 'enum':
        Object.assign(base, { type: 'string', enum: [...s.values], default: s.default });
        break;
      case 'integer':
        Object.assign(base, { type: 'integer', minimum: s.min, maximum: s.max, ...(typeof s.default === 'number' ? { default: s.default } : {}) });
        break;
      case 'number':
        Object.assign(base, { type: 'number', ...(s.minExclusive ? { exclusiveMinimum: s.min } : { minimum: s.min }), maximum: s.max, ...(s.default !== null ? { default: s.default } : {}) });
        break;
      case 'centers':
        Object.assign(base, { type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 1 }, minItems: 1 });
        break;
      case 'boolean':
        Object.assign(base, { type: 'boolean', default: s.default });
        break;
    }
    // JSON null means "the default" for every key that is not required.
    properties[k] = (s as { required?: string }).required === 'always' ? base : { anyOf: [base, { type: 'null' }], description };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'pg_centroid settings',
    description: 'One JSON object per clustered table (centroid.settings.config), or the config of centroid.fit',
    type: 'object',
    properties,
    required: KEY_NAMES.filter((k) => (SPEC[k] as { required?: string }).required === 'always'),
    additionalProperties: false,
  };
}
