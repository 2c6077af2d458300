-- Clustering on insert: the row trigger users attach, the entry points of the trigger functions pg_centroid
-- generates per clustered table (src/db/compile.ts), centroid.refit and its schedule.
--
-- Per clustered table, two generated functions in centroid_internal:
-- - its label function (BEFORE INSERT OR UPDATE, FOR EACH ROW; it skips updates that leave the clustering columns
--   as they were): by default SECURITY DEFINER as the table's owner, handing the row's features to
--   centroid_internal._nearest, which labels it from the centroids only the owner reads; with inline_centroids,
--   PL/pgSQL with the stored centroids written in as constants, running with the rights of the role that inserts
--   and naming every function and operator with its schema. Under the `row` policy (the paper's) it hands the row
--   to centroid_internal._label instead, as the owner.
-- - its hook function (statement triggers: AFTER INSERT, AFTER TRUNCATE, and BEFORE INSERT under `row`):
--   SECURITY DEFINER, owned by the table's owner, so refits read the whole window and rewrite cluster numbers
--   with the owner's rights whoever inserts, and only the owner's rights are needed to keep centroid.state.

-- The trigger users attach. The labelling itself is done by the label function pg_centroid generates for the
-- table with its settings: this one checks how it is used and lets the row through.
CREATE FUNCTION centroid.cluster_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- It runs for every row, so no SET clause (which costs on every call): every operator and function is qualified.
  IF TG_WHEN OPERATOR(pg_catalog.<>) 'BEFORE' OR TG_LEVEL OPERATOR(pg_catalog.<>) 'ROW' OR TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
    RAISE EXCEPTION 'pg_centroid: trigger % on % must be BEFORE INSERT ... FOR EACH ROW', TG_NAME, TG_TABLE_NAME
      USING ERRCODE = '42P17',
            HINT = pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %I.%I FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert();', TG_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION centroid.cluster_on_insert() IS
  'pg_centroid: BEFORE INSERT FOR EACH ROW trigger of a clustered table (settings in centroid.settings); its label trigger gives each new row its cluster number';

-- Policy `row`: a new row's cluster number, distance and anomaly flag (1 or 0) from a refit of the window with it
-- (called by the label function); NULL when it gets none.
CREATE FUNCTION centroid_internal._label(relid oid, features float8[]) RETURNS float8[]
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.label(relid, features); $js$;

-- The label function's entry when the centroids stay out of the catalog (the default): a row's [cluster, distance,
-- anomaly 1 / 0 / NaN], or [] before the first clustering. `stamp` (the statement's start) lets it look the table's
-- model up once per statement. No SET clause: it runs per row; it pins search_path itself when it runs SQL.
CREATE FUNCTION centroid_internal._nearest(relid oid, stamp float8, features float8[]) RETURNS float8[]
LANGUAGE javascript STABLE AS $js$ return API.nearest(relid, stamp, features); $js$;

-- The same for a table of at most 8 clustering columns without distance or anomaly columns: the features as
-- arguments and the cluster as the result (-1 before the first clustering), which pljs passes several times faster
-- than arrays.
CREATE FUNCTION centroid_internal._nearest_label(relid oid, stamp float8, x0 float8, x1 float8 DEFAULT NULL, x2 float8 DEFAULT NULL,
  x3 float8 DEFAULT NULL, x4 float8 DEFAULT NULL, x5 float8 DEFAULT NULL, x6 float8 DEFAULT NULL, x7 float8 DEFAULT NULL) RETURNS int4
LANGUAGE javascript STABLE AS $js$ return API.nearestLabel(relid, stamp, x0, x1, x2, x3, x4, x5, x6, x7); $js$;

-- The hook function's entry: `event` is before_insert, after_insert or truncate (src/db/insert.ts).
CREATE FUNCTION centroid_internal._hook(relid oid, event text) RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.hook(relid, event); $js$;

-- Policy `online`: the rows one statement inserted (from its transition table) move their centroids.
CREATE FUNCTION centroid_internal._online(relid oid, labels int4[], features float8[], times float8[]) RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.online(relid, labels, features, times); $js$;

-- Runs the hook function's JavaScript side and raises what it reports (the generated hook functions call this).
CREATE FUNCTION centroid_internal._run_hook(relid oid, event text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  message text;
  detail text;
BEGIN
  PERFORM centroid_internal._raise(centroid_internal._hook(relid, event));
EXCEPTION WHEN internal_error THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  IF message <> 'execution error' THEN RAISE; END IF;
  PERFORM centroid_internal._rethrow(detail);
END $$;

-- The same for the online policy's moves.
CREATE FUNCTION centroid_internal._run_online(relid oid, labels int4[], features float8[], times float8[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  message text;
  detail text;
BEGIN
  PERFORM centroid_internal._raise(centroid_internal._online(relid, labels, features, times));
EXCEPTION WHEN internal_error THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  IF message <> 'execution error' THEN RAISE; END IF;
  PERFORM centroid_internal._rethrow(detail);
END $$;

-- Raises an unexpected error from JavaScript (which pljs reports as "execution error", the real message in
-- DETAIL) as a readable one; an interrupted refit as a cancel (SQLSTATE 57014).
CREATE FUNCTION centroid_internal._rethrow(detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  first text := pg_catalog.regexp_replace(pg_catalog.split_part(detail, E'\n', 1), '^[A-Za-z]*Error: ', '');
BEGIN
  IF first = 'interrupted' OR first LIKE 'canceling statement%' THEN
    RAISE EXCEPTION 'pg_centroid: clustering was interrupted (statement_timeout or a cancel request)'
      USING ERRCODE = '57014', DETAIL = detail,
            HINT = 'raise statement_timeout for this work, or make refits shorter: lower maximum_data_count or max_iterations in centroid.settings';
  END IF;
  RAISE EXCEPTION 'pg_centroid: %', first USING ERRCODE = 'XX000', DETAIL = detail,
    HINT = 'this is a bug of pg_centroid: please report it with this message and the statement that caused it';
END $$;

CREATE FUNCTION centroid_internal._refit(relid oid) RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.refit(relid); $js$;

-- True when the current user is the table's owner (or a member of the owning role, or a superuser).
CREATE FUNCTION centroid_internal._owns(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'), false)
    FROM pg_catalog.pg_class c WHERE c.oid = table_name
$$;

CREATE FUNCTION centroid.refit(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result jsonb;
  message text;
  detail text;
BEGIN
  IF NOT centroid_internal._owns(table_name) THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can refit it', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.refit';
  END IF;
  BEGIN
    result := centroid_internal._refit(table_name);
  EXCEPTION WHEN internal_error THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF message <> 'execution error' THEN RAISE; END IF;
    PERFORM centroid_internal._rethrow(detail);
  END;
  PERFORM centroid_internal._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.refit(regclass) IS
  'pg_centroid: re-clusters the table''s window now, writes changed cluster numbers and stores the new centroids';

-- The pg_cron job name of a table's scheduled refit in this database.
CREATE FUNCTION centroid_internal._refit_job_name(table_name regclass) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT 'pg_centroid refit table ' || pg_catalog.current_database() || ' ' || table_name::text $$;

CREATE FUNCTION centroid.schedule_refit(table_name regclass, schedule text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job text := centroid_internal._refit_job_name(table_name);
  command text;
  job_id text;
BEGIN
  IF NOT centroid_internal._owns(table_name) THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can schedule its refits', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.schedule_refit';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM centroid.settings s WHERE s.table_name = schedule_refit.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: table % is not clustered', table_name
      USING ERRCODE = '22023', HINT = 'write its settings first: SELECT centroid.attach(table, config)';
  END IF;
  -- Qualified: pg_cron runs it under the job's role's search_path, and the statement may run through dblink.
  command := pg_catalog.format('SELECT centroid.refit(%L::pg_catalog.regclass)', pg_catalog.format('%I.%I', n.nspname, c.relname))
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = table_name;
  job_id := centroid_internal._in_cron_database(centroid_internal._schedule_statement(job, schedule, command));
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', centroid_internal._cron_setting('cron.database_name'));
END $$;
COMMENT ON FUNCTION centroid.schedule_refit(regclass, text) IS
  'pg_centroid: registers a pg_cron job that runs centroid.refit on the table on a schedule (cron syntax, or ''N seconds'')';

CREATE FUNCTION centroid.unschedule_refit(table_name regclass) RETURNS bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN centroid_internal._unschedule_job(centroid_internal._refit_job_name(table_name));
END $$;
COMMENT ON FUNCTION centroid.unschedule_refit(regclass) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_refit for the table; false when there was none';
