// What the catalog tells other roles: by default a clustered table's centroids stay with its owner (its label
// function holds none of them, and the functions that label rows answer other roles with nothing); with
// inline_centroids the owner trades that for speed, and a table with row-level security cannot.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix } from './security';

const suffix = roleSuffix();
const OWNER = `cat_owner_${suffix}`;
const OTHER = `cat_other_${suffix}`;
const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 4, center_choice: 'manual', starting_centers: [[0, 0], [1000, 1000]] };

let db: TestDatabase;
let owner: pg.Client;
let other: pg.Client;

beforeAll(async () => {
  await createRoles(OWNER, OTHER);
  db = await createDatabase('sec_catalog');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}`);
  owner = await connectAs(db, OWNER);
  other = await connectAs(db, OTHER);
  for (const [t, shift] of [['hidden', 0], ['shown', 3.5]] as const) {
    await owner.query(`CREATE TABLE ${t} (id bigserial PRIMARY KEY, v1 float8, v2 float8, cl int)`);
    // Centroids at values no source text would hold by chance (and other ones for each table).
    await owner.query(`INSERT INTO ${t} (v1, v2) SELECT 123.456789 + ${shift} + (g % 2) * 800.123, 654.321987 + ${shift} + (g % 2) * 70.777 FROM generate_series(1, 20) g`);
    await owner.query(`GRANT INSERT ON ${t} TO ${OTHER}`);
    await owner.query(`GRANT USAGE ON SEQUENCE ${t}_id_seq TO ${OTHER}`);
  }
  await owner.query(`SELECT centroid.attach('hidden', $1)`, [CONFIG]);
  await owner.query(`SELECT centroid.attach('shown', $1)`, [{ ...CONFIG, inline_centroids: true }]);
}, 120_000);
afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, OTHER);
});

/** The source of every function of pg_centroid's schemas, as any role reads it from pg_proc. */
async function sources(c: pg.Client): Promise<string> {
  const r = await c.query(`SELECT string_agg(prosrc, ' ') AS s FROM pg_proc WHERE pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace)`);
  return r.rows[0].s as string;
}

describe('centroids in the catalog', () => {
  it('are nowhere in the catalog by default, while rows of another role still get labelled', async () => {
    const centroids = (await owner.query(`SELECT centroids FROM centroid.state WHERE table_name = 'hidden'::regclass`)).rows[0].centroids as number[][];
    const src = await sources(other);
    for (const c of centroids.flat()) expect(src.includes(String(c)), String(c)).toBe(false);
    await other.query(`INSERT INTO hidden (v1, v2) VALUES (923.5, 725.0), (123.5, 654.3)`);
    const labels = (await owner.query(`SELECT cl FROM hidden ORDER BY id DESC LIMIT 2`)).rows.map((r) => r.cl);
    expect(labels).toEqual([0, 1]);
  });

  it('answer another role nothing through the functions that label rows or predict', async () => {
    expect((await other.query(`SELECT centroid_internal._nearest('hidden'::regclass, 1, '{923.5,725}') AS r`)).rows[0].r).toEqual([]);
    expect((await other.query(`SELECT centroid_internal._nearest_label('hidden'::regclass, 1, 923.5, 725) AS r`)).rows[0].r).toBe(-1);
    expect((await other.query(`SELECT centroid_internal._label('hidden'::regclass, '{923.5,725}') AS r`)).rows[0].r).toEqual([]);
    const e = await failure(other, `SELECT centroid.predict('hidden', '{923.5,725}')`);
    expect(e.message).toMatch(/is neither a model of yours nor a clustered table of yours/);
    expect((await other.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
  });

  it('are in the label function with inline_centroids, as its documentation warns', async () => {
    const centroids = (await owner.query(`SELECT centroids FROM centroid.state WHERE table_name = 'shown'::regclass`)).rows[0].centroids as number[][];
    const src = await sources(other);
    expect(centroids.flat().some((c) => src.includes(String(c)))).toBe(true);
  });

  it('may not be inlined for a table with row-level security, and leave the catalog when it gets some', async () => {
    await owner.query(`ALTER TABLE shown ENABLE ROW LEVEL SECURITY`);
    const centroids = (await owner.query(`SELECT centroids FROM centroid.state WHERE table_name = 'shown'::regclass`)).rows[0].centroids as number[][];
    const src = await sources(other);
    for (const c of centroids.flat()) expect(src.includes(String(c)), String(c)).toBe(false);
    const e = await failure(owner, `UPDATE centroid.settings SET config = config || '{"seed": 3}' WHERE table_name = 'shown'::regclass`);
    expect(e.message).toMatch(/^pg_centroid setting inline_centroids: shown has row-level security/);
    expect(e.hint).toMatch(/remove "inline_centroids"/);
  });
});
