// Installs a clustered table's generated trigger functions and companion triggers (src/sql/trigger.ts) from its
// settings and stored centroids: after every settings write, refit, online update and TRUNCATE, and after ALTER
// TABLE. Runs as the extension's owner (centroid_internal._compile is SECURITY DEFINER) and only ever installs what
// the stored settings and state say, so calling it again changes nothing; a function is replaced only when its
// source changed, and a trigger only when its definition did.

import { validateConfig, type Settings } from '../config/settings';
import { arrayOf, ident, integer, qualified, text } from '../sql/quote';
import { functionSource, hookFunctionSql, labelFunctionSql, storeValues, type HookSpec, type LabelSpec, type NumberKind } from '../sql/trigger';
import { vectorType } from '../sql/vector';
import { describe, orderColumn, type Table } from './catalog';
import { checkColumns } from './columns';
import { exec, one, query } from './pl';
import { loadState } from './state';
import { dimensionsOf, vectorFeature, type VectorFeature } from './pgvector';

/** The companion triggers pg_centroid puts on a clustered table (the user's own centroid.cluster_on_insert aside). */
const TRIGGERS = ['centroid_label', 'centroid_before_insert', 'centroid_after_insert', 'centroid_truncate'] as const;
type TriggerName = (typeof TRIGGERS)[number];

/** A trigger as the catalog has it. */
interface Existing {
  name: TriggerName;
  fn: number;
  /** tgtype bits, column numbers (UPDATE OF), transition table name. */
  type: number;
  columns: string;
  newTable: string | null;
}

/** The trigger a table should have: its definition and the catalog facts that identify it. */
interface Wanted {
  name: TriggerName;
  fn: 'label' | 'hook';
  definition: string;
  type: number;
  columns: string;
  newTable: string | null;
}

/**
 * True when the table's label function holds its centroids as constants (inline_centroids, never with row-level
 * security): only then do new centroids need the function compiled again; hidden labels read the stored state.
 */
export function inlineLabels(table: Table, s: Settings): boolean {
  return s.inline_centroids && !table.rowSecurity;
}

/**
 * Whether new centroids reach the next rows' labels only through _compile: inline constants in the label function, or
 * a vector column's centroid store. Hidden numeric labels read the stored state, so their refits and moves skip it.
 */
export function compiledCentroids(table: Table, s: Settings): boolean {
  return inlineLabels(table, s) || vectorFeature(table, s) !== null;
}

/** Calls centroid_internal._compile for a table (from code that runs as the table's owner). */
export function compileTable(oid: number): void {
  one(`SELECT centroid_internal._raise(centroid_internal._compile(${integer(oid)}::oid))`);
}

/** The settings row of a table, validated; null without one; an error message when it no longer validates. */
function settingsOf(oid: number): { settings: Settings | null; table: Table | null; broken: { message: string; hint: string } | null } | null {
  const row = one<{ config: unknown }>(`SELECT config FROM centroid.settings WHERE table_name = ${integer(oid)}::oid::regclass`);
  if (!row) return null;
  const table = one(`SELECT 1 FROM pg_catalog.pg_class WHERE oid = ${integer(oid)}::oid`) ? describe(oid) : null;
  try {
    const settings = validateConfig(row.config, 'insert');
    if (table) checkColumns(table, settings, 'insert');
    return { settings, table, broken: null };
  } catch (e) {
    const err = e as { message?: string; hint?: string; key?: string };
    const message = err.key ? `pg_centroid setting ${err.key}: ${err.message}` : String(err.message);
    return { settings: null, table, broken: { message, hint: err.hint ?? "fix the table's row in centroid.settings" } };
  }
}

/** The table's companion triggers as the catalog has them. */
function existingTriggers(oid: number): Existing[] {
  return query<{ name: TriggerName; fn: bigint | number; type: number; columns: string; new_table: string | null }>(
    `SELECT tgname::text AS name, tgfoid::int8 AS fn, tgtype::int4 AS type, tgattr::text AS columns, tgnewtable::text AS new_table
       FROM pg_catalog.pg_trigger WHERE tgrelid = ${integer(oid)}::oid AND NOT tgisinternal
        AND tgname::text = ANY (${arrayOf(TRIGGERS, 'text')})`,
  ).map((r) => ({ name: r.name, fn: Number(r.fn), type: Number(r.type), columns: r.columns, newTable: r.new_table }));
}

/** A generated function of ours, by oid: its qualified name, source, owner and whether PUBLIC may execute it; null when it is not one. */
function ownFunction(fn: number): { name: string; source: string; owner: string; open: boolean } | null {
  const row = one<{ name: string; source: string; owner: string; open: boolean }>(
    `SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(p.proname) AS name, p.prosrc AS source,
            pg_catalog.pg_get_userbyid(p.proowner)::text AS owner, pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS open
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      WHERE p.oid = ${integer(fn)}::oid AND n.nspname = 'centroid_internal'`,
  );
  return row ?? null;
}

/** A name for a new generated function of the table that no function has yet. */
function freshName(kind: 'label' | 'hook', oid: number): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${kind}_${oid}` : `${kind}_${oid}_${i}`;
    const taken = one(`SELECT 1 FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'centroid_internal'::regnamespace AND p.proname = ${text(name)}`);
    if (!taken) return qualified('centroid_internal', name);
  }
}

/** Bits of pg_trigger.tgtype. */
const ROW = 1;
const BEFORE = 2;
const INSERT = 4;
const UPDATE = 16;
const TRUNCATE = 32;

/** The number kind of each clustering column (see catalog.ts). */
function columnsOf(table: Table, s: Settings): { name: string; kind: NumberKind }[] {
  return s.clustering_columns.map((c) => ({ name: c, kind: (table.columns.get(c)?.kind ?? 'float') as NumberKind }));
}

/** The companion triggers the settings call for. */
function wantedTriggers(table: Table, s: Settings | null, label: string, hook: string): Wanted[] {
  const rel = table.sql;
  if (!s) {
    // Settings that no longer fit the table: only the label trigger, which raises what to fix.
    return [{ name: 'centroid_label', fn: 'label', definition: `BEFORE INSERT ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${label}()`, type: ROW | BEFORE | INSERT, columns: '', newTable: null }];
  }
  // No column list (UPDATE OF) on purpose: it would make the clustering columns impossible to drop or retype
  // without CASCADE; the label function itself skips updates that leave them as they were.
  const wanted: Wanted[] = [
    { name: 'centroid_label', fn: 'label', definition: `BEFORE INSERT OR UPDATE ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${label}()`, type: ROW | BEFORE | INSERT | UPDATE, columns: '', newTable: null },
    {
      name: 'centroid_after_insert',
      fn: 'hook',
      // online moves centroids by the rows really inserted; row counts them (see src/db/insert.ts afterInsert).
      definition:
        s.refit !== 'statement'
          ? `AFTER INSERT ON ${rel} REFERENCING NEW TABLE AS centroid_new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${hook}()`
          : `AFTER INSERT ON ${rel} FOR EACH STATEMENT EXECUTE FUNCTION ${hook}()`,
      type: INSERT,
      columns: '',
      newTable: s.refit !== 'statement' ? 'centroid_new_rows' : null,
    },
    { name: 'centroid_truncate', fn: 'hook', definition: `AFTER TRUNCATE ON ${rel} FOR EACH STATEMENT EXECUTE FUNCTION ${hook}()`, type: TRUNCATE, columns: '', newTable: null },
  ];
  if (s.refit === 'row') {
    wanted.push({ name: 'centroid_before_insert', fn: 'hook', definition: `BEFORE INSERT ON ${rel} FOR EACH STATEMENT EXECUTE FUNCTION ${hook}()`, type: BEFORE | INSERT, columns: '', newTable: null });
  }
  return wanted;
}

/** The time column whose values weigh online moves, and how it becomes seconds. */
function timeOf(table: Table, s: Settings): HookSpec['time'] {
  const name = orderColumn(table, s);
  if (name === null) return null;
  const type = table.columns.get(name)?.type ?? '';
  if (/^(timestamp|date)/.test(type)) return { name, kind: 'timestamp' };
  if (table.columns.get(name)?.kind) return { name, kind: 'number' };
  return null;
}

/**
 * Creates or replaces a generated function when its source changed, owned by the table's owner. No other role may
 * execute it: CREATE TRIGGER needs EXECUTE, and a trigger of another table naming it would hand it to that table's
 * compile (firing needs no EXECUTE, so the table's own triggers run it for every role).
 */
function install(sql: string, existing: { name: string; source: string; owner: string; open: boolean } | null, owner: string): void {
  const name = sql.slice('CREATE OR REPLACE FUNCTION '.length, sql.indexOf('()'));
  if (!existing || existing.source !== functionSource(sql)) exec(sql);
  if (!existing || existing.owner !== owner) exec(`ALTER FUNCTION ${name}() OWNER TO ${ident(owner)}`);
  if (!existing || existing.open) exec(`REVOKE EXECUTE ON FUNCTION ${name}() FROM PUBLIC`);
}

/**
 * Removes the companion triggers and generated functions of a table (no settings any more). Triggers that only bear
 * a companion's name (the owner's own) stay: any role may call _compile, on any table.
 */
function removeAll(table: Table | null, triggers: Existing[]): void {
  for (const t of triggers) {
    const own = ownFunction(t.fn);
    if (!own) continue;
    if (t.name === 'centroid_label') dropStore(storeName(own.name));
    if (table) exec(`DROP TRIGGER ${ident(t.name)} ON ${table.sql}`);
    if (!one(`SELECT 1 FROM pg_catalog.pg_trigger WHERE tgfoid = ${integer(t.fn)}::oid`)) exec(`DROP FUNCTION ${own.name}()`);
  }
}

/** The centroid store of a label function (centroid_internal.label_N -> centroid_internal.centroids_N): named after the
 * function, not the table's oid, so that a restored database keeps the pair the dump holds. */
function storeName(labelFunction: string): string {
  const bare = labelFunction.slice(labelFunction.lastIndexOf('.') + 1).replace(/^"|"$/g, '').replace(/""/g, '"');
  return qualified('centroid_internal', bare.replace(/^label_/, 'centroids_'));
}

/**
 * A store's dimensions, and whether it is as it should be: readable by the table's owner and by no other role than
 * the store's own owner (the extension's); null when it does not exist.
 */
function storeOf(store: string, owner: string): { dims: number; private: boolean } | null {
  const row = one<{ dims: number; private: boolean }>(
    `SELECT a.atttypmod AS dims,
            pg_catalog.has_table_privilege(${text(owner)}, c.oid, 'SELECT')
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) x
                               WHERE x.grantee <> c.relowner AND x.grantee <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = ${text(owner)})) AS private
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'centroid'
      WHERE c.oid = pg_catalog.to_regclass(${text(store)})`,
  );
  return row ? { dims: Number(row.dims), private: row.private === true } : null;
}

/** Drops a vector table's centroid store, if it has one. */
function dropStore(store: string): void {
  if (one(`SELECT 1 FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass(${text(store)})`)) exec(`DROP TABLE ${store}`);
}

/**
 * Writes a vector table's centroids into its store: a table of centroid_internal, owned by the extension's owner, that
 * only the table's owner may read (its label function runs as the owner); made (again) when missing, of other
 * dimensions, or readable by any other role; rewritten in place, so concurrent inserts keep reading the last one.
 */
function writeStore(store: string, f: VectorFeature, owner: string, model: LabelSpec['model']): void {
  const found = storeOf(store, owner);
  const fit = found !== null && found.dims === f.dims && found.private;
  if (found && !fit) exec(`DROP TABLE ${store}`);
  if (!fit) {
    exec(`CREATE TABLE ${store} (cluster int4 PRIMARY KEY, factor float8 NOT NULL, tie float8 NOT NULL, centroid ${vectorType(f)}(${String(Math.trunc(f.dims))}) NOT NULL, anomaly_limit float8)`);
    exec(`COMMENT ON TABLE ${store} IS ${text('pg_centroid: the centroids of a table clustered on a vector column, read by its label function (only its owner may read them)')}`);
    exec(`REVOKE ALL ON ${store} FROM PUBLIC`);
    exec(`GRANT SELECT ON ${store} TO ${ident(owner)}`);
  }
  exec(`DELETE FROM ${store}`);
  if (model) exec(`INSERT INTO ${store} (cluster, factor, tie, centroid, anomaly_limit) VALUES ${storeValues(f, model)}`);
}

/** centroid_internal._compile(table): brings the table's generated functions and triggers in line with its settings and state. */
export function compile(oid: number): null {
  const found = settingsOf(oid);
  const triggers = existingTriggers(oid);
  if (!found || !found.table) {
    removeAll(found?.table ?? (one(`SELECT 1 FROM pg_catalog.pg_class WHERE oid = ${integer(oid)}::oid`) ? describe(oid) : null), triggers);
    return null;
  }
  const { settings: s, table, broken } = found;
  const byName = new Map(triggers.map((t) => [t.name, t]));
  const currentLabel = byName.get('centroid_label');
  const currentHook = byName.get('centroid_after_insert') ?? byName.get('centroid_truncate') ?? byName.get('centroid_before_insert');
  const labelOwn = currentLabel ? ownFunction(currentLabel.fn) : null;
  const hookOwn = currentHook ? ownFunction(currentHook.fn) : null;
  const label = labelOwn?.name ?? freshName('label', oid);
  const hook = hookOwn?.name ?? freshName('hook', oid);

  const labelSpec: LabelSpec = {
    name: label,
    table: table.display,
    policy: s?.refit ?? 'statement',
    // Centroids go into the catalog only when the owner asked, and never for a table with row-level security.
    mode: s && inlineLabels(table, s) ? 'inline' : 'hidden',
    columns: s ? columnsOf(table, s) : [],
    clusterColumn: s?.cluster_number_column ?? '',
    unit: s?.distance_type === 'cosine',
    distanceColumn: s?.distance_column ?? null,
    anomalyColumn: s?.anomaly_column ?? null,
    invalidRows: s?.invalid_rows ?? 'skip',
    model: null,
    broken,
    vector: null,
  };
  const feature = s ? vectorFeature(table, s) : null;
  if (feature) labelSpec.vector = { ...feature, store: storeName(label) };
  if (s && (labelSpec.mode === 'inline' || feature)) {
    const state = loadState(oid, s.cluster_count, dimensionsOf(table, s));
    // The centers in the working space (standardized when the settings say so), as the features are computed.
    if (state) {
      labelSpec.model = { centers: state.centers, k: state.k, d: state.d, distance: s.distance_type, scaler: state.scaler, rms: state.rms, threshold: state.threshold };
    }
  }
  // A vector table's hidden centroids live in its store (created before the label function that reads it).
  if (feature && labelSpec.mode === 'hidden') writeStore(storeName(label), feature, table.owner, labelSpec.model);
  else dropStore(storeName(label));
  install(labelFunctionSql(labelSpec), labelOwn, table.owner);
  if (s) {
    const hookSpec: HookSpec = { name: hook, policy: s.refit, columns: columnsOf(table, s), clusterColumn: s.cluster_number_column as string, time: timeOf(table, s), vector: feature ? { column: feature.column } : null };
    install(hookFunctionSql(hookSpec), hookOwn, table.owner);
  }

  const wanted = wantedTriggers(table, s, label, hook);
  const fnOid = (name: string) => Number(one<{ o: bigint | number }>(`SELECT ${text(name + '()')}::regprocedure::oid::int8 AS o`)?.o);
  const oids = { label: fnOid(label), hook: s ? fnOid(hook) : -1 };
  for (const t of triggers) {
    const w = wanted.find((x) => x.name === t.name);
    const same = w && t.fn === oids[w.fn] && t.type === w.type && t.columns === w.columns && t.newTable === w.newTable;
    if (!same) exec(`DROP TRIGGER ${ident(t.name)} ON ${table.sql}`);
  }
  for (const w of wanted) {
    const t = byName.get(w.name);
    const same = t && t.fn === oids[w.fn] && t.type === w.type && t.columns === w.columns && t.newTable === w.newTable;
    if (!same) exec(`CREATE TRIGGER ${ident(w.name)} ${w.definition}`);
  }
  if (!s && hookOwn && !one(`SELECT 1 FROM pg_catalog.pg_trigger WHERE tgfoid = ${integer(fnOid(hookOwn.name))}::oid`)) {
    exec(`DROP FUNCTION ${hookOwn.name}()`);
  }
  return null;
}
