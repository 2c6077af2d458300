// Issue 11, matrix 10: settings changes, refits, attach/detach and inserts interleave without a deadlock or a failed
// statement. 16 writers each run 15 INSERT statements of 100 rows while one session changes cluster_count
// 3 -> 4 -> 3 with UPDATE centroid.settings, one calls centroid.refit, and one attaches and detaches a second table.
// Every row ends labelled, and new settings apply from the next statement.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

const WRITERS = 16;
const STATEMENTS = 15;
const ROWS = 100;
const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 3, cluster_number_column: 'cl', minimum_data_count: 30 };
/** Rows of three well separated groups, at (0, 0), (10, 0) and (0, 10). */
const GROUPS = (n: number, src: string) =>
  `INSERT INTO t (src, v1, v2) SELECT '${src}', (g % 3 = 1)::int * 10 + random(), (g % 3 = 2)::int * 10 + random() FROM generate_series(1, ${n}) g`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_concurrency');
  await db.client.query(`CREATE TABLE t (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), src text, v1 float8, v2 float8, cl int)`);
  await db.client.query(`SELECT create_hypertable('t', 'ts', chunk_time_interval => interval '2 seconds')`);
  await db.client.query(`SELECT centroid.attach('t', $1)`, [CONFIG]);
  await db.client.query(`CREATE TABLE second (id bigserial PRIMARY KEY, v1 float8, v2 float8, cl int)`);
});
afterAll(async () => {
  await db?.close();
});

const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Runs a statement, recording a failure instead of throwing. */
async function run(c: pg.Client, sql: string, errors: string[], who: string, params: unknown[] = []): Promise<pg.QueryResult | null> {
  try {
    return await c.query(sql, params);
  } catch (e) {
    errors.push(`${who}: ${(e as Error).message}`);
    return null;
  }
}

describe('settings changed under 16 writers', () => {
  it('no statement fails, every row is labelled, each settings change applies from the next statement', async () => {
    const writers = await Promise.all(Array.from({ length: WRITERS }, () => db.connect()));
    const [changer, refitter, attacher] = [await db.connect(), await db.connect(), await db.connect()];
    const errors: string[] = [];
    const applied: { k: number; centroids: number; labels: number[] }[] = [];
    let writing = true;

    const writing$ = Promise.all(
      writers.map(async (c, w) => {
        for (let s = 0; s < STATEMENTS; s++) await run(c, GROUPS(ROWS, `writer ${w}`), errors, `writer ${w}, statement ${s}`);
      }),
    ).finally(() => {
      writing = false;
    });

    const changing$ = (async () => {
      for (let cycle = 0; writing || cycle < 2; cycle++) {
        for (const k of [4, 3]) {
          await pause(200);
          const u = await run(changer, `UPDATE centroid.settings SET config = jsonb_set(config, '{cluster_count}', to_jsonb($1::int)) WHERE table_name = 't'::regclass`, errors, `settings to k = ${k}`, [k]);
          if (!u) continue;
          // The next statement after the change (here, this session's own) runs under the new settings.
          const src = `changer ${cycle} k=${k}`;
          const ins = await run(changer, GROUPS(30, src), errors, `changer insert k = ${k}`);
          // Read back in one snapshot: the labels the statement's refit gave its rows, and the state it left.
          const st = await run(changer, `SELECT (SELECT cardinality(centroids) / 2 FROM centroid.state WHERE table_name = 't'::regclass) AS n,
              (SELECT array_agg(cl) FROM t WHERE src = $1) AS labels`, errors, 'changer state', [src]);
          if (ins && st) applied.push({ k, centroids: st.rows[0]?.n ?? 0, labels: st.rows[0]?.labels ?? [] });
        }
      }
    })();

    const refitting$ = (async () => {
      while (writing) {
        await run(refitter, `SELECT centroid.refit('t')`, errors, 'refit');
        await pause(50);
      }
    })();

    const attaching$ = (async () => {
      while (writing) {
        await run(attacher, `SELECT centroid.attach('second', $1)`, errors, 'attach second', [{ ...CONFIG, minimum_data_count: 3 }]);
        await run(attacher, `INSERT INTO second (v1, v2) SELECT g % 3 * 10, g % 2 FROM generate_series(1, 20) g`, errors, 'insert second');
        await run(attacher, `SELECT centroid.detach('second')`, errors, 'detach second');
        await pause(50);
      }
    })();

    await Promise.all([writing$, changing$, refitting$, attaching$]);
    expect(errors).toEqual([]);

    // Each change applied from the very next statement: the state has the new k, and its rows' labels are in range.
    expect(applied.length).toBeGreaterThanOrEqual(4);
    for (const a of applied) {
      expect(a.centroids).toBe(a.k);
      expect(a.labels).toHaveLength(30);
      expect(a.labels.filter((l) => l === null || l < 0 || l >= a.k)).toEqual([]);
    }
    expect(applied.some((a) => a.k === 4)).toBe(true);

    // Every row labelled, the last settings (k = 3) in force: labels 0..2, three groups with one label each.
    const total = WRITERS * STATEMENTS * ROWS;
    const r = await db.client.query(`SELECT count(*) FILTER (WHERE src LIKE 'writer%')::int AS writers, count(*)::int AS n, count(cl)::int AS labelled,
      max(cl) AS max FROM t`);
    expect(r.rows[0].writers).toBe(total);
    expect(r.rows[0].labelled).toBe(r.rows[0].n);
    expect(r.rows[0].max).toBeLessThanOrEqual(2);
    const s = (await db.client.query(`SELECT cardinality(centroids) / 2 AS k, rows_used FROM centroid.state WHERE table_name = 't'::regclass`)).rows[0];
    expect(s).toEqual({ k: 3, rows_used: r.rows[0].n });
    const groups = await db.client.query(`SELECT (v1 > 5)::int + 2 * (v2 > 5)::int AS g, array_agg(DISTINCT cl) AS ls FROM t GROUP BY 1 ORDER BY 1`);
    expect(groups.rows.map((g) => g.ls.length)).toEqual([1, 1, 1]);
    expect(new Set(groups.rows.map((g) => g.ls[0])).size).toBe(3);
  }, 600_000);
});
