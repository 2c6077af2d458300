-- pg_centroid @VERSION@: clustering inside PostgreSQL.
-- Built by build.mjs from sql/*.sql: functions whose language is written "javascript" are created in pljs
-- (or plv8, when the server has that instead) by centroid_internal._define_js below.
--
-- Two schemas: `centroid` holds what users call and read (functions, settings, state, models);
-- `centroid_internal` holds the internals (the JavaScript entry points, the trigger functions generated
-- per clustered table). Every internal function that PUBLIC may execute checks its caller itself, and every
-- function runs its SQL under search_path = pg_catalog, pg_temp or with every name qualified, so objects a
-- role plants on another role's search_path never run (see the README's security model).

\echo Use "CREATE EXTENSION pg_centroid" to load this file. \quit

-- The schemas belong to the extension, so DROP EXTENSION removes them too.
CREATE SCHEMA centroid;
CREATE SCHEMA centroid_internal;
COMMENT ON SCHEMA centroid_internal IS 'pg_centroid: internals (not an interface: names and signatures change between versions)';

-- Creates a JavaScript function in whichever of pljs and plv8 the server has.
CREATE FUNCTION centroid_internal._define_js(head text, options text, body text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  lang text;
BEGIN
  SELECT lanname INTO lang FROM pg_catalog.pg_language
   WHERE lanname IN ('pljs', 'plv8') ORDER BY lanname = 'pljs' DESC LIMIT 1;
  IF lang IS NULL THEN
    RAISE EXCEPTION 'pg_centroid needs the JavaScript language pljs (or plv8), which is not installed in this database'
      USING HINT = 'run CREATE EXTENSION pljs; then CREATE EXTENSION pg_centroid; (or CREATE EXTENSION pg_centroid CASCADE)';
  END IF;
  EXECUTE head || ' LANGUAGE ' || pg_catalog.quote_ident(lang) || ' ' || options || ' AS ' || pg_catalog.quote_literal(body);
END $$;

-- Raises an error returned by a JavaScript function as { error: { message, detail, hint, code } }
-- (DETAIL and HINT only when they say something, so psql prints no empty lines).
CREATE FUNCTION centroid_internal._raise(result jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  message text;
  detail text;
  hint text;
  code text;
BEGIN
  IF result IS NULL OR NOT result ? 'error' THEN
    RETURN;
  END IF;
  message := result->'error'->>'message';
  detail := nullif(result->'error'->>'detail', '');
  hint := nullif(result->'error'->>'hint', '');
  code := coalesce(nullif(result->'error'->>'code', ''), '22023');
  IF detail IS NOT NULL AND hint IS NOT NULL THEN
    RAISE EXCEPTION USING MESSAGE = message, DETAIL = detail, HINT = hint, ERRCODE = code;
  ELSIF detail IS NOT NULL THEN
    RAISE EXCEPTION USING MESSAGE = message, DETAIL = detail, ERRCODE = code;
  ELSIF hint IS NOT NULL THEN
    RAISE EXCEPTION USING MESSAGE = message, HINT = hint, ERRCODE = code;
  ELSE
    RAISE EXCEPTION USING MESSAGE = message, ERRCODE = code;
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
  online_updated_at timestamptz,
  rms_radii float8[],
  anomaly_threshold float8,
  since_rows float8[],
  since_anomalies float8[],
  since_distance float8[],
  as_of float8,
  refit_reason text
);
COMMENT ON TABLE centroid.state IS 'pg_centroid: current centroids (cluster_count x dimensions) and facts of the last refit, per table';
COMMENT ON COLUMN centroid.state.rms_radii IS 'per cluster, the RMS distance of its rows to its centroid at the last refit (normalized distances divide by it)';
COMMENT ON COLUMN centroid.state.anomaly_threshold IS 'the normalized distance above which a row is an anomaly (fixed, or set from contamination at the last refit)';
COMMENT ON COLUMN centroid.state.since_rows IS 'per cluster, rows labelled since the last refit (weighted by the online policy''s moves)';
COMMENT ON COLUMN centroid.state.as_of IS 'online policy: the newest event time seen (seconds since the epoch, or the time column''s units)';
COMMENT ON COLUMN centroid.state.refit_reason IS 'why the last refit ran: statement, row, online (first clustering), drift, refit (centroid.refit), schedule (pg_cron)';

-- Loads the bundle (the TypeScript in src/, built by esbuild) once per connection.
CREATE FUNCTION centroid_internal._load() RETURNS void
LANGUAGE javascript AS $js$
@BUNDLE@
$js$;
