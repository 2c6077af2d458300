-- Sharded sources (see src/db/sharded.ts): centroid.fit and centroid.choose_k on a partitioned table whose partitions
-- are postgres_fdw foreign tables run each Lloyd pass as one aggregate per partition, on its server.

-- Runs a statement that reaches the shards and returns {"rows": [...]} (rows = true) or {"count": n}; a failure
-- comes back as {"error": {sqlstate, message, detail, hint, context}} instead of being raised, because pljs would
-- keep only its message, and the context (postgres_fdw's "remote SQL command") tells which server failed. The
-- statement runs with the caller's rights, in a subtransaction that the failure rolls back.
CREATE FUNCTION centroid_internal._remote(statement text, rows bool) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result jsonb;
  n int8;
  e_state text;
  e_message text;
  e_detail text;
  e_hint text;
  e_context text;
BEGIN
  IF rows THEN
    EXECUTE 'SELECT coalesce(pg_catalog.jsonb_agg(pg_centroid_row), ''[]'') FROM (' || statement || ') pg_centroid_row' INTO result;
    RETURN pg_catalog.jsonb_build_object('rows', result);
  END IF;
  EXECUTE statement;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN pg_catalog.jsonb_build_object('count', n);
EXCEPTION WHEN OTHERS OR query_canceled THEN
  GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL,
                          e_hint = PG_EXCEPTION_HINT, e_context = PG_EXCEPTION_CONTEXT;
  RETURN pg_catalog.jsonb_build_object('error', pg_catalog.jsonb_build_object('sqlstate', e_state, 'message', e_message,
    'detail', nullif(e_detail, ''), 'hint', nullif(e_hint, ''), 'context', nullif(e_context, '')));
END $$;

CREATE FUNCTION centroid_internal._fit_statements(source text, config jsonb, centers float8[], caller_path text) RETURNS text
LANGUAGE javascript SET search_path = pg_catalog, pg_temp AS $js$ return API.fitStatements(source, config, centers, caller_path); $js$;

-- Keeps the caller's search_path (to name the source); every name below is qualified.
CREATE FUNCTION centroid.fit_statements(source text, config jsonb, centers float8[] DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result pg_catalog.jsonb;
BEGIN
  result := centroid_internal._fit_statements(source, config, centers, pg_catalog.current_setting('search_path'))::pg_catalog.jsonb;
  PERFORM centroid_internal._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.fit_statements(text, jsonb, float8[]) IS
  'pg_centroid: the statements centroid.fit runs on a source by aggregates (a sharded table): one Lloyd pass from these centers (or the starting_centers), the sample, the farthest rows and the label UPDATE, with the relations and servers they reach; for EXPLAIN VERBOSE';
