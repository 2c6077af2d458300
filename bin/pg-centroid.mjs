#!/usr/bin/env node
// The pg-centroid command: runs the built CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('pg-centroid is not built: run `npm run build` in the pg_centroid directory');
  process.exit(1);
}
await import(pathToFileURL(main).href);
