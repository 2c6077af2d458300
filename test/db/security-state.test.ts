// Security, stored state: a role that may INSERT into a clustered table (and even SELECT and UPDATE it) cannot
// read, insert, update or delete that table's row of centroid.state or centroid.settings, directly or through any
// function of pg_centroid. Proven against a control: two tables with the same rows and settings; the attacker tries
// everything on one; its inserts there and the owner's later inserts and refits give exactly the centroids, facts and
// cluster numbers the untouched control gets.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const OWNER = `sec_st_owner_${suffix}`;
const WRITER = `sec_st_writer_${suffix}`;

let db: TestDatabase;
let owner: RoleClient;
let writer: RoleClient;

const BASE = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, seed: 5 };
/** Attacked table -> its control, per policy. */
const PAIRS = [
  { table: 't_statement', control: 'c_statement', config: { ...BASE, refit: 'statement' } },
  { table: 't_online', control: 'c_online', config: { ...BASE, refit: 'online', standardize: 'zscore' } },
  { table: 't_row', control: 'c_row', config: { ...BASE, refit: 'row', distance_type: 'manhattan', clustering_algorithm: 'k-medians' } },
];
const PLANTED = '{{1000,1000},{-1000,-1000}}';

/** A table's stored state without what differs between two equal runs (times). */
async function stateOf(table: string): Promise<Record<string, unknown>> {
  const r = await db.client.query(
    `SELECT centroids, standardization, counts, sizes, radii, rows_used, iterations, converged, cost, changed_labels, refits,
            refitted_at IS NOT NULL AS refitted, online_updated_at IS NOT NULL AS moved
       FROM centroid.state WHERE table_name = $1::regclass`,
    [table],
  );
  return r.rows[0];
}

/** A table's settings row and cluster numbers. */
async function settingsAndLabels(table: string): Promise<Record<string, unknown>> {
  const s = await db.client.query(`SELECT config FROM centroid.settings WHERE table_name = $1::regclass`, [table]);
  const l = await db.client.query(`SELECT id, cluster_number FROM ${table} ORDER BY id`);
  return { config: s.rows[0]?.config, labels: l.rows };
}

beforeAll(async () => {
  await createRoles(OWNER, WRITER);
  db = await createDatabase('sec_state');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}, ${WRITER}`);
  owner = await connectAs(db, OWNER);
  writer = await connectAs(db, WRITER);
  for (const p of PAIRS) {
    for (const t of [p.table, p.control]) {
      await owner.query(`CREATE TABLE ${t} (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)`);
      await owner.query(`INSERT INTO ${t} (v1, v2) SELECT (g % 2) * 10 + g * 0.01, (g % 3) * 0.5 FROM generate_series(1, 30) g`);
      await owner.query(`SELECT centroid.attach('${t}', $1)`, [p.config]);
    }
    await owner.query(`GRANT SELECT, INSERT, UPDATE ON ${p.table} TO ${WRITER}`);
    await owner.query(`GRANT USAGE ON SEQUENCE ${p.table}_id_seq TO ${WRITER}`);
  }
  // The writer clusters a table of its own: its rows of settings and state are its to change.
  await writer.query('CREATE TABLE w (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)');
  await writer.query(`INSERT INTO w (v1, v2) SELECT g % 2 * 10, g % 3 FROM generate_series(1, 20) g`);
  await writer.query(`SELECT centroid.attach('w', $1)`, [BASE]);
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, WRITER);
});

describe('the stored state of a table another role may insert into', () => {
  it('starts out the same in each attacked table and its control', async () => {
    for (const p of PAIRS) expect(await stateOf(p.table)).toEqual(await stateOf(p.control));
  });

  it('is invisible to the inserting role: it reads only its own table\'s settings and state', async () => {
    expect((await writer.query(`SELECT table_name::text AS t FROM centroid.state ORDER BY 1`)).rows).toEqual([{ t: 'w' }]);
    expect((await writer.query(`SELECT table_name::text AS t FROM centroid.settings ORDER BY 1`)).rows).toEqual([{ t: 'w' }]);
    for (const p of PAIRS) {
      expect((await writer.query(`SELECT * FROM centroid.state WHERE table_name = $1::regclass`, [p.table])).rows).toEqual([]);
      expect((await writer.query(`SELECT * FROM centroid.settings WHERE table_name = $1::regclass`, [p.table])).rows).toEqual([]);
      const e = await failure(writer, `SELECT centroid.status($1::regclass)`, [p.table]);
      expect(e.message).toBe(`pg_centroid: table public.${p.table} is not clustered`);
    }
    expect((await writer.query(`SELECT s->>'table' AS t FROM centroid.status() s`)).rows).toEqual([{ t: 'public.w' }]);
  });

  it('cannot be inserted, updated or deleted by the inserting role, in any way', async () => {
    const before = await Promise.all(PAIRS.map(async (p) => ({ state: await stateOf(p.table), ...(await settingsAndLabels(p.table)) })));
    for (const p of PAIRS) {
      // centroid.state: the row is not there for it, and no row it writes may name the table.
      expect((await writer.query(`UPDATE centroid.state SET centroids = '${PLANTED}' WHERE table_name = $1::regclass`, [p.table])).rowCount).toBe(0);
      expect((await writer.query(`UPDATE centroid.state SET refits = 0, counts = NULL WHERE table_name = $1::regclass`, [p.table])).rowCount).toBe(0);
      expect((await writer.query(`DELETE FROM centroid.state WHERE table_name = $1::regclass`, [p.table])).rowCount).toBe(0);
      const ins = await failure(writer, `INSERT INTO centroid.state (table_name, centroids) VALUES ($1::regclass, '${PLANTED}')`, [p.table]);
      expect(ins.message).toBe('new row violates row-level security policy for table "state"');
      const upsert = await failure(writer, `INSERT INTO centroid.state (table_name, centroids) VALUES ($1::regclass, '${PLANTED}') ON CONFLICT (table_name) DO UPDATE SET centroids = EXCLUDED.centroids`, [p.table]);
      expect(upsert.message).toBe('new row violates row-level security policy for table "state"');
      const moved = await failure(writer, `UPDATE centroid.state SET table_name = $1::regclass, centroids = '${PLANTED}' WHERE table_name = 'w'::regclass`, [p.table]);
      expect(moved.message).toBe('new row violates row-level security policy for table "state"');
      // centroid.settings: the same, and its trigger names the rule.
      expect((await writer.query(`UPDATE centroid.settings SET config = config || '{"cluster_count": 3}' WHERE table_name = $1::regclass`, [p.table])).rowCount).toBe(0);
      expect((await writer.query(`DELETE FROM centroid.settings WHERE table_name = $1::regclass`, [p.table])).rowCount).toBe(0);
      for (const sql of [
        `INSERT INTO centroid.settings VALUES ($1::regclass, '${JSON.stringify(BASE)}')`,
        `INSERT INTO centroid.settings VALUES ($1::regclass, '${JSON.stringify(BASE)}') ON CONFLICT (table_name) DO UPDATE SET config = EXCLUDED.config`,
        `UPDATE centroid.settings SET table_name = $1::regclass WHERE table_name = 'w'::regclass`,
      ]) {
        const e = await failure(writer, sql, [p.table]);
        expect(e.message).toBe(`pg_centroid: only the owner of table public.${p.table} can configure its clustering`);
        expect(e.code).toBe('42501');
      }
      // Through pg_centroid's functions.
      for (const sql of [
        `SELECT centroid.refit($1::regclass)`,
        `SELECT centroid.attach($1::regclass, '${JSON.stringify({ ...BASE, starting_centers: [[1000, 1000], [-1000, -1000]], center_choice: 'manual' })}')`,
        `SELECT centroid.detach($1::regclass)`,
        `SELECT centroid.schedule_refit($1::regclass, '1 seconds')`,
        `SELECT centroid_internal._raise(centroid_internal._refit($1::regclass))`,
        `SELECT centroid_internal._run_hook($1::regclass, 'truncate')`,
        `SELECT centroid_internal._run_hook($1::regclass, 'after_insert')`,
        `SELECT centroid_internal._run_hook($1::regclass, 'before_insert')`,
        `SELECT centroid_internal._run_online($1::regclass, '{0,0,0,0}', '{1000,1000,1000,1000,1000,1000,1000,1000}', NULL)`,
      ]) {
        const e = await failure(writer, sql, [p.table]);
        expect({ sql, code: e.code }).toEqual({ sql, code: '42501' });
      }
      // These change nothing of another's table: recompiling from the stored truth, taking its locks, labelling with no statement armed.
      await writer.query(`SELECT centroid_internal._compile($1::regclass)`, [p.table]);
      await writer.query(`SELECT centroid_internal._lock($1::regclass, true)`, [p.table]);
      expect((await writer.query(`SELECT centroid_internal._label($1::regclass, '{1000,1000}') AS l`, [p.table])).rows[0].l).toEqual([]);
      // Nor may it reset them by emptying or altering the table.
      expect((await failure(writer, `TRUNCATE ${p.table}`)).code).toBe('42501');
      expect((await failure(writer, `ALTER TABLE ${p.table} DISABLE TRIGGER centroid_label`)).code).toBe('42501');
    }
    for (const sql of ['TRUNCATE centroid.state', 'TRUNCATE centroid.settings', `SET ROLE ${OWNER}`]) {
      expect((await failure(writer, sql)).code).toBe('42501');
    }
    const after = await Promise.all(PAIRS.map(async (p) => ({ state: await stateOf(p.table), ...(await settingsAndLabels(p.table)) })));
    expect(after).toEqual(before);
  });

  it('is where the inserting role\'s rows and the owner\'s later inserts and refits start from: the same as in the untouched control', async () => {
    const rows = `(0.5, 0.25), (10.5, 0.75), (9.75, 1.25), (0.25, 1.5), (5.5, 0.5), (10.25, 0.25)`;
    for (const p of PAIRS) {
      // The writer's inserts refit (or move the centroids) as the owner, from the stored centroids.
      await writer.query(`INSERT INTO ${p.table} (v1, v2) VALUES ${rows}`);
      await owner.query(`INSERT INTO ${p.control} (v1, v2) VALUES ${rows}`);
      expect({ p: p.table, ...(await stateOf(p.table)) }).toEqual({ p: p.table, ...(await stateOf(p.control)) });
      // Then the owner's own.
      for (const t of [p.table, p.control]) {
        await owner.query(`INSERT INTO ${t} (v1, v2) VALUES ${rows}`);
        await owner.query(`SELECT centroid.refit('${t}')`);
      }
      const [attacked, control] = [await stateOf(p.table), await stateOf(p.control)];
      expect({ p: p.table, ...attacked }).toEqual({ p: p.table, ...control });
      expect(attacked.centroids).not.toEqual([[1000, 1000], [-1000, -1000]]);
      expect((await settingsAndLabels(p.table)).labels).toEqual((await settingsAndLabels(p.control)).labels);
    }
  });

  it('still belongs to the inserting role for its own table', async () => {
    expect((await writer.query(`UPDATE centroid.state SET refits = refits WHERE table_name = 'w'::regclass`)).rowCount).toBe(1);
    expect((await writer.query(`SELECT centroid.refit('w') ->> 'status' AS s`)).rows[0].s).toBe('refitted');
  });
});
