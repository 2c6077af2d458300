// pg-centroid bench: runs the benchmark script with tsx, passing the arguments on and returning its exit code.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run';

describe('bench', () => {
  it('runs the benchmark script with the arguments given and its exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-centroid-bench-'));
    const script = join(dir, 'run.ts');
    // TypeScript syntax (a type annotation) proves it runs under tsx, not plain node.
    writeFileSync(script, `const args: string[] = process.argv.slice(2);\nconsole.log(JSON.stringify({ args }));\nprocess.exit(args.includes('--fail') ? 7 : 0);\n`);
    const ok = await cli(['bench', '--rows', '1000', '--json'], null, { PG_CENTROID_BENCH: script });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toEqual({ args: ['--rows', '1000', '--json'] });
    const failed = await cli(['bench', '--fail'], null, { PG_CENTROID_BENCH: script });
    expect(failed.code).toBe(7);
  });

  it('says where it looked when there is no benchmark script', async () => {
    const r = await cli(['bench'], null, { PG_CENTROID_BENCH: '/nonexistent/run.ts' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no benchmark script at /nonexistent/run.ts');
  });
});
