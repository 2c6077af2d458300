// Clustering on insert in a container of the project's image: a hypertable attached with
// centroid.attach labels every row it is given, across chunks, statement after statement.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './server';

const CONFIG = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 3, cluster_number_column: 'cluster_number', minimum_data_count: 30 };
// Three sources far apart (jitter below 1): a right clustering puts each in one cluster.
const CENTERS = [[0, 0], [10, 0], [0, 10]];

let server: Server;
let c: pg.Client;

beforeAll(async () => {
  server = await startServer();
  c = await server.connect();
  await c.query(`CREATE TABLE readings (id bigserial, ts timestamptz NOT NULL, source int, v1 float8, v2 float8, cluster_number int)`);
  await c.query(`SELECT create_hypertable('readings', 'ts', chunk_time_interval => interval '1 hour')`);
});
afterAll(async () => {
  await server?.stop();
});

/** Inserts n rows per source, spread over hours starting at hour (so over several chunks), in one statement. */
async function insert(n: number, hour: number): Promise<void> {
  await c.query(
    `INSERT INTO readings (ts, source, v1, v2)
     SELECT timestamptz '2026-01-01' + ($2::int * 3600 + g * 10) * interval '1 second', s - 1,
            ($3::float8[])[s][1] + sin(g * s), ($3::float8[])[s][2] + cos(g * 7 * s)
       FROM generate_series(1, $1::int) g, generate_series(1, 3) s`,
    [n, hour, CENTERS],
  );
}

/** Rows, labelled rows, and the labels each source got. */
async function labels(): Promise<{ rows: number; labelled: number; bySource: number[][] }> {
  const r = (await c.query(`SELECT count(*)::int AS rows, count(cluster_number)::int AS labelled FROM readings`)).rows[0];
  const by = await c.query(`SELECT source, array_agg(DISTINCT cluster_number) AS l FROM readings WHERE cluster_number IS NOT NULL GROUP BY source ORDER BY source`);
  return { rows: r.rows, labelled: r.labelled, bySource: by.rows.map((x) => x.l) };
}

describe('clustering on insert in a container', () => {
  it('attach clusters the rows already there', async () => {
    await insert(10, 0);
    const r = (await c.query(`SELECT centroid.attach('readings', $1) AS r`, [CONFIG])).rows[0].r;
    expect(r.trigger).toBe('centroid_cluster');
    expect(r.refit.rows).toBe(30);
    const l = await labels();
    expect(l).toMatchObject({ rows: 30, labelled: 30 });
    expect(l.bySource.map((s) => s.length)).toEqual([1, 1, 1]);
    expect(new Set(l.bySource.flat()).size).toBe(3);
  });

  it('labels every row of later statements, over several chunks, each source in its own cluster', async () => {
    const before = (await labels()).bySource.flat();
    for (const hour of [1, 3, 5]) await insert(400, hour);
    const l = await labels();
    expect(l).toMatchObject({ rows: 3630, labelled: 3630 });
    // Refits start from the stored centroids, so a source keeps its cluster's number.
    expect(l.bySource).toEqual(before.map((x) => [x]));
    const chunks = (await c.query(`SELECT count(*)::int AS n FROM show_chunks('readings')`)).rows[0].n;
    expect(chunks).toBeGreaterThanOrEqual(4);
  });

  it('labels a single row with its source\'s cluster', async () => {
    const label = (await c.query(`SELECT cluster_number FROM readings WHERE source = 1 LIMIT 1`)).rows[0].cluster_number;
    const row = (await c.query(`INSERT INTO readings (ts, source, v1, v2) VALUES ('2026-01-01 07:00', 1, 10.2, -0.3) RETURNING cluster_number`)).rows[0];
    expect(row.cluster_number).toBe(label);
  });

  it('centroid.status reports the rows, the labels and centroids near the sources', async () => {
    const s = (await c.query(`SELECT centroid.status('readings') AS s`)).rows[0].s;
    expect(s).toMatchObject({ table: 'public.readings', trigger: true, rows: 3631, labelled_rows: 3631 });
    expect(s.clusters).toHaveLength(3);
    expect(s.clusters.reduce((n: number, k: { size: number }) => n + k.size, 0)).toBe(s.rows_used);
    const labelOf = (await labels()).bySource.map((x) => x[0]);
    CENTERS.forEach((center, source) => {
      const centroid = s.clusters[labelOf[source]!].centroid as number[];
      expect(Math.hypot(centroid[0]! - center[0]!, centroid[1]! - center[1]!)).toBeLessThan(0.5);
    });
  });
});
