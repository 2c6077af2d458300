-- Batch segmentation (the article's workflow): centroid.fit, centroid.predict, the model registry
-- centroid.models, centroid.choose_k, and scheduled refits with pg_cron (see src/db/batch.ts).

-- Every fit is a new version of its model; the latest version is the one centroid.predict uses.
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

-- True when the current user is, or is a member of, the role of that name (false for a dropped role).
CREATE FUNCTION centroid._member_of(role_name name) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT role_name = current_user OR EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role_name AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))
$$;

ALTER TABLE centroid.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.models USING (centroid._member_of(owner)) WITH CHECK (owner = current_user);
GRANT SELECT, INSERT, DELETE ON centroid.models TO PUBLIC;

-- The owner of a model's latest version, seen past row-level security (NULL for a new model).
CREATE FUNCTION centroid._model_owner(model_name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT m.owner FROM centroid.models m WHERE m.model = model_name ORDER BY m.version DESC LIMIT 1
$$;

-- JSON as text: pljs would round the numbers of a returned jsonb to 15 digits.
CREATE FUNCTION centroid._fit(model text, source text, config jsonb) RETURNS text
LANGUAGE javascript AS $js$ return API.fit(model, source, config); $js$;

-- Not SECURITY DEFINER and no fixed search_path: the source is read with the caller's rights and names.
CREATE FUNCTION centroid.fit(model text, source text, config jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
BEGIN
  result := centroid._fit(model, source, config)::jsonb;
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.fit(text, text, jsonb) IS
  'pg_centroid: clusters a table, view, materialized view or SELECT; writes cluster numbers in one UPDATE when cluster_number_column is set; registers a new model version; returns its summary';

CREATE FUNCTION centroid._choose_k(source text, config jsonb, k_min int4, k_max int4) RETURNS text
LANGUAGE javascript AS $js$ return API.chooseK(source, config, k_min, k_max); $js$;

CREATE FUNCTION centroid.choose_k(source text, config jsonb, k_min int4 DEFAULT 2, k_max int4 DEFAULT 10) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
BEGIN
  result := centroid._choose_k(source, config, k_min, k_max)::jsonb;
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.choose_k(text, jsonb, int4, int4) IS
  'pg_centroid: fits every k from k_min to k_max and recommends one by silhouette, with the elbow of the cost curve (writes nothing)';

CREATE FUNCTION centroid._predict(model text, features float8[]) RETURNS int4
LANGUAGE javascript STABLE AS $js$ return API.predict(model, features); $js$;

CREATE FUNCTION centroid._take_predict_error() RETURNS jsonb
LANGUAGE javascript AS $js$ return API.takePredictError(); $js$;

CREATE FUNCTION centroid.predict(model text, features float8[]) RETURNS int4
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  label int4;
BEGIN
  label := centroid._predict(model, features);
  IF label < 0 THEN
    PERFORM centroid._raise(centroid._take_predict_error());
  END IF;
  RETURN label;
END $$;
COMMENT ON FUNCTION centroid.predict(text, float8[]) IS
  'pg_centroid: the nearest cluster of the latest version of the model (features standardized the way it was); NULL when a feature is NULL, NaN or infinite';

CREATE FUNCTION centroid._check_fit_config(config jsonb) RETURNS jsonb
LANGUAGE javascript AS $js$ return API.checkFitConfig(config); $js$;

-- A libpq connection-string value, quoted.
CREATE FUNCTION centroid._conninfo_value(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '''' || pg_catalog.replace(pg_catalog.replace(v, '\', '\\'), '''', '\''') || '''' $$;

-- Runs a statement returning one text value in pg_cron's database: here when pg_cron is installed
-- here, else through dblink (pg_cron lives in one database, cron.database_name); otherwise raises
-- what to do, including the statement to run by hand there.
CREATE FUNCTION centroid._in_cron_database(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  cron_db text := pg_catalog.current_setting('cron.database_name', true);
  dblink_schema name;
  conn text;
  result text;
BEGIN
  IF cron_db IS NULL THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron is not loaded in this server, so refits cannot be scheduled'
      USING ERRCODE = '55000',
            HINT = 'add pg_cron to shared_preload_libraries, set cron.database_name, restart PostgreSQL and run CREATE EXTENSION pg_cron in that database; or call centroid.fit from another scheduler';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    EXECUTE statement INTO result;
    RETURN result;
  END IF;
  IF cron_db = pg_catalog.current_database() THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron is loaded but its extension is not created in this database'
      USING ERRCODE = '55000', HINT = 'run CREATE EXTENSION pg_cron; then call this again';
  END IF;
  SELECT n.nspname INTO dblink_schema FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'dblink';
  IF dblink_schema IS NULL THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron runs in database "%", not in this database ("%"), and dblink is not installed here to reach it', cron_db, pg_catalog.current_database()
      USING ERRCODE = '55000',
            HINT = pg_catalog.format('run CREATE EXTENSION dblink; here and call this again (pg_centroid then registers the job in %s itself), or connect to database %s and run: %s', cron_db, cron_db, statement);
  END IF;
  conn := pg_catalog.format('dbname=%s host=%s port=%s user=%s',
    centroid._conninfo_value(cron_db),
    centroid._conninfo_value(coalesce(nullif(pg_catalog.current_setting('cron.host', true), ''), 'localhost')),
    pg_catalog.current_setting('port'),
    centroid._conninfo_value(current_user));
  EXECUTE pg_catalog.format('SELECT v FROM %I.dblink($1, $2) AS t(v text)', dblink_schema) INTO result USING conn, statement;
  RETURN result;
END $$;

-- The pg_cron job name of a model's refit in this database.
CREATE FUNCTION centroid._job_name(model text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT 'pg_centroid refit ' || pg_catalog.current_database() || ' ' || model $$;

CREATE FUNCTION centroid.schedule_fit(model text, source text, config jsonb, schedule text, refresh text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  job text := centroid._job_name(model);
  view_oid oid;
  refresh_sql text := '';
  command text;
  statement text;
  job_id text;
BEGIN
  PERFORM centroid._raise(centroid._check_fit_config(config));
  IF refresh IS NOT NULL THEN
    SELECT c.oid INTO view_oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(refresh) AND c.relkind = 'm';
    IF view_oid IS NULL THEN
      RAISE EXCEPTION 'pg_centroid: refresh "%" is not a materialized view', refresh
        USING ERRCODE = '22023', HINT = 'name the materialized view to refresh before each refit, or pass NULL';
    END IF;
    -- CONCURRENTLY keeps the view readable during the refresh but needs a plain unique index.
    refresh_sql := 'REFRESH MATERIALIZED VIEW '
      || CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = view_oid AND i.indisunique
                             AND i.indpred IS NULL AND 0 <> ALL (i.indkey::int2[])) THEN 'CONCURRENTLY ' ELSE '' END
      || (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = view_oid) || '; ';
  END IF;
  command := pg_catalog.format('SET search_path TO %s; %sSELECT centroid.fit(%L, %L, %L::jsonb)',
    coalesce(nullif(pg_catalog.current_setting('search_path'), ''), 'pg_catalog'), refresh_sql, model, source, config);
  statement := pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L)::text', job, schedule, command, pg_catalog.current_database());
  job_id := centroid._in_cron_database(statement);
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', pg_catalog.current_setting('cron.database_name', true));
END $$;
COMMENT ON FUNCTION centroid.schedule_fit(text, text, jsonb, text, text) IS
  'pg_centroid: registers a pg_cron job that refreshes a materialized view (optional) and refits the model on a schedule (cron syntax)';

-- Removes the current user's pg_cron jobs of that name; false when there was none.
CREATE FUNCTION centroid._unschedule_job(job text) RETURNS bool
LANGUAGE plpgsql AS $$
BEGIN
  RETURN centroid._in_cron_database(pg_catalog.format(
    'SELECT coalesce((SELECT bool_and(cron.unschedule(jobid)) FROM cron.job WHERE jobname = %L AND username = current_user), false)::text',
    job))::bool;
END $$;

CREATE FUNCTION centroid.unschedule_fit(model text) RETURNS bool
LANGUAGE plpgsql AS $$
BEGIN
  RETURN centroid._unschedule_job(centroid._job_name(model));
END $$;
COMMENT ON FUNCTION centroid.unschedule_fit(text) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_fit for this model in this database; false when there was none';
