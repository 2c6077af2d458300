// pg-centroid's own surface: usage without arguments, --version, --help on every command (answered
// without connecting), unknown commands and options, and the exit codes the README documents.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/connect';
import { cli } from './run';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
// Nothing listens on port 1: a command that tried to connect would fail with exit 3.
const NOWHERE = 'postgres://postgres@127.0.0.1:1/postgres';

/** The command names the overview lists (lines "  name ..."). */
function commandNames(overview: string): string[] {
  return [...overview.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string);
}

describe('usage', () => {
  it('prints the usage on stderr and exits 2 without arguments', async () => {
    const r = await cli([], NOWHERE);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: pg-centroid <command>/);
  });

  it('prints the usage on stdout and exits 0 for help and --help', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const r = await cli(args, NOWHERE);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^usage: pg-centroid <command>/);
    }
  });

  it('prints the version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag], NOWHERE);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`pg-centroid ${VERSION}\n`);
    }
  });

  it('answers --help on every command with its usage and options, without connecting', async () => {
    const names = commandNames((await cli(['help'], NOWHERE)).stdout);
    expect(names).toEqual(expect.arrayContaining(['db', 'install', 'attach', 'detach', 'status', 'refit', 'schedule-refit', 'unschedule-refit', 'load', 'fit', 'predict', 'choose-k', 'models', 'schedule-fit', 'unschedule-fit', 'plot', 'bench', 'demo']));
    for (const name of names) {
      const r = await cli([name, '--help'], NOWHERE);
      expect(r.code, `${name} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: pg-centroid ${name}\\b`));
      expect((await cli(['help', name], NOWHERE)).stdout).toBe(r.stdout);
    }
  });

  it('load --help lists its options (not Node\'s "Unknown option")', async () => {
    const r = await cli(['load', 'readings', '--help'], NOWHERE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--commit-per-batch');
    expect(r.stderr).toBe('');
  });

  it('refuses an unknown command and an unknown option with exit 2', async () => {
    const unknown = await cli(['frobnicate'], NOWHERE);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: unknown command "frobnicate"');
    const option = await cli(['status', '--tabel', 'x'], NOWHERE);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe("error: Unknown option '--tabel'\nhint: usage: pg-centroid status [table] [--json]\n");
  });

  it('documents in the README exactly the exit codes it uses', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('\n## CLI'), readme.indexOf('\n## ', readme.indexOf('\n## CLI') + 1));
    const table = section.slice(section.indexOf('| exit code |'));
    const codes = [...table.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(Object.values(EXIT).sort());
  });
});
