-- Settings are validated when written, only by the table's owner, and the companion statement
-- triggers that clustering on insert needs are created and dropped with them.

CREATE FUNCTION centroid._validate_settings(relid oid, config jsonb) RETURNS jsonb
LANGUAGE javascript AS $js$ return API.validateSettings(relid, config); $js$;

-- Puts on a clustered table the companion triggers its settings need (none when config is NULL):
-- statement triggers around every INSERT/COPY, and the label trigger: a PL/pgSQL function generated
-- for the table that hands each new row's clustering columns to centroid._label() as one float8[]
-- (pljs itself leaks memory converting rows, so no row ever reaches it as a record).
CREATE FUNCTION centroid._companions(relid oid, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rel text;
  want record;
  old_label oid;
  label_fn text := pg_catalog.format('centroid.%I', '_label_' || relid::text);
BEGIN
  -- The label trigger is made anew with every settings change (columns may have changed).
  SELECT tg.tgfoid INTO old_label FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = relid AND tg.tgname = 'centroid_label';
  IF old_label IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP TRIGGER centroid_label ON %s', relid::regclass);
  END IF;
  IF old_label IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid = old_label AND p.pronamespace = 'centroid'::regnamespace AND p.proname LIKE '\_label\_%') THEN
    EXECUTE pg_catalog.format('DROP FUNCTION %s', old_label::regprocedure);
  END IF;
  EXECUTE pg_catalog.format('DROP FUNCTION IF EXISTS %s()', label_fn);
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = relid) THEN
    RETURN;
  END IF;
  rel := relid::regclass::text;
  IF config IS NOT NULL THEN
    -- (The keyword is a parameter so build.mjs, which replays every function of sql/ in update
    -- scripts, does not take this string for a function of the extension.)
    EXECUTE pg_catalog.format(
      'CREATE %s %s() RETURNS trigger LANGUAGE plpgsql AS %L', 'FUNCTION',
      label_fn,
      pg_catalog.format('BEGIN NEW.%I := centroid._label(TG_RELID, ARRAY[%s]::float8[]); RETURN NEW; END',
        config->>'cluster_number_column',
        (SELECT pg_catalog.string_agg(pg_catalog.format('NEW.%I', c), ', ' ORDER BY i)
           FROM pg_catalog.jsonb_array_elements_text(config->'clustering_columns') WITH ORDINALITY AS t(c, i))));
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', label_fn,
      'pg_centroid: label trigger of ' || rel || ', generated from its settings; dropped with them');
    EXECUTE pg_catalog.format('CREATE TRIGGER centroid_label BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()', rel, label_fn);
  END IF;
  FOR want IN
    SELECT * FROM (VALUES
      ('centroid_before_insert', 'BEFORE INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._before_insert()', config IS NOT NULL),
      ('centroid_after_insert', 'AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._after_insert()', config IS NOT NULL)
    ) AS t(name, definition, present)
  LOOP
    IF want.present AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('CREATE TRIGGER %I ', want.name) || pg_catalog.format(want.definition, rel);
    ELSIF NOT want.present AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', want.name, rel);
    END IF;
  END LOOP;
END $$;

-- Checks a settings row before it is written: the caller owns the table; every key is valid.
CREATE FUNCTION centroid._settings_before() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  owner oid;
  kind "char";
BEGIN
  SELECT relowner, relkind INTO owner, kind FROM pg_catalog.pg_class WHERE oid = NEW.table_name;
  IF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'pg_centroid: % is not a table', NEW.table_name
      USING HINT = 'clustering on insert works on tables and hypertables; for views use centroid.fit()', ERRCODE = '42809';
  END IF;
  IF NOT pg_catalog.pg_has_role(current_user, owner, 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can configure its clustering', NEW.table_name
      USING HINT = 'ask the table''s owner, or a superuser, to write this settings row', ERRCODE = '42501';
  END IF;
  PERFORM centroid._raise(centroid._validate_settings(NEW.table_name, NEW.config));
  IF TG_OP = 'UPDATE' AND (OLD.table_name <> NEW.table_name OR
       (SELECT bool_or(OLD.config->k IS DISTINCT FROM NEW.config->k)
          FROM unnest(ARRAY['clustering_columns', 'cluster_count', 'distance_type', 'clustering_algorithm', 'starting_centers', 'center_choice', 'standardize']) AS k)) THEN
    -- The stored centroids no longer describe what is clustered: start again.
    DELETE FROM centroid.state WHERE table_name = OLD.table_name;
  END IF;
  RETURN NEW;
END $$;

-- SECURITY DEFINER: it creates the table's label function in schema centroid. It only runs after a
-- settings row passed _settings_before, which lets only the table's owner write it.
CREATE FUNCTION centroid._settings_after() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- A restore brings the companion triggers from the dump; creating them here would make it fail.
  IF current_setting('application_name') = 'pg_restore' OR current_setting('timescaledb.restoring', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.table_name <> NEW.table_name) THEN
    PERFORM centroid._companions(OLD.table_name, NULL);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM centroid._companions(NEW.table_name, NEW.config);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER settings_before BEFORE INSERT OR UPDATE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid._settings_before();
CREATE TRIGGER settings_after AFTER INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid._settings_after();

-- Removes settings (and so stored state) of tables that are dropped.
CREATE FUNCTION centroid._on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM centroid.settings s
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND s.table_name::oid = d.objid;
END $$;

-- Refuses centroid.cluster_on_insert() used other than BEFORE INSERT FOR EACH ROW, when created.
CREATE FUNCTION centroid._on_create_trigger() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
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
              HINT = 'INSERT INTO centroid.settings (table_name, config) VALUES (...)';
    END IF;
  END LOOP;
END $$;
