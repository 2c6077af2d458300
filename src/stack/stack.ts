// The embedded stack: PostgreSQL 18 + TimescaleDB + pljs + pg_cron (+ PL/Python and scikit-learn,
// for the comparisons) from Debian packages in a local directory, started and stopped on demand.

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Debian packages the stack is made of. */
export const PACKAGES = [
  'postgresql-18',
  'postgresql-18-timescaledb',
  'postgresql-18-pljs',
  'postgresql-18-cron',
  'postgresql-18-pgvector',
  'postgresql-plpython3-18',
  'python3-sklearn',
];

/** The server's settings besides where it listens (the Dockerfile writes the same into postgresql.conf). */
export const SERVER_SETTINGS: Readonly<Record<string, string>> = {
  shared_preload_libraries: 'timescaledb,pg_cron',
  'cron.database_name': 'postgres',
  dynamic_shared_memory_type: 'mmap',
  max_connections: '200',
  'timescaledb.telemetry_level': 'off',
};

const PG_BIN = '/usr/lib/postgresql/18/bin';
const DATA = '/var/lib/pg_centroid/data';
const LOG = '/var/lib/pg_centroid/server.log';

/**
 * A server of the stack: the main one, or a separate one (its own data directory and port) for
 * tests that must not disturb others, such as killing a backend, which restarts every backend.
 */
export interface Instance {
  data: string;
  log: string;
  port: number;
  /** Settings of this server besides SERVER_SETTINGS (which they override). */
  settings?: Readonly<Record<string, string>>;
}

/** The main server of the stack. */
function mainInstance(): Instance {
  return { data: DATA, log: LOG, port: stackPort() };
}

/** A separate server named `name` on `port`, in the same root file system. */
export function separateInstance(name: string, port: number, settings?: Readonly<Record<string, string>>): Instance {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid instance name: ${name}`);
  return { data: `/var/lib/pg_centroid/${name}`, log: `/var/lib/pg_centroid/${name}.log`, port, ...(settings ? { settings } : {}) };
}

/** The project's root directory (where package.json is). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (package.json)');
    dir = up;
  }
  return dir;
}

/** Where the stack lives: $PG_CENTROID_STACK, or .stack in the project. */
export function stackDir(): string {
  return resolve(process.env.PG_CENTROID_STACK ?? join(projectRoot(), '.stack'));
}

/** The TCP port the embedded server listens on (127.0.0.1 only). */
export function stackPort(): number {
  return Number(process.env.PG_CENTROID_PORT ?? 54329);
}

/** The connection string of the embedded server. */
export function stackUrl(database = 'postgres'): string {
  return `postgres://postgres@127.0.0.1:${stackPort()}/${database}`;
}

/** The database to use: DATABASE_URL when set, else the embedded stack (started if needed). */
export function databaseUrl(log: (line: string) => void = () => {}): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  up(log);
  return stackUrl();
}

const rootOf = () => join(stackDir(), 'root');
const readyMarker = () => join(rootOf(), '.pg_centroid-ready');

/** Runs a command, failing with its output when it fails. */
function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${what} failed (${cmd} exited ${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(0, 4000));
  }
  return r.stdout;
}

/** Runs a shell command as postgres inside the stack's root file system. */
function asPostgres(script: string, what: string): string {
  return run('chroot', [rootOf(), 'su', 'postgres', '-s', '/bin/sh', '-c', script], what);
}

/** Holds a directory lock (in dir: the stack's by default) while fn runs, so parallel test workers provision once. */
export function withLock<T>(fn: () => T, dir = stackDir()): T {
  const lock = join(dir, '.lock');
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // A lock whose holder has exited, or older than 15 minutes, belongs to a process that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 15 * 60 * 1000 || !holderAlive(join(lock, 'pid'))) rmSync(lock, { recursive: true, force: true });
      } catch { /* gone already */ }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** False when the pid file names a process that no longer runs (true while it is being written). */
function holderAlive(pidFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8'));
  } catch {
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** True when command is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs, with apt-get, the Debian package of each command (command -> package) that is not on PATH. */
export function installMissing(packages: Record<string, string>, log: (line: string) => void = () => {}): void {
  const missing = [...new Set(Object.entries(packages).filter(([command]) => !hasCommand(command)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`${missing.join(', ')} missing, and installing needs root: apt-get install ${missing.join(' ')}`);
  log(`installing ${missing.join(', ')} (apt-get) ...`);
  // Another apt-get on the machine holds the lock for a while; wait for it instead of failing.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  run('apt-get', [...lock, 'update', '-qq'], 'apt-get update');
  run('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', ...lock, 'install', '-y', '-qq', ...missing], `apt-get install ${missing.join(' ')}`);
}

/** Builds the root file system with mmdebstrap (about 40 s), once. */
export function provision(log: (line: string) => void = () => {}): void {
  const wanted = PACKAGES.join('\n') + '\n';
  // A stack built from another package list is built again.
  if (existsSync(readyMarker()) && readFileSync(readyMarker(), 'utf8') === wanted) return;
  if (process.getuid?.() !== 0) {
    throw new Error('the embedded stack needs root (it uses mmdebstrap and chroot); run as root, or set DATABASE_URL to an existing server with pg_centroid installed');
  }
  installMissing({ mmdebstrap: 'mmdebstrap' }, log);
  const tmp = rootOf() + '.tmp';
  rmSync(tmp, { recursive: true, force: true });
  log(`building PostgreSQL 18 + TimescaleDB + pljs + pg_cron in ${rootOf()} (mmdebstrap, ~40 s) ...`);
  run('mmdebstrap', ['--variant=apt', '--aptopt=Acquire::Check-Valid-Until "false"', `--include=${PACKAGES.join(',')}`, 'sid', tmp], 'mmdebstrap');
  rmSync(rootOf(), { recursive: true, force: true });
  renameSync(tmp, rootOf());
  writeFileSync(readyMarker(), wanted);
}

/** True when this stack's own server is running (not merely something on its port). */
export function isRunning(instance: Instance = mainInstance()): boolean {
  if (!existsSync(join(rootOf(), instance.data, 'PG_VERSION'))) return false;
  const r = spawnSync('chroot', [rootOf(), 'su', 'postgres', '-s', '/bin/sh', '-c', `${PG_BIN}/pg_ctl status -D ${instance.data}`]);
  return r.status === 0;
}

/** Provisions (once), initializes (once), starts the server and installs the built extension; returns its URL. */
export function up(log: (line: string) => void = () => {}, instance: Instance = mainInstance()): string {
  const { data, port } = instance;
  return withLock(() => {
    provision(log);
    installFiles();
    if (!existsSync(join(rootOf(), data, 'PG_VERSION'))) {
      log('initializing the database cluster ...');
      run('chroot', [rootOf(), 'sh', '-c', `mkdir -p ${dirname(data)} && chown postgres:postgres ${dirname(data)}`], 'mkdir');
      asPostgres(`${PG_BIN}/initdb -A trust -U postgres -D ${data} >/dev/null`, 'initdb');
    }
    if (!isRunning(instance)) {
      log(`starting PostgreSQL on 127.0.0.1:${port} ...`);
      const settings = Object.entries({ ...SERVER_SETTINGS, ...instance.settings }).map(([name, value]) => `-c ${name}=${value}`);
      const options = ['-k /tmp', `-p ${port}`, '-c listen_addresses=127.0.0.1', ...settings].join(' ');
      try {
        asPostgres(`${PG_BIN}/pg_ctl -D ${data} -l ${instance.log} -w -t 60 -o '${options}' start >/dev/null`, 'starting PostgreSQL');
      } catch (e) {
        const tail = serverLogTail(20, instance);
        if (/could not create any TCP\/IP sockets|Address already in use/.test(tail)) {
          throw new Error(
            `port ${port} is already in use, so the embedded PostgreSQL cannot listen there (another server, ` +
              `perhaps the embedded stack of another clone: run \`npx pg-centroid db down\` in that clone), ` +
              `or choose another port for this one: PG_CENTROID_PORT=${port + 1} (or point DATABASE_URL at a running server)`,
          );
        }
        throw new Error(`${(e as Error).message}\nthe server's log (${instance.log} in ${rootOf()}) ends with:\n${tail}`);
      }
    }
    return `postgres://postgres@127.0.0.1:${port}/postgres`;
  });
}

/** Stops the embedded server (the files stay, so the next start takes a second). */
export function down(instance: Instance = mainInstance()): void {
  if (!isRunning(instance)) return;
  asPostgres(`${PG_BIN}/pg_ctl -D ${instance.data} -m fast -w stop >/dev/null`, 'stopping PostgreSQL');
}

/** Copies the built extension files into the stack's share directory. */
export function installFiles(): void {
  const built = join(projectRoot(), 'extension');
  const files = existsSync(built) ? readdirSync(built).filter((f) => f.startsWith('pg_centroid')) : [];
  if (!files.some((f) => f.endsWith('.control'))) {
    throw new Error('the extension is not built: run `npm run build` first');
  }
  const share = join(rootOf(), 'usr/share/postgresql/18/extension');
  for (const f of files) cpSync(join(built, f), join(share, f));
}

/** The server's log, for error reports. */
export function serverLogTail(lines = 40, instance: Instance = mainInstance()): string {
  const r = spawnSync('tail', ['-n', String(lines), join(rootOf(), instance.log)], { encoding: 'utf8' });
  return r.stdout ?? '';
}

/** Runs a command inside the stack's root as postgres (pg_dump, psql, python), returning stdout. */
export function inStack(script: string, what = script): string {
  return asPostgres(script, what);
}
