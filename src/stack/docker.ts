// Docker for the compose file and the container tests, provisioned the way the embedded stack is:
// the machine's engine when one answers, else a daemon of the project's own (Debian's docker.io,
// installed when missing) with its state in .docker/; the debian:sid base image, pulled, or built
// with mmdebstrap when no registry answers. Stopping the own daemon undoes what it did to the host.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasCommand, installMissing, projectRoot, withLock } from './stack';

type Log = (line: string) => void;

/** The image the Dockerfile starts from. */
export const BASE_IMAGE = 'debian:sid';

/** The image the Dockerfile builds (docker-compose.yml names it too). */
export const IMAGE = 'pg_centroid';

/** The engine in use: where it listens (undefined: the client's default) and whether it is the project's own daemon. */
export interface Engine {
  host: string | undefined;
  own: boolean;
  /** True when this call started the own daemon. */
  started: boolean;
}

/** Where the project's own Docker daemon keeps its state: $PG_CENTROID_DOCKER, or .docker in the project. */
export function dockerDir(): string {
  return resolve(process.env.PG_CENTROID_DOCKER ?? join(projectRoot(), '.docker'));
}

/** The own daemon's files; its sockets go to /run when the directory's path is too long for them. */
function files() {
  const dir = dockerDir();
  // containerd's socket is <exec root>/containerd/containerd.sock.ttrpc, and a socket path has at most 107 bytes.
  const runtime = dir.length <= 60 ? dir : `/run/pg_centroid-docker-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
  return {
    dir,
    root: join(dir, 'root'),
    exec: join(runtime, 'exec'),
    socket: join(runtime, 'docker.sock'),
    pidfile: join(dir, 'dockerd.pid'),
    log: join(dir, 'dockerd.log'),
    before: join(dir, 'host-before.json'),
    context: join(dir, 'context'),
  };
}

/** The DOCKER_HOST of the project's own daemon. */
export function ownHost(): string {
  return `unix://${files().socket}`;
}

/** Runs the docker client against host (undefined: DOCKER_HOST or the client's default). */
function dockerRun(args: string[], host = process.env.DOCKER_HOST, timeout = 0): SpawnSyncReturns<string> {
  const env = { ...process.env };
  if (host === undefined) delete env.DOCKER_HOST;
  else env.DOCKER_HOST = host;
  return spawnSync('docker', args, { env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
}

/** Runs the docker client, failing with its output when it fails; returns stdout. */
export function docker(args: string[], what = `docker ${args[0]}`): string {
  const r = dockerRun(args);
  if (r.status !== 0) throw new Error(`${what} failed (docker exited ${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}`.slice(0, 4000));
  return r.stdout;
}

/** Runs a command, failing with its output when it fails. */
function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} exited ${r.status ?? r.signal}):\n${r.stdout ?? ''}${r.stderr ?? ''}`.slice(0, 4000));
  return r.stdout;
}

/** True when a Docker engine answers at host (undefined: the client's default, /var/run/docker.sock or its context). */
export function engineAnswers(host?: string): boolean {
  return hasCommand('docker') && dockerRun(['version', '--format', '{{.Server.Version}}'], host, 20_000).status === 0;
}

/**
 * A Docker engine to use: the one DOCKER_HOST or the client's default reaches, else the project's own
 * daemon, started when it is not running. Sets DOCKER_HOST for this process (and its children) to it.
 */
export function ensureEngine(log: Log = () => {}): Engine {
  return withLock(() => {
    const host = ownHost();
    const given = process.env.DOCKER_HOST;
    if (given !== host) {
      if (engineAnswers(given)) return { host: given, own: false, started: false };
      if (given) log(`no Docker engine answers at DOCKER_HOST=${given}; using the project's own daemon`);
    }
    let started = false;
    if (!engineAnswers(host)) {
      installMissing({ dockerd: 'docker.io', docker: 'docker.io' }, log);
      // The client may have come with the package; a default engine may have started with it.
      if (!process.env.DOCKER_HOST && engineAnswers(undefined)) return { host: undefined, own: false, started: false };
      startDaemon(log);
      started = true;
    }
    process.env.DOCKER_HOST = host;
    return { host, own: true, started };
  }, dockerDir());
}

/** Starts the project's own dockerd (published ports default to 127.0.0.1) and waits until it answers. */
function startDaemon(log: Log): void {
  if (process.getuid?.() !== 0) {
    throw new Error('no Docker engine answers (DOCKER_HOST, the default socket), and starting the project\'s own needs root: run as root, or start Docker and set DOCKER_HOST');
  }
  // One start at a time on the machine, so two clones cannot both find no other daemon and start theirs.
  withLock(() => {
    const f = files();
    stopStrays(f.exec);
    waitForOtherDaemons(log);
    for (const d of [f.root, f.exec]) mkdirSync(d, { recursive: true });
    // Kept from the first start until a clean stop: what the host looked like before any daemon of ours.
    if (!existsSync(f.before)) writeFileSync(f.before, JSON.stringify(hostNetwork()));
    log(`starting the project's own Docker daemon (${ownHost()}) ...`);
    const out = openSync(f.log, 'a');
    const child = spawn(
      'dockerd',
      ['--data-root', f.root, '--exec-root', f.exec, '--pidfile', f.pidfile, '-H', ownHost(), '--ip', '127.0.0.1'],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    closeSync(out);
    const deadline = Date.now() + 90_000;
    while (!engineAnswers(ownHost())) {
      // The loop blocks this process, so a daemon that exited shows as a zombie child: alive() says no.
      if (!alive(child.pid) || Date.now() > deadline) {
        if (child.pid && alive(child.pid)) process.kill(child.pid, 'SIGKILL');
        throw new Error(`the project's Docker daemon did not start; ${f.log} ends with:\n${tail(f.log, 30)}`);
      }
      spawnSync('sleep', ['0.3']);
    }
  }, join(tmpdir(), 'pg_centroid-dockerd'));
}

/**
 * Waits (up to 10 minutes) until no other dockerd runs on this machine, such as the own daemon of
 * another clone: two daemons share docker0 and iptables' DOCKER chains, and each rebuilds them as its own.
 */
function waitForOtherDaemons(log: Log): void {
  const others = () => processes().filter((pid) => /^(\S*\/)?dockerd /.test(commandLine(pid)) && !commandLine(pid).includes(files().exec));
  const deadline = Date.now() + 10 * 60_000;
  let said = false;
  for (let pids = others(); pids.length > 0; pids = others()) {
    const what = pids.map((pid) => `pid ${pid}: ${commandLine(pid).trim()}`).join('; ');
    if (Date.now() > deadline) {
      throw new Error(`another Docker daemon runs on this machine (${what}), and two would fight over docker0 and iptables: stop it (in its clone: npx pg-centroid docker down), or set DOCKER_HOST to its socket`);
    }
    if (!said) log(`waiting for another Docker daemon on this machine to stop (${what}) ...`);
    said = true;
    spawnSync('sleep', ['2']);
  }
}

/** The pids of the machine's processes. */
function processes(): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);
}

/** The pid of the project's own dockerd when it runs. */
function daemonPid(): number | null {
  const f = files();
  if (!existsSync(f.pidfile)) return null;
  const pid = Number(readFileSync(f.pidfile, 'utf8').trim());
  // A pid file left by a daemon that died may name another process by now.
  return pid > 0 && alive(pid) && commandLine(pid).includes(f.exec) ? pid : null;
}

/** True when the project's own daemon runs (whoever started it). */
export function daemonRunning(): boolean {
  return daemonPid() !== null;
}

/**
 * Stops the project's own daemon (its containers stop with it) and undoes what it changed on the
 * host: iptables rules and chains, bridges, IP forwarding. The images stay in .docker/root.
 */
export function stopEngine(log: Log = () => {}): boolean {
  return withLock(() => {
    const f = files();
    const pid = daemonPid();
    if (pid !== null) {
      log('stopping the project\'s own Docker daemon ...');
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 60_000;
      while (alive(pid) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    stopStrays(f.exec);
    rmSync(f.pidfile, { force: true });
    restoreHost(log);
    return pid !== null;
  }, dockerDir());
}

/** Kills what a daemon of ours left running (its containerd and shims, which name the exec root), by pid. */
function stopStrays(execRoot: string): void {
  const strays = processes().filter((pid) => pid !== process.pid && commandLine(pid).includes(execRoot));
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch { /* gone already */ }
  }
}

/** The state of the host's network that a dockerd changes. */
interface HostNetwork {
  iptables: string | null;
  links: string[];
  ipForward: string | null;
}

/** Reads it now. */
function hostNetwork(): HostNetwork {
  const save = hasCommand('iptables-save') ? spawnSync('iptables-save', { encoding: 'utf8' }) : null;
  return {
    iptables: save?.status === 0 ? save.stdout : null,
    links: existsSync('/sys/class/net') ? readdirSync('/sys/class/net') : [],
    ipForward: existsSync('/proc/sys/net/ipv4/ip_forward') ? readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() : null,
  };
}

/** Puts the host's network back as it was before the first daemon of ours: only what Docker added goes. */
function restoreHost(log: Log): void {
  const f = files();
  if (!existsSync(f.before)) return;
  const before = JSON.parse(readFileSync(f.before, 'utf8')) as HostNetwork;
  const now = hostNetwork();
  if (before.iptables !== null && now.iptables !== null) {
    const undo = iptablesUndo(before.iptables, now.iptables);
    if (undo) {
      const r = spawnSync('iptables-restore', ['--noflush'], { input: undo, encoding: 'utf8' });
      if (r.status !== 0) log(`warning: removing Docker's iptables rules failed: ${r.stderr.trim()}`);
    }
  }
  for (const link of now.links.filter((l) => !before.links.includes(l) && /^(docker0|br-[0-9a-f]{12}|veth)/.test(l))) {
    spawnSync('ip', ['link', 'delete', link], { stdio: 'ignore' });
  }
  if (before.ipForward !== null && now.ipForward !== before.ipForward) writeFileSync('/proc/sys/net/ipv4/ip_forward', before.ipForward);
  rmSync(f.before, { force: true });
}

/** What a stopped daemon of ours would have left on the host: iptables lines, bridges and processes naming Docker's or ours. */
export function hostLeftovers(): string[] {
  const net = hostNetwork();
  const rules = (net.iptables ?? '').split('\n').filter((l) => !l.startsWith('#') && DOCKER_RULE.test(l));
  const links = net.links.filter((l) => /^(docker0|br-[0-9a-f]{12}|veth)/.test(l)).map((l) => `link ${l}`);
  const procs = processes().filter((pid) => pid !== process.pid && commandLine(pid).includes(files().exec)).map((pid) => `pid ${pid}: ${commandLine(pid).trim()}`);
  return [...rules, ...links, ...procs];
}

/** Docker's names in iptables rules: its chains and its bridges. */
const DOCKER_RULE = /DOCKER|docker0|br-[0-9a-f]{12}/;

/**
 * iptables-restore input that removes what Docker added between two iptables-save outputs: its
 * rules in chains that were there before, its own chains, and the policies it changed (FORWARD DROP).
 */
export function iptablesUndo(before: string, now: string): string {
  const parse = (save: string) => {
    const tables = new Map<string, { policies: Map<string, string>; rules: string[] }>();
    let table: { policies: Map<string, string>; rules: string[] } | undefined;
    for (const line of save.split('\n')) {
      if (line.startsWith('*')) tables.set(line.slice(1), (table = { policies: new Map(), rules: [] }));
      else if (line.startsWith(':') && table) {
        const [chain = '', policy = '-'] = line.slice(1).split(' ');
        table.policies.set(chain, policy);
      } else if (line.startsWith('-A ') && table) table.rules.push(line.slice(3));
    }
    return tables;
  };
  const old = parse(before);
  const out: string[] = [];
  for (const [name, table] of parse(now)) {
    const was = old.get(name) ?? { policies: new Map<string, string>(), rules: [] };
    const chains = [...table.policies.keys()];
    const added = chains.filter((c) => !was.policies.has(c) && DOCKER_RULE.test(c));
    const rules = table.rules.filter((r) => !was.rules.includes(r) && DOCKER_RULE.test(r) && !added.includes(r.split(' ')[0] ?? ''));
    // Docker sets FORWARD's policy to DROP when it turns on IP forwarding; absent before, it was ACCEPT.
    const policies = chains
      .filter((c) => c === 'FORWARD' && table.policies.get(c) !== (was.policies.get(c) ?? 'ACCEPT'))
      .map((c) => `-P ${c} ${was.policies.get(c) ?? 'ACCEPT'}`);
    if (added.length + rules.length + policies.length === 0) continue;
    out.push(`*${name}`, ...rules.map((r) => `-D ${r}`), ...added.map((c) => `-F ${c}`), ...added.map((c) => `-X ${c}`), ...policies, 'COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/**
 * Makes debian:sid available to the engine: there already, pulled, or (no registry answers) built
 * locally with mmdebstrap and imported, as the embedded stack builds its root file system.
 */
export function ensureBaseImage(log: Log = () => {}): 'present' | 'pulled' | 'built' {
  return withLock(() => {
    if (dockerRun(['image', 'inspect', BASE_IMAGE]).status === 0) return 'present';
    log(`pulling ${BASE_IMAGE} ...`);
    if (dockerRun(['pull', '-q', BASE_IMAGE], process.env.DOCKER_HOST, 120_000).status === 0) return 'pulled';
    if (process.getuid?.() !== 0) throw new Error(`${BASE_IMAGE} cannot be pulled, and building it with mmdebstrap needs root`);
    installMissing({ mmdebstrap: 'mmdebstrap' }, log);
    const tar = join(dockerDir(), 'sid.tar');
    log(`no registry answers: building ${BASE_IMAGE} with mmdebstrap (~40 s) ...`);
    try {
      run('mmdebstrap', ['--variant=minbase', '--aptopt=Acquire::Check-Valid-Until "false"', 'sid', tar], 'mmdebstrap');
      // What the registry's image sets: an imported one has no environment at all.
      docker(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["bash"]', tar, BASE_IMAGE], `docker import ${BASE_IMAGE}`);
    } finally {
      rmSync(tar, { force: true });
    }
    return 'built';
  }, dockerDir());
}

/**
 * A directory holding exactly what the Dockerfile reads (itself and the built extension files), for
 * builders that read the whole context directory before applying .dockerignore.
 */
export function buildContext(): string {
  const root = projectRoot();
  const built = join(root, 'extension');
  const extension = existsSync(built) ? readdirSync(built).filter((f) => f.startsWith('pg_centroid')) : [];
  if (!extension.some((f) => f.endsWith('.control'))) throw new Error('the extension is not built: run `npm run build` first');
  const dir = files().context;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'extension'), { recursive: true });
  cpSync(join(root, 'Dockerfile'), join(dir, 'Dockerfile'));
  for (const f of extension) cpSync(join(built, f), join(dir, 'extension', f));
  return dir;
}

/** The compose program: `docker compose` (v2) when the client has it, else docker-compose (v1, installed when missing). */
export function composeProgram(log: Log = () => {}): string[] {
  if (dockerRun(['compose', 'version']).status === 0) return ['docker', 'compose'];
  installMissing({ 'docker-compose': 'docker-compose' }, log);
  return ['docker-compose'];
}

/** Runs compose with args in the project's directory on the engine in DOCKER_HOST; returns stdout, or its exit code when its output goes to ours. */
export function compose(args: string[], options: { log?: Log; env?: Record<string, string>; inherit?: boolean } = {}): string {
  const [cmd = 'docker-compose', ...pre] = composeProgram(options.log);
  const r = spawnSync(cmd, [...pre, ...args], {
    cwd: projectRoot(),
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    stdio: options.inherit ? 'inherit' : 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`${[cmd, ...pre, ...args].join(' ')} failed (exited ${r.status ?? r.signal})${options.inherit ? '' : `:\n${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-4000)}`);
  }
  return r.stdout ?? '';
}

/** True when the process runs. */
function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) no longer runs.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A process's command line, or '' when it is gone. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The last lines of a file. */
function tail(file: string, lines: number): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
}
