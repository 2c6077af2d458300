-- pg_centroid 0.1.0 -> @VERSION@. Filled in by build.mjs: the line @FUNCTIONS@ becomes every function of
-- sql/*.sql as CREATE OR REPLACE (JavaScript bodies change with every build). Write here by hand
-- what that cannot do: new tables, columns, triggers, policies; changed signatures; removed objects.
-- test/db/reliability-upgrade.test.ts compares the result with a fresh install.

\echo Use "ALTER EXTENSION pg_centroid UPDATE" to load this file. \quit

ALTER TABLE centroid.state ADD COLUMN IF NOT EXISTS standardization jsonb;

-- sql/30_batch.sql: the model registry (its policy needs centroid._member_of, created below).
CREATE TABLE centroid.models (
  model text NOT NULL,
  version int4 NOT NULL,
  source text NOT NULL,
  config jsonb NOT NULL,
  centroids float8[] NOT NULL,
  standardization jsonb,
  cost float8 NOT NULL,
  iterations int4,
  metrics jsonb,
  rows_used int8 NOT NULL,
  rows_skipped int8 NOT NULL DEFAULT 0,
  duration_ms float8,
  owner name NOT NULL DEFAULT current_user,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  PRIMARY KEY (model, version),
  CHECK (version > 0)
);
COMMENT ON TABLE centroid.models IS
  'pg_centroid: model registry of centroid.fit: one row per version (config, centroids in original units, standardization, cost, metrics, rows, duration)';
SELECT pg_catalog.pg_extension_config_dump('centroid.models', '');

@FUNCTIONS@

ALTER TABLE centroid.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.models USING (centroid._member_of(owner)) WITH CHECK (owner = current_user);
GRANT SELECT, INSERT, DELETE ON centroid.models TO PUBLIC;

-- Companion triggers run with the inserting role's rights (no SECURITY DEFINER): inserters read
-- the table's settings and keep its state.
CREATE POLICY inserters_read ON centroid.settings FOR SELECT USING (centroid._inserts(table_name));
CREATE POLICY inserters_refit ON centroid.state USING (centroid._inserts(table_name));

-- Rows reach JavaScript as one float8[] through a label trigger generated per table (pljs leaks
-- memory converting rows): drop the 0.1.0 row-refit companions and functions, then rewire every
-- clustered table.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgrelid::regclass AS rel FROM pg_catalog.pg_trigger WHERE tgname = 'centroid_row_refit' LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER centroid_row_refit ON %s', t.rel);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS centroid._row_refit();
DROP FUNCTION IF EXISTS centroid._refit_row(oid, anyelement);
DROP FUNCTION IF EXISTS centroid._take_error();
REVOKE EXECUTE ON FUNCTION centroid._companions(oid, jsonb) FROM PUBLIC;
SELECT centroid._companions(table_name, config) FROM centroid.settings;
-- Label functions belong to their tables' settings, not to the extension (as after CREATE EXTENSION).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'centroid'::regnamespace AND p.proname LIKE '\_label\_%'
  LOOP
    EXECUTE pg_catalog.format('ALTER EXTENSION pg_centroid DROP FUNCTION %s', f);
  END LOOP;
END $$;
