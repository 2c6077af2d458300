# PostgreSQL 18 + TimescaleDB + pljs + pg_cron + pgvector (+ PL/Python and scikit-learn) from Debian
# sid with pg_centroid installed: the embedded stack's packages (PACKAGES in src/stack/stack.ts) and
# server settings (SERVER_SETTINGS there). `npm run build` writes extension/ first; then
# `docker compose up -d --build`, or `npx pg-centroid compose up`, which first prepares a Docker
# engine and the debian:sid image when the machine has none. Checked by test/cli/compose.test.ts,
# and run by the tests in test/containers/.

# Stage "bare": PostgreSQL 18 + TimescaleDB + pljs only, no pg_centroid (the tests install into it with the CLI).
FROM debian:sid AS bare

RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-18 postgresql-18-timescaledb postgresql-18-pljs \
 && rm -rf /var/lib/apt/lists/*

ENV PGDATA=/var/lib/pg_centroid/data
ENV PATH=/usr/lib/postgresql/18/bin:$PATH
RUN mkdir -p /var/lib/pg_centroid && chown postgres:postgres /var/lib/pg_centroid
USER postgres

# Trust authentication, as in the embedded stack: for development (compose publishes the port on 127.0.0.1 only).
RUN initdb -A trust -U postgres -D "$PGDATA" >/dev/null \
 && echo "host all all all trust" >> "$PGDATA/pg_hba.conf" \
 && printf '%s\n' "listen_addresses = '*'" "shared_preload_libraries = 'timescaledb'" \
      "dynamic_shared_memory_type = mmap" "max_connections = 200" "timescaledb.telemetry_level = off" \
      >> "$PGDATA/postgresql.conf"

EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK --interval=2s --timeout=5s --start-period=60s --retries=30 CMD ["pg_isready", "-h", "/tmp", "-U", "postgres", "-d", "postgres"]
CMD ["postgres", "-k", "/tmp"]

# The stack: the embedded stack's other packages and settings, and pg_centroid.
FROM bare

USER root
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-18-cron postgresql-18-pgvector postgresql-plpython3-18 python3-sklearn \
 && rm -rf /var/lib/apt/lists/*

COPY extension/pg_centroid.control extension/pg_centroid--*.sql /usr/share/postgresql/18/extension/
USER postgres

# The last line of a setting in postgresql.conf wins: here pg_cron joins the preloaded libraries.
RUN printf '%s\n' "shared_preload_libraries = 'timescaledb,pg_cron'" "cron.database_name = 'postgres'" \
      >> "$PGDATA/postgresql.conf" \
 && pg_ctl -D "$PGDATA" -w -o '-k /tmp -c listen_addresses=' start >/dev/null \
 && psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION timescaledb' -c 'CREATE EXTENSION pljs' -c 'CREATE EXTENSION pg_centroid' \
 && pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
