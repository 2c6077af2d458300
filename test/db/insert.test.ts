// Clustering on insert, end to end, on the real PostgreSQL + TimescaleDB + pljs stack.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, failure, type TestDatabase } from './database';

// The paper's demo (its Tables 1 and 2): 15 rows around (5,5,5), (15,5,5), (5,15,5), and its labels.
const PAPER_ROWS = [
  [10, 8, 1], [3, 2, 8], [5, 3, 6], [6, 4, 5], [7, 8, 4], [12, 6, 7], [17, 2, 1], [11, 1, 7],
  [13, 5, 8], [11, 3, 2], [6, 15, 6], [8, 14, 2], [2, 16, 7], [1, 13, 8], [9, 15, 5],
];
const PAPER_LABELS = [2, 0, 0, 0, 1, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1];

const BASE = {
  key_column: 'id',
  clustering_columns: ['v1', 'v2', 'v3'],
  clustering_algorithm: 'k-means',
  center_choice: 'random',
  cluster_count: 3,
  distance_type: 'euclidean',
  cluster_number_column: 'cluster_number',
  maximum_data_count: 100000,
  minimum_data_count: 10,
};

/** Sum of squared distances of rows to their cluster's mean. */
function cost(rows: number[][], labels: number[]): number {
  const means = new Map<number, number[]>();
  for (const l of new Set(labels)) {
    const members = rows.filter((_, i) => labels[i] === l);
    means.set(l, [0, 1, 2].map((j) => members.reduce((s, r) => s + (r[j] as number), 0) / members.length));
  }
  return rows.reduce((s, r, i) => s + r.reduce((t, x, j) => t + (x - (means.get(labels[i] as number) as number[])[j]!) ** 2, 0), 0);
}

/** True when every row is nearest (squared euclidean) to its own cluster's mean. */
function isKMeansSolution(rows: number[][], labels: number[]): boolean {
  const ids = [...new Set(labels)];
  const means = ids.map((l) => {
    const m = rows.filter((_, i) => labels[i] === l);
    return [0, 1, 2].map((j) => m.reduce((s, r) => s + (r[j] as number), 0) / m.length);
  });
  return rows.every((r, i) => {
    const d = means.map((m) => m.reduce((s, c, j) => s + (c - (r[j] as number)) ** 2, 0));
    return d[ids.indexOf(labels[i] as number)] === Math.min(...d);
  });
}

/** Sum of manhattan distances to each cluster's coordinate-wise median, or to its best member (medoid). */
function manhattanCost(rows: number[][], labels: number[], algorithm: 'k-medians' | 'k-medoids'): number {
  const l1 = (a: number[], b: number[]) => a.reduce((s, x, j) => s + Math.abs(x - (b[j] as number)), 0);
  let total = 0;
  for (const c of new Set(labels)) {
    const m = rows.filter((_, i) => labels[i] === c);
    const candidates = algorithm === 'k-medoids' ? m : [[0, 1, 2].map((j) => median(m.map((r) => r[j] as number)))];
    total += Math.min(...candidates.map((center) => m.reduce((s, r) => s + l1(r, center), 0)));
  }
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

let db: TestDatabase;

beforeAll(async () => {
  db = await createDatabase('insert');
});
afterAll(async () => {
  await db?.close();
});

/** Creates a hypertable (or plain table), its settings and the trigger. */
async function clusteredTable(name: string, config: Record<string, unknown> = BASE, hypertable = true): Promise<void> {
  const c = db.client;
  await c.query(`CREATE TABLE ${name} (id bigserial, ts timestamptz NOT NULL DEFAULT clock_timestamp(), v1 real, v2 real, v3 real, cluster_number int)`);
  if (hypertable) await c.query(`SELECT create_hypertable('${name}', 'ts')`);
  await c.query('INSERT INTO centroid.settings (table_name, config) VALUES ($1, $2)', [name, config]);
  await c.query(`CREATE TRIGGER ${name}_cluster BEFORE INSERT ON ${name} FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
}

async function labels(name: string): Promise<(number | null)[]> {
  return (await db.client.query(`SELECT cluster_number FROM ${name} ORDER BY id`)).rows.map((r) => r.cluster_number);
}

describe('the paper demo, one row at a time into a hypertable', () => {
  it('leaves rows unlabelled below minimum_data_count, then labels all with a partition as good as the paper', async () => {
    await clusteredTable('paper');
    for (const [i, r] of PAPER_ROWS.entries()) {
      await db.client.query('INSERT INTO paper (v1, v2, v3) VALUES ($1, $2, $3)', r);
      const now = await labels('paper');
      if (i + 1 < 10) expect(now.every((l) => l === null)).toBe(true);
      else expect(now.every((l) => l !== null && l >= 0 && l < 3)).toBe(true);
    }
    const ours = (await labels('paper')) as number[];
    expect(isKMeansSolution(PAPER_ROWS, ours)).toBe(true);
    expect(cost(PAPER_ROWS, ours)).toBeLessThanOrEqual(cost(PAPER_ROWS, PAPER_LABELS) + 1e-9);
    expect(new Set(ours).size).toBe(3);
  });

  it('stores the centroids and the facts of the last run', async () => {
    const { rows } = await db.client.query(`SELECT centroids, sizes, rows_used, iterations, cost, duration_ms, refitted_at, refits FROM centroid.state WHERE table_name = 'paper'::regclass`);
    const s = rows[0];
    expect(s.centroids).toHaveLength(3);
    expect(s.centroids[0]).toHaveLength(3);
    expect(s.rows_used).toBe(15);
    expect(s.sizes.reduce((a: number, b: number) => a + b, 0)).toBe(15);
    expect(s.iterations).toBeGreaterThanOrEqual(1);
    expect(s.cost).toBeCloseTo(cost(PAPER_ROWS, (await labels('paper')) as number[]), 6);
    expect(s.duration_ms).toBeGreaterThanOrEqual(0);
    expect(s.refitted_at).toBeInstanceOf(Date);
    expect(s.refits).toBe(6); // rows 10 to 15 each refitted the window once
  });

  it('keeps cluster numbers from one clustering to the next and writes only changed labels', async () => {
    const before = await db.client.query('SELECT id, cluster_number, xmin::text AS xmin FROM paper ORDER BY id');
    // A row at a centroid barely moves it: no row changes cluster, so no row is rewritten.
    const { centroids } = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'paper'::regclass`)).rows[0];
    const group = before.rows[10].cluster_number as number;
    await db.client.query('INSERT INTO paper (v1, v2, v3) VALUES ($1, $2, $3)', centroids[group]);
    const after = await db.client.query('SELECT id, cluster_number, xmin::text AS xmin FROM paper ORDER BY id');
    for (const [i, row] of before.rows.entries()) {
      expect(after.rows[i].cluster_number).toBe(row.cluster_number);
      expect(after.rows[i].xmin).toBe(row.xmin); // not rewritten
    }
    const newRow = after.rows[after.rows.length - 1];
    expect(newRow.cluster_number).toBe(group);
  });
});

describe('clustering on insert', () => {
  it('works on a plain table, with the window ordered by the key', async () => {
    await clusteredTable('plain_t', { ...BASE, maximum_data_count: 12 }, false);
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO plain_t (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const { rows } = await db.client.query(`SELECT rows_used FROM centroid.state WHERE table_name = 'plain_t'::regclass`);
    expect(rows[0].rows_used).toBe(12);
    const l = await labels('plain_t');
    expect(l.slice(3).every((x) => x !== null)).toBe(true);
  });

  it('labels every row of a multi-row INSERT, refitting once per statement', async () => {
    await clusteredTable('bulk', { ...BASE, center_choice: 'k-means++', seed: 7 });
    const insert = `INSERT INTO bulk (v1, v2, v3)
      SELECT c.x + (random() - 0.5), c.y + (random() - 0.5), c.z + (random() - 0.5)
        FROM generate_series(1, 300) g, LATERAL (SELECT (ARRAY[0, 10, 0])[1 + g % 3] AS x, (ARRAY[0, 0, 10])[1 + g % 3] AS y, 0 AS z) c`;
    await db.client.query(insert);
    const first = await db.client.query(`SELECT refits, rows_used FROM centroid.state WHERE table_name = 'bulk'::regclass`);
    expect(first.rows[0]).toMatchObject({ refits: 1, rows_used: 300 });
    expect((await labels('bulk')).every((l) => l !== null)).toBe(true);
    await db.client.query(insert);
    const second = await db.client.query(`SELECT refits, rows_used FROM centroid.state WHERE table_name = 'bulk'::regclass`);
    expect(second.rows[0]).toMatchObject({ refits: 2, rows_used: 600 });
    // Three well separated groups: each group has one cluster number, and the numbers differ.
    const groups = await db.client.query(`SELECT round(v1 / 10) AS gx, round(v2 / 10) AS gy, array_agg(DISTINCT cluster_number) AS ls FROM bulk GROUP BY 1, 2`);
    expect(groups.rows).toHaveLength(3);
    expect(groups.rows.every((g) => g.ls.length === 1)).toBe(true);
    expect(new Set(groups.rows.map((g) => g.ls[0])).size).toBe(3);
  });

  it('refits on every row with the paper policy "row"', async () => {
    await clusteredTable('per_row', { ...BASE, refit: 'row', minimum_data_count: 3 });
    // One multi-row statement: the window is re-clustered for each of its rows.
    await db.client.query(`INSERT INTO per_row (v1, v2, v3) VALUES ${PAPER_ROWS.map((r) => `(${r.join(', ')})`).join(', ')}`);
    const { rows } = await db.client.query(`SELECT refits FROM centroid.state WHERE table_name = 'per_row'::regclass`);
    expect(rows[0].refits).toBe(13); // rows 3..15
    expect((await labels('per_row')).every((l) => l !== null)).toBe(true);
  });

  it('moves centroids without refitting under the online policy', async () => {
    await clusteredTable('online_t', { ...BASE, refit: 'online' });
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO online_t (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const before = (await db.client.query(`SELECT centroids, refits FROM centroid.state WHERE table_name = 'online_t'::regclass`)).rows[0];
    await db.client.query('INSERT INTO online_t (v1, v2, v3) VALUES (100, 100, 100)');
    const after = (await db.client.query(`SELECT centroids, refits, online_updated_at FROM centroid.state WHERE table_name = 'online_t'::regclass`)).rows[0];
    expect(after.refits).toBe(before.refits);
    expect(after.online_updated_at).toBeInstanceOf(Date);
    expect(after.centroids).not.toEqual(before.centroids);
    expect((await labels('online_t')).every((l) => l !== null)).toBe(true);
  });

  it('starts from starting_centers with center_choice manual, keeping their order as cluster numbers', async () => {
    await clusteredTable('manual_t', { ...BASE, center_choice: 'manual', starting_centers: [[5, 15, 5], [15, 5, 5], [5, 5, 5]] });
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO manual_t (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const l = await labels('manual_t');
    expect(l[10]).toBe(0); // (6,15,6) is with the first center
    expect(l[1]).toBe(2); // (3,2,8) with the third
  });

  it('clusters with k-means++ and the paper\'s spelling "euclidian"', async () => {
    await clusteredTable('alg_kmpp', { ...BASE, clustering_algorithm: 'k-means++', distance_type: 'euclidian', center_choice: 'k-means++' });
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO alg_kmpp (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const l = (await labels('alg_kmpp')) as number[];
    expect(isKMeansSolution(PAPER_ROWS, l)).toBe(true);
    expect(cost(PAPER_ROWS, l)).toBeLessThanOrEqual(cost(PAPER_ROWS, PAPER_LABELS) + 1e-9);
  });

  for (const algorithm of ['k-medians', 'k-medoids'] as const) {
    it(`clusters with ${algorithm} and manhattan distance at least as well as the paper's partition`, async () => {
      const name = `alg_${algorithm.replace(/\W/g, '')}`;
      await clusteredTable(name, { ...BASE, clustering_algorithm: algorithm, distance_type: 'manhattan', center_choice: 'k-means++', maximum_data_count: 10000 });
      for (const r of PAPER_ROWS) await db.client.query(`INSERT INTO ${name} (v1, v2, v3) VALUES ($1, $2, $3)`, r);
      const l = (await labels(name)) as number[];
      expect(new Set(l).size).toBe(3);
      const stored = (await db.client.query(`SELECT cost FROM centroid.state WHERE table_name = $1::regclass`, [name])).rows[0].cost;
      expect(stored).toBeCloseTo(manhattanCost(PAPER_ROWS, l, algorithm), 9);
      expect(stored).toBeLessThanOrEqual(manhattanCost(PAPER_ROWS, PAPER_LABELS, algorithm) + 1e-9);
    });
  }

  it('z-scores features with standardize, so a column in large units does not dominate', async () => {
    // v1 is noise in the thousands; the groups differ only in v2 and v3 (units).
    const rows = Array.from({ length: 60 }, (_, i) => [((i * 7919) % 1000) * 10, i % 2 === 0 ? 0 : 5, i % 2 === 0 ? 0 : 5]);
    for (const [name, standardize] of [['raw_units', 'none'], ['z_units', 'zscore']] as const) {
      await clusteredTable(name, { ...BASE, cluster_count: 2, center_choice: 'k-means++', standardize, minimum_data_count: 60 });
      await db.client.query(`INSERT INTO ${name} (v1, v2, v3) VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}`);
    }
    const agree = async (name: string) =>
      (await db.client.query(`SELECT count(DISTINCT cluster_number)::int AS n FROM ${name} GROUP BY v2 ORDER BY v2`)).rows.every((r) => r.n === 1);
    expect(await agree('z_units')).toBe(true);
    expect(await agree('raw_units')).toBe(false);
    const st = (await db.client.query(`SELECT centroids, standardization FROM centroid.state WHERE table_name = 'z_units'::regclass`)).rows[0];
    expect(st.standardization.means).toHaveLength(3);
    // Centroids are stored in the table's own units.
    expect(st.centroids.map((c: number[]) => Math.round(c[1] as number)).sort()).toEqual([0, 5]);
    // A new row is labelled with the frozen scaling: (x, 5, 5) joins the v2 = 5 group.
    await db.client.query('INSERT INTO z_units (v1, v2, v3) VALUES (10, 5, 5)');
    const { rows: last } = await db.client.query(`SELECT cluster_number, (SELECT cluster_number FROM z_units WHERE v2 = 5 LIMIT 1) AS group5 FROM z_units ORDER BY id DESC LIMIT 1`);
    expect(last[0].cluster_number).toBe(last[0].group5);
  });

  it('labels a row as the stored centroids say, whether its features reach the labeler one by one (up to 8) or as an array', async () => {
    for (const d of [1, 8, 9, 12]) {
      const cols = Array.from({ length: d }, (_, j) => `f${j}`);
      const name = `wide_${d}`;
      await db.client.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, ${cols.map((c) => `${c} float8`).join(', ')}, cl int)`);
      await db.client.query(`SELECT centroid.attach('${name}', $1)`, [{ key_column: 'id', clustering_columns: cols, cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10 }]);
      // Two groups, around 0 and around 10 in every column.
      await db.client.query(`INSERT INTO ${name} (${cols.join(', ')}) SELECT ${cols.map((_, j) => `(g % 2) * 10 + sin(g * ${j + 1})`).join(', ')} FROM generate_series(1, 40) g`);
      const centroids = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = '${name}'::regclass`)).rows[0].centroids as number[][];
      // One row at a time, each in its own statement (the label function, not a refit, labels it; the refit after keeps it).
      for (const [x, hole] of [[9.5, false], [0.4, false], [4, true]] as const) {
        const values = cols.map((_, j) => (hole && j === d - 1 ? 'NULL' : String(x + j * 0.01)));
        const row = (await db.client.query(`INSERT INTO ${name} (${cols.join(', ')}) VALUES (${values.join(', ')}) RETURNING cl`)).rows[0];
        if (hole) {
          expect(row.cl).toBeNull();
          continue;
        }
        const v = cols.map((_, j) => x + j * 0.01);
        const dist = centroids.map((c) => c.reduce((t, cj, j) => t + (cj - (v[j] as number)) ** 2, 0));
        expect(row.cl).toBe(dist[0]! <= dist[1]! ? 0 : 1);
      }
    }
  });

  it('keeps rows with NULL or NaN features, unlabelled, without touching the centroids', async () => {
    await clusteredTable('bad_rows', { ...BASE, minimum_data_count: 3 });
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO bad_rows (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const before = (await db.client.query(`SELECT centroids FROM centroid.state WHERE table_name = 'bad_rows'::regclass`)).rows[0];
    await db.client.query(`INSERT INTO bad_rows (v1, v2, v3) VALUES (NULL, 1, 1), ('NaN', 1, 1), ('Infinity', 1, 1)`);
    const { rows } = await db.client.query('SELECT cluster_number FROM bad_rows WHERE id > 15');
    expect(rows.map((r) => r.cluster_number)).toEqual([null, null, null]);
    const after = (await db.client.query(`SELECT centroids, rows_used FROM centroid.state WHERE table_name = 'bad_rows'::regclass`)).rows[0];
    expect(after.centroids.flat().every(Number.isFinite)).toBe(true);
    expect(after.centroids).toEqual(before.centroids);
  });

  it('refuses a statement with an invalid row when invalid_rows is error, inserting nothing', async () => {
    await clusteredTable('strict_rows', { ...BASE, invalid_rows: 'error' });
    const e = await failure(db.client, `INSERT INTO strict_rows (v1, v2, v3) VALUES (1, 2, 3), (NULL, 2, 3)`);
    expect(e.message).toMatch(/NULL, NaN, infinite or out-of-range \(beyond 1e150\) clustering column/);
    expect(e.hint).toMatch(/invalid_rows/);
    expect((await db.client.query('SELECT count(*)::int AS n FROM strict_rows')).rows[0].n).toBe(0);
  });

  it('refuses the trigger other than BEFORE INSERT FOR EACH ROW, when it is created', async () => {
    await db.client.query('CREATE TABLE misuse (id int, v1 real, cluster_number int)');
    for (const timing of ['AFTER INSERT', 'BEFORE UPDATE', 'BEFORE INSERT OR UPDATE']) {
      const e = await failure(db.client, `CREATE TRIGGER m ${timing} ON misuse FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()`);
      expect(e.message).toMatch(/must be BEFORE INSERT \.\.\. FOR EACH ROW/);
      expect(e.hint).toMatch(/CREATE TRIGGER m BEFORE INSERT ON (public\.)?misuse FOR EACH ROW/);
    }
    const e = await failure(db.client, `CREATE TRIGGER m BEFORE INSERT ON misuse FOR EACH STATEMENT EXECUTE FUNCTION centroid.cluster_on_insert()`);
    expect(e.message).toMatch(/must be BEFORE INSERT/);
  });

  it('lets rows through unlabelled when the table has no settings', async () => {
    await db.client.query('CREATE TABLE unconfigured (id int, v1 real, cluster_number int)');
    await db.client.query('CREATE TRIGGER u BEFORE INSERT ON unconfigured FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
    await db.client.query('INSERT INTO unconfigured VALUES (1, 1, NULL), (2, 2, 7)');
    expect((await db.client.query('SELECT cluster_number FROM unconfigured ORDER BY id')).rows).toEqual([{ cluster_number: null }, { cluster_number: 7 }]);
  });

  it('refits on demand with centroid.refit()', async () => {
    const r = (await db.client.query(`SELECT centroid.refit('paper') AS r`)).rows[0].r;
    expect(r).toMatchObject({ status: 'refitted', rows: 16, changed: 0 });
  });

  it('removes settings and state when a clustered table is dropped', async () => {
    await clusteredTable('dropped', BASE);
    for (const r of PAPER_ROWS) await db.client.query('INSERT INTO dropped (v1, v2, v3) VALUES ($1, $2, $3)', r);
    const oid = (await db.client.query(`SELECT 'dropped'::regclass::oid AS oid`)).rows[0].oid;
    expect((await db.client.query('SELECT count(*)::int AS n FROM centroid.state WHERE table_name::oid = $1', [oid])).rows[0].n).toBe(1);
    await db.client.query('DROP TABLE dropped');
    const n = await db.client.query(`SELECT (SELECT count(*) FROM centroid.settings WHERE table_name::oid = $1)::int AS settings,
                                            (SELECT count(*) FROM centroid.state WHERE table_name::oid = $1)::int AS state`, [oid]);
    expect(n.rows[0]).toEqual({ settings: 0, state: 0 });
  });
});

describe('installing and removing', () => {
  it('DROP EXTENSION ... CASCADE removes everything of ours', async () => {
    const other = await createDatabase('dropext');
    try {
      const c = other.client;
      await c.query('CREATE TABLE r (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, cluster_number int)');
      await c.query(`INSERT INTO centroid.settings VALUES ('r', '{"key_column":"id","clustering_columns":["v1"],"cluster_count":2,"cluster_number_column":"cluster_number"}')`);
      await c.query('CREATE TRIGGER rc BEFORE INSERT ON r FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()');
      await c.query('DROP EXTENSION pg_centroid CASCADE');
      const left = await c.query(`SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'centroid')::int AS schemas,
                                         (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'r'::regclass)::int AS triggers,
                                         (SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'centroid%')::int AS events`);
      expect(left.rows[0]).toEqual({ schemas: 0, triggers: 0, events: 0 });
      await c.query('INSERT INTO r (v1) VALUES (1)');
    } finally {
      await other.close();
    }
  });

  it('declares the JavaScript language it needs: CREATE EXTENSION says so, and CASCADE creates it', async () => {
    const other = await createDatabase('nolang', []);
    try {
      const e = await failure(other.client, 'CREATE EXTENSION pg_centroid');
      expect(e.message).toBe('required extension "pljs" is not installed');
      expect(e.hint).toBe('Use CREATE EXTENSION ... CASCADE to install required extensions too.');
      await other.client.query('CREATE EXTENSION pg_centroid CASCADE');
      const r = await other.client.query(`SELECT array_agg(extname::text ORDER BY extname) AS e FROM pg_extension WHERE extname IN ('pljs', 'pg_centroid')`);
      expect(r.rows[0].e).toEqual(['pg_centroid', 'pljs']);
    } finally {
      await other.close();
    }
  });
});
