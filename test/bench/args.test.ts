// The benchmark's command line: node:util parseArgs in strict mode; anything it does not know is an error
// with the usage and exit code 2, before any database is touched.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../../bench/args';
import { CASES } from '../../bench/cases/index';

const parse = (...argv: string[]) => parseOptions(argv, CASES, '/default/out');

describe('bench options', () => {
  it('defaults to every row, 3 repeats (1 in quick mode) and the default directory', () => {
    expect(parse()).toEqual({ quick: false, repeat: 3, out: '/default/out', only: null, help: false });
    expect(parse('--quick')).toMatchObject({ quick: true, repeat: 1 });
    expect(parse('--quick', '--repeat', '2')).toMatchObject({ quick: true, repeat: 2 });
    expect(parse('--out', '/tmp/x', '--repeat=5')).toMatchObject({ out: '/tmp/x', repeat: 5 });
  });

  it('takes --only as row numbers or names', () => {
    expect([...(parse('--only', '1,5').only ?? [])]).toEqual([1, 5]);
    expect([...(parse('--only', 'article,cold-fit,7').only ?? [])]).toEqual([1, 5, 7]);
  });

  it('refuses unknown, mistyped and malformed options', () => {
    expect(() => parse('--quik')).toThrow(UsageError);
    expect(() => parse('--quik')).toThrow("Unknown option '--quik'");
    expect(() => parse('quick')).toThrow(UsageError);
    expect(() => parse('--repeat')).toThrow(UsageError);
    expect(() => parse('--repeat', '0')).toThrow('--repeat is "0", expected an integer from 1 to 100');
    expect(() => parse('--repeat', '2.5')).toThrow(UsageError);
    expect(() => parse('--repeat', 'three')).toThrow(UsageError);
    expect(() => parse('--only', '14')).toThrow('--only names "14", which is no row');
    expect(() => parse('--only', 'articles')).toThrow(UsageError);
    expect(() => parse('--quick=yes')).toThrow(UsageError);
  });

  it('exits 2 with the usage on a mistyped flag, and 0 with it on --help', () => {
    const bad = spawnSync('npx', ['tsx', 'bench/run.ts', '--quik'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("bench: Unknown option '--quik'");
    expect(bad.stderr).toContain('usage: npx tsx bench/run.ts');
    expect(bad.stdout).toBe('');
    const help = spawnSync('npx', ['tsx', 'bench/run.ts', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('rows: 1 article, 2 bulk, 3 row, 4 online, 5 cold-fit, 6 ml-kmeans, 7 scaling, 8 anomaly-columns, 9 score, 10 vector-fit, 11 vector-inertia, 12 vector-insert, 13 vector-digits');
  });
});
