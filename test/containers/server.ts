// Test helper: a PostgreSQL server in a container of the project's image (built by setup.ts), started
// by testcontainers, with the built pg_centroid installed (or, from the bare image, without it).

import pg from 'pg';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { IMAGE } from '../../src/stack/docker';

/** The Dockerfile's first stage: PostgreSQL 18 + TimescaleDB + pljs, no pg_centroid. */
export const BARE_IMAGE = `${IMAGE}:bare`;

/** Every test container carries it, so the teardown finds what a failed test left. */
export const LABEL = 'org.pg-centroid.test';

pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/** A started server. */
export interface Server {
  container: StartedTestContainer;
  /** The URL of a database on it. */
  url(database?: string): string;
  /** A client of a database (closed by stop()). */
  connect(database?: string): Promise<pg.Client>;
  /** Runs a command in the container as postgres; fails with its output when it fails. */
  exec(command: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a container of image and waits for its health check (pg_isready). */
export async function startServer(image = IMAGE): Promise<Server> {
  const container = await new GenericContainer(image)
    .withExposedPorts(5432)
    .withLabels({ [LABEL]: 'true' })
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(120_000)
    .start();
  const clients: pg.Client[] = [];
  const url = (database = 'postgres') => `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/${database}`;
  return {
    container,
    url,
    async connect(database) {
      const c = new pg.Client({ connectionString: url(database) });
      c.on('notice', () => {});
      await c.connect();
      clients.push(c);
      return c;
    },
    async exec(command) {
      const r = await container.exec(command, { user: 'postgres' });
      if (r.exitCode !== 0) throw new Error(`${command.join(' ')} exited ${r.exitCode}:\n${r.output}`);
      return r.stdout;
    },
    async stop() {
      for (const c of clients) await c.end().catch(() => {});
      await container.stop();
    },
  };
}
