// Security, row-level security on the clustered table: a tenant role sees only its tenant's rows (a policy
// tenant = 1). Its INSERTs refit from the whole table (every tenant's rows: refits run as the owner, whom plain row
// security does not restrict), and it reads no state or status of the table. FORCE ROW LEVEL SECURITY would hide
// rows from the owner's refits too: attach refuses it with the reason and the fix, and a table forced after attach
// refuses its next insert (or refit) the same way. centroid.fit by the tenant sees only its rows, in a model of its own.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, roleSuffix, type RoleClient } from './security';

const suffix = roleSuffix();
const OWNER = `sec_rls_owner_${suffix}`;
const TENANT = `sec_rls_tenant_${suffix}`;

let db: TestDatabase;
let owner: RoleClient;
let tenant: RoleClient;

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, seed: 2 };
const POLICIES = ['statement', 'row', 'online'] as const;

/** A table of two tenants: tenant 1's 40 rows form one blob around (0, 0), tenant 2's 40 another around (100, 100). */
async function tenantTable(name: string, force = false): Promise<void> {
  await owner.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, tenant int NOT NULL, v1 real, v2 real, cluster_number int)`);
  await owner.query(`INSERT INTO ${name} (tenant, v1, v2) SELECT 1, (g % 4) * 0.5, (g % 5) * 0.5 FROM generate_series(1, 40) g`);
  await owner.query(`INSERT INTO ${name} (tenant, v1, v2) SELECT 2, 100 + (g % 4) * 0.5, 100 + (g % 5) * 0.5 FROM generate_series(1, 40) g`);
  await owner.query(`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY`);
  if (force) await owner.query(`ALTER TABLE ${name} FORCE ROW LEVEL SECURITY`);
  await owner.query(`CREATE POLICY tenant_one ON ${name} TO ${TENANT} USING (tenant = 1) WITH CHECK (tenant = 1)`);
  await owner.query(`GRANT SELECT, INSERT ON ${name} TO ${TENANT}`);
  await owner.query(`GRANT USAGE ON SEQUENCE ${name}_id_seq TO ${TENANT}`);
}

/** The stored state as the superuser sees it. */
async function stateOf(name: string): Promise<{ rows_used: number; centroids: number[][]; refits: number } | undefined> {
  return (await db.client.query(`SELECT rows_used, centroids, refits FROM centroid.state WHERE table_name = $1::regclass`, [name])).rows[0];
}

/** True when one of the centroids lies near (100, 100): tenant 2's rows were clustered. */
const seesTenantTwo = (centroids: number[][]) => centroids.some(([x, y]) => Math.abs((x as number) - 100.75) < 1 && Math.abs((y as number) - 101) < 1);

beforeAll(async () => {
  await createRoles(OWNER, TENANT);
  db = await createDatabase('sec_rls');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${OWNER}, ${TENANT}`);
  owner = await connectAs(db, OWNER);
  tenant = await connectAs(db, TENANT);
  for (const p of POLICIES) {
    await tenantTable(`t_${p}`);
    await owner.query(`SELECT centroid.attach('t_${p}', $1)`, [{ ...CONFIG, refit: p }]);
  }
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(OWNER, TENANT);
});

describe('a clustered table with row-level security', () => {
  it('shows the tenant only its own rows (the policy works)', async () => {
    expect((await tenant.query(`SELECT count(*)::int AS n, min(tenant) AS lo, max(tenant) AS hi FROM t_statement`)).rows[0]).toEqual({ n: 40, lo: 1, hi: 1 });
    const e = await failure(tenant, `INSERT INTO t_statement (tenant, v1, v2) VALUES (2, 100, 100)`);
    expect(e.message).toBe('new row violates row-level security policy for table "t_statement"');
  });

  for (const p of POLICIES) {
    it(`refits from every tenant's rows when the tenant inserts (policy ${p}), and it reads nothing of it`, async () => {
      const table = `t_${p}`;
      const before = await stateOf(table);
      expect(before?.rows_used).toBe(80);
      expect(seesTenantTwo(before?.centroids ?? [])).toBe(true);
      await tenant.query(`INSERT INTO ${table} (tenant, v1, v2) VALUES (1, 0.25, 0.25), (1, 1.25, 1.75)`);
      const after = await stateOf(table);
      if (p === 'online') {
        // The online policy moves the centroids by the rows inserted; the other tenant's centroid stays where it was.
        expect(after?.refits).toBe(before?.refits);
        expect(seesTenantTwo(after?.centroids ?? [])).toBe(true);
        await owner.query(`SELECT centroid.refit('${table}')`);
        expect((await stateOf(table))?.rows_used).toBe(82);
      } else {
        expect(after?.refits).toBeGreaterThan(before?.refits as number);
        expect(after?.rows_used).toBe(82);
        expect(seesTenantTwo(after?.centroids ?? [])).toBe(true);
      }
      // Every row is labelled, and the tenants' blobs are the two clusters, as the whole table has them.
      const labels = await db.client.query(`SELECT tenant, count(*)::int AS n, count(DISTINCT cluster_number)::int AS clusters, min(cluster_number) AS c
        FROM ${table} GROUP BY tenant ORDER BY tenant`);
      expect(labels.rows.map((r) => ({ tenant: r.tenant, n: r.n, clusters: r.clusters }))).toEqual([{ tenant: 1, n: 42, clusters: 1 }, { tenant: 2, n: 40, clusters: 1 }]);
      expect(labels.rows[0].c).not.toBe(labels.rows[1].c);
      // The tenant reads no state, settings or status of the table.
      expect((await tenant.query(`SELECT count(*)::int AS n FROM centroid.state`)).rows[0].n).toBe(0);
      expect((await tenant.query(`SELECT count(*)::int AS n FROM centroid.settings`)).rows[0].n).toBe(0);
      expect((await tenant.query(`SELECT centroid.status() AS s`)).rows).toEqual([]);
      const e = await failure(tenant, `SELECT centroid.status('${table}')`);
      expect(e.message).toBe(`pg_centroid: table public.${table} is not clustered`);
      expect((await failure(tenant, `SELECT centroid.refit('${table}')`)).code).toBe('42501');
    });
  }

  it('refuses FORCE ROW LEVEL SECURITY at attach, with the reason and the fix', async () => {
    await tenantTable('forced', true);
    const e = await failure(owner, `SELECT centroid.attach('forced', $1)`, [CONFIG]);
    expect(e.message).toBe('pg_centroid: forced forces row-level security on its owner, so a refit would cluster only the rows its policies show');
    expect(e.hint).toBe(
      `clustering on insert refits with the owner's rights and needs every row of the window: ALTER TABLE "public"."forced" NO FORCE ROW LEVEL SECURITY; (policies still apply to other roles), or cluster per tenant with centroid.fit on a view`,
    );
    expect(e.code).toBe('42501');
    expect((await db.client.query(`SELECT count(*)::int AS n FROM centroid.settings WHERE table_name = 'forced'::regclass`)).rows[0].n).toBe(0);
    expect((await db.client.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'forced'::regclass AND NOT tgisinternal`)).rows[0].n).toBe(0);
    // The fix the hint gives works.
    await owner.query('ALTER TABLE "public"."forced" NO FORCE ROW LEVEL SECURITY');
    expect((await owner.query(`SELECT centroid.attach('forced', $1) -> 'refit' ->> 'rows' AS n`, [CONFIG])).rows[0].n).toBe('80');
  });

  it('refuses the next insert (or refit) clearly once the table is forced after attach, and works again once it is not', async () => {
    const hint = (t: string) => `clustering on insert refits with the owner's rights and needs every row of the window: ALTER TABLE "public"."${t}" NO FORCE ROW LEVEL SECURITY; (policies still apply to other roles), or cluster per tenant with centroid.fit on a view`;
    for (const p of POLICIES) {
      const table = `t_${p}`;
      await owner.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      const count = async () => (await db.client.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      const rows = await count();
      const refit = await failure(owner, `SELECT centroid.refit('${table}')`);
      expect(refit.message).toBe(`pg_centroid: ${table} forces row-level security on its owner, so a refit would cluster only the rows its policies show`);
      expect(refit.hint).toBe(hint(table));
      if (p !== 'online') {
        // (The owner's own inserts now meet its policies, which admit only the tenant's rows.)
        const e = await failure(tenant, `INSERT INTO ${table} (tenant, v1, v2) VALUES (1, 0.5, 0.5)`);
        expect(e.message).toBe(`pg_centroid: ${table} forces row-level security on its owner, so a refit would cluster only the rows its policies show`);
        expect(e.hint).toBe(hint(table));
        expect(e.code).toBe('42501');
        expect(await count()).toBe(rows);
      } else {
        // Online moves read only the rows the statement inserted, never the window: they go on; refits are refused.
        const moved = (await stateOf(table))?.centroids;
        await tenant.query(`INSERT INTO ${table} (tenant, v1, v2) VALUES (1, 3, 3)`);
        expect((await stateOf(table))?.centroids).not.toEqual(moved);
        expect(await count()).toBe(rows + 1);
      }
      await owner.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await tenant.query(`INSERT INTO ${table} (tenant, v1, v2) VALUES (1, 0.5, 0.5)`);
      expect(await count()).toBe(rows + (p === 'online' ? 2 : 1));
      expect((await owner.query(`SELECT centroid.refit('${table}') ->> 'status' AS s`)).rows[0].s).toBe('refitted');
    }
  });

  it('lets the tenant fit the table: its model sees only its rows, and writes no cluster numbers into the owner\'s table', async () => {
    const fit = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2 };
    const r = (await tenant.query(`SELECT centroid.fit('tenant_model', 't_statement', $1) AS r`, [fit])).rows[0].r;
    expect(r).toMatchObject({ owner: TENANT, version: 1, rows_used: 43 });
    expect(seesTenantTwo(r.centroids)).toBe(false);
    const e = await failure(tenant, `SELECT centroid.fit('tenant_model', 't_statement', $1)`, [{ ...fit, cluster_number_column: 'cluster_number' }]);
    expect(e.message).toBe('pg_centroid: permission denied to write cluster numbers into t_statement: only its owner may');
    // The owner's own fit of the same table sees every row.
    const o = (await owner.query(`SELECT centroid.fit('owner_model', 't_statement', $1) AS r`, [fit])).rows[0].r;
    expect(o).toMatchObject({ owner: OWNER, rows_used: 83 });
    expect(seesTenantTwo(o.centroids)).toBe(true);
    expect((await tenant.query(`SELECT model FROM centroid.models ORDER BY 1`)).rows).toEqual([{ model: 'tenant_model' }]);
  });
});
