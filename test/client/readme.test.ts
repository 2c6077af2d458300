// The README's client example runs verbatim in a project of its own, where the README's npm install put the packed
// pg_centroid and pg, and prints what the README shows; the same code type-checks in TypeScript against the
// package's declarations, with the import the README gives.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';
import { commands, installLine, pack, README, readmeBlock, ROOT, shell } from '../readme';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; peerDependencies: Record<string, string> };
const SECTION = README.slice(README.indexOf('\n## Client API\n'), README.indexOf('\n## The batch workflow\n'));

let db: TestDatabase;
const app = mkdtempSync(join(tmpdir(), 'pg-centroid-client-app-'));
let installed: { tarball: string; code: number; output: string };

beforeAll(async () => {
  db = await createDatabase('client_readme');
  // The README's install, into the application's directory (each test below uses what it installed).
  const [install] = commands(readmeBlock('client-install'));
  const tarballs = mkdtempSync(join(tmpdir(), 'pg-centroid-pack-'));
  const tarball = await pack(tarballs);
  const r = await shell(installLine(install as string, tarballs, app), app);
  installed = { tarball, code: r.code, output: r.stdout + r.stderr };
});

afterAll(async () => {
  await db?.close();
});

describe('the README\'s client example', () => {
  it('installs the packed package with pg, its peer dependency', () => {
    expect(PKG.peerDependencies.pg).toBeDefined();
    expect(SECTION).toContain(`(\`npm pack\` there writes \`pg_centroid-${PKG.version}.tgz\`)`);
    expect(installed.tarball).toBe(`pg_centroid-${PKG.version}.tgz`);
    expect(installed.code, installed.output).toBe(0);
  });

  it('runs as printed and prints what the README shows', async () => {
    const code = readmeBlock('client-example');
    expect(code).toContain("from 'pg_centroid'");
    writeFileSync(join(app, 'example.mjs'), code);
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', ['example.mjs'], { cwd: app, env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(readmeBlock('client-output'));
    // The comment's warning holds: with the default minimum_data_count (10 x 3) the 15 rows wait.
    expect(code).toMatch(/minimum_data_count: 10, \/\/ the default, 10 x cluster_count = 30 rows/);
  });

  it('type-checks in TypeScript with the import the README gives', async () => {
    const typed = /\(in TypeScript, `(import \{[^`]+\} from 'pg_centroid')` and the same code\)/.exec(SECTION.replace(/\n/g, ' '))?.[1];
    expect(typed).toBe("import { PgCentroid, type Config } from 'pg_centroid'");
    const code = readmeBlock('client-example').replace("import { PgCentroid } from 'pg_centroid';", `${typed};`);
    expect(code).toContain(typed);
    // Config is used as a type in TypeScript, as the JSDoc comment does in JavaScript.
    writeFileSync(join(app, 'example.mts'), code.replace('const config = {', 'const config: Config = {'));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noUncheckedIndexedAccess: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] },
      files: ['example.mts'],
    }));
    // The application's own @types (pg ships none).
    mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
    for (const t of ['pg', 'node']) symlinkSync(join(ROOT, 'node_modules', '@types', t), join(app, 'node_modules', '@types', t));
    const r = await shell(`'${join(ROOT, 'node_modules', '.bin', 'tsc')}' -p tsconfig.json`, app);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
