// Test helper: runs the built pg-centroid command (bin/pg-centroid.mjs) and parses its output.

import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pg-centroid.mjs');

/** What one run of the command gave. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json: any;
}

/** Runs `pg-centroid args...` with DATABASE_URL set to url (or unset when url is null). */
export function cli(args: string[], url: string | null, env: Record<string, string> = {}): Promise<Run> {
  const base: Record<string, string | undefined> = { ...process.env, ...env };
  delete base.DATABASE_URL;
  if (url !== null) base.DATABASE_URL = url;
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: base, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = null;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, json });
    });
  });
}
