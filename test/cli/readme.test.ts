// The README's CLI session runs as printed: each `$ npx pg-centroid ...` line of its transcript, in a
// directory holding the settings.json and readings.csv it shows, on an empty hypertable readings as
// the README's first example creates it, prints exactly the lines under it (stdout and stderr).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pg-centroid.mjs');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI = README.slice(README.indexOf('\n## CLI\n'), README.indexOf('\n## Client API\n'));

/** The fenced blocks of a text with the given language tag. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}

/** The transcript: each command with the lines printed under it. */
function transcript(): { command: string; output: string }[] {
  const block = blocks(CLI, 'sh').find((b) => b.startsWith('$ ')) ?? '';
  const steps: { command: string; output: string[] }[] = [];
  for (const line of block.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps[steps.length - 1]?.output.push(line);
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
  const first = blocks(README, 'sql')[0] ?? '';
  const create = /CREATE TABLE readings \([^;]*\);/.exec(first)?.[0];
  const hypertable = /SELECT create_hypertable\('readings', 'ts'\);/.exec(first)?.[0];
  expect(create && hypertable).toBeTruthy();
  await db.client.query(create as string);
  await db.client.query(hypertable as string);
  writeFileSync(join(dir, 'settings.json'), blocks(CLI, 'json')[0] ?? '');
  writeFileSync(join(dir, 'readings.csv'), blocks(CLI, 'csv')[0] ?? '');
});

afterAll(async () => {
  await db?.close();
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
