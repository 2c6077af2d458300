// The pg-centroid command line: a thin layer over the SQL functions and the embedded stack.

import { down, isRunning, stackUrl, up } from '../stack/stack';
import { attach, bench, detach, fit, installCommand, load, plot, refit, status } from './commands';
import { CliError } from './connect';

const log = (line: string) => console.error(line);

/** Runs one command and returns the process exit code. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'db':
      return db(rest[0], rest.includes('--json'));
    case 'docker':
      return (await import('./docker')).dockerCommand(rest[0], rest.includes('--json'));
    case 'compose':
      return (await import('./docker')).composeCommand(rest);
    case 'install':
      return installCommand(rest);
    case 'attach':
      return attach(rest);
    case 'detach':
      return detach(rest);
    case 'status':
      return status(rest);
    case 'refit':
      return refit(rest);
    case 'fit':
      return fit(rest);
    case 'plot':
      return plot(rest);
    case 'load':
      return load(rest);
    case 'bench':
      return bench(rest);
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
function db(action: string | undefined, json: boolean): number {
  switch (action) {
    case 'up': {
      const url = up(log);
      console.log(json ? JSON.stringify({ url }) : url);
      return 0;
    }
    case 'down':
      down();
      return 0;
    case 'url':
      console.log(json ? JSON.stringify({ url: stackUrl() }) : stackUrl());
      return 0;
    case 'status': {
      const running = isRunning();
      if (json) console.log(JSON.stringify({ running, url: stackUrl() }));
      else console.log(running ? `running at ${stackUrl()}` : 'not running (start it with: pg-centroid db up)');
      return 0;
    }
    default:
      console.error('usage: pg-centroid db up | down | url | status');
      return 2;
  }
}

const USAGE = `usage: pg-centroid <command>

  db up | down | url | status   the embedded PostgreSQL 18 + TimescaleDB + pljs stack
  docker up | down | status     a Docker engine: the machine's, or the project's own daemon (.docker/)
  compose <args...>             docker compose on that engine (docker-compose.yml), e.g. compose up -d --build
  install [--method auto|files|sql]
                                install pg_centroid into the database (extension files, or plain SQL)
  attach <table> --config settings.json [--no-refit]
                                cluster a table on insert (settings + trigger + first clustering)
  detach <table>                stop clustering a table on insert (cluster numbers stay)
  status [table]                settings, rows, last refit, cost and clusters of clustered tables
  refit <table>                 re-cluster a table's window now
  fit <model> --source <table|view|SELECT> --config settings.json
                                segment a table in one call and record the model version
  load <table> --csv rows.csv [--batch 10000]
                                bulk insert rows (clustered on the way in), with a progress bar
  plot <table> --out plot.svg [--html plot.html] [--sample 2000]
                                scatter of a sample coloured by cluster, centroids marked
  bench [args...]               run the benchmark (bench/run.ts)
  demo                          stream rows from drifting sources into a clustered hypertable

Commands that print data take --json. They talk to DATABASE_URL, or to the embedded stack when
DATABASE_URL is not set (start it with: pg-centroid db up).`;

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const hint = e instanceof CliError ? e.hint : '';
    if (process.argv.includes('--json')) console.log(JSON.stringify({ error: { message, hint } }));
    console.error(`error: ${message}${hint ? `\nhint: ${hint}` : ''}`);
    process.exit(e instanceof CliError ? e.exitCode : 1);
  },
);
