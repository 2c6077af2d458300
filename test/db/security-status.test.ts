// Security, centroid.status(): for a role that may INSERT into another role's clustered table but not SELECT from
// it, status() of all tables works and shows only the tables it owns (directly or through a role it belongs to),
// with row counts where it may read them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const OTHER = `sec_ss_other_${suffix}`;
const ROLE = `sec_ss_role_${suffix}`;
const GROUP = `sec_ss_group_${suffix}`;
const STRANGER = `sec_ss_stranger_${suffix}`;

let db: TestDatabase;
let other: RoleClient;
let role: RoleClient;
let group: RoleClient;
let stranger: RoleClient;

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4 };

/** Creates and clusters a table of 20 rows as the given role. */
async function clustered(c: RoleClient, name: string): Promise<void> {
  await c.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, v1 real, v2 real, cluster_number int)`);
  await c.query(`INSERT INTO ${name} (v1, v2) SELECT g % 2 * 10, g % 3 FROM generate_series(1, 20) g`);
  await c.query(`SELECT centroid.attach('${name}', $1)`, [CONFIG]);
}

/** The tables status() shows a role, with the facts that depend on its rights. */
async function statusOf(c: RoleClient): Promise<{ table: string; rows: number | null; labelled_rows: number | null; refits: number; clusters: number }[]> {
  const r = await c.query(`SELECT s->>'table' AS table, (s->>'rows')::int AS rows, (s->>'labelled_rows')::int AS labelled_rows, (s->>'refits')::int AS refits,
      jsonb_array_length(s->'clusters') AS clusters FROM centroid.status() s`);
  return r.rows;
}

beforeAll(async () => {
  await createRoles(OTHER, ROLE, GROUP, STRANGER);
  db = await createDatabase('sec_status');
  await db.client.query(`GRANT ${GROUP} TO ${ROLE}`);
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OTHER}, ${ROLE}, ${GROUP}, ${STRANGER}`);
  other = await connectAs(db, OTHER);
  role = await connectAs(db, ROLE);
  group = await connectAs(db, GROUP);
  stranger = await connectAs(db, STRANGER);
  // Another role's table, which ROLE may insert into but not read.
  await clustered(other, 'secret');
  await other.query(`GRANT INSERT ON secret TO ${ROLE}`);
  await other.query(`GRANT USAGE ON SEQUENCE secret_id_seq TO ${ROLE}`);
  // ROLE's own tables: one it reads, one it revoked its own SELECT on; and its group's.
  await clustered(role, 'mine');
  await clustered(role, 'mine_unread');
  await role.query(`REVOKE SELECT ON mine_unread FROM ${ROLE}`);
  await clustered(group, 'ours');
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(ROLE, OTHER, GROUP, STRANGER);
});

describe('centroid.status() of all tables', () => {
  it('works for a role that may insert into a clustered table it cannot read, and shows only the tables it owns', async () => {
    await role.query(`INSERT INTO secret (v1, v2) VALUES (10, 1), (0, 0)`);
    expect((await failure(role, 'SELECT count(*) FROM secret')).message).toBe('permission denied for table secret');
    expect(await statusOf(role)).toEqual([
      { table: 'public.mine', rows: 20, labelled_rows: 20, refits: 1, clusters: 2 },
      // Its own table it may not read: shown, without the counts it would need SELECT for.
      { table: 'public.mine_unread', rows: null, labelled_rows: null, refits: 1, clusters: 2 },
      { table: 'public.ours', rows: 20, labelled_rows: 20, refits: 1, clusters: 2 },
    ]);
  });

  it('names no other role\'s table, also when asked for it', async () => {
    const e = await failure(role, `SELECT centroid.status('secret')`);
    expect(e.message).toBe('pg_centroid: table public.secret is not clustered');
    expect(e.code).toBe('22023');
    expect(await statusOf(stranger)).toEqual([]);
    expect((await statusOf(group)).map((s) => s.table)).toEqual(['public.ours']);
    expect((await statusOf(other)).map((s) => s.table)).toEqual(['public.secret']);
    // The owner sees what the inserting role's rows did.
    expect((await statusOf(other))[0]).toMatchObject({ rows: 22, labelled_rows: 22, refits: 2 });
  });

  it('shows a superuser every clustered table', async () => {
    const r = await db.client.query(`SELECT s->>'table' AS t FROM centroid.status() s`);
    expect(r.rows.map((x) => x.t)).toEqual(['public.mine', 'public.mine_unread', 'public.ours', 'public.secret']);
  });
});
