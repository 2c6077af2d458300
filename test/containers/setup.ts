// Global setup of the container tests (vitest project "containers"): a Docker engine (the machine's,
// or the project's own daemon, started here), the debian:sid base image, and the project's images
// built from its Dockerfile by testcontainers. The teardown removes what the tests left and stops
// the daemon when a test run started it (its containers and networks go with it, and its iptables rules).

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContext, docker, dockerDir, ensureBaseImage, ensureEngine, hostLeftovers, IMAGE, stopEngine } from '../../src/stack/docker';
import { BARE_IMAGE, LABEL } from './server';

const log = (line: string) => console.error(line);

export default async function setup(): Promise<() => Promise<void>> {
  const traces = hostLeftovers();
  const engine = ensureEngine(log);
  // A run that was interrupted before its teardown leaves the daemon it started to the next run's.
  const startedByTests = join(dockerDir(), 'started-by-tests');
  if (engine.started) writeFileSync(startedByTests, '');
  // For testcontainers, set here rather than in the user's shell: its reaper image cannot be pulled
  // without a registry (the teardown removes containers instead), and the own daemon's published
  // ports are on this machine's 127.0.0.1 (testcontainers would guess a gateway address, as /.dockerenv
  // makes this machine look like a container).
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (engine.own) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  try {
    const base = ensureBaseImage(log);
    const { GenericContainer } = await import('testcontainers');
    const started = Date.now();
    const context = buildContext();
    await GenericContainer.fromDockerfile(context).withTarget('bare').build(BARE_IMAGE, { deleteOnExit: false });
    await GenericContainer.fromDockerfile(context).build(IMAGE, { deleteOnExit: false });
    log(`container tests: engine ${engine.host ?? 'default'}${engine.started ? ' (started)' : ''}, base image ${base}, images built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (e) {
    // No teardown runs after a failed setup.
    if (engine.started) stopEngine(log);
    throw e;
  }

  return async () => {
    const left = docker(['ps', '-aq', '--filter', `label=${LABEL}`]).split('\n').filter(Boolean);
    if (left.length) docker(['rm', '-f', '-v', ...left], 'removing test containers');
    // Images a rebuild replaced; only on the project's own engine, whose images are all the project's.
    if (engine.own) docker(['image', 'prune', '-f'], 'removing replaced images');
    if (!engine.own || !existsSync(startedByTests)) return;
    stopEngine(log);
    rmSync(startedByTests);
    const added = hostLeftovers().filter((t) => !traces.includes(t));
    if (added.length) throw new Error(`the project's Docker daemon, stopped, left on the host:\n${added.join('\n')}`);
  };
}
