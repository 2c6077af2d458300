// Test helper: the fenced blocks of README.md by name. Each block carries a marker on the line before its fence,
// `<!-- test: NAME -->`, and the test that runs it asks for it with readmeBlock('NAME') (a literal name:
// test/structure/readme.test.ts checks that every block has a marker and every marker a test that reads it).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** A fenced block of the README: its marker's name (null without one), its language tag, its text and line. */
export interface ReadmeBlock {
  name: string | null;
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const MARKER = /^<!-- test: ([a-z0-9-]+) -->$/;

/** Every fenced block of a markdown text, in order. */
export function fencedBlocks(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l === '```');
    if (end < 0) throw new Error(`README.md line ${i + 1}: a fence that is never closed`);
    const marker = i > 0 ? MARKER.exec(lines[i - 1] as string) : null;
    blocks.push({ name: marker?.[1] ?? null, lang: open[1] as string, body: lines.slice(i + 1, end).map((l) => `${l}\n`).join(''), line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The text of the README block with that marker (fails when the README has none, or more than one). */
export function readmeBlock(name: string): string {
  const found = fencedBlocks(README).filter((b) => b.name === name);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} blocks marked <!-- test: ${name} -->, not 1`);
  return (found[0] as ReadmeBlock).body;
}

/** The lines of a shell block that are commands: not empty, not comments; a trailing `# comment` cut off. */
export function commands(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#\s.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The trailing `# comment` of each command line of a shell block (empty when it has none). */
export function comments(block: string): string[] {
  return block
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => /\s#\s+(.*)$/.exec(l)?.[1] ?? '');
}

/** What a shell command gave. */
export interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line with sh in a directory. */
export function shell(line: string, cwd: string, env: Record<string, string | undefined> = {}): Promise<ShellRun> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', line], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * `npm pack` of the clone into a directory of its own: the tarball's file name. Without the prepack build: the
 * tests run on what npm test built, and a build now would rewrite dist/ under the other test files.
 */
export async function pack(into: string): Promise<string> {
  const r = await shell(`npm pack --ignore-scripts --pack-destination '${into}'`, ROOT);
  if (r.code !== 0) throw new Error(`npm pack failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim().split('\n').pop() as string;
}

/**
 * A README line that installs the packed tarball (`npm install /path/to/pg_centroid/pg_centroid-X.tgz pg`), made to
 * run here: the tarball from where pack() wrote it, the application's directory for ~/my-app, and npm told to use
 * its cache before the registry.
 */
export function installLine(line: string, tarballs: string, app: string): string {
  if (!/npm install \/path\/to\/pg_centroid\/pg_centroid-[\d.]+\.tgz pg$/.test(line)) throw new Error(`not an install of the packed tarball: ${line}`);
  return `${line.replaceAll('/path/to/pg_centroid/', `${tarballs}/`).replace('~/my-app', app)} --prefer-offline --no-audit --no-fund`;
}
