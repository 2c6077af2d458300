// `pg-centroid install`: puts pg_centroid into the database behind DATABASE_URL: by copying the
// extension files into the server's extension directory when it is writable from here, by CREATE
// EXTENSION when the server already has this version's files, else by the plain SQL installer.
// Every result says, in one sentence, why that way was chosen.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { isRunning, projectRoot, stackDir, stackPort } from '../stack/stack';
import { CliError, EXIT } from './connect';

/** How to install: choose (auto), copy files, CREATE EXTENSION with the server's files, or the plain SQL. */
export type Method = 'auto' | 'files' | 'extension' | 'sql';

export const METHODS: readonly Method[] = ['auto', 'files', 'extension', 'sql'];

/** What install did, and why that way. */
export interface InstallResult {
  database: string;
  method: 'files' | 'extension' | 'sql';
  share_dir: string | null;
  language: string;
  version: string;
  action: 'created' | 'updated' | 'already installed';
  /** One sentence: why this method. */
  reason: string;
}

/** The version this package builds. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** True when the URL names this machine. */
function isLocal(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === '' || host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.startsWith('/');
}

/** Where the server's extension directory is on this machine, or what was tried and why it cannot be written. */
interface Probe {
  dir: string | null;
  tried: string;
}

/** Looks for the server's extension directory on this machine, writable by this user. */
async function probeExtensionDir(client: pg.Client, url: URL): Promise<Probe> {
  if (!isLocal(url)) return { dir: null, tried: `the server (${url.hostname}) is not on this machine, so its extension directory cannot be written from here` };
  let share: string | null = null;
  let from = 'its pg_config view';
  try {
    // The server's own answer (pg_config view, superusers only) first.
    const r = await client.query<{ setting: string }>(`SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'`);
    share = r.rows[0]?.setting ?? null;
  } catch {
    const fromPath = await sharedirFromPath(client);
    share = fromPath.share;
    from = fromPath.from;
  }
  if (!share) return { dir: null, tried: `the server's share directory is unknown (${from})` };
  const candidates: string[] = [];
  // The embedded stack's server sees its chroot as /.
  if (Number(url.port || 5432) === stackPort() && isRunning()) candidates.push(join(stackDir(), 'root', share, 'extension'));
  candidates.push(join(share, 'extension'));
  for (const dir of candidates) {
    // plpgsql.control ships with every server: its presence says this is the server's directory.
    if (!existsSync(join(dir, 'plpgsql.control'))) continue;
    try {
      accessSync(dir, constants.W_OK);
      return { dir, tried: `the server's extension directory ${dir} is writable from here` };
    } catch {
      return { dir: null, tried: `the server's extension directory ${dir} is not writable by this user (uid ${process.getuid?.() ?? '?'})` };
    }
  }
  return { dir: null, tried: `the server's share directory is ${share} (${from}), but ${candidates.join(' and ')} ${candidates.length === 1 ? 'is' : 'are'} not the server's on this machine (no plpgsql.control there: the server runs in a container, a chroot or on another machine)` };
}

/** `pg_config --sharedir` from PATH, when that pg_config is of the server's major version. */
async function sharedirFromPath(client: pg.Client): Promise<{ share: string | null; from: string }> {
  const version = spawnSync('pg_config', ['--version'], { encoding: 'utf8' });
  const share = spawnSync('pg_config', ['--sharedir'], { encoding: 'utf8' });
  const noView = 'the pg_config view needs a superuser';
  if (version.status !== 0 || share.status !== 0) return { share: null, from: `${noView}, and there is no pg_config on PATH` };
  const server = (await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v ?? '';
  const major = /PostgreSQL (\d+)/.exec(version.stdout)?.[1];
  const serverMajor = Math.floor(Number(server) / 10000);
  if (major === undefined || serverMajor !== Number(major)) return { share: null, from: `${noView}, and pg_config on PATH is of PostgreSQL ${major ?? '?'}, not ${serverMajor}` };
  return { share: share.stdout.trim(), from: 'pg_config --sharedir on PATH' };
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

/** The versions of pg_centroid whose files the server has (pg_available_extension_versions). */
async function offeredVersions(client: pg.Client): Promise<string[]> {
  const r = await client.query<{ version: string }>(`SELECT version FROM pg_catalog.pg_available_extension_versions WHERE name = 'pg_centroid' ORDER BY version`);
  return r.rows.map((row) => row.version);
}

/** What the server offers, as a phrase. */
function offerPhrase(offered: string[]): string {
  return offered.length === 0 ? 'the server offers no pg_centroid (pg_available_extensions)' : `the server offers pg_centroid ${offered.join(', ')} only (pg_available_extension_versions)`;
}

/** Installs (or updates) pg_centroid in the connected database. */
export async function install(client: pg.Client, urlText: string, method: Method): Promise<InstallResult> {
  const url = new URL(urlText);
  const version = packageVersion();
  const database = (await client.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d ?? '';
  const installed = (await client.query<{ extversion: string }>(`SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_centroid'`)).rows[0];
  const plain = !installed && (await client.query(`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'centroid'`)).rows.length > 0;
  // The language is created only once the way to install is settled, so a refusal changes nothing.
  const done = async (m: InstallResult['method'], action: InstallResult['action'], reason: string, dir: string | null = null): Promise<InstallResult> =>
    ({ database, method: m, share_dir: dir, language: await ensureLanguage(client), version, action, reason });

  if (plain) {
    if (method === 'auto' || method === 'sql') return done('sql', 'already installed', 'the schema centroid exists without the extension: the plain SQL installer ran here before');
    throw new CliError('pg_centroid was installed here by the plain SQL installer', 'to switch to the extension: DROP SCHEMA centroid CASCADE; then run install again (this removes clustering settings)');
  }
  if (method === 'sql') {
    if (installed) throw new CliError(`pg_centroid ${installed.extversion} is installed here as an extension; the plain SQL installer cannot update it`, 'copy the new files with --method files on the server\'s machine, then ALTER EXTENSION pg_centroid UPDATE');
    return plainSql(client, done, '--method sql was given');
  }
  if (installed?.extversion === version) return done('extension', 'already installed', `pg_centroid ${version} is installed here as an extension`);

  const probe: Probe = method === 'extension' ? { dir: null, tried: '' } : await probeExtensionDir(client, url);
  if (probe.dir) {
    copyExtensionFiles(probe.dir);
    return createOrUpdate(client, installed?.extversion, version, done, 'files', `${method === 'files' ? '--method files was given and ' : ''}${probe.tried}, so the built files were copied there`, probe.dir);
  }
  if (method === 'files') {
    throw new CliError(`cannot copy the extension files: ${probe.tried}`, 'run install on the server\'s machine as a user who can write its extension directory; or --method extension when the server already has these files, or --method sql', EXIT.refused, { tried: probe.tried });
  }
  const offered = await offeredVersions(client);
  if (offered.includes(version)) {
    const why = method === 'extension' ? '--method extension was given' : `the server already offers pg_centroid ${version} (pg_available_extensions), and ${probe.tried}`;
    return createOrUpdate(client, installed?.extversion, version, done, 'extension', why, null);
  }
  if (method === 'extension' || installed) {
    const why = `${offerPhrase(offered)}${probe.tried ? `, and ${probe.tried}` : ''}`;
    throw new CliError(`cannot ${installed ? `update pg_centroid ${installed.extversion} to ${version}` : `CREATE EXTENSION pg_centroid VERSION '${version}'`}: ${why}`, `copy extension/pg_centroid* into the server's extension directory (run install --method files on the server's machine)${installed ? '' : ', or use --method sql'}`);
  }
  return plainSql(client, done, `${offerPhrase(offered)}, and ${probe.tried}`);
}

/** CREATE EXTENSION, or ALTER EXTENSION UPDATE from an older version (the language is made first). */
async function createOrUpdate(
  client: pg.Client,
  installed: string | undefined,
  version: string,
  done: (m: InstallResult['method'], action: InstallResult['action'], reason: string, dir?: string | null) => Promise<InstallResult>,
  method: 'files' | 'extension',
  reason: string,
  dir: string | null,
): Promise<InstallResult> {
  const result = await done(method, installed ? 'updated' : 'created', reason, dir);
  const v = version.replace(/'/g, "''");
  await client.query(installed ? `ALTER EXTENSION pg_centroid UPDATE TO '${v}'` : `CREATE EXTENSION pg_centroid VERSION '${v}'`);
  return result;
}

/** Runs dist/pg_centroid-plain-install.sql (one transaction). */
async function plainSql(client: pg.Client, done: (m: InstallResult['method'], action: InstallResult['action'], reason: string) => Promise<InstallResult>, reason: string): Promise<InstallResult> {
  const script = join(projectRoot(), 'dist', 'pg_centroid-plain-install.sql');
  if (!existsSync(script)) throw new CliError('the plain installer is not built', 'run `npm run build` in the pg_centroid directory');
  const result = await done('sql', 'created', reason);
  await client.query(readFileSync(script, 'utf8'));
  return result;
}

/** Copies extension/pg_centroid* (control file and scripts) into dir. */
function copyExtensionFiles(dir: string): void {
  const built = join(projectRoot(), 'extension');
  const files = existsSync(built) ? readdirSync(built).filter((f) => f.startsWith('pg_centroid')) : [];
  if (!files.some((f) => f.endsWith('.control'))) throw new CliError('the extension is not built', 'run `npm run build` in the pg_centroid directory');
  for (const f of files) copyFileSync(join(built, f), join(dir, f));
}

/** The human summary: what was done, then why. */
export function describeInstall(r: InstallResult): string {
  const how = r.method === 'files'
    ? `files copied to ${r.share_dir}, then ${r.action === 'updated' ? 'ALTER EXTENSION UPDATE' : 'CREATE EXTENSION'}`
    : r.method === 'extension'
      ? `${r.action === 'updated' ? 'ALTER EXTENSION UPDATE' : 'CREATE EXTENSION'} with the files the server has`
      : 'plain SQL installer';
  if (r.action === 'already installed') return `pg_centroid ${r.version} is already installed in ${r.database}`;
  return `pg_centroid ${r.version} ${r.action} in ${r.database} (${how}; language ${r.language})\nwhy: ${r.reason}`;
}
