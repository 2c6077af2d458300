// Security, the model registry: model names belong to the role that fits them. No role can add a version under
// another role's model, delete another's versions, read the models of roles it does not belong to, or learn from any
// function that another role's model exists; two roles each own a model of the same name, and predict uses the
// caller's own (else the one of a role it belongs to).

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const A = `sec_mo_a_${suffix}`;
const B = `sec_mo_b_${suffix}`;
/** A member of A. */
const M = `sec_mo_m_${suffix}`;
/** A member of A and of B. */
const N = `sec_mo_n_${suffix}`;

let db: TestDatabase;
let a: RoleClient;
let b: RoleClient;
let m: RoleClient;
let n: RoleClient;

/** Fit settings with fixed starts, so cluster numbers are known: A's cluster 0 is (0, 0); B's cluster 1 is. */
const configOf = (centers: number[][]) => ({ key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 2, center_choice: 'manual', starting_centers: centers });
const A_CONFIG = configOf([[0, 0], [10, 0]]);
const B_CONFIG = configOf([[0, 10], [0, 0]]);

/** The versions of each owner's model as the superuser sees them. */
async function versions(model: string): Promise<{ owner: string; version: number }[]> {
  return (await db.client.query(`SELECT owner::text AS owner, version FROM centroid.models WHERE model = $1 ORDER BY owner, version`, [model])).rows;
}

beforeAll(async () => {
  await createRoles(A, B, M, N);
  db = await createDatabase('sec_models');
  await db.client.query(`GRANT ${A} TO ${M}, ${N}`);
  await db.client.query(`GRANT ${B} TO ${N}`);
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${A}, ${B}, ${M}, ${N}`);
  a = await connectAs(db, A);
  b = await connectAs(db, B);
  m = await connectAs(db, M);
  n = await connectAs(db, N);
  // A's points lie around (0, 0) and (10, 0); B's around (0, 10) and (0, 0).
  await a.query(`CREATE TABLE a_pts (id int PRIMARY KEY, x float8, y float8)`);
  await a.query(`INSERT INTO a_pts SELECT g, (g % 2) * 10 + (g % 5) * 0.1, (g % 3) * 0.1 FROM generate_series(1, 40) g`);
  await b.query(`CREATE TABLE b_pts (id int PRIMARY KEY, x float8, y float8)`);
  await b.query(`INSERT INTO b_pts SELECT g, (g % 3) * 0.1, (g % 2) * 10 + (g % 5) * 0.1 FROM generate_series(1, 40) g`);
  await m.query(`CREATE TABLE m_pts (id int PRIMARY KEY, x float8, y float8)`);
  await m.query(`INSERT INTO m_pts SELECT g, (g % 2) * 100, g % 3 FROM generate_series(1, 40) g`);
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(M, N, A, B);
});

describe('models', () => {
  it('lets two roles each own a model of the same name, numbered apart', async () => {
    expect((await a.query(`SELECT centroid.fit('shared', 'a_pts', $1) AS r`, [A_CONFIG])).rows[0].r).toMatchObject({ model: 'shared', version: 1, owner: A });
    expect((await b.query(`SELECT centroid.fit('shared', 'b_pts', $1) AS r`, [B_CONFIG])).rows[0].r).toMatchObject({ model: 'shared', version: 1, owner: B });
    expect((await a.query(`SELECT centroid.fit('shared', 'a_pts', $1) AS r`, [A_CONFIG])).rows[0].r).toMatchObject({ version: 2, owner: A });
    expect(await versions('shared')).toEqual([{ owner: A, version: 1 }, { owner: A, version: 2 }, { owner: B, version: 1 }]);
  });

  it('lets no role add a version under another role\'s model name, change or delete another\'s versions', async () => {
    const row = `'shared', 3, 'a_pts', '{}', '{{0,0},{0,0}}', 0, 1`;
    const e = await failure(b, `INSERT INTO centroid.models (owner, model, version, source, config, centroids, cost, rows_used) VALUES ('${A}', ${row})`);
    expect(e.message).toBe('new row violates row-level security policy for table "models"');
    const upsert = await failure(b, `INSERT INTO centroid.models (owner, model, version, source, config, centroids, cost, rows_used) VALUES ('${A}', ${row})
      ON CONFLICT (owner, model, version) DO NOTHING`);
    expect(upsert.message).toBe('new row violates row-level security policy for table "models"');
    // Not even a role that belongs to A, unless it acts as A (SET ROLE: then it is A).
    const member = await failure(m, `INSERT INTO centroid.models (owner, model, version, source, config, centroids, cost, rows_used) VALUES ('${A}', ${row})`);
    expect(member.message).toBe('new row violates row-level security policy for table "models"');
    for (const c of [b, m, n]) {
      expect((await failure(c, `UPDATE centroid.models SET centroids = '{{9,9},{9,9}}' WHERE owner = '${A}'`)).message).toBe('permission denied for table models');
      expect((await c.query(`DELETE FROM centroid.models WHERE owner = '${A}'`)).rowCount).toBe(0);
      expect((await failure(c, 'TRUNCATE centroid.models')).message).toBe('permission denied for table models');
    }
    // A delete of "everything" is a delete of one's own.
    expect((await b.query(`SELECT centroid.fit('b_scratch', 'b_pts', $1)`, [B_CONFIG])).rowCount).toBe(1);
    expect((await b.query(`DELETE FROM centroid.models`)).rowCount).toBe(2);
    expect(await versions('shared')).toEqual([{ owner: A, version: 1 }, { owner: A, version: 2 }]);
    expect((await b.query(`SELECT centroid.fit('shared', 'b_pts', $1) AS r`, [B_CONFIG])).rows[0].r).toMatchObject({ version: 1, owner: B });
    // A's next fit is A's next version, whatever B did under the name.
    expect((await a.query(`SELECT centroid.fit('shared', 'a_pts', $1) AS r`, [A_CONFIG])).rows[0].r).toMatchObject({ version: 3, owner: A });
  });

  it('shows each role the models of itself and of the roles it belongs to, no others', async () => {
    const seen = async (c: pg.Client) => (await c.query(`SELECT DISTINCT owner::text AS owner FROM centroid.models ORDER BY 1`)).rows.map((r) => r.owner);
    expect(await seen(a)).toEqual([A]);
    expect(await seen(b)).toEqual([B]);
    expect(await seen(m)).toEqual([A]);
    expect(await seen(n)).toEqual([A, B].sort());
    expect((await b.query(`SELECT count(*)::int AS c FROM centroid.models WHERE owner = '${A}'`)).rows[0].c).toBe(0);
  });

  it('predicts with the caller\'s own model, else the one of the role it belongs to', async () => {
    const predict = async (c: pg.Client, p: string) => (await c.query(`SELECT centroid.predict('shared', $1) AS l`, [p])).rows[0].l;
    expect(await predict(a, '{0,0}')).toBe(0);
    expect(await predict(b, '{0,0}')).toBe(1);
    expect(await predict(a, '{10,0}')).toBe(1);
    expect(await predict(b, '{0,10}')).toBe(0);
    // M has no model "shared": it uses A's, the one role it belongs to that has one.
    expect(await predict(m, '{0,0}')).toBe(0);
    // N belongs to A and B, which both have one: it must choose.
    const e = await failure(n, `SELECT centroid.predict('shared', '{0,0}')`);
    expect(e.message).toBe(`pg_centroid: model "shared" exists for several roles you belong to (${[A, B].sort().join(', ')})`);
    // Once M fits its own "shared" (points around (0, 1) and (100, 1)), M predicts with that.
    await m.query(`SELECT centroid.fit('shared', 'm_pts', $1)`, [configOf([[100, 0], [0, 0]])]);
    expect(await predict(m, '{0,0}')).toBe(1);
    expect(await predict(a, '{0,0}')).toBe(0);
    expect(await versions('shared')).toEqual([{ owner: A, version: 1 }, { owner: A, version: 2 }, { owner: A, version: 3 }, { owner: B, version: 1 }, { owner: M, version: 1 }]);
  });

  it('gives a dropped role\'s models to a role created later under its name (models belong to a role name)', async () => {
    const LATER = `sec_mo_later_${suffix}`;
    await createRoles(LATER);
    try {
      const first = await connectAs(db, LATER);
      await first.query(`SELECT centroid.fit('kept', 'SELECT * FROM (VALUES (1, 0.0, 0.0), (2, 10.0, 0.0), (3, 0.5, 0.0)) v(id, x, y)', $1)`, [A_CONFIG]);
      await first.end();
      await db.client.query(`DROP ROLE ${LATER}`);
      expect(await versions('kept')).toEqual([{ owner: LATER, version: 1 }]);
      await createRoles(LATER);
      const again = await connectAs(db, LATER);
      expect((await again.query(`SELECT owner::text AS owner, model FROM centroid.models`)).rows).toEqual([{ owner: LATER, model: 'kept' }]);
      await again.end();
    } finally {
      await dropRoles(LATER);
    }
  });

  it('lets no function tell a role that another role\'s model exists', async () => {
    await a.query(`SELECT centroid.fit('a_secret', 'a_pts', $1)`, [A_CONFIG]);
    /** What B gets from a call naming a model: its result or its error, with the name taken out. */
    const outcome = async (sql: string, model: string) => {
      try {
        const r = await b.query(sql.replaceAll('$MODEL', pg.escapeLiteral(model)));
        return { result: JSON.parse(JSON.stringify(r.rows[0]).replaceAll(model, 'M').replace(/"(duration_ms|read_ms|fit_ms|renumber_ms|metrics_ms|write_ms)":[0-9.e+-]+/g, '"$1":0')) };
      } catch (e) {
        const err = e as pg.DatabaseError;
        return { error: [err.code, err.message?.replaceAll(model, 'M'), err.hint?.replaceAll(model, 'M'), err.detail?.replaceAll(model, 'M')] };
      }
    };
    const calls = [
      `SELECT centroid.predict($MODEL, '{0,0}') AS v`,
      `SELECT centroid_internal._predict($MODEL, '{0,0}') AS v, centroid_internal._take_predict_error() AS e`,
      `SELECT centroid.unschedule_fit($MODEL) AS v`,
      `SELECT centroid.schedule_fit($MODEL, 'b_pts', '${JSON.stringify(B_CONFIG)}', '0 3 * * *') AS v`,
      `SELECT centroid_internal._job_name($MODEL) AS v`,
      `SELECT centroid.fit($MODEL, 'b_pts', '${JSON.stringify(B_CONFIG)}') - 'duration_ms' - 'timings' AS v`,
    ];
    for (const sql of calls) {
      const other = await outcome(sql, 'a_secret');
      const none = await outcome(sql, 'no_such_model');
      expect({ sql, ...other }).toEqual({ sql, ...none });
    }
    // B's fit under A's model name made a model of B's own; A's is as it was.
    expect(await versions('a_secret')).toEqual([{ owner: A, version: 1 }, { owner: B, version: 1 }]);
    // There is no function that names a model's owner.
    const r = await db.client.query(`SELECT p.oid::regprocedure::text AS fn FROM pg_proc p
      WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) AND p.proname ~ 'owner'`);
    expect(r.rows).toEqual([]);
  });
});
