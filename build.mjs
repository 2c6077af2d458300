// Builds the extension: bundles src/db/entry.ts with esbuild into the SQL of sql/*.sql and writes
// extension/pg_centroid.control and extension/pg_centroid--<version>.sql (plus upgrade scripts
// from sql/updates/), and the Node side (CLI and client API) into dist/.

import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const globalName = `__pg_centroid_${version.replace(/\W/g, '_')}`;
const BODY_TAG = '$pg_centroid_js$';

/** Bundles the in-database TypeScript into one script that publishes the API on globalThis. */
async function bundleDatabaseCode() {
  const result = await build({
    entryPoints: [join(root, 'src/db/entry.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    platform: 'neutral',
    minify: true,
    legalComments: 'none',
    define: { __PG_CENTROID_GLOBAL__: JSON.stringify(globalName) },
  });
  const code = result.outputFiles[0].text;
  if (code.includes(BODY_TAG)) throw new Error(`the bundle contains ${BODY_TAG}; choose another tag`);
  return code;
}

/** The line every JavaScript function starts with: the API, loading the bundle on first use. */
const prelude =
  `var API = globalThis.${globalName} || ((globalThis.pljs || globalThis.plv8).find_function('centroid_internal._load')(), globalThis.${globalName});\n`;

/** Rewrites `CREATE FUNCTION ... LANGUAGE javascript <options> AS $js$ body $js$;` into a centroid_internal._define_js call. */
function defineJavaScript(sql, bundle) {
  const pattern = /CREATE (OR REPLACE )?FUNCTION ([^;]*?)\bLANGUAGE javascript\b([^;]*?)\bAS \$js\$([\s\S]*?)\$js\$;/g;
  return sql.replace(pattern, (_, orReplace, head, options, body) => {
    const isLoader = body.includes('@BUNDLE@');
    const code = isLoader ? body.replace('@BUNDLE@', () => bundle) : prelude + body.trim();
    const quote = (s) => `$pg_centroid_sql$${s}$pg_centroid_sql$`;
    return `SELECT centroid_internal._define_js(${quote(`CREATE ${orReplace ?? ''}FUNCTION ${head.trim()}`)}, ${quote(options.trim())}, ${BODY_TAG}${code}${BODY_TAG});`;
  });
}

/**
 * Fills @FUNCTIONS@ of an update script: every function of sql/*.sql again, as CREATE OR REPLACE with
 * its COMMENT, in file order, then centroid_internal._define_js dropped as the install script does. JavaScript
 * bodies change with every build, so every update replays them all; what CREATE OR REPLACE cannot do
 * (new tables and columns, changed signatures, removed functions) the update script says by hand.
 */
function replayFunctions() {
  const dir = join(root, 'sql');
  const sql = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const statement = /CREATE (?:OR REPLACE )?FUNCTION\b[\s\S]*?\bAS\s+(\$\w*\$)[\s\S]*?\1[^;]*;|COMMENT ON FUNCTION [^;']*?\bIS\s+'(?:[^']|'')*';/g;
  const found = sql.match(statement) ?? [];
  const creates = found.filter((s) => s.startsWith('CREATE'));
  if (creates.length !== (sql.match(/CREATE (OR REPLACE )?FUNCTION\b/g) ?? []).length) {
    throw new Error('@FUNCTIONS@: a function in sql/ is not written CREATE FUNCTION ... AS $tag$ body $tag$ ...;');
  }
  const replayed = found.map((s) => s.replace(/^CREATE (OR REPLACE )?FUNCTION\b/, 'CREATE OR REPLACE FUNCTION'));
  return `${replayed.join('\n')}\nDROP FUNCTION centroid_internal._define_js(text, text, text);`;
}

/** Concatenates sql/*.sql in name order and fills in the placeholders. */
function installScript(bundle) {
  const dir = join(root, 'sql');
  const parts = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => `-- ${'-'.repeat(8)} sql/${f}\n` + readFileSync(join(dir, f), 'utf8'));
  const sql = defineJavaScript(parts.join('\n'), bundle).replaceAll('@VERSION@', version);
  if (/LANGUAGE javascript/.test(sql)) throw new Error('a LANGUAGE javascript function was not rewritten: check its AS $js$ ... $js$; form');
  return sql;
}

/** The control file for the JavaScript language the scripts' functions are created in (pljs or plv8). */
function controlFile(language) {
  return [
    `# pg_centroid: clustering inside PostgreSQL (built by build.mjs; this flavour for ${language})`,
    `comment = 'clustering inside PostgreSQL: label rows on insert, segment tables in one call'`,
    `default_version = '${version}'`,
    // CREATE EXTENSION ... CASCADE creates the language, and pg_dump restores it first.
    `requires = '${language}'`,
    `schema = pg_catalog`,
    `relocatable = false`,
    `superuser = true`,
    '',
  ].join('\n');
}

/** Writes the control file and the scripts into extension/ (pljs), and the plv8 flavour into extension/plv8/. */
async function buildExtension() {
  const bundle = await bundleDatabaseCode();
  const out = join(root, 'extension');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.startsWith('pg_centroid')) rmSync(join(out, f));
  writeFileSync(join(out, 'pg_centroid.control'), controlFile('pljs'));
  writeFileSync(join(out, `pg_centroid--${version}.sql`), installScript(bundle));
  const updates = join(root, 'sql/updates');
  if (existsSync(updates)) {
    for (const f of readdirSync(updates).filter((f) => /^pg_centroid--.+--.+\.sql$/.test(f))) {
      const script = readFileSync(join(updates, f), 'utf8').replace(/^@FUNCTIONS@$/m, () => replayFunctions());
      writeFileSync(join(out, f), defineJavaScript(script, bundle).replaceAll('@VERSION@', version));
    }
  }
    const releases = join(root, 'sql/releases');
  if (existsSync(releases)) {
    // Frozen: the install scripts of earlier releases and the update scripts between them, as they were built.
    for (const f of readdirSync(releases).filter((f) => /^pg_centroid--[^-]+(--[^-]+)?\.sql$/.test(f))) {
      if (f === `pg_centroid--${version}.sql`) throw new Error(`sql/releases/${f} is the version being built: bump package.json`);
      writeFileSync(join(out, f), readFileSync(join(releases, f)));
    }
  }
  // The same scripts (their functions find the language at install time), with a control file requiring plv8.
  const plv8 = join(out, 'plv8');
  rmSync(plv8, { recursive: true, force: true });
  mkdirSync(plv8);
  for (const f of readdirSync(out).filter((f) => f.endsWith('.sql'))) writeFileSync(join(plv8, f), readFileSync(join(out, f)));
  writeFileSync(join(plv8, 'pg_centroid.control'), controlFile('plv8'));
  writePlainInstaller(installScript(bundle));
  return bundle.length;
}

/** Writes dist/pg_centroid-plain-install.sql: the same objects without CREATE EXTENSION, for managed servers. */
function writePlainInstaller(sql) {
  const body = sql
    .replace(/^\\echo .*\\quit\n/m, '')
    // Only an extension script may register tables for pg_dump; outside one they are dumped anyway.
    .replace(/^SELECT pg_catalog\.pg_extension_config_dump\(.*\);\n/gm, '');
  if (/\\quit|pg_extension_config_dump/.test(body)) throw new Error('the plain installer still holds extension-only commands');
  const guard = `DO $guard$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'centroid') THEN
    RAISE EXCEPTION 'pg_centroid is already installed in this database (schema centroid exists)'
      USING HINT = 'to reinstall, first run: DROP SCHEMA centroid CASCADE; (this removes every table''s clustering settings)';
  END IF;
END $guard$;
`;
  const head = `-- pg_centroid ${version}, plain SQL installer (built by build.mjs): creates the objects of CREATE EXTENSION pg_centroid
-- on servers where the extension files cannot be copied. Needs pljs (or plv8) in the database first.
-- Remove with: DROP SCHEMA centroid CASCADE;
`;
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist', 'pg_centroid-plain-install.sql'), `${head}BEGIN;
${guard}${body}
COMMIT;
`);
}

/** Writes the client API's declaration files (dist/client/index.d.ts and what it refers to). */
function buildDeclarations() {
  if (!existsSync(join(root, 'src/client/index.ts'))) return;
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`declarations failed (tsc exited ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  // Node's own module resolution (moduleResolution node16/nodenext in users' projects) needs extensions.
  for (const f of readdirSync(join(root, 'dist'), { recursive: true }).filter((f) => String(f).endsWith('.d.ts'))) {
    const path = join(root, 'dist', String(f));
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.{1,2}\/[^']+?)(?<!\.js)'/g, "$1.js'"));
  }
}

/** Builds the CLI and the client API for Node into dist/. */
async function buildNode() {
  const entries = ['src/cli/main.ts', 'src/client/index.ts'].filter((e) => existsSync(join(root, e)));
  if (entries.length === 0) return;
  await build({
    entryPoints: entries.map((e) => join(root, e)),
    outdir: join(root, 'dist'),
    outbase: join(root, 'src'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/** The settings spec (src/config/spec.ts), bundled and imported here. */
async function loadSpec() {
  const r = await build({ entryPoints: [join(root, 'src/config/spec.ts')], bundle: true, write: false, format: 'esm', platform: 'neutral' });
  return import(`data:text/javascript;base64,${Buffer.from(r.outputFiles[0].text).toString('base64')}`);
}

/** Writes dist/settings.schema.json; with --docs, also the README's settings table (between its markers). */
async function buildSettingsDocs(docs) {
  const spec = await loadSpec();
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist', 'settings.schema.json'), JSON.stringify(spec.settingsSchema(), null, 2) + '\n');
  if (!docs) return;
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const marked = /(<!-- settings:begin -->\n)[\s\S]*?(\n<!-- settings:end -->)/;
  if (!marked.test(readme)) throw new Error('README.md has no <!-- settings:begin --> ... <!-- settings:end --> markers');
  writeFileSync(path, readme.replace(marked, (_, a, b) => a + spec.settingsTable() + b));
}

const size = await buildExtension();
await buildNode();
buildDeclarations();
await buildSettingsDocs(process.argv.includes('--docs'));
console.log(`built extension/pg_centroid--${version}.sql (bundle ${(size / 1024).toFixed(1)} KB)`);
