// The package as others install it: what npm pack ships (the built CLI, client, declarations and
// extension files), pg as a peer dependency, and the pg-centroid bin run from outside the clone
// through the symlink npm makes in node_modules/.bin.

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string; bin: Record<string, string>; files: string[]; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; devDependencies?: Record<string, string>;
};

describe('the package', () => {
  it('ships the built command, the client with its declarations, and the extension files', () => {
    // --ignore-scripts: no prepack build (it would rebuild dist/ under the other tests' feet).
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining([
      'bin/pg-centroid.mjs', 'dist/cli/main.js', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/pg_centroid-plain-install.sql',
      'extension/pg_centroid.control', `extension/pg_centroid--${pkg.version}.sql`, 'package.json', 'README.md',
    ]));
    expect(files.filter((f) => /^(src|test|bench|sql|node_modules|\.stack)\//.test(f))).toEqual([]);
  });

  it('has pg as a peer dependency (one pg shared with the application), and as a dev dependency here', () => {
    expect(pkg.peerDependencies?.pg).toMatch(/^\^8\./);
    expect(pkg.dependencies?.pg).toBeUndefined();
    expect(pkg.devDependencies?.pg).toBeDefined();
    expect(pkg.bin['pg-centroid']).toBe('bin/pg-centroid.mjs');
  });

  it('runs from another directory through node_modules/.bin, as npm installs it', async () => {
    const app = mkdtempSync(join(tmpdir(), 'pg-centroid-app-'));
    mkdirSync(join(app, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(ROOT, join(app, 'node_modules', 'pg_centroid'));
    symlinkSync(join('..', 'pg_centroid', 'bin', 'pg-centroid.mjs'), join(app, 'node_modules', '.bin', 'pg-centroid'));
    const run = (args: string[]) => new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(join(app, 'node_modules', '.bin', 'pg-centroid'), args, { cwd: app, encoding: 'utf8' }, (error, stdout) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
      });
    });
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `pg-centroid ${pkg.version}\n` });
    const help = await run(['install', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pg-centroid install/);
  });
});
