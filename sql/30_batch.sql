-- Batch segmentation (the article's workflow): centroid.fit, centroid.predict, the model registry
-- centroid.models, centroid.choose_k, and scheduled refits with pg_cron (see src/db/batch.ts).

-- Every fit is a new version of its model; the latest version is the one centroid.predict uses. Model names
-- belong to the role that fits them (the owner is part of the key), so no role can take or block another
-- role's model name.
CREATE TABLE centroid.models (
  owner name NOT NULL DEFAULT current_user,
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
  created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  vector_type text,
  PRIMARY KEY (owner, model, version),
  CHECK (version > 0)
);
COMMENT ON TABLE centroid.models IS
  'pg_centroid: model registry of centroid.fit: one row per version (config, centroids in original units, standardization, cost, metrics, rows, duration), per owning role';
COMMENT ON COLUMN centroid.models.vector_type IS 'pgvector''s type of the clustered column (vector or halfvec); NULL when numeric columns were clustered';
SELECT pg_catalog.pg_extension_config_dump('centroid.models', '');

-- True when the current user is, or is a member of, the role of that name (false for a dropped role).
CREATE FUNCTION centroid_internal._member_of(role_name name) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT role_name = current_user OR EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role_name AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))
$$;

ALTER TABLE centroid.models ENABLE ROW LEVEL SECURITY;
-- Roles read the models of the roles they belong to, and write (fit, delete) only their own.
CREATE POLICY members_read ON centroid.models FOR SELECT USING (centroid_internal._member_of(owner));
CREATE POLICY owner_writes ON centroid.models FOR INSERT WITH CHECK (owner = current_user);
CREATE POLICY owner_deletes ON centroid.models FOR DELETE USING (owner = current_user);
GRANT SELECT, INSERT, DELETE ON centroid.models TO PUBLIC;

-- JSON as text: pljs would round the numbers of a returned jsonb to 15 digits. `caller_path` is the caller's
-- search_path: the source and output_table are named under it, and everything else runs under a pinned one.
CREATE FUNCTION centroid_internal._fit(model text, source text, config jsonb, caller_path text) RETURNS text
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.fit(model, source, config, caller_path); $js$;

-- Raises a query that failed inside a fit, choose_k or schedule_fit's check (pljs reports it as "execution error",
-- the real message in DETAIL with a JavaScript stack): mostly the caller's own source query or output table, so
-- the message is the server's and the HINT says where to look; an interrupted one as a cancel (SQLSTATE 57014).
CREATE FUNCTION centroid_internal._rethrow_fit(detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  first text := pg_catalog.regexp_replace(pg_catalog.split_part(detail, E'\n', 1), '^[A-Za-z]*Error: ', '');
BEGIN
  IF first = 'interrupted' OR first LIKE 'canceling statement%' THEN
    PERFORM centroid_internal._rethrow(detail);
  END IF;
  RAISE EXCEPTION 'pg_centroid: %', first USING ERRCODE = '22023',
    HINT = 'the source is read (and output_table written) with your rights under your search_path: check the source query, the columns the settings name and output_table';
END $$;

-- Not SECURITY DEFINER: the source is read with the caller's rights; its name is resolved under the caller's
-- search_path (which this function keeps; every name below is qualified, so nothing on that path runs).
CREATE FUNCTION centroid.fit(model text, source text, config jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result pg_catalog.jsonb;
  message pg_catalog.text;
  detail pg_catalog.text;
BEGIN
  BEGIN
    result := centroid_internal._fit(model, source, config, pg_catalog.current_setting('search_path'))::pg_catalog.jsonb;
  EXCEPTION WHEN internal_error THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF message OPERATOR(pg_catalog.<>) 'execution error' THEN RAISE; END IF;
    PERFORM centroid_internal._rethrow_fit(detail);
  END;
  PERFORM centroid_internal._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.fit(text, text, jsonb) IS
  'pg_centroid: clusters a table, view, materialized view or SELECT; writes cluster numbers in one UPDATE when cluster_number_column is set; registers a new model version; returns its summary';

CREATE FUNCTION centroid_internal._choose_k(source text, config jsonb, k_min int4, k_max int4, caller_path text) RETURNS text
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.chooseK(source, config, k_min, k_max, caller_path); $js$;

CREATE FUNCTION centroid.choose_k(source text, config jsonb, k_min int4 DEFAULT 2, k_max int4 DEFAULT 10) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result pg_catalog.jsonb;
  message pg_catalog.text;
  detail pg_catalog.text;
BEGIN
  BEGIN
    result := centroid_internal._choose_k(source, config, k_min, k_max, pg_catalog.current_setting('search_path'))::pg_catalog.jsonb;
  EXCEPTION WHEN internal_error THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF message OPERATOR(pg_catalog.<>) 'execution error' THEN RAISE; END IF;
    PERFORM centroid_internal._rethrow_fit(detail);
  END;
  PERFORM centroid_internal._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.choose_k(text, jsonb, int4, int4) IS
  'pg_centroid: fits every k from k_min to k_max and recommends one by silhouette, with the elbow of the cost curve (writes nothing)';

-- `stamp` (the statement's start) lets the JavaScript side look the model up once per statement, not per row.
CREATE FUNCTION centroid_internal._predict(model text, features float8[], version int4, stamp float8, caller_path text) RETURNS int4
LANGUAGE javascript STABLE SET search_path = pg_catalog, pg_temp AS $js$ return API.predict(model, features, version, stamp, caller_path); $js$;

CREATE FUNCTION centroid_internal._take_predict_error() RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.takePredictError(); $js$;

-- One embedding (as text: the vector type is pgvector's, which pg_centroid does not depend on) of a vector model or
-- clustered vector table: its nearest cluster, from pgvector's distances in SQL.
CREATE FUNCTION centroid_internal._predict_vector(model text, embedding text, version int4, stamp float8, caller_path text) RETURNS int4
LANGUAGE javascript STABLE SET search_path = pg_catalog, pg_temp AS $js$ return API.predictVector(model, embedding, version, stamp, caller_path); $js$;

-- Keeps the caller's search_path (to name a clustered table); every name below is qualified. `features` is an array of
-- numbers (one per clustering column) or, for a model or table of a pgvector column, a vector (vector, halfvec, or
-- its text); polymorphic, so pg_centroid needs no pgvector to install.
CREATE FUNCTION centroid.predict(model text, features anycompatible, version int4 DEFAULT NULL) RETURNS int4
LANGUAGE plpgsql STABLE AS $$
DECLARE
  label pg_catalog.int4;
  kind pg_catalog.regtype := pg_catalog.pg_typeof(features);
  stamp pg_catalog.float8 := pg_catalog.date_part('epoch', pg_catalog.statement_timestamp());
  path pg_catalog.text := pg_catalog.current_setting('search_path');
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) kind AND t.typcategory OPERATOR(pg_catalog.=) 'A') THEN
    label := centroid_internal._predict(model, features::pg_catalog.text::pg_catalog.float8[], version, stamp, path);
  ELSIF kind OPERATOR(pg_catalog.=) 'pg_catalog.text'::pg_catalog.regtype AND pg_catalog.left(pg_catalog.ltrim(features::pg_catalog.text), 1) OPERATOR(pg_catalog.=) '{' THEN
    -- An untyped literal '{1,2}' arrives as text.
    label := centroid_internal._predict(model, features::pg_catalog.text::pg_catalog.float8[], version, stamp, path);
  ELSE
    label := centroid_internal._predict_vector(model, features::pg_catalog.text, version, stamp, path);
  END IF;
  IF label OPERATOR(pg_catalog.<) 0 THEN
    PERFORM centroid_internal._raise(centroid_internal._take_predict_error());
  END IF;
  RETURN label;
END $$;
COMMENT ON FUNCTION centroid.predict(text, anycompatible, int4) IS
  'pg_centroid: the nearest cluster of the caller''s model (its latest version, or the one given; standardized the way it was), or of a clustered table''s live centroids, for an array of numbers (one per clustering column) or a pgvector vector; NULL when a feature is NULL, NaN, infinite or beyond 1e150, or the vector is NULL (or zero, under cosine distance)';

-- One row per cluster of a model or clustered table: JSON text {vector_type, rows: [{cluster, size, radius, centroid}]}.
CREATE FUNCTION centroid_internal._centroids(model text, version int4, caller_path text) RETURNS text
LANGUAGE javascript STABLE SET search_path = pg_catalog, pg_temp AS $js$ return API.centroids(model, version, caller_path); $js$;

-- Keeps the caller's search_path (to name a clustered table); every name below is qualified.
CREATE FUNCTION centroid.centroids(model text, version int4 DEFAULT NULL)
  RETURNS TABLE (cluster int4, size int8, radius float8, centroid text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  r pg_catalog.jsonb;
BEGIN
  r := centroid_internal._centroids(model, version, pg_catalog.current_setting('search_path'))::pg_catalog.jsonb;
  PERFORM centroid_internal._raise(r);
  RETURN QUERY SELECT (e OPERATOR(pg_catalog.->>) 'cluster')::pg_catalog.int4, (e OPERATOR(pg_catalog.->>) 'size')::pg_catalog.int8,
                      (e OPERATOR(pg_catalog.->>) 'radius')::pg_catalog.float8, e OPERATOR(pg_catalog.->>) 'centroid'
                 FROM pg_catalog.jsonb_array_elements(r OPERATOR(pg_catalog.->) 'rows') AS e;
END $$;
COMMENT ON FUNCTION centroid.centroids(text, int4) IS
  'pg_centroid: one row per cluster of the caller''s model (its latest version, or the one given) or of a clustered table: number, size, mean radius and centroid in original units, as text (a vector''s for pgvector columns, cast with ::vector; a float8[]''s otherwise)';

-- The same with the centroid as the type of the second argument's (NULL::vector, NULL::float8[], ...).
CREATE FUNCTION centroid.centroids(model text, as_type anyelement)
  RETURNS TABLE (cluster int4, size int8, radius float8, centroid anyelement)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY EXECUTE pg_catalog.format('SELECT c.cluster, c.size, c.radius, c.centroid::%s FROM centroid.centroids($1) c', pg_catalog.pg_typeof(as_type)) USING model;
END $$;
COMMENT ON FUNCTION centroid.centroids(text, anyelement) IS
  'pg_centroid: centroid.centroids with each centroid cast to the type of the second argument: centroid.centroids(''docs'', NULL::vector)';

-- The query centroid.score runs, built from the model or table and the source: JSON text {sql, temporary}.
CREATE FUNCTION centroid_internal._score_sql(model text, source text, version int4, caller_path text) RETURNS text
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.score(model, source, version, caller_path); $js$;

CREATE FUNCTION centroid_internal._score(model text, source text, version int4, caller_path text)
  RETURNS TABLE (key text, cluster int4, distance float8, normalized_distance float8, is_anomaly bool)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r jsonb;
BEGIN
  r := centroid_internal._score_sql(model, source, version, caller_path)::jsonb;
  PERFORM centroid_internal._raise(r);
  RETURN QUERY EXECUTE r->>'sql';
  IF (r->>'temporary')::bool THEN
    DROP VIEW pg_temp.centroid_fit_source;
  END IF;
END $$;

CREATE FUNCTION centroid.score(model text, source text, version int4 DEFAULT NULL)
  RETURNS TABLE (key text, cluster int4, distance float8, normalized_distance float8, is_anomaly bool)
LANGUAGE sql AS $$ SELECT * FROM centroid_internal._score(model, source, version, pg_catalog.current_setting('search_path')) $$;
COMMENT ON FUNCTION centroid.score(text, text, int4) IS
  'pg_centroid: scores every row of a table, view or SELECT in one statement with a model (or a clustered table''s live centroids): key, cluster, distance, normalized distance (over the cluster''s RMS radius) and anomaly flag';

-- Checks a fit's settings against its source now (for schedule_fit, so a bad config fails now and not at night).
CREATE FUNCTION centroid_internal._check_fit(source text, config jsonb, caller_path text) RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.checkFit(source, config, caller_path); $js$;

-- A libpq connection-string value, quoted.
CREATE FUNCTION centroid_internal._conninfo_value(v text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT '''' || pg_catalog.replace(pg_catalog.replace(v, '\', '\\'), '''', '\''') || '''' $$;

-- pg_cron's settings cron.database_name and cron.host, which only superusers may read (NULL when unset).
-- SECURITY DEFINER so owners who are not superusers can schedule; it reveals nothing else.
CREATE FUNCTION centroid_internal._cron_setting(name text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN name IN ('cron.database_name', 'cron.host') THEN pg_catalog.current_setting(name, true) END
$$;

-- The statement that registers (or replaces) a job of the current user running `command` in this database, as
-- text: cron.schedule where pg_cron lives (it needs only USAGE on schema cron), else cron.schedule_in_database
-- (which pg_cron lets only superusers, and roles granted EXECUTE on it, call).
CREATE FUNCTION centroid_internal._schedule_statement(job text, schedule text, command text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN centroid_internal._cron_setting('cron.database_name') = pg_catalog.current_database()
    THEN pg_catalog.format('SELECT cron.schedule(%L, %L, %L)::pg_catalog.text', job, schedule, command)
    ELSE pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L)::pg_catalog.text', job, schedule, command, pg_catalog.current_database())
  END
$$;

-- Runs a statement returning one text value in pg_cron's database: here when pg_cron is installed here, else
-- through dblink (pg_cron lives in one database, cron.database_name); otherwise raises what to do, including
-- the statement to run by hand there. Through dblink it runs under the role's search_path in that database, so the
-- statements passed here qualify every name.
CREATE FUNCTION centroid_internal._in_cron_database(statement text) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  cron_db text := centroid_internal._cron_setting('cron.database_name');
  dblink_schema name;
  conn text;
  result text;
  message text;
  -- What a role that is not a superuser needs there to run the statement itself.
  grants text := pg_catalog.format('GRANT USAGE ON SCHEMA cron TO %I;', current_user)
    || CASE WHEN pg_catalog.strpos(statement, 'cron.schedule_in_database(') > 0
            THEN pg_catalog.format(' GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text, text, text, boolean) TO %I;', current_user) ELSE '' END;
BEGIN
  IF cron_db IS NULL THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron is not loaded in this server, so refits cannot be scheduled'
      USING ERRCODE = '55000',
            HINT = 'add pg_cron to shared_preload_libraries, set cron.database_name, restart PostgreSQL and run CREATE EXTENSION pg_cron in that database; or call centroid.fit from another scheduler';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    IF NOT pg_catalog.has_schema_privilege('cron', 'USAGE') THEN
      RAISE EXCEPTION 'pg_centroid: role % may not use pg_cron', current_user
        USING ERRCODE = '42501',
              HINT = pg_catalog.format('a superuser can allow it: GRANT USAGE ON SCHEMA cron TO %I; (in database %s)', current_user, cron_db);
    END IF;
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
            HINT = pg_catalog.format('run CREATE EXTENSION dblink; here and call this again (pg_centroid then registers the job in %s itself), or connect to database %s and run: %s; a role that is not a superuser needs there first, from a superuser: %s', cron_db, cron_db, statement, grants);
  END IF;
  conn := pg_catalog.format('dbname=%s host=%s port=%s user=%s',
    centroid_internal._conninfo_value(cron_db),
    centroid_internal._conninfo_value(coalesce(nullif(centroid_internal._cron_setting('cron.host'), ''), 'localhost')),
    pg_catalog.current_setting('port'),
    centroid_internal._conninfo_value(current_user));
  BEGIN
    EXECUTE pg_catalog.format('SELECT v FROM %I.dblink($1, $2) AS t(v text)', dblink_schema) INTO result USING conn, statement;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
    RAISE EXCEPTION 'pg_centroid: could not register the job in pg_cron''s database "%" as role %: %', cron_db, current_user, message
      USING ERRCODE = '42501',
            HINT = pg_catalog.format('connect to database %s and run: %s; a role that is not a superuser needs there first, from a superuser: %s (dblink connects such a role only with a password in the connection string, which pg_centroid does not send)', cron_db, statement, grants);
  END;
  RETURN result;
END $$;

-- The pg_cron job name of a model's refit in this database.
CREATE FUNCTION centroid_internal._job_name(model text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT 'pg_centroid refit ' || pg_catalog.current_database() || ' ' || model $$;

CREATE FUNCTION centroid_internal._schedule_fit(model text, source text, config jsonb, schedule text, refresh text, caller_path text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job text := centroid_internal._job_name(model);
  view_oid oid;
  refresh_sql text := '';
  command text;
  job_id text;
  message text;
  detail text;
BEGIN
  BEGIN
    PERFORM centroid_internal._raise(centroid_internal._check_fit(source, config, caller_path));
  EXCEPTION WHEN internal_error THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF message <> 'execution error' THEN RAISE; END IF;
    PERFORM centroid_internal._rethrow_fit(detail);
  END;
  IF refresh IS NOT NULL THEN
    PERFORM pg_catalog.set_config('search_path', caller_path, true);
    view_oid := pg_catalog.to_regclass(refresh);
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    SELECT c.oid INTO view_oid FROM pg_catalog.pg_class c WHERE c.oid = view_oid AND c.relkind = 'm';
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
  command := pg_catalog.format('SET search_path TO %s; %sSELECT centroid.fit(%L, %L, %L::pg_catalog.jsonb)',
    coalesce(nullif(caller_path, ''), 'pg_catalog'), refresh_sql, model, source, config);
  job_id := centroid_internal._in_cron_database(centroid_internal._schedule_statement(job, schedule, command));
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', centroid_internal._cron_setting('cron.database_name'));
END $$;

CREATE FUNCTION centroid.schedule_fit(model text, source text, config jsonb, schedule text, refresh text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
  RETURN centroid_internal._schedule_fit(model, source, config, schedule, refresh, pg_catalog.current_setting('search_path'));
END $$;
COMMENT ON FUNCTION centroid.schedule_fit(text, text, jsonb, text, text) IS
  'pg_centroid: registers a pg_cron job that refreshes a materialized view (optional) and refits the model on a schedule (cron syntax)';

-- Removes the current user's pg_cron jobs of that name; false when there was none.
CREATE FUNCTION centroid_internal._unschedule_job(job text) RETURNS bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN centroid_internal._in_cron_database(pg_catalog.format(
    'SELECT coalesce((SELECT pg_catalog.bool_and(cron.unschedule(jobid)) FROM cron.job WHERE jobname OPERATOR(pg_catalog.=) %L AND username OPERATOR(pg_catalog.=) current_user), false)::pg_catalog.text',
    job))::bool;
END $$;

CREATE FUNCTION centroid.unschedule_fit(model text) RETURNS bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN centroid_internal._unschedule_job(centroid_internal._job_name(model));
END $$;
COMMENT ON FUNCTION centroid.unschedule_fit(text) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_fit for this model in this database; false when there was none';
