// The pg-centroid commands on clustered tables, over the client API: each parses its arguments,
// makes one or two API calls, and prints a summary (or JSON with --json). No clustering happens here.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PgCentroid, type RefitResult, type TableStatus } from '../client/index';
import { projectRoot } from '../stack/stack';
import { args, describeJob, plural, positional, print, readConfig, required, round, type Command } from './args';
import { CliError, EXIT, withClient } from './connect';
import { describeInstall, install, METHODS, type Method } from './install';
import { withSpinner } from './progress';

/** The human summary of a refit that did or did not cluster. */
function describeRefit(table: string, r: RefitResult): string {
  if (r.status === 'refitted') return `refitted ${table}: ${plural(r.rows, 'row')}, ${plural(r.iterations, 'iteration')}, cost ${round(r.cost)}, ${plural(r.changed, 'label')} changed`;
  return `${table} not clustered: ${r.status === 'waiting' ? `${r.rows} valid rows, fewer than minimum_data_count` : 'fewer distinct rows than cluster_count'}`;
}

export const attach: Command = {
  name: 'attach',
  usage: 'attach <table> --config settings.json [--no-refit] [--json]',
  summary: 'cluster a table on insert (settings + trigger + first clustering)',
  help: `Writes the table's settings (centroid.attach), creates its row trigger centroid_cluster when it has
none, and clusters the rows already there.
  --config FILE|JSON   the settings: a JSON file, or the JSON itself ('{"key_column": "id", ...}')
  --no-refit           do not cluster the rows already there`,
  async run(argv) {
    const p = args(argv, this.usage, { config: { type: 'string' }, 'no-refit': { type: 'boolean' } });
    const table = positional(p, 0, 'table', this.usage);
    const config = readConfig(p.values.config, this.usage);
    const r = await withClient((c) => withSpinner(`attaching ${table}`, () => new PgCentroid(c).attach(table, config, { refit: !p.values['no-refit'] })));
    print(p, r, () => {
      const refit = r.refit;
      const what = !refit ? 'not clustered yet (--no-refit)'
        : refit.status === 'refitted' ? `clustered ${refit.rows} rows (${refit.changed} labels written, cost ${round(refit.cost)})`
        : refit.status === 'waiting' ? `waiting: ${refit.rows} valid rows, fewer than minimum_data_count`
        : 'waiting: fewer distinct rows than cluster_count';
      return `attached ${r.table}: trigger ${r.trigger}; ${what}`;
    });
    return EXIT.ok;
  },
};

export const detach: Command = {
  name: 'detach',
  usage: 'detach <table> [--json]',
  summary: 'stop clustering a table on insert (cluster numbers stay)',
  help: 'Drops the row trigger, the settings and the stored centroids (centroid.detach); cluster numbers already written stay.',
  async run(argv) {
    const p = args(argv, this.usage);
    const table = positional(p, 0, 'table', this.usage);
    const r = await withClient((c) => new PgCentroid(c).detach(table));
    print(p, r, () => r.settings_removed || r.triggers_dropped.length > 0
      ? `detached ${r.table}: dropped ${r.triggers_dropped.join(', ') || 'no row trigger'}, settings and centroids removed (cluster numbers stay)`
      : `${r.table} was not attached: nothing to do`);
    return EXIT.ok;
  },
};

export const status: Command = {
  name: 'status',
  usage: 'status [table] [--json]',
  summary: 'settings, rows, last refit, cost and clusters of clustered tables',
  help: `Without a table, every clustered table you own (centroid.status). --json adds the times: refitted_at,
online_updated_at and duration_ms.`,
  async run(argv) {
    const p = args(argv, this.usage);
    const table = p.positionals[0];
    const list = await withClient(async (c) => {
      const api = new PgCentroid(c);
      return table ? [await api.status(table)] : await api.statusAll();
    });
    print(p, table ? list[0] : list, () => (list.length === 0 ? 'no clustered tables (attach one: pg-centroid attach <table> --config settings.json)' : list.map(describeStatus).join('\n\n')));
    return EXIT.ok;
  },
};

/** The human summary of one table's status (times are in --json only, so the summary is stable). */
function describeStatus(s: TableStatus): string {
  const set = s.settings;
  const lines = [
    `${s.table}${s.trigger ? '' : '  (no row trigger: new rows are not labelled)'}`,
    set
      ? `  ${set.clustering_algorithm}, k=${set.cluster_count}, ${set.distance_type}, columns ${set.clustering_columns.join(', ')} -> ${set.cluster_number_column}, refit ${set.refit}, window ${set.minimum_data_count}..${set.maximum_data_count}`
      : `  settings no longer fit the table: ${s.error?.message ?? ''}${s.error?.hint ? ` (${s.error.hint})` : ''}`,
    `  rows ${s.rows ?? '-'}, labelled ${s.labelled_rows ?? '-'}`,
    s.refits > 0
      ? `  last refit: ${plural(s.rows_used, 'row')}, ${plural(s.iterations, 'iteration')}${s.converged ? '' : ' (not converged)'}, cost ${round(s.cost)}, ${plural(s.changed_labels, 'label')} changed; ${plural(s.refits, 'refit')} so far`
      : '  not clustered yet',
  ];
  if (s.clusters.length > 0) {
    lines.push('  cluster     size     radius  centroid');
    for (const c of s.clusters) {
      lines.push(`  ${String(c.cluster).padStart(7)} ${String(c.size ?? '-').padStart(8)} ${round(c.radius).padStart(10)}  (${c.centroid.map((x) => round(x)).join(', ')})`);
    }
  }
  return lines.join('\n');
}

export const refit: Command = {
  name: 'refit',
  usage: 'refit <table> [--json]',
  summary: "re-cluster a table's window now",
  help: 'Runs centroid.refit on the table, whatever its refit policy. --json adds duration_ms.',
  async run(argv) {
    const p = args(argv, this.usage);
    const table = positional(p, 0, 'table', this.usage);
    const r = await withClient((c) => withSpinner(`refitting ${table}`, () => new PgCentroid(c).refit(table)));
    print(p, r, () => describeRefit(table, r));
    return EXIT.ok;
  },
};


export const scheduleRefit: Command = {
  name: 'schedule-refit',
  usage: "schedule-refit <table> --schedule '0 3 * * *' [--json]",
  summary: 'refit a table on a pg_cron schedule (the online policy\'s full refits)',
  help: `Registers a pg_cron job that runs centroid.refit on the table (centroid.schedule_refit); scheduling
it again replaces the schedule.
  --schedule CRON   cron syntax ('0 3 * * *'), or 'N seconds'
pg_cron lives in one database (cron.database_name); from another database the job is registered there
through dblink (CREATE EXTENSION dblink first), else the error's hint gives the statement to run there.`,
  async run(argv) {
    const p = args(argv, this.usage, { schedule: { type: 'string' } });
    const table = positional(p, 0, 'table', this.usage);
    const schedule = required(p, 'schedule', this.usage);
    const r = await withClient((c) => new PgCentroid(c).scheduleRefit(table, schedule));
    print(p, r, () => describeJob(`refits of ${table}`, r));
    return EXIT.ok;
  },
};

export const unscheduleRefit: Command = {
  name: 'unschedule-refit',
  usage: 'unschedule-refit <table> [--json]',
  summary: 'remove the scheduled refit of a table',
  help: 'Removes the pg_cron job of schedule-refit (centroid.unschedule_refit); says so when there was none.',
  async run(argv) {
    const p = args(argv, this.usage);
    const table = positional(p, 0, 'table', this.usage);
    const removed = await withClient((c) => new PgCentroid(c).unscheduleRefit(table));
    print(p, { table, removed }, () => (removed ? `unscheduled the refits of ${table}` : `${table} had no scheduled refit: nothing to do`));
    return EXIT.ok;
  },
};

export const installCommand: Command = {
  name: 'install',
  usage: 'install [--method auto|files|extension|sql] [--json]',
  summary: 'install pg_centroid into the database (extension files, CREATE EXTENSION, or plain SQL)',
  help: `Installs (or updates) pg_centroid in the database of DATABASE_URL, and says why it chose its method.
  --method auto       (default) files when the server's extension directory is writable from here; else
                      CREATE EXTENSION when the server already offers this version (pg_available_extensions);
                      else the plain SQL installer
  --method files      copy extension/pg_centroid* into the server's extension directory, then CREATE EXTENSION
                      (or ALTER EXTENSION UPDATE); says what it tried when it cannot
  --method extension  CREATE EXTENSION (or ALTER EXTENSION UPDATE) with the files the server already has
  --method sql        dist/pg_centroid-plain-install.sql: the same objects without CREATE EXTENSION`,
  async run(argv) {
    const p = args(argv, this.usage, { method: { type: 'string' } });
    const method = (p.values.method ?? 'auto') as Method;
    if (!METHODS.includes(method)) throw new CliError(`--method must be ${METHODS.slice(0, -1).join(', ')} or ${METHODS[METHODS.length - 1]}, not "${method}"`, `usage: pg-centroid ${this.usage}`, EXIT.usage);
    const r = await withClient((c, url) => install(c, url, method));
    print(p, r, () => describeInstall(r));
    return EXIT.ok;
  },
};

export const bench: Command = {
  name: 'bench',
  usage: 'bench [args...]',
  summary: 'run the benchmark (bench/run.ts, in a checkout)',
  help: `Runs bench/run.ts with tsx, passing the arguments on, and exits with its exit code
(pg-centroid bench -- --help passes --help on). Needs a checkout of pg_centroid.`,
  async run(argv) {
    const root = projectRoot();
    const script = process.env.PG_CENTROID_BENCH ?? join(root, 'bench', 'run.ts');
    if (!existsSync(script)) throw new CliError(`no benchmark script at ${script}`, 'run pg-centroid bench from a checkout of pg_centroid (npm install first)');
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const passed = argv[0] === '--' ? argv.slice(1) : argv;
    const [cmd, cmdArgs] = existsSync(tsx) ? [tsx, [script, ...passed]] : ['npx', ['tsx', script, ...passed]];
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  },
};
