-- pg_centroid 0.2.0 -> @VERSION@. Filled in by build.mjs: the line @FUNCTIONS@ becomes every function of
-- sql/*.sql as CREATE OR REPLACE (JavaScript bodies change with every build). Written here by hand: what that
-- cannot do (new schema, tables' keys, triggers, policies; removed objects).
-- test/db/reliability-upgrade.test.ts compares the result with a fresh install.

\echo Use "ALTER EXTENSION pg_centroid UPDATE" to load this file. \quit

-- Internals move to their own schema; PUBLIC keeps USAGE (the generated trigger functions of every table owner
-- call into it) and each internal function checks its caller itself.
CREATE SCHEMA centroid_internal;
COMMENT ON SCHEMA centroid_internal IS 'pg_centroid: internals (not an interface: names and signatures change between versions)';

-- Anomalies and drift: each cluster's RMS radius and the threshold in effect; what was labelled since the last
-- refit; the online policy's event time; why the last refit ran.
ALTER TABLE centroid.state ADD COLUMN rms_radii float8[], ADD COLUMN anomaly_threshold float8, ADD COLUMN since_rows float8[],
  ADD COLUMN since_anomalies float8[], ADD COLUMN since_distance float8[], ADD COLUMN as_of float8, ADD COLUMN refit_reason text;
COMMENT ON COLUMN centroid.state.rms_radii IS 'per cluster, the RMS distance of its rows to its centroid at the last refit (normalized distances divide by it)';
COMMENT ON COLUMN centroid.state.anomaly_threshold IS 'the normalized distance above which a row is an anomaly (fixed, or set from contamination at the last refit)';
COMMENT ON COLUMN centroid.state.since_rows IS 'per cluster, rows labelled since the last refit (weighted by the online policy''s moves)';
COMMENT ON COLUMN centroid.state.as_of IS 'online policy: the newest event time seen (seconds since the epoch, or the time column''s units)';
COMMENT ON COLUMN centroid.state.refit_reason IS 'why the last refit ran: statement, row, online (first clustering), drift, refit (centroid.refit), schedule (pg_cron)';

-- Models of pgvector columns: the column's type (vector, halfvec), NULL for numeric columns.
ALTER TABLE centroid.models ADD COLUMN vector_type text;
COMMENT ON COLUMN centroid.models.vector_type IS 'pgvector''s type of the clustered column (vector or halfvec); NULL when numeric columns were clustered';

-- Model names belong to the role that fits them: the owner joins the key, and no role can add versions to,
-- or reserve, another role's model name.
ALTER TABLE centroid.models DROP CONSTRAINT models_pkey;
ALTER TABLE centroid.models ADD PRIMARY KEY (owner, model, version);
COMMENT ON TABLE centroid.models IS
  'pg_centroid: model registry of centroid.fit: one row per version (config, centroids in original units, standardization, cost, metrics, rows, duration), per owning role';
DROP POLICY owner_only ON centroid.models;
DROP POLICY owner_only ON centroid.settings;
DROP POLICY owner_only ON centroid.state;
-- Inserting roles no longer read settings or keep state: refits run in the table's hook function as its owner.
DROP POLICY inserters_read ON centroid.settings;
DROP POLICY inserters_refit ON centroid.state;

-- The 0.2.0 companion triggers and label functions of clustered tables go; _compile below makes the new ones.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname, tg.tgrelid::regclass AS rel FROM pg_catalog.pg_trigger tg
      JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE tg.tgname IN ('centroid_label', 'centroid_before_insert', 'centroid_after_insert') AND NOT tg.tgisinternal
       AND tg.tgparentid = 0 AND n.nspname <> '_timescaledb_internal'
  LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
  END LOOP;
  FOR t IN
    SELECT p.oid::regprocedure AS fn FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'centroid'::regnamespace AND p.proname LIKE '\_label\_%'
  LOOP
    EXECUTE pg_catalog.format('DROP FUNCTION %s', t.fn);
  END LOOP;
END $$;
DROP TRIGGER settings_before ON centroid.settings;
DROP TRIGGER settings_after ON centroid.settings;
DROP EVENT TRIGGER centroid_sql_drop;
DROP EVENT TRIGGER centroid_create_trigger;

@FUNCTIONS@

-- The 0.2.0 internals, all in schema centroid.
DROP FUNCTION centroid._raise(jsonb);
DROP FUNCTION centroid._load();
DROP FUNCTION centroid._validate_settings(oid, jsonb);
DROP FUNCTION centroid._companions(oid, jsonb);
DROP FUNCTION centroid._settings_before();
DROP FUNCTION centroid._settings_after();
DROP FUNCTION centroid._on_sql_drop();
DROP FUNCTION centroid._on_create_trigger();
DROP FUNCTION centroid._label(oid, float8[]);
DROP FUNCTION centroid._before_statement(oid);
DROP FUNCTION centroid._after_statement(oid);
DROP FUNCTION centroid._rethrow(text);
DROP FUNCTION centroid._statement(oid, bool);
DROP FUNCTION centroid._before_insert();
DROP FUNCTION centroid._after_insert();
DROP FUNCTION centroid._refit(oid);
DROP FUNCTION centroid._refit_job_name(regclass);
DROP FUNCTION centroid._member_of(name);
DROP FUNCTION centroid._model_owner(text);
DROP FUNCTION centroid._fit(text, text, jsonb);
DROP FUNCTION centroid._choose_k(text, jsonb, int4, int4);
DROP FUNCTION centroid._predict(text, float8[]);
-- predict gained a version (and names clustered tables too).
DROP FUNCTION centroid.predict(text, float8[]);
DROP FUNCTION centroid._take_predict_error();
DROP FUNCTION centroid._check_fit_config(jsonb);
DROP FUNCTION centroid._conninfo_value(text);
DROP FUNCTION centroid._in_cron_database(text);
DROP FUNCTION centroid._job_name(text);
DROP FUNCTION centroid._unschedule_job(text);
DROP FUNCTION centroid._owns(regclass);
DROP FUNCTION centroid._inserts(regclass);

CREATE TRIGGER settings_before BEFORE INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid_internal._settings_before();
CREATE TRIGGER settings_after AFTER INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid_internal._settings_after();

CREATE EVENT TRIGGER centroid_sql_drop ON sql_drop EXECUTE FUNCTION centroid_internal._on_sql_drop();
CREATE EVENT TRIGGER centroid_ddl_end ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE')
  EXECUTE FUNCTION centroid_internal._on_ddl_end();

CREATE POLICY owner_only ON centroid.settings USING (centroid_internal._owns(table_name));
CREATE POLICY owner_only ON centroid.state USING (centroid_internal._owns(table_name));
CREATE POLICY members_read ON centroid.models FOR SELECT USING (centroid_internal._member_of(owner));
CREATE POLICY owner_writes ON centroid.models FOR INSERT WITH CHECK (owner = current_user);
CREATE POLICY owner_deletes ON centroid.models FOR DELETE USING (owner = current_user);

GRANT USAGE ON SCHEMA centroid_internal TO PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._settings_before() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._settings_after() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._on_sql_drop() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._on_ddl_end() FROM PUBLIC;

-- Every clustered table gets its generated label and hook functions and triggers. They belong to the table's
-- settings, not to the extension (as after CREATE EXTENSION and a settings write).
SELECT centroid_internal._raise(centroid_internal._compile(table_name)) FROM centroid.settings;
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'centroid_internal'::regnamespace AND (p.proname LIKE 'label\_%' OR p.proname LIKE 'hook\_%')
  LOOP
    EXECUTE pg_catalog.format('ALTER EXTENSION pg_centroid DROP FUNCTION %s', f);
  END LOOP;
END $$;

-- sql/40_attach.sql: the drift view.
CREATE VIEW centroid.drift WITH (security_invoker = true) AS
SELECT st.table_name,
       c.cluster,
       st.sizes[c.cluster + 1] AS rows_at_refit,
       st.rms_radii[c.cluster + 1] AS rms_radius,
       coalesce(st.since_rows[c.cluster + 1], 0) AS rows_since_refit,
       CASE WHEN st.since_rows[c.cluster + 1] > 0 THEN st.since_distance[c.cluster + 1] / st.since_rows[c.cluster + 1] END AS mean_normalized_distance,
       CASE WHEN st.since_rows[c.cluster + 1] > 0 THEN st.since_anomalies[c.cluster + 1] / st.since_rows[c.cluster + 1] END AS anomaly_share,
       st.anomaly_threshold,
       st.refitted_at,
       st.refit_reason
  FROM centroid.state st
 CROSS JOIN LATERAL pg_catalog.generate_series(0, pg_catalog.array_length(st.centroids, 1) - 1) AS c(cluster);
COMMENT ON VIEW centroid.drift IS
  'pg_centroid: per cluster, rows labelled since the last refit, their mean normalized distance and anomaly share, and when and why the last refit ran';
GRANT SELECT ON centroid.drift TO PUBLIC;
