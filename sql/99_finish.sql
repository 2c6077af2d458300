-- Event triggers, dump registration and privileges, last (they refer to everything above).

CREATE EVENT TRIGGER centroid_sql_drop ON sql_drop EXECUTE FUNCTION centroid._on_sql_drop();
CREATE EVENT TRIGGER centroid_create_trigger ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER')
  EXECUTE FUNCTION centroid._on_create_trigger();

SELECT pg_catalog.pg_extension_config_dump('centroid.settings', '');
SELECT pg_catalog.pg_extension_config_dump('centroid.state', '');

-- Everyone may cluster their own tables; rows of tables they do not own are invisible to them.
CREATE FUNCTION centroid._owns(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'), false)
    FROM pg_catalog.pg_class c WHERE c.oid = table_name
$$;

CREATE FUNCTION centroid._inserts(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.has_table_privilege(current_user, table_name::oid, 'INSERT'), false)
$$;

ALTER TABLE centroid.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE centroid.state ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.settings USING (centroid._owns(table_name));
CREATE POLICY owner_only ON centroid.state USING (centroid._owns(table_name));
-- Roles that may insert into a clustered table read its settings and keep its state (their inserts refit it).
CREATE POLICY inserters_read ON centroid.settings FOR SELECT USING (centroid._inserts(table_name));
CREATE POLICY inserters_refit ON centroid.state USING (centroid._inserts(table_name));

GRANT USAGE ON SCHEMA centroid TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.settings TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.state TO PUBLIC;

-- Only _settings_after (SECURITY DEFINER) creates and drops companion triggers and label functions.
REVOKE EXECUTE ON FUNCTION centroid._companions(oid, jsonb) FROM PUBLIC;

DROP FUNCTION centroid._define_js(text, text, text);
