-- Settings are validated when written, only by the table's owner, and the triggers and trigger functions that
-- clustering on insert needs are generated from them (src/db/compile.ts) when they are written.

-- The settings with defaults filled in, or { error }: what every reader of centroid.settings checks.
CREATE FUNCTION centroid_internal._validate_settings(relid oid, config jsonb) RETURNS jsonb
LANGUAGE javascript STABLE SET search_path = pg_catalog, pg_temp AS $js$ return API.validateSettings(relid, config); $js$;

-- What a settings write must also pass: the key identifies rows, a k-medoids window fits its limit, row-level
-- security does not hide rows from the owner (src/db/api.ts checkSettingsWrite).
CREATE FUNCTION centroid_internal._check_settings_write(relid oid, config jsonb) RETURNS jsonb
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.checkSettingsWrite(relid, config); $js$;

-- (Re)generates a table's label and hook trigger functions and its companion triggers from its settings and
-- stored centroids, or removes them when it has no settings. SECURITY DEFINER: it creates functions in
-- centroid_internal (the hook function owned by the table's owner); it reads only the stored truth and lets only
-- the table's owner (or a superuser) call it.
CREATE FUNCTION centroid_internal._compile(relid oid) RETURNS jsonb
LANGUAGE javascript SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $js$ return API.compile(relid); $js$;

-- The lock order every path follows (settings writes, refits, inserts' refits, TRUNCATE): the table first (an
-- INSERT already holds ROW EXCLUSIVE; a settings change takes SHARE ROW EXCLUSIVE, so it waits for writers and
-- writers wait for it), then the table's refit lock (transaction advisory lock), then centroid.state.
CREATE FUNCTION centroid_internal._lock(relid oid, settings_change bool) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = relid) THEN
    EXECUTE pg_catalog.format('LOCK TABLE %s IN %s MODE', relid::regclass,
      CASE WHEN settings_change THEN 'SHARE ROW EXCLUSIVE' ELSE 'ROW EXCLUSIVE' END);
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(1667591796, relid::int4);
END $$;

-- Checks a settings row before it is written or removed: the caller owns the table; every key is valid; the
-- locks are taken in the one order; stored centroids that no longer describe what is clustered are dropped.
CREATE FUNCTION centroid_internal._settings_before() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  owner oid;
  kind "char";
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM centroid_internal._lock(OLD.table_name, true);
    RETURN OLD;
  END IF;
  SELECT relowner, relkind INTO owner, kind FROM pg_catalog.pg_class WHERE oid = NEW.table_name;
  IF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'pg_centroid: % is not a table', NEW.table_name
      USING HINT = 'clustering on insert works on tables, partitioned tables and hypertables; for views use centroid.fit()', ERRCODE = '42809';
  END IF;
  IF NOT pg_catalog.pg_has_role(current_user, owner, 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can configure its clustering', NEW.table_name
      USING HINT = 'ask the table''s owner, or a superuser, to write this settings row', ERRCODE = '42501';
  END IF;
  PERFORM centroid_internal._lock(NEW.table_name, true);
  IF TG_OP = 'UPDATE' AND OLD.table_name <> NEW.table_name THEN
    PERFORM centroid_internal._lock(OLD.table_name, true);
  END IF;
  PERFORM centroid_internal._raise(centroid_internal._check_settings_write(NEW.table_name, NEW.config));
  IF TG_OP = 'UPDATE' AND (OLD.table_name <> NEW.table_name OR
       (SELECT bool_or(OLD.config->k IS DISTINCT FROM NEW.config->k)
          FROM unnest(ARRAY['clustering_columns', 'cluster_count', 'distance_type', 'clustering_algorithm', 'starting_centers', 'center_choice', 'standardize']) AS k)) THEN
    -- The stored centroids no longer describe what is clustered: start again.
    DELETE FROM centroid.state WHERE table_name = OLD.table_name;
  END IF;
  RETURN NEW;
END $$;

-- SECURITY DEFINER: it (re)generates the table's trigger functions in centroid_internal. It only runs after a
-- settings row passed _settings_before, which lets only the table's owner write it.
CREATE FUNCTION centroid_internal._settings_after() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- A restore brings the trigger functions and triggers from the dump; creating them here would make it fail.
  IF current_setting('application_name') = 'pg_restore' OR current_setting('timescaledb.restoring', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.table_name <> NEW.table_name) THEN
    PERFORM centroid_internal._raise(centroid_internal._compile(OLD.table_name));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM centroid_internal._raise(centroid_internal._compile(NEW.table_name));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER settings_before BEFORE INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid_internal._settings_before();
CREATE TRIGGER settings_after AFTER INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid_internal._settings_after();

-- Removes settings (and so stored state and generated functions) of tables that are dropped.
CREATE FUNCTION centroid_internal._on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM centroid.settings s
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND s.table_name::oid = d.objid;
END $$;

-- After DDL: refuses centroid.cluster_on_insert() used other than BEFORE INSERT FOR EACH ROW, and regenerates the
-- trigger functions of clustered tables that ALTER TABLE changed (a renamed or dropped column, a new owner,
-- row-level security), so the next INSERT meets an error that names the setting, not a missing field.
CREATE FUNCTION centroid_internal._on_ddl_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname, tg.tgrelid::regclass AS rel, tg.tgtype
      FROM pg_catalog.pg_event_trigger_ddl_commands() c
      JOIN pg_catalog.pg_trigger tg ON tg.oid = c.objid
     WHERE c.classid = 'pg_catalog.pg_trigger'::regclass
       AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure
  LOOP
    -- tgtype bits: 1 = row, 2 = before, 4 = insert, 8 = delete, 16 = update, 32 = truncate, 64 = instead.
    IF t.tgtype & 1 = 0 OR t.tgtype & 2 = 0 OR t.tgtype & (8 | 16 | 32 | 64) <> 0 THEN
      RAISE EXCEPTION 'pg_centroid: trigger % on % must be BEFORE INSERT ... FOR EACH ROW', t.tgname, t.rel
        USING HINT = pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert();', t.tgname, t.rel),
              ERRCODE = '42P17';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM centroid.settings WHERE table_name = t.rel) THEN
      RAISE NOTICE 'pg_centroid: table % has no clustering settings yet', t.rel
        USING DETAIL = 'rows are inserted without a cluster number until settings exist',
              HINT = 'SELECT centroid.attach(table, config), or INSERT INTO centroid.settings (table_name, config) VALUES (...)';
    END IF;
  END LOOP;
  IF current_setting('application_name') = 'pg_restore' OR current_setting('timescaledb.restoring', true) = 'on' THEN
    RETURN;
  END IF;
  FOR t IN
    SELECT DISTINCT s.table_name
      FROM pg_catalog.pg_event_trigger_ddl_commands() c
      JOIN centroid.settings s ON s.table_name::oid = c.objid
     WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.command_tag = 'ALTER TABLE'
  LOOP
    PERFORM centroid_internal._raise(centroid_internal._compile(t.table_name));
  END LOOP;
END $$;
