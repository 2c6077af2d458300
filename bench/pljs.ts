// Benchmark-only code inside pljs: esbuild bundles an entry (our src/core, ml-kmeans, ...) into one script, and a
// pljs function of the benchmark's database runs it once per connection, then calls what it left on globalThis.
// Never part of the extension.

import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** How the benchmark function is made. */
export interface BundledFunction {
  /** Name and arguments, e.g. `core_bench(op text, arg jsonb)`; it returns jsonb. */
  signature: string;
  /** Either a file to bundle or TypeScript source (imports resolve from the project's root). */
  entry: { file: string } | { source: string };
  /** The global the bundle sets, and how the function calls it, e.g. `[op](arg)`. */
  global: string;
  call: string;
  minify?: boolean;
}

/** Bundles the entry and creates (or replaces) the pljs function. */
export async function createBundledFunction(c: pg.Client, f: BundledFunction): Promise<void> {
  const out = await build({
    ...('file' in f.entry ? { entryPoints: [f.entry.file] } : { stdin: { contents: f.entry.source, resolveDir: root, loader: 'ts' as const } }),
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2020',
    minify: f.minify ?? false,
    logLevel: 'error',
  });
  const code = out.outputFiles[0]?.text ?? '';
  if (code.includes('$bundle$')) throw new Error('the benchmark bundle contains $bundle$');
  await c.query(`CREATE OR REPLACE FUNCTION ${f.signature} RETURNS jsonb LANGUAGE pljs AS $bundle$
    if (!globalThis.${f.global}) {
    ${code}
    }
    return globalThis.${f.global}${f.call};
    $bundle$`);
}
