// The README's SQL and its install and quick start sections, run as printed: the opening example prints the table
// under it; the three install commands install into a database of their own; the quick start's demo leaves the
// article's tables on which the batch workflow's statements print the comments under them; the docker compose
// commands name the compose file's port and commands the CLI has (test/containers/compose.test.ts runs them).
// Blocks are read from README.md by their markers (test/readme.ts), so the README cannot change without this test.

import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stackDir } from '../../src/stack/stack';
import { commands, comments, README, readmeBlock, ROOT } from '../readme';
import { createDatabase, urlFor, type TestDatabase } from './database';

const BIN = join(ROOT, 'bin', 'pg-centroid.mjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

/** A database of this test's own. */
async function database(prefix: string, extensions: string[] = []): Promise<TestDatabase> {
  const d = await createDatabase(prefix, extensions);
  opened.push(d);
  return d;
}

/** Runs a shell command line in the clone, `npx pg-centroid` being this checkout's command; stdout and stderr together. */
function sh(line: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const command = line.replaceAll('npx pg-centroid', `node '${BIN}'`);
  return new Promise((resolve) => {
    execFile('sh', ['-c', `(${command}) 2>&1`], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout });
    });
  });
}

/** A command line with the URL of its DATABASE_URL= replaced by another. */
function withUrl(line: string, url: string): string {
  expect(line).toMatch(/^DATABASE_URL=\S+ /);
  return line.replace(/^DATABASE_URL=\S+/, `DATABASE_URL='${url}'`);
}

/** libpq's environment for psql, for a database of the test server. */
function libpq(url: string): Record<string, string> {
  const u = new URL(url);
  return { PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username), PGDATABASE: u.pathname.slice(1) };
}

/** Extensions and schemas of a database that tell how pg_centroid got there. */
async function installed(d: TestDatabase): Promise<{ extension: string | null; functions: number }> {
  const r = await d.client.query(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid') AS extension,
            (SELECT count(*)::int FROM pg_proc WHERE pronamespace = to_regnamespace('centroid') AND proname IN ('attach', 'fit', 'predict', 'score')) AS functions`,
  );
  return r.rows[0];
}

describe('the opening example', () => {
  it('runs and prints the table under it', async () => {
    const db = await database('readme', []);
    const results = await db.client.query(readmeBlock('first-example'));
    const last = (Array.isArray(results) ? results[results.length - 1] : results) as { rows: Record<string, unknown>[] };
    const lines = readmeBlock('first-example-output').trim().split('\n');
    const columns = (lines[0] as string).split('|').map((c) => c.trim());
    expect(columns).toEqual(['cluster_number', 'count', 'v1', 'v2', 'v3']);
    const expected = lines.slice(2).map((l) => l.split('|').map((cell) => Number(cell.trim())));
    expect(last.rows.map((r) => columns.map((c) => Number(r[c])))).toEqual(expected);
    // The sentence under it: the partition's sum of squared distances.
    const cost = /with a sum of squared distances of ([\d.]+)/.exec(README)?.[1];
    const state = (await db.client.query(`SELECT cost FROM centroid.state WHERE table_name = 'readings'::regclass`)).rows[0];
    expect(Number(state.cost).toFixed(1)).toBe(cost);
  });
});

describe('install into an existing server', () => {
  it('files + CREATE EXTENSION: prints what the README shows', async () => {
    const d = await database('readme_install_files');
    const [line] = commands(readmeBlock('install-files'));
    const r = await sh(withUrl(line as string, d.url));
    expect(r.code, r.output).toBe(0);
    const share = join(stackDir(), 'root', 'usr', 'share', 'postgresql', '18', 'extension');
    const printed = readmeBlock('install-files-output').replaceAll('/usr/share/postgresql/18/extension', share).replace(' in mydb ', ` in ${d.name} `);
    expect(r.output).toBe(printed);
    expect(printed).toContain(`pg_centroid ${VERSION} created`);
    expect(await installed(d)).toEqual({ extension: VERSION, functions: 4 });
  });

  it('by hand: cp into pg_config --sharedir, then psql', async () => {
    const d = await database('readme_install_hand');
    // pg_config of the server: the embedded stack's (the host may have another PostgreSQL's on its PATH).
    const bin = mkdtempSync(join(tmpdir(), 'pg-centroid-readme-bin-'));
    writeFileSync(join(bin, 'pg_config'), `#!/bin/sh\n[ "$1" = --sharedir ] && echo '${join(stackDir(), 'root', 'usr', 'share', 'postgresql', '18')}'\n`);
    chmodSync(join(bin, 'pg_config'), 0o755);
    const lines = commands(readmeBlock('install-by-hand'));
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['cp', 'psql']);
    for (const line of lines) {
      const r = await sh(line, { ...libpq(d.url), PATH: `${bin}:${process.env.PATH}` });
      expect(r.code, `${line}\n${r.output}`).toBe(0);
    }
    expect(await installed(d)).toEqual({ extension: VERSION, functions: 4 });
  });

  it('plain SQL: by install --method sql, or by psql -f in a database with pljs', async () => {
    const block = readmeBlock('install-sql');
    const [line] = commands(block);
    const d = await database('readme_install_sql');
    const r = await sh(withUrl(line as string, d.url));
    expect(r.code, r.output).toBe(0);
    expect(await installed(d)).toEqual({ extension: null, functions: 4 });
    const alternative = /^# or: (.+)$/m.exec(block)?.[1] as string;
    expect(alternative).toMatch(/^psql /);
    const e = await database('readme_install_psql', ['pljs']);
    const p = await sh(alternative, libpq(e.url));
    expect(p.code, p.output).toBe(0);
    expect(await installed(e)).toEqual({ extension: null, functions: 4 });
  });
});

describe('docker compose', () => {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const port = /127\.0\.0\.1:\$\{PG_CENTROID_COMPOSE_PORT:-(\d+)\}:5432/.exec(compose)?.[1];
  const tested = readFileSync(join(ROOT, 'test', 'containers', 'compose.test.ts'), 'utf8');

  it('the commands use the compose file\'s port and database, and what test/containers/compose.test.ts runs', () => {
    expect(port).toBeDefined();
    for (const name of ['compose', 'compose-cli']) {
      const lines = commands(readmeBlock(name));
      expect(lines[0], name).toMatch(/^npm run build && (docker compose|npx pg-centroid compose) up -d --build$/);
      expect(lines[1], name).toBe(`DATABASE_URL=postgres://postgres@127.0.0.1:${port}/postgres npm run demo`);
      expect(lines[2], name).toMatch(/^(docker compose|npx pg-centroid compose) down$/);
    }
    expect(comments(readmeBlock('compose'))[0]).toBe('or docker-compose up -d --build (compose v1)');
    expect(commands(readmeBlock('compose-cli'))[3]).toBe('npx pg-centroid docker down');
    // The containers test brings the file up with these arguments, runs the demo on it and brings it down.
    expect(tested).toContain("compose('up', '-d', '--build')");
    expect(tested).toContain("compose('down'");
    expect(tested).toContain("cli(['demo'], url)");
  });

  it('pg-centroid compose and docker are commands of the CLI', async () => {
    for (const command of ['compose', 'docker']) {
      const r = await sh(`npx pg-centroid ${command} --help`);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(new RegExp(`^usage: pg-centroid ${command}`));
    }
  });
});

/** A printed value of the README: JSON where `...` stands for any value, and `, ...` ends a list or object that goes on. */
const ANY = '\u0001any';
const REST = '\u0001rest';
function printedValue(text: string): unknown {
  const json = text
    .replace(/\[\.\.\.\]/g, JSON.stringify(ANY))
    .replace(/:\s*\.\.\./g, `: ${JSON.stringify(ANY)}`)
    .replace(/,\s*\.\.\.\s*\}/g, `, ${JSON.stringify(REST)}: true}`)
    .replace(/,\s*\.\.\.\s*\]/g, `, ${JSON.stringify(REST)}]`);
  return JSON.parse(json);
}

/** Whether a value is what the README prints: numbers to the printed number's decimals, objects with exactly its keys unless it goes on. */
function matches(printed: unknown, actual: unknown, path = '$'): string[] {
  if (printed === ANY) return actual === undefined ? [`${path}: missing`] : [];
  if (typeof printed === 'number') {
    const decimals = (String(printed).split('.')[1] ?? '').length;
    return typeof actual === 'number' && Number(actual.toFixed(decimals)) === printed ? [] : [`${path}: ${JSON.stringify(actual)}, printed ${printed}`];
  }
  if (Array.isArray(printed)) {
    if (!Array.isArray(actual)) return [`${path}: ${JSON.stringify(actual)} is not a list`];
    const rest = printed[printed.length - 1] === REST;
    const items = rest ? printed.slice(0, -1) : printed;
    if (rest ? actual.length < items.length : actual.length !== items.length) return [`${path}: ${actual.length} items, printed ${items.length}${rest ? ' or more' : ''}`];
    return items.flatMap((p, i) => matches(p, actual[i], `${path}[${i}]`));
  }
  if (printed !== null && typeof printed === 'object') {
    if (actual === null || typeof actual !== 'object') return [`${path}: ${JSON.stringify(actual)} is not an object`];
    const keys = Object.keys(printed).filter((k) => k !== REST);
    const extra = REST in printed ? [] : Object.keys(actual).filter((k) => !keys.includes(k)).map((k) => `${path}.${k}: not printed`);
    return [...extra, ...keys.flatMap((k) => matches((printed as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${path}.${k}`))];
  }
  return printed === actual ? [] : [`${path}: ${JSON.stringify(actual)}, printed ${JSON.stringify(printed)}`];
}

/** The statements of a SQL block, each with the comment lines under it (its printed output). */
function statements(block: string): { sql: string; printed: string | null }[] {
  const out: { sql: string; printed: string[] }[] = [];
  let current: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('--')) {
      const last = out[out.length - 1];
      if (!last || current.length) throw new Error(`a comment inside a statement: ${line}`);
      last.printed.push(line.replace(/^--\s?/, ''));
    } else if (line.trim() !== '') {
      current.push(line);
      if (line.trimEnd().endsWith(';')) {
        out.push({ sql: current.join('\n'), printed: [] });
        current = [];
      }
    }
  }
  if (current.length) throw new Error(`a statement without its semicolon: ${current.join('\n')}`);
  return out.map((s) => ({ sql: s.sql, printed: s.printed.length ? s.printed.join(' ') : null }));
}

describe('the quick start and the batch workflow', () => {
  it('the quick start is npm install, npm run demo and npm test, which build first', () => {
    const block = readmeBlock('quick-start');
    expect(commands(block)).toEqual(['npm install', 'npm run demo', 'npm test']);
    expect(comments(block)[1]).toMatch(/^builds, starts the embedded PostgreSQL 18 \+ TimescaleDB \+ pljs stack/);
    expect(comments(block)[2]).toMatch(/^builds, starts the same stack, runs every test/);
    expect(SCRIPTS.demo).toMatch(/^npm run build && /);
    expect(SCRIPTS.test).toBe('npm run build && vitest run');
  });

  it('npm run demo on the server of DATABASE_URL, then each statement of the batch workflow prints the comment under it', async () => {
    const d = await database('readme_batch', []);
    // As `npm run demo`, without its build (npm test has built, and a build would rewrite dist/ under the other tests).
    const demo = (SCRIPTS.demo as string).replace(/^npm run build && /, '');
    const r = await sh(demo, { DATABASE_URL: d.url });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/40000 rows inserted in .*; 0 rows unlabelled\./);
    expect(r.output).toContain('20000 customers, ');
    expect(r.output).toContain('2061 customers without orders');
    expect(r.output).toContain(`The demo's tables are kept in schema centroid_demo: psql "${d.url}", then SET search_path TO centroid_demo, public;`);

    // What the paragraph above the block says to do first: pg_cron's database is another one, so dblink here.
    const admin = new pg.Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    admin.on('notice', () => {});
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_cron');
    await d.client.query('CREATE EXTENSION dblink');
    const c = new pg.Client({ connectionString: d.url });
    await c.connect();
    try {
      const steps = statements(readmeBlock('batch-workflow'));
      expect(steps.map((s) => /^SELECT centroid\.(\w+)|^SET/.exec(s.sql)?.[1] ?? s.sql.split(' ')[0])).toEqual(['SET', 'fit', 'predict', 'SELECT', 'choose_k', 'schedule_fit', 'unschedule_fit']);
      for (const step of steps) {
        const result = await c.query(step.sql);
        if (step.printed === null) continue;
        const value = Object.values(result.rows[0] as Record<string, unknown>)[0];
        // The demo's database on the embedded stack is pg_centroid_demo; here it is this test's.
        const printed = step.printed.replaceAll('pg_centroid_demo', d.name);
        if (printed.startsWith('{')) expect(matches(printedValue(printed), value), step.sql).toEqual([]);
        else expect(String(value), step.sql).toBe(printed);
      }
    } finally {
      await c.end();
      await admin.query(`DELETE FROM cron.job WHERE jobname = $1`, [`pg_centroid refit ${d.name} customer_segments`]);
      await admin.end();
    }
  });

  it('the anomalies and drift example prints the comment under each statement', async () => {
    const d = await database('readme_anomalies', ['timescaledb', 'pljs', 'pg_centroid']);
    for (const step of statements(readmeBlock('anomalies'))) {
      const result = await d.client.query(step.sql);
      if (step.printed === null) continue;
      const value = Object.values(result.rows[0] as Record<string, unknown>)[0];
      if (/^[[{]/.test(step.printed)) expect(matches(printedValue(step.printed), value), step.sql).toEqual([]);
      else expect(String(value), step.sql).toBe(step.printed);
    }
  });

  it('the embeddings example (pgvector) prints the comment under each statement', async () => {
    const d = await database('readme_embeddings', ['timescaledb', 'pljs', 'pg_centroid']);
    for (const step of statements(readmeBlock('embeddings'))) {
      const result = await d.client.query(step.sql);
      if (step.printed === null) continue;
      const value = Object.values(result.rows[0] as Record<string, unknown>)[0];
      if (/^[[{]/.test(step.printed)) expect(matches(printedValue(step.printed), value), step.sql).toEqual([]);
      else expect(String(value), step.sql).toBe(step.printed);
    }
  });

  it('the matcher of printed values takes what it should and refuses the rest', () => {
    const p = printedValue('{"a": 1.5, "b": ..., "c": [...], "d": [1, ...], "e": {"f": 2, ...}}');
    expect(matches(p, { a: 1.46, b: null, c: [], d: [1, 2], e: { f: 2, g: 3 } })).toEqual([]);
    expect(matches(p, { a: 1.44, b: 0, c: 0, d: [1], e: { f: 2 } })).toEqual(['$.a: 1.44, printed 1.5']);
    expect(matches(p, { a: 1.5, c: 0, d: [2], e: { f: 2 }, z: 1 })).toEqual(['$.z: not printed', '$.b: missing', '$.d[0]: 2, printed 1']);
    expect(statements("SET x TO 1;\nSELECT 1\n  + 1;\n-- 2\n")).toEqual([{ sql: 'SET x TO 1;', printed: null }, { sql: 'SELECT 1\n  + 1;', printed: '2' }]);
  });
});
