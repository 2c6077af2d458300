// The README's client example runs verbatim in a project of its own (pg_centroid and pg in its
// node_modules, as `npm install pg_centroid-X.tgz pg` leaves them) and prints what the README shows.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(README.indexOf('\n## Client API\n'), README.indexOf('\n## The batch workflow\n'));

let db: TestDatabase;
const app = mkdtempSync(join(tmpdir(), 'pg-centroid-client-app-'));

beforeAll(async () => {
  db = await createDatabase('client_readme');
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(ROOT, join(app, 'node_modules', 'pg_centroid'));
  symlinkSync(join(ROOT, 'node_modules', 'pg'), join(app, 'node_modules', 'pg'));
});

afterAll(async () => {
  await db?.close();
});

describe('the README\'s client example', () => {
  it('installs the package with pg, its peer dependency', () => {
    expect(SECTION).toContain('npm install /path/to/pg_centroid/pg_centroid-0.3.0.tgz pg');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; peerDependencies: Record<string, string> };
    expect(SECTION).toContain(`pg_centroid-${pkg.version}.tgz`);
    expect(pkg.peerDependencies.pg).toBeDefined();
  });

  it('runs as printed and prints what the README shows', async () => {
    const code = /```js\n([\s\S]*?)```/.exec(SECTION)?.[1] ?? '';
    const printed = /node example\.mjs` prints:\n\n```\n([\s\S]*?)```/.exec(SECTION)?.[1] ?? '';
    expect(code).toContain("from 'pg_centroid'");
    expect(printed).not.toBe('');
    writeFileSync(join(app, 'example.mjs'), code);
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', ['example.mjs'], { cwd: app, env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(printed);
    // The comment's warning holds: with the default minimum_data_count (10 x 3) the 15 rows wait.
    expect(SECTION).toMatch(/minimum_data_count: 10, \/\/ the default, 10 x cluster_count = 30 rows/);
  });
});
