// pg-centroid plot on real clustered tables: one fill colour per cluster, one numbered marker per
// centroid in its cluster's colour, a legend, and an HTML page with the SVG inline.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pca } from '../../src/cli/projection';
import { ticks } from '../../src/cli/plot';
import { createDatabase, type TestDatabase } from '../db/database';
import { cli } from './run';

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-plot-'));

/** Attributes of every element named `name` in the SVG text. */
function elements(svg: string, name: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...(m[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));
}

/** The centroid groups: cluster number, marker fill and label text. */
function centroids(svg: string): { cluster: string; fill: string; label: string }[] {
  return [...svg.matchAll(/<g class="centroid" data-cluster="(\d+)"><path [^>]*fill="([^"]+)"[^>]*\/><text [^>]*>([^<]*)<\/text><\/g>/g)].map((m) => ({ cluster: m[1]!, fill: m[2]!, label: m[3]! }));
}

/** Checks the plot of a table clustered into k groups: colours, markers and labels. */
function checkPlot(svg: string, k: number, rows: number): void {
  const points = elements(svg, 'circle').filter((c) => c.class === 'point');
  expect(points).toHaveLength(rows);
  const fills = new Map<string, Set<string>>();
  for (const p of points) {
    const set = fills.get(p['data-cluster']!) ?? new Set<string>();
    set.add(p.fill!);
    fills.set(p['data-cluster']!, set);
  }
  expect([...fills.keys()].sort()).toEqual(Array.from({ length: k }, (_, i) => String(i)));
  for (const set of fills.values()) expect(set.size).toBe(1);
  const colours = [...fills.values()].map((s) => [...s][0]);
  expect(new Set(colours).size).toBe(k);

  const marks = centroids(svg);
  expect(marks.map((m) => m.cluster).sort()).toEqual(Array.from({ length: k }, (_, i) => String(i)));
  for (const m of marks) {
    expect(m.label).toBe(m.cluster);
    expect(m.fill).toBe([...fills.get(m.cluster)!][0]);
  }
  for (let c = 0; c < k; c++) expect(svg).toMatch(new RegExp(`>cluster ${c} \\(\\d+ rows\\)<`));
}

beforeAll(async () => {
  db = await createDatabase('cli_plot');
  // Four well separated groups in 3 columns (a projection is needed) and 3 groups in 2 columns.
  await db.client.query(`CREATE TABLE wide (id bigserial, ts timestamptz NOT NULL DEFAULT now(), a float8, b float8, c float8, cluster_number int)`);
  await db.client.query(`SELECT create_hypertable('wide', 'ts')`);
  await db.client.query(`INSERT INTO wide (a, b, c) SELECT (g % 4) * 20 + (g * 7 % 11) / 5.0, (g % 4 = 1)::int * 30 + (g * 3 % 13) / 5.0, (g % 4 = 2)::int * 25 + (g * 5 % 7) / 5.0 FROM generate_series(1, 400) g`);
  await db.client.query(`CREATE TABLE flat (id int PRIMARY KEY, x real, y real, cluster_number int)`);
  await db.client.query(`INSERT INTO flat SELECT g, (g % 3) * 10 + (g * 7 % 5) / 3.0, (g % 3 = 1)::int * 10 + (g * 3 % 7) / 3.0 FROM generate_series(1, 150) g`);
  const wide = { key_column: 'id', clustering_columns: ['a', 'b', 'c'], cluster_count: 4, cluster_number_column: 'cluster_number' };
  const flat = { key_column: 'id', clustering_columns: ['x', 'y'], cluster_count: 3, cluster_number_column: 'cluster_number' };
  expect((await cli(['attach', 'wide', '--config', JSON.stringify(wide)], db.url)).code).toBe(0);
  expect((await cli(['attach', 'flat', '--config', JSON.stringify(flat)], db.url)).code).toBe(0);
});

afterAll(async () => {
  await db?.close();
});

describe('plot', () => {
  it('draws a 2-D projection of a 3-column table: one colour per cluster, one numbered marker per centroid', async () => {
    const out = join(dir, 'wide.svg');
    const html = join(dir, 'wide.html');
    const r = await cli(['plot', 'wide', '--out', out, '--html', html, '--json'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ table: 'public.wide', points: 400, clusters: 4 });
    expect(r.json.axes[0]).toMatch(/^PC1 \(\d+% of variance\)$/);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    checkPlot(svg, 4, 400);
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(centroids(page)).toHaveLength(4);
  });

  it('plots the two clustering columns themselves, and samples at most --sample rows', async () => {
    const out = join(dir, 'flat.svg');
    const r = await cli(['plot', 'flat', '--out', out, '--sample', '150'], db.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('150 rows, 3 centroids (x vs y)');
    checkPlot(readFileSync(out, 'utf8'), 3, 150);
    const sampled = await cli(['plot', 'flat', '--out', out, '--sample', '40', '--json'], db.url);
    expect(sampled.json.points).toBe(40);
    expect(elements(readFileSync(out, 'utf8'), 'circle').filter((c) => c.class === 'point')).toHaveLength(40);
  });

  it('needs an output file', async () => {
    const r = await cli(['plot', 'flat'], db.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing --out');
  });
});

describe('projection', () => {
  it('finds the direction points lie along as the first component', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i, 2 * i, -i + (i % 2) * 0.01]);
    const p = pca(['a', 'b', 'c'], rows, false);
    expect(p.axes[0]).toBe('PC1 (100% of variance)');
    const [x0] = p.project([0, 0, 0]);
    const [x1] = p.project([1, 2, -1]);
    expect(Math.abs(x1 - x0)).toBeCloseTo(Math.sqrt(6), 6);
  });

  it('ticks are round numbers covering the range', () => {
    expect(ticks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(-0.3, 0.3)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
    expect(ticks(1234, 1876)).toEqual([1300, 1400, 1500, 1600, 1700, 1800]);
  });
});
