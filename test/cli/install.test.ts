// pg-centroid install: by copying the extension files (the embedded stack's share directory), by
// CREATE EXTENSION with the files the server already has (a server whose directory the client cannot
// see), or by the plain SQL installer, after which clustering on insert works in a database with no
// extension; each says why it chose its way.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type TestDatabase } from '../db/database';
import { cli } from './run';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let files: TestDatabase;
let plain: TestDatabase;

beforeAll(async () => {
  files = await createDatabase('cli_install_files', ['timescaledb']);
  plain = await createDatabase('cli_install_plain', ['timescaledb']);
});

afterAll(async () => {
  await files?.close();
  await plain?.close();
});

describe('install with files', () => {
  it('copies the files into the server\'s share directory and creates the extension', async () => {
    const r = await cli(['install', '--json'], files.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: files.name, method: 'files', language: 'pljs', version: VERSION, action: 'created' });
    expect(r.json.share_dir).toMatch(/\.stack\/root\/usr\/share\/postgresql\/18\/extension$/);
    expect(r.json.reason).toBe(`the server's extension directory ${r.json.share_dir} is writable from here, so the built files were copied there`);
    expect(readFileSync(`${r.json.share_dir}/pg_centroid--${VERSION}.sql`, 'utf8')).toBe(readFileSync(new URL(`../../extension/pg_centroid--${VERSION}.sql`, import.meta.url), 'utf8'));
    const ext = await files.client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`);
    expect(ext.rows).toEqual([{ extversion: VERSION }]);
  });

  it('says so when it is already installed', async () => {
    const r = await cli(['install'], files.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`pg_centroid ${VERSION} is already installed in ${files.name}`);
  });
});

describe('install with the plain SQL installer', () => {
  it('creates the objects without CREATE EXTENSION', async () => {
    const r = await cli(['install', '--method', 'sql', '--json'], plain.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: plain.name, method: 'sql', share_dir: null, action: 'created' });
    const ext = await plain.client.query(`SELECT extname FROM pg_extension WHERE extname IN ('pg_centroid', 'pljs') ORDER BY 1`);
    expect(ext.rows.map((e) => e.extname)).toEqual(['pljs']);
    const fns = await plain.client.query(`SELECT count(*) AS n FROM pg_proc WHERE pronamespace = 'centroid'::regnamespace AND proname IN ('attach', 'detach', 'status', 'refit', 'cluster_on_insert')`);
    expect(fns.rows[0].n).toBe(5);
  });

  it('then clusters rows on insert into a hypertable', async () => {
    await plain.client.query(`CREATE TABLE readings (id bigserial, ts timestamptz NOT NULL DEFAULT now(), v1 real, v2 real, cluster_number int)`);
    await plain.client.query(`SELECT create_hypertable('readings', 'ts')`);
    const config = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number', minimum_data_count: 4 };
    const a = await cli(['attach', 'readings', '--config', JSON.stringify(config), '--json'], plain.url);
    expect(a.code, a.stderr).toBe(0);
    await plain.client.query(`INSERT INTO readings (v1, v2) VALUES (0, 0), (0, 1), (10, 10), (10, 11), (1, 0), (11, 10)`);
    const rows = await plain.client.query(`SELECT v1 < 5 AS low, array_agg(DISTINCT cluster_number) AS labels FROM readings GROUP BY 1 ORDER BY 1`);
    expect(rows.rows).toHaveLength(2);
    for (const r of rows.rows) expect(r.labels).toHaveLength(1);
    expect(rows.rows[0].labels[0]).not.toBe(rows.rows[1].labels[0]);
    expect(rows.rows.flatMap((r) => r.labels)).not.toContain(null);
  });

  it('does not run twice over itself', async () => {
    const r = await cli(['install', '--json'], plain.url);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ method: 'sql', action: 'already installed' });
  });

  it('refuses to run over the extension, saying how to update it instead', async () => {
    const r = await cli(['install', '--method', 'sql', '--json'], files.url);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toContain('is installed here as an extension');
    expect(r.json.error.hint).toContain('ALTER EXTENSION pg_centroid UPDATE');
  });
});

// The embedded server runs in a chroot under PG_CENTROID_STACK: pointing that elsewhere hides the
// server's extension directory from the CLI, as for a server in a container or on another machine.
const HIDDEN = { PG_CENTROID_STACK: mkdtempSync(join(tmpdir(), 'pg-centroid-no-stack-')) };
const SHARE = '/usr/share/postgresql/18';
// On a machine with its own PostgreSQL 18 there, the directory is visible after all.
const hostHasShare = existsSync(`${SHARE}/extension/plpgsql.control`);

describe.skipIf(hostHasShare)('install when the server\'s extension directory is not visible from here', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async (prefix: string, extensions = ['timescaledb']) => {
    const d = await createDatabase(prefix, extensions);
    dbs.push(d);
    return d;
  };
  afterAll(async () => {
    for (const d of dbs) await d.close();
  });

  it('runs CREATE EXTENSION with the files the server already offers, saying why', async () => {
    const d = await fresh('cli_install_offered');
    const r = await cli(['install', '--json'], d.url, HIDDEN);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ database: d.name, method: 'extension', share_dir: null, language: 'pljs', version: VERSION, action: 'created' });
    expect(r.json.reason).toBe(`the server already offers pg_centroid ${VERSION} (pg_available_extensions), and the server's share directory is ${SHARE} (its pg_config view), but ${SHARE}/extension is not the server's on this machine (no plpgsql.control there: the server runs in a container, a chroot or on another machine)`);
    expect((await d.client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`)).rows).toEqual([{ extversion: VERSION }]);
    const human = await cli(['install'], d.url, HIDDEN);
    expect(human.stdout.trim()).toBe(`pg_centroid ${VERSION} is already installed in ${d.name}`);
  });

  it('updates an older version with ALTER EXTENSION UPDATE', async () => {
    const d = await fresh('cli_install_update');
    await d.client.query(`CREATE EXTENSION pljs`);
    await d.client.query(`CREATE EXTENSION pg_centroid VERSION '0.2.0'`);
    const r = await cli(['install'], d.url, HIDDEN);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pg_centroid ${VERSION.replace(/\./g, '\\.')} updated in ${d.name} \\(ALTER EXTENSION UPDATE with the files the server has; language pljs\\)\nwhy: the server already offers pg_centroid`));
    expect((await d.client.query(`SELECT extversion FROM pg_extension WHERE extname = 'pg_centroid'`)).rows).toEqual([{ extversion: VERSION }]);
  });

  it('--method files says what it tried, and changes nothing', async () => {
    const d = await fresh('cli_install_nofiles');
    const r = await cli(['install', '--method', 'files', '--json'], d.url, HIDDEN);
    expect(r.code).toBe(1);
    expect(r.json.error.message).toBe(`cannot copy the extension files: the server's share directory is ${SHARE} (its pg_config view), but ${SHARE}/extension is not the server's on this machine (no plpgsql.control there: the server runs in a container, a chroot or on another machine)`);
    expect(r.json.error.hint).toContain('--method extension');
    expect((await d.client.query(`SELECT extname FROM pg_extension WHERE extname IN ('pljs', 'pg_centroid')`)).rows).toEqual([]);
  });

  it('--method extension needs no directory at all', async () => {
    const d = await fresh('cli_install_ext');
    const r = await cli(['install', '--method', 'extension', '--json'], d.url, HIDDEN);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ method: 'extension', action: 'created', reason: '--method extension was given' });
  });

  describe('on a server that offers no pg_centroid (as a managed server)', () => {
    // extension_control_path (PostgreSQL 18) pointing nowhere: pg_available_extensions lists nothing.
    const managed = async (prefix: string) => {
      const d = await fresh(prefix, ['timescaledb', 'pljs']);
      await d.client.query(`ALTER DATABASE ${d.name} SET extension_control_path = '/nonexistent'`);
      return d;
    };

    it('chooses the plain SQL installer, saying why', async () => {
      const d = await managed('cli_install_managed');
      const r = await cli(['install', '--json'], d.url, HIDDEN);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json).toMatchObject({ method: 'sql', action: 'created' });
      expect(r.json.reason).toMatch(/^the server offers no pg_centroid \(pg_available_extensions\), and the server's share directory is /);
      expect((await d.client.query(`SELECT count(*) AS n FROM pg_proc WHERE pronamespace = 'centroid'::regnamespace AND proname = 'attach'`)).rows[0].n).toBe(1);
    });

    it('--method extension refuses, naming what the server offers', async () => {
      const d = await managed('cli_install_managed_ext');
      const r = await cli(['install', '--method', 'extension'], d.url, HIDDEN);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: cannot CREATE EXTENSION pg_centroid VERSION '${VERSION}': the server offers no pg_centroid (pg_available_extensions)`);
      expect(r.stderr).toContain('or use --method sql');
    });
  });
});

describe('install arguments', () => {
  it('refuses an unknown method', async () => {
    const r = await cli(['install', '--method', 'copy'], plain.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--method must be auto, files, extension or sql, not "copy"');
  });
});
