// Arrows go one way: no module of src/ imports itself through others, no folder of src/ (core, config, db, sql,
// cli, client, stack) reaches back into a folder that imports it, and each imports only the folders the README's
// Contributing section names. Imports are read from the source text:
// `import ... from`, `export ... from`, `import 'x'` and `import('x')`, type-only ones included.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Every .ts file under a directory. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

// Statements that start a line; the clause between the keyword and `from` holds only names, braces, commas and `*`.
const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?[\w$\s{},*]*?\s*from\s*(['"])([^'"\n]+)\1/gm;
const BARE = /^\s*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The module specifiers a source text imports. */
function specifiers(source: string): string[] {
  return [STATIC, BARE, DYNAMIC].flatMap((re) => [...source.matchAll(re)].map((m) => m[2] as string));
}

/** The file a relative specifier names (x.ts, x/index.ts, or x.js written for x.ts); null for packages. */
function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  throw new Error(`${relative(ROOT, from)} imports ${spec}, which names no .ts file`);
}

/** The import graph of src/: each file (relative to the root) to the files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(SRC)) {
    const targets = specifiers(readFileSync(file, 'utf8'))
      .map((s) => resolveSpecifier(file, s))
      .filter((t): t is string => t !== null)
      .map((t) => relative(ROOT, t));
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/** The circles of a graph, each as the path that closes it (a -> b -> a); empty when it has none. */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node);
  return found;
}

/** The folder of src/ a file belongs to (src/db/refit.ts -> db). */
function folder(file: string): string {
  return relative(SRC, join(ROOT, file)).split('/')[0] as string;
}

describe('imports of src/', () => {
  const graph = importGraph();

  it('are read from the source (the parser sees the imports it should)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('src/db/api.ts')).toEqual(expect.arrayContaining(['src/db/compile.ts', 'src/config/settings.ts', 'src/sql/quote.ts']));
    // A dynamic import, a type-only import and a multi-line re-export.
    expect(graph.get('src/cli/main.ts')).toContain('src/cli/docker.ts');
    expect(graph.get('src/db/batch.ts')).toContain('src/config/results.ts');
    expect(specifiers("export {\n  a,\n  type B,\n} from './x';\nimport './y';\nconst z = import('./z');")).toEqual(['./x', './y', './z']);
    expect(specifiers("export function f() { return g.from('./no'); }\nconst s = 'import x from \"./no\"';")).toEqual([]);
  });

  it('form no circle of files', () => {
    expect(circles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('form no circle of folders (core, config, sql, db, client, cli, stack)', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = folder(file);
      const to = new Set([...(folders.get(from) ?? []), ...targets.map(folder).filter((f) => f !== from)]);
      folders.set(from, [...to]);
    }
    expect(circles(folders).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('go only where the README\'s Contributing section says: core alone, config and sql on core, db and client on those, cli on client and stack', () => {
    const allowed: Record<string, string[]> = {
      core: [],
      config: ['core'],
      sql: ['core'],
      db: ['core', 'config', 'sql'],
      client: ['core', 'config', 'sql'],
      cli: ['client', 'stack'],
      stack: [],
    };
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = folder(file);
      expect(Object.keys(allowed), `${file} is in a folder the rule does not name`).toContain(from);
      for (const t of targets) if (folder(t) !== from && !allowed[from]?.includes(folder(t))) wrong.push(`${file} -> ${t}`);
    }
    expect(wrong).toEqual([]);
  });

  it('of the core name no package and no Node built-in (pure TypeScript, bundled into the extension)', () => {
    const outside = tsFiles(join(SRC, 'core')).flatMap((f) => specifiers(readFileSync(f, 'utf8')).filter((s) => !s.startsWith('.')).map((s) => `${relative(ROOT, f)}: ${s}`));
    expect(outside).toEqual([]);
  });

  it('finds a circle where there is one', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []]]);
    expect(circles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(circles(new Map([['a', ['a']]]))).toEqual([['a', 'a']]);
    expect(circles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });
});
