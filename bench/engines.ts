// Where the filtering engine beats Hamerly's inside pljs: both engines to convergence (tolerance 1e-4) on
// uniform data from the same starts, for n x d x k cases; prints each pair and the ratio. The crossover sets
// FILTER_MIN_N in src/core/filtering.ts. Run: npx tsx bench/engines.ts   (output recorded in bench/ENGINES.md)

import pg from 'pg';
import { databaseUrl } from '../src/stack/stack';
import { createBundledFunction } from './pljs';

const ENTRY = `
import { createRandom } from './src/core/random';
import { filtering } from './src/core/filtering';
import { hamerly } from './src/core/hamerly';
globalThis.__engines = ([n, d, k]) => {
  const rng = createRandom(n + d);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) data[i] = rng.next() * 100;
  const p = { data, n, d };
  const init = data.slice(0, k * d);
  const time = (run) => { run(); const t = Date.now(); for (let r = 0; r < 3; r++) run(); return (Date.now() - t) / 3; };
  const f = time(() => filtering(p, init, k, { maxIterations: 300, tolerance: 1e-4 }));
  const h = time(() => hamerly(p, init, k, { maxIterations: 300, tolerance: 1e-4 }));
  return { filtering_ms: f, hamerly_ms: h };
};`;
const cases = [
  [1000, 1, 3], [2048, 1, 3], [4096, 1, 10],
  [4096, 2, 3], [4096, 2, 10], [8192, 2, 10], [20000, 2, 20],
  [10000, 3, 3], [10000, 3, 10], [20000, 3, 3], [20000, 3, 10], [30000, 3, 20], [100000, 3, 3], [100000, 3, 10],
];
const c = new pg.Client({ connectionString: databaseUrl((line) => console.error(line)) });
await c.connect();
try {
  await c.query('CREATE EXTENSION IF NOT EXISTS pljs');
  await createBundledFunction(c, { signature: 'pg_temp.engines(arg jsonb)', entry: { source: ENTRY }, global: '__engines', call: '(arg)' });
  console.log('| n x d, k | filtering | Hamerly | Hamerly / filtering |\n| --- | --- | --- | --- |');
  for (const [n, d, k] of cases) {
    const r = (await c.query('SELECT pg_temp.engines($1) AS r', [JSON.stringify([n, d, k])])).rows[0].r as { filtering_ms: number; hamerly_ms: number };
    console.log(`| ${n} x ${d}, k = ${k} | ${r.filtering_ms.toFixed(1)} ms | ${r.hamerly_ms.toFixed(1)} ms | ${(r.hamerly_ms / r.filtering_ms).toFixed(2)}x |`);
  }
} finally {
  await c.end();
}
