// Issue 13, on insert: tables (hypertables and plain) clustered on a pgvector column in each refit policy and both
// label modes, labelled as rows arrive with pgvector's distances; warm refits keep cluster numbers; NULL and zero
// vectors get no cluster; a role that may only INSERT inserts, and learns no centroid (the hidden store is the owner's
// alone, the label function holds none); the window's memory is checked before a refit starts.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix } from './security';
import { insertTopics, notNearest, purity, type Topics, topicVector, vectorDatabase } from './vectors-helpers';

const suffix = roleSuffix();
const OWNER = `vec_owner_${suffix}`;
const INSERTER = `vec_inserter_${suffix}`;

let db: TestDatabase;
let owner: pg.Client;
let inserter: pg.Client;
const T: Topics = { dims: 16, topics: 4, noise: 0.3, scaled: true };

beforeAll(async () => {
  await createRoles(OWNER, INSERTER);
  db = await vectorDatabase('vectors_insert');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}`);
  owner = await connectAs(db, OWNER);
  inserter = await connectAs(db, INSERTER);
}, 120_000);
afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, INSERTER);
});

/** A table of the owner's (a hypertable when `hyper`) with a vector column, clustered with the given settings; INSERT granted to the inserter. */
async function clustered(name: string, config: Record<string, unknown>, hyper: boolean): Promise<void> {
  await owner.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), e vector(16), topic int, dist float8${hyper ? '' : ', PRIMARY KEY (id)'})`);
  if (hyper) await owner.query(`SELECT create_hypertable('${name}', 'ts')`);
  await owner.query(`GRANT INSERT ON ${name} TO ${INSERTER}`);
  await owner.query(`GRANT USAGE ON SEQUENCE ${name}_id_seq TO ${INSERTER}`);
  await owner.query(`SELECT centroid.attach($1, $2)`, [name, { key_column: 'id', clustering_columns: ['e'], cluster_count: 4, cluster_number_column: 'topic', distance_column: 'dist', distance_type: 'cosine', minimum_data_count: 40, ...config }]);
}

/** Rows ids from..to of the generator, inserted by a client (ids from the sequence follow the generator's order). */
function rows(name: string, from: number, to: number): string {
  return `INSERT INTO ${name} (e) SELECT ${topicVector(T, 'g')} FROM generate_series(${from}, ${to}) g ORDER BY g`;
}

describe('clustering a vector column on insert', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['v_statement', { refit: 'statement' }, true],
    ['v_statement_inline', { refit: 'statement', inline_centroids: true }, false],
    ['v_row', { refit: 'row', maximum_data_count: 300 }, true],
    ['v_row_inline', { refit: 'row', maximum_data_count: 300, inline_centroids: true }, false],
    ['v_online', { refit: 'online' }, true],
    ['v_online_inline', { refit: 'online', inline_centroids: true }, false],
  ];
  for (const [name, config, hyper] of cases) {
    it(`labels rows as they arrive, by topic, with pgvector's nearest centroid (${name}, ${hyper ? 'hypertable' : 'table'})`, async () => {
      await clustered(name, config, hyper);
      // A role that may only insert inserts every batch.
      await inserter.query(rows(name, 1, 200));
      await inserter.query(rows(name, 201, 320));
      const n = (await db.client.query(`SELECT count(*)::int AS n, count(topic)::int AS l FROM ${name}`)).rows[0];
      expect(n).toEqual({ n: 320, l: 320 });
      expect(await purity(db.client, name, 'topic', 4)).toEqual({ mixed: 0, clusters: 4 });
      const state = (await db.client.query(`SELECT refits, array_length(centroids, 2) AS d FROM centroid.state WHERE table_name = '${name}'::regclass`)).rows[0];
      expect(state.d).toBe(16);
      if (config.refit !== 'online') {
        // Statement and row policies rewrite changed labels: every row holds the nearest stored centroid.
        expect(await notNearest(db.client, name, 'e', 'topic', `SELECT cluster, centroid FROM centroid.centroids('${name}', NULL::vector)`, true)).toEqual({ wrong: 0, n: 320 });
      }
      if (config.refit === 'row') expect(Number(state.refits)).toBeGreaterThan(200);
      // NULL and zero vectors get no cluster (cosine) and are kept.
      await inserter.query(`INSERT INTO ${name} (e) VALUES (NULL), (array_fill(0, ARRAY[16])::vector)`);
      const edge = (await db.client.query(`SELECT count(*)::int AS n, count(topic)::int AS l FROM ${name} WHERE e IS NULL OR vector_norm(e) = 0`)).rows[0];
      expect(edge).toEqual({ n: 2, l: 0 });
      // Centroids are unit vectors with no NaN.
      const c = (await db.client.query(`SELECT bool_and(vector_norm(centroid) BETWEEN 0.99999 AND 1.00001) AS unit, count(*)::int AS k FROM centroid.centroids('${name}', NULL::vector)`)).rows[0];
      expect(c).toEqual({ unit: true, k: 4 });
    });
  }

  it('keeps cluster numbers from refit to refit (warm starts), and centroid.refit and status report the vector engine', async () => {
    const before = (await db.client.query(`SELECT id, topic FROM v_statement WHERE id <= 320 ORDER BY id`)).rows;
    await owner.query(rows('v_statement', 321, 420));
    const after = (await db.client.query(`SELECT id, topic FROM v_statement WHERE id <= 320 ORDER BY id`)).rows;
    expect(after).toEqual(before);
    const r = (await owner.query(`SELECT centroid.refit('v_statement') AS r`)).rows[0].r;
    expect(r).toMatchObject({ status: 'refitted', engine: 'vector', changed: 0, rows: 420, invalid: 2 });
    const s = (await owner.query(`SELECT centroid.status('v_statement') AS s`)).rows[0].s;
    expect(s).toMatchObject({ rows: 422, labelled_rows: 420, error: null, trigger: true });
    expect(s.clusters).toHaveLength(4);
    expect(s.clusters[0].centroid).toHaveLength(16);
    expect(s.clusters.reduce((a: number, c: { size: number }) => a + c.size, 0)).toBe(420);
    // predict by the table's name agrees with the labels.
    const agree = (await owner.query(`SELECT count(*) FILTER (WHERE centroid.predict('v_statement', e) = topic)::int AS same, count(*)::int AS n FROM v_statement WHERE topic IS NOT NULL`)).rows[0];
    expect(agree).toEqual({ same: 420, n: 420 });
  });

  it('writes anomaly flags with the distances: a vector far from every topic is flagged', async () => {
    await owner.query(`CREATE TABLE v_odd (id bigserial PRIMARY KEY, e vector(16), topic int, odd bool)`);
    await owner.query(`SELECT centroid.attach('v_odd', $1)`, [{ key_column: 'id', clustering_columns: ['e'], cluster_count: 4, cluster_number_column: 'topic', anomaly_column: 'odd', minimum_data_count: 40 }]);
    await owner.query(insertTopics('v_odd', 'e', { ...T, scaled: false }, 1, 200, false));
    await owner.query(`INSERT INTO v_odd (e) VALUES (array_fill(40, ARRAY[16])::vector)`);
    const r = (await owner.query(`SELECT count(*) FILTER (WHERE odd)::int AS flagged, bool_or(odd) FILTER (WHERE id = 201) AS far FROM v_odd`)).rows[0];
    expect(r.far).toBe(true);
    expect(r.flagged).toBeLessThan(10);
  });
});

describe('what other roles learn of a vector table\'s centroids', () => {
  it('hidden (the default): the label function holds no centroid, and only the owner reads the store', async () => {
    const fn = (await db.client.query(`SELECT p.prosrc, p.prosecdef FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'v_statement'::regclass AND t.tgname = 'centroid_label'`)).rows[0];
    expect(fn.prosecdef).toBe(true);
    const first = (await db.client.query(`SELECT centroid::real[] AS c FROM centroid.centroids('v_statement', NULL::vector) ORDER BY cluster LIMIT 1`)).rows[0].c as number[];
    expect(fn.prosrc).not.toContain(String(first[0]).slice(0, 7));
    expect(fn.prosrc.length).toBeLessThan(6000);
    const store = (await db.client.query(`SELECT c.oid::regclass::text AS t FROM pg_class c WHERE c.relnamespace = 'centroid_internal'::regnamespace AND c.relname LIKE 'centroids\\_%' AND c.relkind = 'r'`)).rows.map((r) => r.t as string);
    expect(store.length).toBeGreaterThanOrEqual(3);
    for (const t of store) {
      const e = await failure(inserter, `SELECT * FROM ${t}`);
      expect(e.code).toBe('42501');
      expect((await owner.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n).toBe(4);
    }
    // Nor do the functions that read centroids answer it.
    let e = await failure(inserter, `SELECT * FROM centroid.centroids('v_statement')`);
    expect(e.message).toMatch(/neither a model of yours nor a clustered table of yours/);
    e = await failure(inserter, `SELECT centroid.predict('v_statement', array_fill(1, ARRAY[16])::vector)`);
    expect(e.message).toMatch(/neither a model of yours nor a clustered table of yours/);
    expect((await inserter.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
  });

  it('inline_centroids: the centroids are written into the label function (readable in pg_proc, as the setting says)', async () => {
    const fn = (await db.client.query(`SELECT p.prosrc, p.prosecdef FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'v_statement_inline'::regclass AND t.tgname = 'centroid_label'`)).rows[0];
    expect(fn.prosecdef).toBe(false);
    const first = (await db.client.query(`SELECT centroid::real[] AS c FROM centroid.centroids('v_statement_inline', NULL::vector) ORDER BY cluster LIMIT 1`)).rows[0].c as number[];
    expect(fn.prosrc).toContain(String(first[0]).slice(0, 7));
    expect((await db.client.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'centroids_' || (SELECT substr(p.proname, 7) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'v_statement_inline'::regclass AND t.tgname = 'centroid_label')`)).rows[0].n).toBe(0);
  });

  it('detaching drops the store; the table keeps its cluster numbers', async () => {
    const name = (await db.client.query(`SELECT 'centroid_internal.centroids_' || substr(p.proname, 7) AS s FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'v_online'::regclass AND t.tgname = 'centroid_label'`)).rows[0].s;
    expect((await db.client.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [name])).rows[0].e).toBe(true);
    await owner.query(`SELECT centroid.detach('v_online')`);
    expect((await db.client.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [name])).rows[0].e).toBe(false);
    expect((await db.client.query(`SELECT count(topic)::int AS l FROM v_online`)).rows[0].l).toBe(320);
  });
});

describe('memory of a vector refit', () => {
  it('refuses a window whose changed rows might not fit in pljs.memory_limit before any work, naming maximum_data_count', async () => {
    await owner.query(`CREATE TABLE v_big (id bigserial PRIMARY KEY, e vector(2), cl int)`);
    await owner.query(`INSERT INTO v_big (e) SELECT ARRAY[g % 7, g % 5]::vector FROM generate_series(1, 270000) g`);
    await owner.query(`SELECT centroid.attach('v_big', $1, false)`, [{ key_column: 'id', clustering_columns: ['e'], cluster_count: 2, cluster_number_column: 'cl', maximum_data_count: 1000000 }]);
    await db.client.query(`SET pljs.memory_limit = 64`);
    try {
      const e = await failure(db.client, `SELECT centroid.refit('v_big')`);
      expect(e.code).toBe('54000');
      expect(e.message).toMatch(/^pg_centroid: the window of v_big \(270000 rows\) could change more labels than fit in half of pljs.memory_limit \(64 MB\)/);
      expect(e.hint).toMatch(/lower maximum_data_count to at most \d+ in centroid.settings/);
    } finally {
      await db.client.query(`RESET pljs.memory_limit`);
    }
    expect((await owner.query(`SELECT count(cl)::int AS l FROM v_big`)).rows[0].l).toBe(0);
  });
});
