// npm run bench: every row of the benchmark (bench/cases/), each on several seeded data shapes (bench/data.ts),
// measured side by side in one run in a database of its own on the embedded stack (or DATABASE_URL);
// writes RESULTS.md and window-scaling.svg (bench/report.ts).
//
//   npx tsx bench/run.ts [--quick] [--repeat N] [--only 1,5] [--out DIR]      (--help lists the rows)
//
// An unknown or malformed option is an error with the usage (exit 2). A row that fails is reported as
// not measured, with its error, and the run goes on.

import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, usage, UsageError, type Options } from './args';
import { CASES, type Case } from './cases/index';
import { customerShapes, embeddingShapes, pointShapes } from './data';
import { openBench, type Bench } from './harness';
import { judge, verdictLine, writeReport, type RowResult } from './report';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one row; a failure becomes a 'not measured' row with the error. */
async function measure(bench: Bench, c: Case): Promise<RowResult> {
  const t0 = performance.now();
  const load0 = loadavg()[0] as number;
  const seconds = () => (performance.now() - t0) / 1000;
  try {
    const m = await c.run(bench);
    return { ...m, n: c.n, id: c.id, target: c.target, status: judge(m.figures), seconds: seconds(), load: [load0, loadavg()[0] as number] };
  } catch (e) {
    const detail = (e as { detail?: string }).detail;
    const message = e instanceof Error ? `${e.message}${detail ? ` (${detail})` : ''}` : String(e);
    process.stderr.write(`bench: row ${c.n} (${c.id}) failed: ${message}\n`);
    return { n: c.n, id: c.id, what: c.title, target: c.target, figures: [], worse: 'higher', status: 'not measured', seconds: seconds(), load: [load0, loadavg()[0] as number], error: message };
  }
}

/** Measures the chosen rows and writes the report. */
async function main(o: Options): Promise<void> {
  const started = new Date();
  const chosen = CASES.filter((c) => !o.only || o.only.has(c.n));
  let step = 0;
  let current = '';
  const progress = (message: string) => process.stderr.write(`bench [${step}/${chosen.length}] ${current}${message}\n`);
  const { bench, server, close } = await openBench(o, progress);
  const results: RowResult[] = [];
  try {
    for (const c of chosen) {
      step++;
      current = `row ${c.n} (${c.id}): `;
      const r = await measure(bench, c);
      process.stderr.write(`bench: row ${c.n} (${c.id}) took ${Math.round(r.seconds)} s\n`);
      results.push(r);
    }
    const paths = writeReport(o, results, { server, started, seconds: (Date.now() - started.getTime()) / 1000, pointShapes: pointShapes(), customerShapes: customerShapes(), embeddingShapes: embeddingShapes() });
    process.stderr.write(`bench: wrote ${paths.results} and ${paths.svg}\n`);
    for (const r of results) console.log(verdictLine(r));
  } finally {
    await close();
  }
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2), CASES, here);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`bench: ${e.message}\n\n${usage(CASES)}\n`);
  process.exit(2);
}
if (options.help) {
  console.log(usage(CASES));
  process.exit(0);
}
main(options).catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
