// Settings validation (pure): every refusal names the key, the bad value and the fix.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { closest, SettingsError, validateConfig } from '../../src/config/settings';
import { KEY_NAMES, SPEC, settingsSchema, settingsTable } from '../../src/config/spec';
import { OK, REFUSALS } from './refusals';

/** Runs validateConfig and returns its SettingsError (fails the test when it accepts). */
function refusal(config: unknown, usage: 'insert' | 'fit' = 'insert'): SettingsError {
  try {
    validateConfig(config, usage);
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(config)}`);
}

describe('validateConfig refuses bad settings, naming the key, the bad value and the fix', () => {
  it('has at least 25 cases', () => {
    expect(REFUSALS.length).toBeGreaterThanOrEqual(25);
  });
  for (const r of REFUSALS) {
    it(`refuses ${r.name}`, () => {
      const e = refusal(r.config);
      expect(e.key).toBe(r.key);
      expect(e.message).toMatch(r.message);
      expect(e.hint).toMatch(r.hint);
      expect(e.message).toBe(e.message.charAt(0).toLowerCase() + e.message.slice(1));
    });
  }
});

describe('validateConfig accepts good settings', () => {
  it('fills in defaults', () => {
    const s = validateConfig(OK);
    expect(s).toMatchObject({ clustering_algorithm: 'k-means', center_choice: 'k-means++', distance_type: 'euclidean', maximum_data_count: 100000, minimum_data_count: 20, refit: 'statement', invalid_rows: 'skip', starts: 1, seed: 42 });
  });

  it('takes the paper\'s spelling "euclidian" as euclidean', () => {
    expect(validateConfig({ ...OK, distance_type: 'euclidian' }).distance_type).toBe('euclidean');
  });

  it('caps the default minimum_data_count at maximum_data_count', () => {
    expect(validateConfig({ ...OK, maximum_data_count: 5 }).minimum_data_count).toBe(5);
  });

  it('does not need a cluster number column for a batch fit', () => {
    expect(validateConfig({ ...OK, cluster_number_column: undefined }, 'fit').cluster_number_column).toBeNull();
  });

  it('accepts names with quotes, spaces, semicolons and non-Latin letters', () => {
    const s = validateConfig({ key_column: 'a"b', clustering_columns: ['x; DROP TABLE y', 'Ünïcode табл'], cluster_count: 1, cluster_number_column: 'Cluster No' });
    expect(s.clustering_columns).toEqual(['x; DROP TABLE y', 'Ünïcode табл']);
  });
});

describe('closest', () => {
  it('suggests the nearest key within three edits, ignoring case', () => {
    expect(closest('MAXIMUM_DATA_CNT', KEY_NAMES)).toBe('maximum_data_count');
    expect(closest('tolerence', KEY_NAMES)).toBe('tolerance');
    expect(closest('zzzzzzzz', KEY_NAMES)).toBeNull();
  });
});

describe('the settings spec', () => {
  it('is the table the README shows (regenerate it with: npm run docs)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- settings:begin -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(table).toBe(settingsTable());
  });

  it('gives every key a JSON Schema property, with the ranges the validator enforces', () => {
    const schema = settingsSchema() as { properties: Record<string, { anyOf?: Record<string, unknown>[] } & Record<string, unknown>>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(KEY_NAMES);
    expect(schema.required).toEqual(['key_column', 'clustering_columns', 'cluster_count']);
    expect(schema.properties.cluster_count).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    const decay = schema.properties.decay?.anyOf?.[0];
    expect(decay).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1 });
    // The validator refuses just past each integer range the schema states.
    for (const k of KEY_NAMES) {
      const s = SPEC[k];
      if (s.type !== 'integer' || k === 'cluster_count' || k === 'minimum_data_count' || k === 'maximum_data_count') continue;
      expect(() => validateConfig({ ...OK, [k]: s.max + 1 }), k).toThrow(SettingsError);
      expect(() => validateConfig({ ...OK, [k]: s.max }), k).not.toThrow();
    }
  });
});
