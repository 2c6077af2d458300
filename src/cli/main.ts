// The pg-centroid command line: a thin layer over the SQL functions and the embedded stack.

import { downShards, knownShards, MAX_SHARDS, shardInstance, shardUrl, upShards } from '../stack/shards';
import { down, isRunning, stackUrl, up } from '../stack/stack';
import { wantsHelp, type Command } from './args';
import { attach, bench, detach, installCommand, refit, scheduleRefit, status, unscheduleRefit } from './commands';
import { CliError, EXIT } from './connect';
import { demo } from './demo';
import { packageVersion } from './install';
import { load } from './load';
import { chooseK, fit, models, predict, scheduleFit, unscheduleFit } from './models';
import { plot } from './plot-command';

const log = (line: string) => console.error(line);

/** `db up | down | url | status`: the embedded stack (and, with --shards, servers of its own for sharded tables). */
const db: Command = {
  name: 'db',
  usage: 'db up [--shards N] | down [--shards] | url [--shards] | status [--shards] [--json]',
  summary: 'the embedded PostgreSQL 18 + TimescaleDB + pljs stack',
  help: `  up       build (once, as root: mmdebstrap) and start it; prints its URL
  down     stop it (its files stay)
  url      print its URL
  status   whether it runs
  --shards N (up) also start N shard servers from the same root, for sharded tables (postgres_fdw foreign
           partitions): shard i listens on 127.0.0.1, port PG_CENTROID_SHARD_PORT + i - 1 (by default
           PG_CENTROID_PORT + i), loads pg_stat_statements, and is printed after the main URL
  --shards (down) stop the shards too; (url, status) list the shards started so far
It listens on 127.0.0.1, port PG_CENTROID_PORT (54329), and lives in PG_CENTROID_STACK (.stack/).`,
  async run(argv) {
    const { words, shards, json } = dbArgs(argv, this.usage);
    const action = words[0];
    const listed = () => knownShards().map((i) => ({ shard: i, url: shardUrl(i), running: isRunning(shardInstance(i)) }));
    const shardsGiven = shards !== null;
    switch (action) {
      case 'up': {
        if (shards === true || (typeof shards === 'number' && !(shards >= 1 && shards <= MAX_SHARDS))) {
          throw new CliError(`--shards takes the number of shards to start, from 1 to ${MAX_SHARDS}`, `usage: pg-centroid ${this.usage}`, EXIT.usage);
        }
        const url = up(log);
        const urls = typeof shards === 'number' ? upShards(shards, log) : [];
        console.log(json ? JSON.stringify(urls.length > 0 ? { url, shards: urls } : { url }) : [url, ...urls].join('\n'));
        return EXIT.ok;
      }
      case 'down':
        if (shardsGiven) downShards();
        down();
        return EXIT.ok;
      case 'url':
        if (json) console.log(JSON.stringify(shardsGiven ? { url: stackUrl(), shards: listed().map((s) => s.url) } : { url: stackUrl() }));
        else console.log([stackUrl(), ...(shardsGiven ? listed().map((s) => s.url) : [])].join('\n'));
        return EXIT.ok;
      case 'status': {
        const running = isRunning();
        const shards = shardsGiven ? listed() : null;
        if (json) console.log(JSON.stringify(shards ? { running, url: stackUrl(), shards } : { running, url: stackUrl() }));
        else {
          console.log(running ? `running at ${stackUrl()}` : 'not running (start it with: pg-centroid db up)');
          for (const s of shards ?? []) console.log(`shard ${s.shard}: ${s.running ? `running at ${s.url}` : 'not running'}`);
        }
        return EXIT.ok;
      }
      default:
        throw new CliError(action === undefined ? 'missing what to do with the stack' : `unknown db action "${action}"`, `usage: pg-centroid ${this.usage}`, EXIT.usage);
    }
  },
};

/** The db command's words, and --shards (a count, or true when given without one) and --json. */
function dbArgs(argv: string[], usage: string): { words: string[]; shards: number | true | null; json: boolean } {
  const words: string[] = [];
  let shards: number | true | null = null;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const inline = /^--shards=(.*)$/.exec(a);
    if (a === '--json') json = true;
    else if (inline) shards = /^\d+$/.test(inline[1] as string) ? Number(inline[1]) : NaN;
    else if (a === '--shards') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        shards = Number(next);
        i++;
      } else shards = true;
    } else if (a.startsWith('-')) throw new CliError(`unknown option ${a}`, `usage: pg-centroid ${usage}`, EXIT.usage);
    else words.push(a);
  }
  return { words, shards, json };
}

/** `docker up | down | status`: a Docker engine (the machine's, or the project's own daemon in .docker/). */
const docker: Command = {
  name: 'docker',
  usage: 'docker up | down | status [--json]',
  summary: "a Docker engine: the machine's, or the project's own daemon (.docker/)",
  help: `  up       use the engine DOCKER_HOST or the default socket answers; else install docker.io (apt-get) when missing
           and start a daemon of the project's own, listening on a socket in .docker/; build debian:sid locally
           (mmdebstrap + docker import) when it cannot be pulled; prints the DOCKER_HOST to use
  down     stop the project's own daemon (its images stay in .docker/), and remove its network rules
  status   which engine answers`,
  async run(argv) {
    const { dockerCommand } = await import('./docker');
    return dockerCommand(argv.filter((a) => a !== '--json')[0], argv.includes('--json'));
  },
};

/** `compose <args...>`: docker compose (or docker-compose v1) for docker-compose.yml, on that engine. */
const composeCmd: Command = {
  name: 'compose',
  usage: 'compose <args...>',
  summary: 'docker compose (or docker-compose v1) on that engine, e.g. compose up -d --build',
  help: 'Prepares the engine as `docker up` does (and, to build, debian:sid and the built extension), then runs docker compose with the arguments given.',
  async run(argv) {
    const { composeCommand } = await import('./docker');
    return composeCommand(argv);
  },
};

/** Every command, in the order the overview lists them. */
const COMMANDS: Command[] = [db, docker, composeCmd, installCommand, attach, detach, status, refit, scheduleRefit, unscheduleRefit, load, fit, predict, chooseK, models, scheduleFit, unscheduleFit, plot, bench, demo];

/** The overview: every command with its summary, then where it connects and the exit codes. */
function usage(): string {
  const lines = ['usage: pg-centroid <command> [arguments] (pg-centroid <command> --help for its options)', ''];
  for (const c of COMMANDS) {
    const first = (c.usage.split('\n')[0] as string).replace(/ \[--json\]$/, '');
    lines.push(`  ${first}`, `      ${c.summary}`);
  }
  lines.push(
    '',
    'Commands that print data take --json. They talk to DATABASE_URL, or to the embedded stack when',
    'DATABASE_URL is not set (start it with: pg-centroid db up). pg-centroid --version prints the version.',
    '',
    'Exit codes: 0 ok; 1 refused by the server (its message and hint are printed); 2 bad arguments (usage,',
    'files, DATABASE_URL); 3 server not reachable; 4 pg_centroid not installed in the database; 5 the server',
    'refused the connection (no such database or role, authentication).',
  );
  return lines.join('\n');
}

/** One command's help: its usage, then what it does and its options. */
function commandHelp(c: Command): string {
  return `usage: pg-centroid ${c.usage.replace(/\n\s*/g, '\n       pg-centroid ')}\n\n${c.summary}.\n\n${c.help}`;
}

/** Runs one command and returns the process exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(usage());
    return EXIT.usage;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`pg-centroid ${packageVersion()}`);
    return EXIT.ok;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !topic) throw new CliError(`unknown command "${rest[0]}"`, 'pg-centroid help lists the commands', EXIT.usage);
    console.log(topic ? commandHelp(topic) : usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new CliError(`unknown command "${name}"`, `pg-centroid help lists the commands: ${COMMANDS.map((c) => c.name).join(', ')}`, EXIT.usage);
  if (wantsHelp(rest)) {
    console.log(commandHelp(command));
    return EXIT.ok;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const hint = e instanceof CliError ? e.hint : '';
    if (process.argv.includes('--json')) console.log(JSON.stringify({ error: { message, hint, ...(e instanceof CliError ? e.extra : {}) } }));
    console.error(`error: ${message}${hint ? `\nhint: ${hint}` : ''}`);
    process.exit(e instanceof CliError ? e.exitCode : EXIT.refused);
  },
);
