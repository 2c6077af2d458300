-- Verbs over clustering on insert: attach (settings + row trigger + first refit), detach, status.
-- The CLI and the client API call only these.

CREATE FUNCTION centroid.attach(table_name regclass, config jsonb, refit boolean DEFAULT true) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  trigger_name text;
  outcome jsonb;
BEGIN
  INSERT INTO centroid.settings AS s (table_name, config) VALUES (attach.table_name, attach.config)
    ON CONFLICT ON CONSTRAINT settings_pkey DO UPDATE SET config = EXCLUDED.config;
  SELECT tg.tgname INTO trigger_name FROM pg_catalog.pg_trigger tg
   WHERE tg.tgrelid = attach.table_name AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal;
  IF trigger_name IS NULL THEN
    trigger_name := 'centroid_cluster';
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()',
                              trigger_name, attach.table_name);
  END IF;
  IF attach.refit THEN
    -- Rows already in the table get their cluster numbers now, not at the next insert.
    outcome := centroid.refit(attach.table_name);
  END IF;
  RETURN pg_catalog.jsonb_build_object('table', attach.table_name::text, 'trigger', trigger_name, 'refit', outcome);
END $$;
COMMENT ON FUNCTION centroid.attach(regclass, jsonb, boolean) IS
  'pg_centroid: writes the table''s settings, creates its row trigger when missing and (by default) clusters the rows already there';

CREATE FUNCTION centroid.detach(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
  dropped text[] := '{}';
  removed int;
  unscheduled bool := false;
BEGIN
  IF NOT centroid_internal._owns(detach.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can detach it', detach.table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.detach';
  END IF;
  FOR t IN
    SELECT tg.tgname FROM pg_catalog.pg_trigger tg
     WHERE tg.tgrelid = detach.table_name AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal
  LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', t.tgname, detach.table_name);
    dropped := dropped || t.tgname::text;
  END LOOP;
  -- Its scheduled refit would fail at every run once the settings are gone. Jobs can only have been scheduled
  -- where pg_cron is installed, or reached through dblink.
  IF centroid_internal._cron_setting('cron.database_name') IS NOT NULL
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname IN ('pg_cron', 'dblink')) THEN
    BEGIN
      unscheduled := centroid.unschedule_refit(detach.table_name);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_centroid: the scheduled refit of % could not be removed: %', detach.table_name, SQLERRM
        USING HINT = pg_catalog.format('remove it in pg_cron''s database: SELECT cron.unschedule(%L);', centroid_internal._refit_job_name(detach.table_name));
    END;
  END IF;
  -- Removing the settings removes the stored centroids (ON DELETE CASCADE) and the generated triggers.
  DELETE FROM centroid.settings s WHERE s.table_name = detach.table_name;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN pg_catalog.jsonb_build_object('table', detach.table_name::text, 'triggers_dropped', pg_catalog.to_jsonb(dropped),
    'settings_removed', removed > 0, 'refit_unscheduled', unscheduled);
END $$;
COMMENT ON FUNCTION centroid.detach(regclass) IS
  'pg_centroid: stops clustering the table on insert: drops its row trigger, its scheduled refit, its settings and its stored centroids (cluster numbers stay)';

CREATE FUNCTION centroid.status(table_name regclass DEFAULT NULL) RETURNS SETOF jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  s record;
  total int8;
  labelled int8;
  validated jsonb;
BEGIN
  IF status.table_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM centroid.settings c WHERE c.table_name = status.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: table % is not clustered', status.table_name
      USING HINT = pg_catalog.format('SELECT centroid.attach(%L, ''{"key_column": ..., "clustering_columns": [...], "cluster_count": ..., "cluster_number_column": ...}'');', status.table_name::text),
            ERRCODE = '22023';
  END IF;
  -- centroid.settings shows each role only the tables it owns.
  FOR s IN
    SELECT c.table_name, c.config, to_jsonb(st) AS state
      FROM centroid.settings c LEFT JOIN centroid.state st ON st.table_name = c.table_name
     WHERE status.table_name IS NULL OR c.table_name = status.table_name
     ORDER BY c.table_name::text
  LOOP
    validated := centroid_internal._validate_settings(s.table_name, s.config);
    total := NULL;
    labelled := NULL;
    IF NOT validated ? 'error' AND pg_catalog.has_table_privilege(s.table_name, 'SELECT') THEN
      EXECUTE pg_catalog.format('SELECT count(*), count(%I) FROM %s', validated->'settings'->>'cluster_number_column', s.table_name)
         INTO total, labelled;
    END IF;
    RETURN NEXT pg_catalog.jsonb_build_object(
      'table', s.table_name::text,
      'config', s.config,
      'settings', validated->'settings',
      'error', validated->'error',
      'trigger', EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = s.table_name
                          AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal),
      'rows', total,
      'labelled_rows', labelled,
      'refits', coalesce((s.state->>'refits')::int8, 0),
      'refitted_at', s.state->'refitted_at',
      'online_updated_at', s.state->'online_updated_at',
      'rows_used', s.state->'rows_used',
      'iterations', s.state->'iterations',
      'converged', s.state->'converged',
      'cost', s.state->'cost',
      'duration_ms', s.state->'duration_ms',
      'changed_labels', s.state->'changed_labels',
      'refit_reason', s.state->'refit_reason',
      'anomaly_threshold', s.state->'anomaly_threshold',
      'centroids', s.state->'centroids',
      'clusters', (SELECT coalesce(pg_catalog.jsonb_agg(d.cluster ORDER BY d.i), '[]'::jsonb) FROM (
                     SELECT i, pg_catalog.jsonb_build_object(
                            'cluster', i - 1,
                            'size', (s.state->'sizes'->(i - 1)),
                            'weight', (s.state->'counts'->(i - 1)),
                            'radius', (s.state->'radii'->(i - 1)),
                            'rms_radius', (s.state->'rms_radii'->(i - 1)),
                            'rows_since_refit', (s.state->'since_rows'->(i - 1)),
                            'mean_normalized_distance', CASE WHEN (s.state->'since_rows'->>(i - 1))::float8 > 0
                                THEN (s.state->'since_distance'->>(i - 1))::float8 / (s.state->'since_rows'->>(i - 1))::float8 END,
                            'anomaly_share', CASE WHEN (s.state->'since_rows'->>(i - 1))::float8 > 0
                                THEN (s.state->'since_anomalies'->>(i - 1))::float8 / (s.state->'since_rows'->>(i - 1))::float8 END,
                            'centroid', (s.state->'centroids'->(i - 1))) AS cluster
                       FROM pg_catalog.generate_series(1, coalesce(pg_catalog.jsonb_array_length(s.state->'centroids'), 0)) AS i) d)
    );
  END LOOP;
END $$;
COMMENT ON FUNCTION centroid.status(regclass) IS
  'pg_centroid: one JSON object per clustered table the caller owns (or for the one given): settings, rows, labelled rows, last refit, cost and clusters';

-- Per cluster of every clustered table the caller owns: what was labelled since the last refit (rows, their mean
-- normalized distance and share of anomalies), beside the cluster at that refit, and when and why it ran.
-- security_invoker: the caller's own rights (and centroid.state's row-level security) apply.
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
