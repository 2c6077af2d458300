// The same seed and data give the same clustering in Node (V8) and inside PostgreSQL (pljs/QuickJS).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/settings';
import { fit } from '../../src/core/fit';
import { createRandom } from '../../src/core/random';
import { fitOptions } from '../../src/db/refit';
import { createDatabase, type TestDatabase } from './database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('engines');
});
afterAll(async () => {
  await db?.close();
});

const CASES = [
  { clustering_algorithm: 'k-means', center_choice: 'k-means++', distance_type: 'euclidean', cluster_count: 4 },
  { clustering_algorithm: 'k-means', center_choice: 'random', distance_type: 'euclidean', cluster_count: 3, seed: 7 },
  { clustering_algorithm: 'k-medians', center_choice: 'k-means++', distance_type: 'manhattan', cluster_count: 3 },
  { clustering_algorithm: 'k-medoids', center_choice: 'k-means++', distance_type: 'euclidean', cluster_count: 3, seed: 11 },
] as const;

for (const [i, options] of CASES.entries()) {
  it(`gives identical labels, centers and cost in Node and pljs: ${options.clustering_algorithm}, ${options.center_choice}, ${options.distance_type}`, async () => {
    const rng = createRandom(1000 + i);
    const n = 600;
    const rows: number[][] = [];
    for (let r = 0; r < n; r++) {
      const c = r % 3;
      rows.push([c * 4 + rng.next() * 3, (c % 2) * 5 + rng.next() * 3, rng.next() * 2]);
    }
    const table = `eng_${i}`;
    await db.client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v1 float8, v2 float8, v3 float8, cluster_number int)`);
    await db.client.query(`INSERT INTO ${table} SELECT i, r[1], r[2], r[3], NULL FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, i),
      LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(v)::float8)) AS a(r)`, [JSON.stringify(rows)]);
    const config = { key_column: 'id', clustering_columns: ['v1', 'v2', 'v3'], cluster_number_column: 'cluster_number', minimum_data_count: 10, ...options };
    await db.client.query('INSERT INTO centroid.settings VALUES ($1, $2)', [table, config]);
    const result = (await db.client.query(`SELECT centroid.refit($1) AS r`, [table])).rows[0].r;
    expect(result.status).toBe('refitted');

    // The window is read most recent first: for a plain table, by key descending.
    const ordered = [...rows].reverse();
    const node = fit({ data: Float64Array.from(ordered.flat()), n, d: 3 }, fitOptions(validateConfig(config), null));
    const { rows: labelled } = await db.client.query(`SELECT cluster_number FROM ${table} ORDER BY id DESC`);
    expect(labelled.map((r) => r.cluster_number)).toEqual(Array.from(node.labels));
    const state = (await db.client.query(`SELECT centroids, cost FROM centroid.state WHERE table_name = $1::regclass`, [table])).rows[0];
    expect(state.centroids.flat()).toEqual(Array.from(node.centers));
    expect(state.cost).toBe(node.cost);
  });
}
