-- pg_centroid 0.2.0 -> @VERSION@. Filled in by build.mjs: the line @FUNCTIONS@ becomes every function of
-- sql/*.sql as CREATE OR REPLACE (JavaScript bodies change with every build). Write here by hand
-- what that cannot do: new tables, columns, triggers, policies; changed signatures; removed objects.
-- test/db/reliability-upgrade.test.ts compares the result with a fresh install.

\echo Use "ALTER EXTENSION pg_centroid UPDATE" to load this file. \quit

@FUNCTIONS@
