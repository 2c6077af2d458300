// `pg-centroid install`: puts pg_centroid into the database behind DATABASE_URL, by copying the
// extension files into the server's share directory when they can be reached, else by the plain SQL installer.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { isRunning, projectRoot, stackDir, stackPort } from '../stack/stack';
import { CliError } from './connect';

/** How to install: copy files (then CREATE EXTENSION), run the plain SQL, or choose (files when possible). */
export type Method = 'auto' | 'files' | 'sql';

/** What install did. */
export interface InstallResult {
  database: string;
  method: 'files' | 'sql';
  share_dir: string | null;
  language: string;
  version: string;
  action: 'created' | 'updated' | 'already installed';
}

/** The version this package builds. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** True when the URL names this machine. */
function isLocal(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.startsWith('/');
}

/** The directory on this machine where the server reads extension files, when it is reachable and writable. */
async function extensionDir(client: pg.Client, url: URL): Promise<string | null> {
  if (!isLocal(url)) return null;
  let share: string | null = null;
  try {
    // The server's own answer (pg_config view, superusers only) first.
    const r = await client.query<{ setting: string }>(`SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'`);
    share = r.rows[0]?.setting ?? null;
  } catch {
    share = await sharedirFromPath(client);
  }
  if (!share) return null;
  const candidates: string[] = [];
  // The embedded stack's server sees its chroot as /.
  if (Number(url.port || 5432) === stackPort() && isRunning()) candidates.push(join(stackDir(), 'root', share, 'extension'));
  candidates.push(join(share, 'extension'));
  for (const dir of candidates) {
    // plpgsql.control ships with every server: its presence says this is the server's directory.
    if (!existsSync(join(dir, 'plpgsql.control'))) continue;
    try {
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      return null;
    }
  }
  return null;
}

/** `pg_config --sharedir` from PATH, when that pg_config is of the server's major version. */
async function sharedirFromPath(client: pg.Client): Promise<string | null> {
  const version = spawnSync('pg_config', ['--version'], { encoding: 'utf8' });
  const share = spawnSync('pg_config', ['--sharedir'], { encoding: 'utf8' });
  if (version.status !== 0 || share.status !== 0) return null;
  const server = (await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v ?? '';
  const major = /PostgreSQL (\d+)/.exec(version.stdout)?.[1];
  return major !== undefined && Math.floor(Number(server) / 10000) === Number(major) ? share.stdout.trim() : null;
}

/** Makes pljs (or plv8) available in the database; returns its name. */
async function ensureLanguage(client: pg.Client): Promise<string> {
  const have = await client.query<{ lanname: string }>(`SELECT lanname FROM pg_catalog.pg_language WHERE lanname IN ('pljs', 'plv8') ORDER BY lanname = 'pljs' DESC`);
  if (have.rows[0]) return have.rows[0].lanname;
  const available = await client.query<{ name: string }>(`SELECT name FROM pg_catalog.pg_available_extensions WHERE name IN ('pljs', 'plv8') ORDER BY name = 'pljs' DESC`);
  const name = available.rows[0]?.name;
  if (!name) {
    throw new CliError('the server has neither pljs nor plv8, the JavaScript language pg_centroid runs in', 'install it on the server (Debian/Ubuntu: apt-get install postgresql-18-pljs), then run install again');
  }
  await client.query(`CREATE EXTENSION IF NOT EXISTS ${name}`);
  return name;
}

/** Installs (or updates) pg_centroid in the connected database. */
export async function install(client: pg.Client, urlText: string, method: Method): Promise<InstallResult> {
  const url = new URL(urlText);
  const version = packageVersion();
  const database = (await client.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d ?? '';
  const language = await ensureLanguage(client);
  const installed = (await client.query<{ extversion: string }>(`SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_centroid'`)).rows[0];
  const plain = (await client.query(`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'centroid'`)).rows.length > 0 && !installed;
  if (plain && method !== 'files') return { database, method: 'sql', share_dir: null, language, version, action: 'already installed' };
  const dir = method === 'sql' ? null : await extensionDir(client, url);
  if (method === 'files' && !dir) {
    throw new CliError(`cannot copy files into the share directory of ${url.hostname}:${url.port || 5432}`, 'run install as a user who can write there on the server\'s own machine, or use --method sql');
  }
  if (dir) {
    copyExtensionFiles(dir);
    if (plain) throw new CliError('pg_centroid was installed here by the plain SQL installer', 'to switch to the extension: DROP SCHEMA centroid CASCADE; then run install again (this removes clustering settings)');
    if (installed && installed.extversion === version) return { database, method: 'files', share_dir: dir, language, version, action: 'already installed' };
    await client.query(installed ? 'ALTER EXTENSION pg_centroid UPDATE' : 'CREATE EXTENSION pg_centroid');
    return { database, method: 'files', share_dir: dir, language, version, action: installed ? 'updated' : 'created' };
  }
  if (installed) {
    throw new CliError(`pg_centroid ${installed.extversion} is installed here as an extension; the plain SQL installer cannot update it`, 'copy the new files with --method files on the server\'s machine, then ALTER EXTENSION pg_centroid UPDATE');
  }
  const script = join(projectRoot(), 'dist', 'pg_centroid-plain-install.sql');
  if (!existsSync(script)) throw new CliError('the plain installer is not built', 'run `npm run build` in the pg_centroid directory');
  await client.query(readFileSync(script, 'utf8'));
  return { database, method: 'sql', share_dir: null, language, version, action: 'created' };
}

/** Copies extension/pg_centroid* (control file and scripts) into dir. */
function copyExtensionFiles(dir: string): void {
  const built = join(projectRoot(), 'extension');
  const files = existsSync(built) ? readdirSync(built).filter((f) => f.startsWith('pg_centroid')) : [];
  if (!files.some((f) => f.endsWith('.control'))) throw new CliError('the extension is not built', 'run `npm run build` in the pg_centroid directory');
  for (const f of files) copyFileSync(join(built, f), join(dir, f));
}
