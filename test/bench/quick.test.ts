// npm run bench in --quick mode: runs every row end to end on every data shape and writes a well-formed
// results table and plot. No timing is checked: a row may be met or missed, never not measured.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyColumns } from '../../bench/cases/anomaly-columns';
import { score } from '../../bench/cases/score';
import { customerShapes, embeddingShapes, pointShapes } from '../../bench/data';

let out: string;
let results: string;
let svg: string;
let stdout: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'pg-centroid-bench-'));
  stdout = execFileSync('npx', ['tsx', 'bench/run.ts', '--quick', '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: process.env.PG_CENTROID_TEST_URL ?? process.env.DATABASE_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 420_000,
  });
  results = readFileSync(join(out, 'RESULTS.md'), 'utf8');
  svg = readFileSync(join(out, 'window-scaling.svg'), 'utf8');
}, 480_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

/** Rows of the first table after `heading` (or of the document's first table), split into cells. */
function tableRows(md: string, heading?: string): string[][] {
  const from = heading ? (md.split(heading)[1] ?? '') : md;
  const lines = from.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| '));
  const table: string[] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('| ')) break;
    table.push(l);
  }
  return table.map((l) => l.slice(2, -2).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe('npm run bench --quick', () => {
  it("writes a table with issue 15's six targets, the scaling row, issue 14's two rows and issue 13's four vector rows, each judged by its worst shape", () => {
    expect(results).toContain('| # | what | target | measured (worst shape) | ratio (worst shape) | met |');
    const rows = tableRows(results);
    expect(rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(rows.map((r) => r[2])).toEqual(['>= 1.5x faster, cost within 0.1%', '<= 2x', '<= 1.1 us', '<= 2x', '>= 1.5x faster', '>= 5x faster', 'linear', anomalyColumns.target, score.target, '<= 2x its time', '<= 1.01x', '<= 3x', '<= 1.005x']);
    for (const r of rows) {
      expect(r).toHaveLength(6);
      // Times, or (the inertia rows 11 and 13) costs.
      expect(r[3]).toMatch(Number(r[0]) === 11 || Number(r[0]) === 13 ? /\d+(\.\d+)? vs \d+/ : /\d+(\.\d+)? (ms|us)/);
      expect(r[4]).toMatch(/\d.*\(worst of \d+: [a-z-]+\)/);
      expect(['met', 'missed']).toContain(r[5]);
    }
  });

  it('measures every row on at least three data shapes, each with its own figure and verdict', () => {
    const sections = results.split('## Every shape')[1]?.split('## Where the time goes')[0] ?? '';
    for (let n = 1; n <= 7; n++) {
      const shapes = tableRows(sections, `### ${n}. `);
      expect(shapes.length, `row ${n}`).toBeGreaterThanOrEqual(3);
      expect(new Set(shapes.map((s) => s[0])).size, `row ${n}`).toBeGreaterThanOrEqual(3);
      for (const s of shapes) expect(['met', 'missed']).toContain(s[3]);
    }
    const article = tableRows(sections, '### 1. ').map((s) => s[0]);
    expect(article).toEqual(customerShapes().map((s) => s.id));
    expect(article).toContain('article');
  });

  it('lists the data shapes with the iterations of their fits from scratch, and says which took 40 or more', () => {
    const shapes = tableRows(results, '## Data shapes');
    expect(shapes.map((s) => `${s[0]} ${s[1]}`)).toEqual([
      ...customerShapes().map((s) => `customers (k = 6) ${s.id}`),
      ...pointShapes().map((s) => `points (k = 3) ${s.id}`),
      ...embeddingShapes().map((s) => `embeddings (384 dimensions, k = 100) ${s.id}`),
    ]);
    for (const s of shapes) expect(s[3]).toMatch(/^\d+ \(row \d+\)/);
    expect(results).toMatch(/(Fits that took 40 or more iterations in this run: .+|No fit took 40 or more iterations in this run)\./);
  });

  it("records where the time goes, from centroid.fit's timings and centroid.status", () => {
    const where = results.split('## Where the time goes')[1] ?? '';
    expect(where).toContain('read_ms');
    expect(where).toContain('fit_ms');
    expect(tableRows(where, '### 2. ')).toHaveLength(pointShapes().length);
  });

  it('says it is a quick run, and reports the least-squares line of each shape and engine', () => {
    expect(results).toContain('QUICK MODE');
    const scaling = tableRows(results, '### 7. Window scaling');
    expect(scaling).toHaveLength(pointShapes().length * 6);
    for (const r of scaling.filter((r) => r[1] === 'least squares')) {
      expect(r[2]).toMatch(/^-?\d+(\.\d+)? ms per 100k rows \+ -?[\d.]+ ms, R\^2 = -?[01]\.\d{4}$/);
    }
  });

  it('plots both engines of every shape over the five window sizes', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => (m[1] as string).trim().split(' '));
    expect(lines).toHaveLength(2 * pointShapes().length);
    for (const points of lines) {
      expect(points).toHaveLength(5);
      for (const p of points) expect(p).toMatch(/^\d+(\.\d+)?,\d+(\.\d+)?$/);
    }
  });

  it('prints one verdict line per row on stdout', () => {
    expect(stdout.trim().split('\n').filter((l) => /^\d+\. (met|missed) /.test(l))).toHaveLength(13);
  });
});
