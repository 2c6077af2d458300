// The pg-centroid command line: a thin layer over the SQL functions and the embedded stack.

import { down, isRunning, stackUrl, up } from '../stack/stack';

const log = (line: string) => console.error(line);

/** Runs one command and returns the process exit code. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'db':
      return db(rest[0]);
    case 'demo': {
      const { demo } = await import('./demo');
      await demo(log);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** `db up | down | url | status`: the embedded stack. */
function db(action: string | undefined): number {
  switch (action) {
    case 'up':
      console.log(up(log));
      return 0;
    case 'down':
      down();
      return 0;
    case 'url':
      console.log(stackUrl());
      return 0;
    case 'status':
      console.log(isRunning() ? `running at ${stackUrl()}` : 'not running (start it with: pg-centroid db up)');
      return 0;
    default:
      console.error('usage: pg-centroid db up | down | url | status');
      return 2;
  }
}

const USAGE = `usage: pg-centroid <command>

  db up | down | url | status   the embedded PostgreSQL 18 + TimescaleDB + pljs stack
  demo                          stream rows from drifting sources into a clustered hypertable

Set DATABASE_URL to use an existing server instead of the embedded stack.`;

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
