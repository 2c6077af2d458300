// Issue 11, matrix 2: time dimensions x policies. Hypertables on every time type TimescaleDB takes (several chunks
// each), plain tables and native partitioned tables (RANGE on the key, LIST) with several partitions: every row is
// labelled on insert under every policy, and the window (maximum_data_count smaller than the table) is the most
// recent rows by the time column, or by the key where there is none.

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createDatabase, type TestDatabase } from './database';
import { stateOf } from './tables-helpers';

const POLICIES = ['statement', 'row', 'online'] as const;
const ROWS = 40;
const WINDOW = 20;

/**
 * Row i (1..40) has rank t = 17 i mod 40 (a permutation of 0..39), which gives its time (or, without a time
 * dimension, its key): insertion order, time order and key order all differ. Two groups, at (t, -t/2) and
 * (100 + t, 100 - t/2), so the window's means tell which rows it held.
 */
const RANK = `((i * 17) % ${ROWS})`;

interface Kind {
  name: string;
  /** CREATE TABLE ... and whatever makes it a hypertable or partitions it. */
  create: (t: string) => string[];
  /** Column list and SELECT list of an INSERT of rows i. */
  columns: string;
  values: string;
  /** The column ordering the window (the time dimension, else the key). */
  order: string;
  /** A hypertable: several chunks expected. */
  hypertable: boolean;
}

function hypertable(type: string, time: string, interval: string): Kind {
  return {
    name: `hyper_${type.replace(/ /g, '_')}`,
    create: (t) => [
      `CREATE TABLE ${t} (id int8 NOT NULL, tm ${type} NOT NULL, a float8, b float8, cl int)`,
      `SELECT create_hypertable('${t}', 'tm', chunk_time_interval => ${interval})`,
    ],
    columns: 'id, tm, a, b',
    values: `i, ${time}, (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5`,
    order: 'tm',
    hypertable: true,
  };
}

const KINDS: Kind[] = [
  hypertable('timestamptz', `'2024-03-31 00:00:00.000001+00'::timestamptz + ${RANK} * interval '10 minutes'`, `interval '1 hour'`),
  hypertable('timestamp', `'2024-03-31 00:00:00.000001'::timestamp + ${RANK} * interval '10 minutes'`, `interval '1 hour'`),
  hypertable('date', `'2024-02-20'::date + ${RANK}`, `interval '3 days'`),
  hypertable('smallint', `${RANK}::int2`, '5'),
  hypertable('integer', `${RANK}::int4`, '5'),
  hypertable('bigint', `5000000000 + ${RANK}`, '5'),
  {
    name: 'plain',
    create: (t) => [`CREATE TABLE ${t} (id int8 PRIMARY KEY, a float8, b float8, cl int)`],
    columns: 'id, a, b',
    values: `${RANK}, (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5`,
    order: 'id',
    hypertable: false,
  },
  {
    name: 'range_partitioned',
    create: (t) => [
      `CREATE TABLE ${t} (id int8 NOT NULL, a float8, b float8, cl int) PARTITION BY RANGE (id)`,
      ...[0, 10, 20, 30].map((lo) => `CREATE TABLE ${t}_p${lo} PARTITION OF ${t} FOR VALUES FROM (${lo}) TO (${lo + 10})`),
    ],
    columns: 'id, a, b',
    values: `${RANK}, (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5`,
    order: 'id',
    hypertable: false,
  },
  {
    name: 'list_partitioned',
    create: (t) => [
      `CREATE TABLE ${t} (id int8 NOT NULL, region text NOT NULL, a float8, b float8, cl int) PARTITION BY LIST (region)`,
      ...['north', 'south', 'east'].map((r) => `CREATE TABLE ${t}_${r} PARTITION OF ${t} FOR VALUES IN ('${r}')`),
    ],
    columns: 'id, region, a, b',
    values: `${RANK}, (ARRAY['north', 'south', 'east'])[1 + i % 3], (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5`,
    order: 'id',
    hypertable: false,
  },
];

const CONFIG = { key_column: 'id', clustering_columns: ['a', 'b'], cluster_count: 2, cluster_number_column: 'cl', minimum_data_count: 10, maximum_data_count: WINDOW };

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('tables_time');
});
afterAll(async () => {
  await db?.close();
});

/** Per-label means of a set of rows (a, b), by label. */
async function means(sql: string): Promise<Map<number, [number, number]>> {
  const r = await db.client.query(`SELECT cl, avg(a)::float8 AS a, avg(b)::float8 AS b FROM (${sql}) w GROUP BY cl`);
  return new Map(r.rows.map((x) => [x.cl, [x.a, x.b]]));
}

describe('every time dimension and table kind x every policy', () => {
  for (const kind of KINDS) {
    for (const [policy, engine] of [...POLICIES.map((p) => [p, 'auto'] as const), ['statement', 'sql'] as const]) {
      it(`${kind.name}, policy ${policy}${engine === 'sql' ? ', SQL engine' : ''}: every row labelled on insert; the window is the ${WINDOW} most recent rows by ${kind.order}`, async () => {
        const t = `${kind.name}_${policy}_${engine}`;
        await db.client.query(`SET pg_centroid.engine = '${engine}'`);
        onTestFinished(() => db.client.query('RESET pg_centroid.engine').then(() => undefined));
        for (const sql of kind.create(t)) await db.client.query(sql);
        await db.client.query(`SELECT centroid.attach($1, $2)`, [t, { ...CONFIG, refit: policy }]);
        // A first statement of 15 rows (within the window), then statements of 5.
        const statements: [number, number][] = [[1, 15]];
        for (let from = 16; from <= ROWS; from += 5) statements.push([from, from + 4]);
        for (const [from, to] of statements) {
          await db.client.query(`INSERT INTO ${t} (${kind.columns}) SELECT ${kind.values} FROM generate_series(${from}, ${to}) AS i`);
          const r = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS l FROM ${t}`);
          expect(r.rows[0]).toEqual({ n: to, l: to });
        }
        // Each group has one label, and they differ.
        const groups = await db.client.query(`SELECT (a > 70) AS hi, array_agg(DISTINCT cl) AS ls FROM ${t} GROUP BY 1 ORDER BY 1`);
        expect(groups.rows.map((g) => g.ls.length)).toEqual([1, 1]);
        expect(groups.rows[0].ls[0]).not.toBe(groups.rows[1].ls[0]);
        if (kind.hypertable) {
          expect((await db.client.query(`SELECT count(*)::int AS n FROM show_chunks('${t}')`)).rows[0].n).toBeGreaterThanOrEqual(5);
        } else if (kind.name !== 'plain') {
          const parts = await db.client.query(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass`, [t]);
          expect(parts.rows[0].n).toBeGreaterThanOrEqual(3);
          // Rows sit in every partition, and are labelled there.
          const per = await db.client.query(`SELECT tableoid::regclass::text AS p, count(*)::int AS n, count(cl)::int AS l FROM ${t} GROUP BY 1`);
          expect(per.rows.length).toBe(parts.rows[0].n);
          for (const p of per.rows) expect(p.l).toBe(p.n);
        }
        // The window: the most recent rows by the time column (or key), not the last inserted.
        const refit = (await db.client.query(`SELECT centroid.refit($1) AS r`, [t])).rows[0].r;
        expect(refit).toMatchObject({ status: 'refitted', rows: WINDOW, engine: engine === 'sql' ? 'sql' : 'js' });
        const windowMeans = await means(`SELECT a, b, cl FROM ${t} ORDER BY ${kind.order} DESC LIMIT ${WINDOW}`);
        const s = await stateOf(db.client, t);
        expect(s?.rows_used).toBe(WINDOW);
        expect(s?.sizes.reduce((x: number, y: number) => x + y, 0)).toBe(WINDOW);
        for (const [label, [a, b]] of windowMeans) {
          expect(s?.centroids[label][0]).toBeCloseTo(a, 6);
          expect(s?.centroids[label][1]).toBeCloseTo(b, 6);
        }
        // (Which rows the window holds matters: the last inserted rows have other means.)
        const lastInserted = await means(`SELECT a, b, cl FROM ${t} ORDER BY ${kind.hypertable ? 'id' : 'ctid'} DESC LIMIT ${WINDOW}`);
        if (kind.hypertable) {
          const differs = [...windowMeans].some(([l, [a]]) => Math.abs(a - (lastInserted.get(l)?.[0] ?? NaN)) > 1 || !lastInserted.has(l));
          expect(differs).toBe(true);
        }
      });
    }
  }

  it('a plain table with time_column orders its window by that column', async () => {
    const t = 'plain_time_column';
    await db.client.query(`CREATE TABLE ${t} (id int8 PRIMARY KEY, at timestamptz NOT NULL, a float8, b float8, cl int)`);
    await db.client.query(`SELECT centroid.attach($1, $2)`, [t, { ...CONFIG, time_column: 'at' }]);
    await db.client.query(`INSERT INTO ${t} SELECT i, '2024-01-01'::timestamptz + ${RANK} * interval '1 second', (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5, NULL
      FROM generate_series(1, 15) AS i`);
    await db.client.query(`INSERT INTO ${t} SELECT i, '2024-01-01'::timestamptz + ${RANK} * interval '1 second', (i % 2) * 100 + ${RANK}, (i % 2) * 100 - ${RANK} * 0.5, NULL
      FROM generate_series(16, ${ROWS}) AS i`);
    expect((await db.client.query(`SELECT count(cl)::int AS l FROM ${t}`)).rows[0].l).toBe(ROWS);
    const windowMeans = await means(`SELECT a, b, cl FROM ${t} ORDER BY at DESC LIMIT ${WINDOW}`);
    const s = await stateOf(db.client, t);
    expect(s?.rows_used).toBe(WINDOW);
    for (const [label, [a, b]] of windowMeans) {
      expect(s?.centroids[label][0]).toBeCloseTo(a, 6);
      expect(s?.centroids[label][1]).toBeCloseTo(b, 6);
    }
  });
});
