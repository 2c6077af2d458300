// Dump and restore: pg_dump / pg_restore (with TimescaleDB's pre and post restore steps) keep the
// settings and the stored centroids, and clustering on insert works in the restored database.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTool } from './dump';
import { createDatabase, type TestDatabase } from './database';

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4, center_choice: 'random' };

let source: TestDatabase;
let target: TestDatabase;
const file = `/tmp/pg_centroid_dump_${process.pid}.dump`;

beforeAll(async () => {
  source = await createDatabase('rel_dump_src');
  // pljs first: pg_restore creates extensions in name order, pg_centroid before pljs, and pg_centroid
  // cannot require pljs in its control file (plv8 serves as well).
  target = await createDatabase('rel_dump_dst', ['timescaledb', 'pljs']);
  const c = source.client;
  await c.query('CREATE TABLE m (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, cluster_number int)');
  await c.query(`SELECT create_hypertable('m', 'ts')`);
  await c.query('INSERT INTO centroid.settings VALUES ($1, $2)', ['m', CONFIG]);
  await c.query('CREATE TRIGGER m_cluster BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
  await c.query('INSERT INTO m (v1, v2) SELECT g % 2 * 10 + random(), random() FROM generate_series(1, 50) g');
});
afterAll(async () => {
  await source?.close();
  await target?.close();
});

/** Settings and state of m, comparable across databases. */
async function stored(db: TestDatabase): Promise<unknown> {
  return (await db.client.query(`SELECT s.table_name::text, s.config, st.centroids, st.sizes, st.rows_used, st.refits
    FROM centroid.settings s JOIN centroid.state st USING (table_name)`)).rows;
}

describe('pg_dump and pg_restore', () => {
  it('keep settings and stored centroids, and the trigger works after restore', async () => {
    pgTool('pg_dump', ['-Fc', '-f', file], source.name);
    await target.client.query('SELECT timescaledb_pre_restore()');
    pgTool('pg_restore', ['--no-owner', file], target.name);
    await target.client.query('SELECT timescaledb_post_restore()');
    const [a, b] = [await stored(source), await stored(target)];
    expect(b).toEqual(a);
    expect(b).toHaveLength(1);
    const count = async (db: TestDatabase) => (await db.client.query('SELECT count(*)::int AS n, count(cluster_number)::int AS l FROM m')).rows[0];
    expect(await count(target)).toEqual(await count(source));
    // A new connection: the restored extension loads its bundle from scratch.
    const c = await target.connect();
    await c.query('INSERT INTO m (v1, v2) SELECT g % 2 * 10 + random(), random() FROM generate_series(1, 10) g');
    expect(await count(target)).toEqual({ n: 60, l: 60 });
    const st = (await c.query(`SELECT rows_used, refits FROM centroid.state WHERE table_name = 'm'::regclass`)).rows[0];
    expect(st.rows_used).toBe(60);
    expect(st.refits).toBe((a as { refits: number }[])[0]!.refits + 1);
    // The companion triggers came back exactly once.
    const triggers = (await c.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'm'::regclass AND NOT tgisinternal ORDER BY 1`)).rows.map((r) => r.tgname);
    expect(triggers).toEqual(['centroid_after_insert', 'centroid_label', 'centroid_truncate', 'm_cluster']);
  });
});
