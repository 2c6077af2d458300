-- Clustering on insert: the row trigger users attach, and the statement-level companions that
-- pg_centroid attaches itself (see src/db/insert.ts).
--
-- None of them is SECURITY DEFINER: like any trigger, they act with the rights of the role that
-- inserts. A refit reads the window and rewrites changed cluster numbers, so that role needs
-- SELECT on the table and UPDATE on the cluster number column (checked before the first row, with
-- the GRANT to run in the HINT). Running them as a superuser would run the table owner's own code
-- (UPDATE triggers, index expressions) with a superuser's rights.

-- The trigger users attach. The labelling itself is done by the label trigger pg_centroid generates
-- for the table with its settings (centroid._companions): this one checks how it is used and lets
-- the row through, so a table gets clustered exactly when it has both the trigger and settings.
CREATE FUNCTION centroid.cluster_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' OR TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'pg_centroid: trigger % on % must be BEFORE INSERT ... FOR EACH ROW', TG_NAME, TG_TABLE_NAME
      USING ERRCODE = '42P17',
            HINT = pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %I.%I FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert();', TG_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION centroid.cluster_on_insert() IS
  'pg_centroid: BEFORE INSERT FOR EACH ROW trigger of a clustered table (settings in centroid.settings); its label trigger gives each new row its cluster number';

-- A new row's cluster number from its clustering columns (called by the table's label trigger).
CREATE FUNCTION centroid._label(relid oid, features float8[]) RETURNS int4
LANGUAGE javascript AS $js$ return API.label(relid, features); $js$;

CREATE FUNCTION centroid._before_statement(relid oid) RETURNS jsonb
LANGUAGE javascript AS $js$ return API.beforeStatement(relid); $js$;

CREATE FUNCTION centroid._after_statement(relid oid) RETURNS jsonb
LANGUAGE javascript AS $js$ return API.afterStatement(relid); $js$;

-- Raises an unexpected error from JavaScript (which pljs reports as "execution error", the real
-- message in DETAIL) as a readable one; an interrupted refit as a cancel (SQLSTATE 57014).
CREATE FUNCTION centroid._rethrow(detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  first text := pg_catalog.regexp_replace(pg_catalog.split_part(detail, E'\n', 1), '^[A-Za-z]*Error: ', '');
BEGIN
  IF first = 'interrupted' OR first LIKE 'canceling statement%' THEN
    RAISE EXCEPTION 'pg_centroid: clustering was interrupted (statement_timeout or a cancel request)'
      USING ERRCODE = '57014', DETAIL = detail,
            HINT = 'raise statement_timeout for this work, or make refits shorter: lower maximum_data_count or max_iterations in centroid.settings';
  END IF;
  RAISE EXCEPTION 'pg_centroid: %', first USING ERRCODE = 'XX000', DETAIL = detail;
END $$;

-- Runs the JavaScript side of a companion statement trigger and raises what it reports.
CREATE FUNCTION centroid._statement(relid oid, is_before bool) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  message text;
  detail text;
BEGIN
  IF is_before THEN
    PERFORM centroid._raise(centroid._before_statement(relid));
  ELSE
    PERFORM centroid._raise(centroid._after_statement(relid));
  END IF;
EXCEPTION WHEN internal_error THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  IF message <> 'execution error' THEN RAISE; END IF;
  PERFORM centroid._rethrow(detail);
END $$;

CREATE FUNCTION centroid._before_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._statement(TG_RELID, true);
  RETURN NULL;
END $$;

CREATE FUNCTION centroid._after_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._statement(TG_RELID, false);
  RETURN NULL;
END $$;

CREATE FUNCTION centroid._refit(relid oid) RETURNS jsonb
LANGUAGE javascript AS $js$ return API.refit(relid); $js$;

CREATE FUNCTION centroid.refit(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result jsonb;
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = table_name), 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can refit it', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.refit';
  END IF;
  result := centroid._refit(table_name);
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.refit(regclass) IS
  'pg_centroid: re-clusters the table''s window now, writes changed cluster numbers and stores the new centroids';

-- The pg_cron job name of a table's scheduled refit in this database.
CREATE FUNCTION centroid._refit_job_name(table_name regclass) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT 'pg_centroid refit table ' || pg_catalog.current_database() || ' ' || table_name::text $$;

CREATE FUNCTION centroid.schedule_refit(table_name regclass, schedule text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job text := centroid._refit_job_name(table_name);
  command text;
  job_id text;
BEGIN
  IF NOT centroid._owns(table_name) THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can schedule its refits', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.schedule_refit';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM centroid.settings s WHERE s.table_name = schedule_refit.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: table % is not clustered', table_name
      USING ERRCODE = '22023', HINT = 'write its settings first: SELECT centroid.attach(table, config)';
  END IF;
  command := pg_catalog.format('SELECT centroid.refit(%L::regclass)', pg_catalog.format('%I.%I', n.nspname, c.relname))
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = table_name;
  job_id := centroid._in_cron_database(pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L)::text',
    job, schedule, command, pg_catalog.current_database()));
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', pg_catalog.current_setting('cron.database_name', true));
END $$;
COMMENT ON FUNCTION centroid.schedule_refit(regclass, text) IS
  'pg_centroid: registers a pg_cron job that runs centroid.refit on the table on a schedule (cron syntax, or ''N seconds'')';

CREATE FUNCTION centroid.unschedule_refit(table_name regclass) RETURNS bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN centroid._unschedule_job(centroid._refit_job_name(table_name));
END $$;
COMMENT ON FUNCTION centroid.unschedule_refit(regclass) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_refit for the table; false when there was none';
