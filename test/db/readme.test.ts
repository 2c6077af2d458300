// The README's opening example runs as printed and prints what the README says it prints.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from './database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createDatabase('readme', []);
});
afterAll(async () => {
  await db?.close();
});

it('runs the first example of the README and gets the output printed under it', async () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const [, sql, printed] = /```sql\n([\s\S]*?)```\n```\n([\s\S]*?)```/.exec(readme) ?? [];
  expect(sql).toBeTruthy();
  const results = await db.client.query(sql as string);
  const last = (Array.isArray(results) ? results[results.length - 1] : results) as { rows: Record<string, unknown>[] };
  const lines = (printed as string).trim().split('\n').slice(2); // header and rule
  const expected = lines.map((l) => l.split('|').map((cell) => Number(cell.trim())));
  const columns = ['cluster_number', 'count', 'v1', 'v2', 'v3'];
  expect(last.rows.map((r) => columns.map((c) => Number(r[c])))).toEqual(expected);
});
