-- Event triggers, dump registration and privileges, last (they refer to everything above).

CREATE EVENT TRIGGER centroid_sql_drop ON sql_drop EXECUTE FUNCTION centroid_internal._on_sql_drop();
CREATE EVENT TRIGGER centroid_ddl_end ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER', 'ALTER TABLE')
  EXECUTE FUNCTION centroid_internal._on_ddl_end();

SELECT pg_catalog.pg_extension_config_dump('centroid.settings', '');
SELECT pg_catalog.pg_extension_config_dump('centroid.state', '');

-- Everyone may cluster their own tables. Settings and stored centroids are read and written only by the table's
-- owner: refits started by other roles' inserts run in the table's hook function, with the owner's rights.
ALTER TABLE centroid.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE centroid.state ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.settings USING (centroid_internal._owns(table_name));
CREATE POLICY owner_only ON centroid.state USING (centroid_internal._owns(table_name));

GRANT USAGE ON SCHEMA centroid TO PUBLIC;
GRANT USAGE ON SCHEMA centroid_internal TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.settings TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.state TO PUBLIC;

-- Internals no role calls directly. The rest of centroid_internal may be executed by any role (the generated
-- trigger functions of every table owner call it) and checks its caller itself.
REVOKE EXECUTE ON FUNCTION centroid_internal._settings_before() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._settings_after() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._on_sql_drop() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION centroid_internal._on_ddl_end() FROM PUBLIC;

DROP FUNCTION centroid_internal._define_js(text, text, text);
