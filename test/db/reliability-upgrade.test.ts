// Upgrades: ALTER EXTENSION pg_centroid UPDATE from every earlier release (0.1.0, 0.2.0) gives the same catalog as a
// fresh install, keeps settings and stored centroids, and clustering on insert works afterwards.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Everything pg_centroid puts in a database, in a form two databases can be compared by. */
const CATALOG: Record<string, string> = {
  members: `SELECT pg_describe_object(classid, objid, objsubid) AS o FROM pg_depend
             WHERE refclassid = 'pg_extension'::regclass AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_centroid')
               AND deptype = 'e' ORDER BY 1`,
  functions: `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result,
                     l.lanname, p.prosecdef, p.proconfig, p.provolatile, p.proisstrict, md5(p.prosrc) AS body,
                     obj_description(p.oid, 'pg_proc') AS comment, p.proacl::text AS acl
                FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
               WHERE p.pronamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace)
                 AND p.proname !~ '^(label|hook)_' ORDER BY 1, 2`,
  tables: `SELECT relname, relkind, relrowsecurity, relforcerowsecurity, relacl::text AS acl, obj_description(oid, 'pg_class') AS comment
             FROM pg_class WHERE relnamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) ORDER BY 1`,
  // By name, not position: a column added by an update comes last.
  columns: `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE c.relnamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2`,
  constraints: `SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                 WHERE connamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) ORDER BY 1, 2`,
  indexes: `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname IN ('centroid', 'centroid_internal') ORDER BY 1`,
  triggers: `SELECT tgname, pg_get_triggerdef(t.oid) AS def, tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE c.relnamespace IN ('centroid'::regnamespace, 'centroid_internal'::regnamespace) AND NOT t.tgisinternal ORDER BY 1`,
  policies: `SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies WHERE schemaname IN ('centroid', 'centroid_internal') ORDER BY 1, 2`,
  views: `SELECT viewname, definition, (SELECT reloptions::text FROM pg_class c WHERE c.oid = (schemaname || '.' || viewname)::regclass) AS options
            FROM pg_views WHERE schemaname IN ('centroid', 'centroid_internal') ORDER BY 1`,
  eventTriggers: `SELECT evtname, evtevent, evtfoid::regprocedure::text AS fn, evtenabled, evttags FROM pg_event_trigger ORDER BY 1`,
  schema: `SELECT nspname, nspacl::text AS acl, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname IN ('centroid', 'centroid_internal') ORDER BY 1`,
  dumped: `SELECT u.rel::regclass::text AS rel, u.condition FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(rel, condition)
            WHERE e.extname = 'pg_centroid' ORDER BY 1`,
};

/** The catalog snapshot of one database. */
async function snapshot(client: pg.Client): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(CATALOG)) out[name] = (await client.query(sql)).rows;
  return out;
}

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, center_choice: 'random' };

let fresh: TestDatabase;

beforeAll(async () => {
  fresh = await createDatabase('upg_fresh');
});
afterAll(async () => {
  await fresh?.close();
});

for (const from of ['0.1.0', '0.2.0']) {
  describe(`ALTER EXTENSION pg_centroid UPDATE from ${from} to ${version}`, () => {
    let updated: TestDatabase;
    beforeAll(async () => {
      updated = await createDatabase(`upg_${from.replace(/\W/g, '')}`, ['timescaledb', 'pljs']);
      await updated.client.query(`CREATE EXTENSION pg_centroid VERSION '${from}'`);
    });
    afterAll(async () => {
      await updated?.close();
    });

    it(`clusters on insert under ${from} first`, async () => {
      const c = updated.client;
      expect((await c.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`)).rows[0].extversion).toBe(from);
      await c.query('CREATE TABLE m (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
      await c.query(`SELECT create_hypertable('m', 'ts')`);
      await c.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['m', CONFIG]);
      await c.query('CREATE TRIGGER m_cluster BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
      await c.query(`INSERT INTO m (v1, v2) SELECT (g % 2) * 10 + random(), random() FROM generate_series(1, 40) g`);
      expect((await c.query('SELECT count(cluster_number)::int AS n FROM m')).rows[0].n).toBe(40);
      if (from !== '0.1.0') await c.query(`SELECT centroid.fit('old_model', 'm', '{"key_column": "id", "clustering_columns": ["v1", "v2"], "cluster_count": 2}')`);
    });

    it('updates, and the catalog is the same as a fresh install', async () => {
      const before = (await updated.client.query(`SELECT centroids, refits FROM centroid.state WHERE table_name = 'm'::regclass`)).rows[0];
      // The update must run where the old bundle is already loaded in the session, as in real life.
      await updated.client.query(`ALTER EXTENSION pg_centroid UPDATE`);
      expect((await updated.client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`)).rows[0].extversion).toBe(version);
      const [a, b] = [await snapshot(updated.client), await snapshot(fresh.client)];
      for (const name of Object.keys(CATALOG)) expect({ [name]: a[name] }).toEqual({ [name]: b[name] });
      expect(a.functions?.length).toBeGreaterThan(10);
      const after = (await updated.client.query(`SELECT centroids, refits FROM centroid.state WHERE table_name = 'm'::regclass`)).rows[0];
      expect(after).toEqual(before);
      // The clustered table is rewired: generated functions of its own, not members of the extension.
      const label = (await updated.client.query(`SELECT t.tgfoid::regprocedure::text AS fn,
          EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.tgfoid AND d.deptype = 'e') AS member,
          (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'm'::regclass AND tgname = 'centroid_row_refit')::int AS legacy
        FROM pg_trigger t WHERE t.tgrelid = 'm'::regclass AND t.tgname = 'centroid_label'`)).rows[0];
      expect(label).toEqual({ fn: expect.stringMatching(/^centroid_internal\.label_\d+\(\)$/), member: false, legacy: 0 });
      if (from !== '0.1.0') {
        const models = await updated.client.query(`SELECT owner::text, model, version FROM centroid.models`);
        expect(models.rows).toEqual([{ owner: 'postgres', model: 'old_model', version: 1 }]);
      }
    });

    it('keeps clustering on insert working after the update, in the same session and in a new one', async () => {
      for (const c of [updated.client, await updated.connect()]) {
        const n = (await c.query('SELECT count(*)::int AS n FROM m')).rows[0].n;
        await c.query(`INSERT INTO m (v1, v2) SELECT (g % 2) * 10 + random(), random() FROM generate_series(1, 10) g`);
        const r = await c.query(`SELECT count(*)::int AS n, count(cluster_number)::int AS labelled, (SELECT rows_used FROM centroid.state WHERE table_name = 'm'::regclass)::int AS used FROM m`);
        expect(r.rows[0]).toEqual({ n: n + 10, labelled: n + 10, used: n + 10 });
      }
      expect((await updated.client.query(`SELECT centroid.refit('m') ->> 'status' AS s`)).rows[0].s).toBe('refitted');
    });
  });
}
