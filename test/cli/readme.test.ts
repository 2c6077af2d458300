// The README's CLI section runs as printed. The package installs outside the clone as it says (npm pack, npm install
// of the tarball with pg) and prints its version. The session: each `$ npx pg-centroid ...` line of its transcript,
// in a directory holding the settings.json and readings.csv it shows, on an empty hypertable readings as the
// README's first example creates it, prints exactly the lines under it (stdout and stderr).

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';
import { commands, comments, installLine, pack, readmeBlock, ROOT, shell } from '../readme';

const BIN = join(ROOT, 'bin', 'pg-centroid.mjs');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };

/** The transcript: each command with the lines printed under it. */
function transcript(): { command: string; output: string }[] {
  const steps: { command: string; output: string[] }[] = [];
  for (const line of readmeBlock('cli-session').replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else if (steps.length) steps[steps.length - 1]?.output.push(line);
    else throw new Error(`the session starts with a line that is no command: ${line}`);
  }
  return steps.map((s) => ({ command: s.command, output: s.output.map((l) => `${l}\n`).join('') }));
}

/** Runs one transcript line with sh in dir, npx pg-centroid being this checkout's command. */
function sh(command: string, dir: string, url: string): Promise<string> {
  const line = command.replaceAll('npx pg-centroid', `node '${BIN}'`);
  return new Promise((resolve) => {
    execFile('sh', ['-c', `(${line}) 2>&1`], { cwd: dir, env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' }, (_error, stdout) => resolve(stdout));
  });
}

let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-readme-'));

beforeAll(async () => {
  db = await createDatabase('cli_readme');
  // The first example's table, as it creates it (its settings and trigger are the session's to make).
  const first = readmeBlock('first-example');
  const create = /CREATE TABLE readings \([^;]*\);/.exec(first)?.[0];
  const hypertable = /SELECT create_hypertable\('readings', 'ts'\);/.exec(first)?.[0];
  expect(create && hypertable).toBeTruthy();
  await db.client.query(create as string);
  await db.client.query(hypertable as string);
  writeFileSync(join(dir, 'settings.json'), readmeBlock('cli-settings'));
  writeFileSync(join(dir, 'readings.csv'), readmeBlock('cli-csv'));
});

afterAll(async () => {
  await db?.close();
});

describe('the README\'s package install', () => {
  it('packs the clone, installs the tarball with pg into an application, and prints the version', async () => {
    const block = readmeBlock('cli-package');
    const [packLine, install, version] = commands(block);
    const [packed, , printed] = comments(block);
    expect(packLine).toBe('cd /path/to/pg_centroid && npm pack');
    expect(PKG.scripts.prepack).toContain('npm run build');
    const tarballs = mkdtempSync(join(tmpdir(), 'pg-centroid-pack-'));
    const file = await pack(tarballs);
    expect(`builds, then writes ${file}`).toBe(packed);
    expect(file).toBe(`pg_centroid-${PKG.version}.tgz`);
    const app = join(mkdtempSync(join(tmpdir(), 'pg-centroid-home-')), 'my-app');
    mkdirSync(app);
    const r = await shell(installLine(install as string, tarballs, app), app);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(version).toBe('npx pg-centroid --version');
    const v = await shell(version as string, app);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toBe(`${printed}\n`);
  });
});

describe('the README\'s CLI session', () => {
  const steps = transcript();

  it('has the commands it documents', () => {
    expect(steps.map((s) => /npx pg-centroid ([a-z-]+)/.exec(s.command)?.[1])).toEqual(['attach', 'load', 'status', 'refit', 'plot', 'fit', 'predict', 'plot', 'choose-k', 'attach', 'detach', 'status']);
  });

  it('prints what the README shows, command after command', async () => {
    for (const step of steps) {
      expect(await sh(step.command, dir, db.url), step.command).toBe(step.output);
    }
  });
});
