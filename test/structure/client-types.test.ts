// One engine boundary: the JSON the SQL functions return is typed once, in src/config/results.ts (and the settings
// once, in src/config/spec.ts). The client re-exports those types and declares no copy of them, and none of its
// own names is one the core or the config exports (FitResult is the core's fit, ModelFit the SQL function's JSON).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const read = (path: string) => readFileSync(join(SRC, path), 'utf8');

/** Names a module declares itself (interfaces, types, classes, functions, constants), exported or not. */
function declared(source: string): string[] {
  return [...source.matchAll(/^(?:export\s+)?(?:declare\s+)?(?:interface|type|class|function|const|enum)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1] as string);
}

/** Names a module re-exports from a module path: `export type { A, B } from 'path'`. */
function reexported(source: string, from: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
    if (m[2] !== from) continue;
    names.push(...(m[1] as string).split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean));
  }
  return names;
}

/** Names a module exports: its own exported declarations and every re-export. */
function exported(source: string): string[] {
  const own = [...source.matchAll(/^export\s+(?:declare\s+)?(?:interface|type|class|function|const|enum)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1] as string);
  const re = [...source.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}/gm)].flatMap((m) => (m[1] as string).split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean));
  return [...own, ...re];
}

describe('the client\'s types', () => {
  const client = read('client/index.ts');
  const results = declared(read('config/results.ts'));

  it('are read from the source (the parsers see what they should)', () => {
    expect(results).toEqual(expect.arrayContaining(['RefitResult', 'TableStatus', 'ModelFit', 'ChooseK', 'Schedule']));
    expect(declared(client)).toContain('PgCentroid');
    expect(exported(read('core/index.ts'))).toContain('FitResult');
  });

  it('re-export every type of src/config/results.ts and Config from src/config/spec.ts', () => {
    expect(reexported(client, '../config/results').sort()).toEqual([...results].sort());
    expect(reexported(client, '../config/spec')).toEqual(['Config']);
  });

  it('declare no copy of them', () => {
    expect(declared(client).filter((n) => results.includes(n) || n === 'Config' || n === 'Settings')).toEqual([]);
  });

  it('have no public name the core or the config exports for something else', () => {
    const core = new Set([...exported(read('core/index.ts')), ...exported(read('core/types.ts'))]);
    const config = new Set([...exported(read('config/settings.ts')), ...exported(read('config/spec.ts')), ...results]);
    const own = exported(client).filter((n) => !reexported(client, '../config/results').includes(n) && !reexported(client, '../config/spec').includes(n)
      && !reexported(client, '../config/settings').includes(n) && !reexported(client, '../core/types').includes(n));
    expect(own.filter((n) => core.has(n) || config.has(n))).toEqual([]);
    expect(exported(client)).not.toContain('FitResult');
  });
});
