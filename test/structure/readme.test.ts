// Every code block and transcript of README.md runs as a test: each fenced block has a marker
// (`<!-- test: NAME -->` on the line before it), and some test reads it by that name with readmeBlock('NAME').
// A block added without a marker, a marker no test reads, or a name a test reads that the README lost, fails here.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, README, ROOT } from '../readme';

/** Every .ts file under a directory. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The block names the tests read, with the files that read each. */
function readByTests(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const file of tsFiles(join(ROOT, 'test'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\breadmeBlock\('([a-z0-9-]+)'\)/g)) {
      const name = m[1] as string;
      names.set(name, [...(names.get(name) ?? []), relative(ROOT, file)]);
    }
  }
  return names;
}

describe('README.md\'s code blocks', () => {
  const blocks = fencedBlocks(README);

  it('are found (the parser sees the README\'s blocks)', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks[0]?.lang).toBe('sql');
    expect(fencedBlocks('a\n<!-- test: x -->\n```sh\nls\n```\n```\nout\n```\n')).toEqual([
      { name: 'x', lang: 'sh', body: 'ls\n', line: 3 },
      { name: null, lang: '', body: 'out\n', line: 6 },
    ]);
  });

  it('each carry a marker, and no two the same', () => {
    expect(blocks.filter((b) => b.name === null).map((b) => `line ${b.line}: a \`\`\`${b.lang} block without <!-- test: NAME --> before it`)).toEqual([]);
    const names = blocks.map((b) => b.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('are each read by a test, and the tests read no block the README does not have', () => {
    const read = readByTests();
    const marked = blocks.map((b) => b.name as string);
    expect(marked.filter((n) => !read.has(n)).map((n) => `<!-- test: ${n} --> is read by no test`)).toEqual([]);
    expect([...read.keys()].filter((n) => !marked.includes(n)).map((n) => `${read.get(n)?.join(', ')} read(s) ${n}, which README.md does not mark`)).toEqual([]);
  });
});

describe('CHANGELOG.md', () => {
  it('starts with the version being built, whose update script from the release before it exists', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const versions = [...readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8').matchAll(/^## (\d+\.\d+\.\d+)$/gm)].map((m) => m[1] as string);
    expect(versions[0]).toBe(version);
    const updates = readdirSync(join(ROOT, 'sql', 'updates'));
    expect(updates).toContain(`pg_centroid--${versions[1]}--${version}.sql`);
  });
});
