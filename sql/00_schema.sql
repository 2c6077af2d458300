-- pg_centroid @VERSION@: clustering inside PostgreSQL.
-- Built by build.mjs from sql/*.sql: functions whose language is written "javascript" are created in pljs
-- (or plv8, when the server has that instead) by centroid._define_js below.

\echo Use "CREATE EXTENSION pg_centroid" to load this file. \quit

-- The schema belongs to the extension, so DROP EXTENSION removes it too.
CREATE SCHEMA centroid;

-- Creates a JavaScript function in whichever of pljs and plv8 the server has.
CREATE FUNCTION centroid._define_js(head text, options text, body text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  lang text;
BEGIN
  SELECT lanname INTO lang FROM pg_catalog.pg_language
   WHERE lanname IN ('pljs', 'plv8') ORDER BY lanname = 'pljs' DESC LIMIT 1;
  IF lang IS NULL THEN
    RAISE EXCEPTION 'pg_centroid needs the JavaScript language pljs (or plv8), which is not installed in this database'
      USING HINT = 'run CREATE EXTENSION pljs; then CREATE EXTENSION pg_centroid;';
  END IF;
  EXECUTE head || ' LANGUAGE ' || pg_catalog.quote_ident(lang) || ' ' || options || ' AS ' || pg_catalog.quote_literal(body);
END $$;

-- Raises an error returned by a JavaScript function as { error: { message, detail, hint, code } }.
CREATE FUNCTION centroid._raise(result jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF result ? 'error' THEN
    RAISE EXCEPTION USING
      MESSAGE = result->'error'->>'message',
      DETAIL = coalesce(result->'error'->>'detail', ''),
      HINT = coalesce(result->'error'->>'hint', ''),
      ERRCODE = coalesce(nullif(result->'error'->>'code', ''), '22023');
  END IF;
END $$;

-- Per-table settings of clustering on insert: the paper's ten keys and ours (see the README).
CREATE TABLE centroid.settings (
  table_name regclass PRIMARY KEY,
  config jsonb NOT NULL
);
COMMENT ON TABLE centroid.settings IS 'pg_centroid: per-table clustering settings (one JSON object per table)';

-- Stored centroids of each clustered table and the facts of its last refit.
CREATE TABLE centroid.state (
  table_name regclass PRIMARY KEY REFERENCES centroid.settings (table_name) ON DELETE CASCADE ON UPDATE CASCADE,
  centroids float8[] NOT NULL,
  standardization jsonb,
  counts float8[],
  sizes int8[],
  radii float8[],
  rows_used int8,
  iterations int4,
  converged bool,
  cost float8,
  duration_ms float8,
  changed_labels int8,
  refits int8 NOT NULL DEFAULT 0,
  refitted_at timestamptz,
  online_updated_at timestamptz
);
COMMENT ON TABLE centroid.state IS 'pg_centroid: current centroids (cluster_count x dimensions) and facts of the last refit, per table';

-- Loads the bundle (the TypeScript in src/, built by esbuild) once per connection.
CREATE FUNCTION centroid._load() RETURNS void
LANGUAGE javascript AS $js$
@BUNDLE@
$js$;
