// Test helper: pg_dump and pg_restore against the test server, for the dump and restore tests.

import { execFileSync } from 'node:child_process';
import { inStack, stackPort } from '../../src/stack/stack';

const BIN = '/usr/lib/postgresql/18/bin';

/** Runs pg_dump or pg_restore on a database of the test server: inside the stack, or the host's when DATABASE_URL is set. */
export function pgTool(name: 'pg_dump' | 'pg_restore', args: string[], database: string): void {
  if (process.env.DATABASE_URL) {
    const version = execFileSync(name, ['--version'], { encoding: 'utf8' });
    if (!/\s18(\.|\s)/.test(version)) throw new Error(`the dump tests need ${name} 18 for DATABASE_URL, found: ${version.trim()}`);
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/' + database;
    execFileSync(name, [...args, '-d', url.toString()], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return;
  }
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  inStack(`${BIN}/${name} -h 127.0.0.1 -p ${stackPort()} -U postgres -d ${database} ${quoted} 2>&1`);
}
