// npm run bench in --quick mode: runs end to end and writes a well-formed results table and plot.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
    timeout: 240_000,
  });
  results = readFileSync(join(out, 'RESULTS.md'), 'utf8');
  svg = readFileSync(join(out, 'window-scaling.svg'), 'utf8');
}, 300_000);

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

/** The results table's data rows (the first table), split into cells. */
function tableRows(md: string): string[][] {
  return (md.split('## Notes per row')[0] ?? '')
    .split('\n')
    .filter((l) => /^\| \d+ \|/.test(l))
    .map((l) => l.slice(2, -2).split(/(?<!\\)\|/).map((c) => c.trim()));
}

describe('npm run bench --quick', () => {
  it('writes a table with the seven targets of issue 5, each measured and judged met or missed', () => {
    expect(results).toContain('| # | what | target | measured | ratio | met |');
    const rows = tableRows(results);
    expect(rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const r of rows) {
      expect(r).toHaveLength(6);
      expect(r[4]).toMatch(/\d/);
      expect(r[3]).toMatch(/\d+(\.\d+)? (ms|us)/);
      expect(['met', 'missed']).toContain(r[5]);
    }
    expect(rows.map((r) => r[2])).toEqual(['<= 3x', '<= 1.1 us', '<= 3x', '<= 4 s', '>= 5x faster', 'faster', 'linear']);
  });

  it('says it is a quick run, and reports the fitted slope and R^2 of the window scaling', () => {
    expect(results).toContain('QUICK MODE');
    expect(results).toMatch(/SQL engine -?\d+(\.\d+)? ms per 100k rows \+ -?[\d.]+ ms, R\^2 = [01]\.\d{4}/);
    const scaling = results.split('## Window scaling')[1] ?? '';
    expect(scaling.split('\n').filter((l) => /^\| \d+k? \|/.test(l))).toHaveLength(5);
  });

  it('plots both engines as lines over the five window sizes', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"/g)].map((m) => (m[1] as string).trim().split(' '));
    expect(lines).toHaveLength(2);
    for (const points of lines) {
      expect(points).toHaveLength(5);
      for (const p of points) expect(p).toMatch(/^\d+(\.\d+)?,\d+(\.\d+)?$/);
    }
  });

  it('prints one verdict line per target on stdout', () => {
    expect(stdout.trim().split('\n').filter((l) => /^\d\. (met|missed) /.test(l))).toHaveLength(7);
  });
});
