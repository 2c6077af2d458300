// `pg-centroid docker up | down | status`: a Docker engine (the machine's, or the project's own daemon),
// and `pg-centroid compose <args>`: docker compose (or docker-compose v1) on it, for docker-compose.yml.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compose, daemonRunning, ensureBaseImage, ensureEngine, engineAnswers, ownHost, stopEngine } from '../stack/docker';
import { projectRoot } from '../stack/stack';
import { CliError } from './connect';

const log = (line: string) => console.error(line);

/** `docker up | down | status`. */
export function dockerCommand(action: string | undefined, json: boolean): number {
  switch (action) {
    case 'up': {
      const engine = ensureEngine(log);
      ensureBaseImage(log);
      const host = engine.host ?? null;
      console.log(json ? JSON.stringify({ host, own: engine.own, started: engine.started }) : host ? `export DOCKER_HOST=${host}` : 'the machine\'s Docker engine (default socket)');
      return 0;
    }
    case 'down': {
      const stopped = stopEngine(log);
      if (json) console.log(JSON.stringify({ stopped }));
      else console.log(stopped ? 'stopped the project\'s own Docker daemon' : 'the project\'s own Docker daemon is not running');
      return 0;
    }
    case 'status': {
      const own = daemonRunning();
      const machine = !own && engineAnswers(process.env.DOCKER_HOST);
      if (json) console.log(JSON.stringify({ own, machine, host: own ? ownHost() : process.env.DOCKER_HOST ?? null }));
      else console.log(own ? `the project's own daemon is running: export DOCKER_HOST=${ownHost()}` : machine ? 'a Docker engine answers (DOCKER_HOST or the default socket)' : 'no Docker engine (start one with: pg-centroid docker up)');
      return 0;
    }
    default:
      console.error('usage: pg-centroid docker up | down | status');
      return 2;
  }
}

/** `compose <args>`: docker compose with args, once the engine (and, to build, debian:sid and the extension) are there. */
export function composeCommand(argv: string[]): number {
  if (argv.length === 0) throw new CliError('missing compose arguments', 'usage: pg-centroid compose up -d --build | down | ps | logs ...', 2);
  const builds = argv.includes('up') || argv.includes('build');
  if (builds && !existsSync(join(projectRoot(), 'extension', 'pg_centroid.control'))) {
    throw new CliError('the extension is not built, and the image copies it', 'run `npm run build` first');
  }
  const engine = ensureEngine(log);
  if (builds) ensureBaseImage(log);
  if (engine.own) log(`on the project's own Docker daemon (for docker itself: export DOCKER_HOST=${engine.host})`);
  compose(argv, { log, inherit: true });
  return 0;
}
