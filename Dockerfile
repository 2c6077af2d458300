# PostgreSQL 18 + TimescaleDB + pljs + pg_cron (+ PL/Python and scikit-learn) from Debian sid: the
# same packages as the embedded stack (PACKAGES in src/stack/stack.ts), with pg_centroid installed.
# Build the extension first (`npm run build` writes extension/), then `docker compose up --build`.
# Not run by the test suite (it was written on a machine without a Docker engine).
FROM debian:sid

# Keep this list identical to PACKAGES in src/stack/stack.ts.
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      postgresql-18 postgresql-18-timescaledb postgresql-18-pljs postgresql-18-cron postgresql-18-pgvector postgresql-plpython3-18 python3-sklearn \
 && rm -rf /var/lib/apt/lists/*

COPY extension/pg_centroid.control extension/pg_centroid--*.sql /usr/share/postgresql/18/extension/

ENV PGDATA=/var/lib/pg_centroid/data
ENV PATH=/usr/lib/postgresql/18/bin:$PATH
RUN mkdir -p /var/lib/pg_centroid && chown postgres:postgres /var/lib/pg_centroid
USER postgres

# The same server options as the embedded stack; trust authentication, as there (development only:
# compose publishes the port on 127.0.0.1).
RUN initdb -A trust -U postgres -D "$PGDATA" >/dev/null \
 && echo "host all all 0.0.0.0/0 trust" >> "$PGDATA/pg_hba.conf" \
 && printf '%s\n' "listen_addresses = '*'" "shared_preload_libraries = 'timescaledb,pg_cron'" \
      "cron.database_name = 'postgres'" "dynamic_shared_memory_type = mmap" "max_connections = 200" \
      "timescaledb.telemetry_level = off" >> "$PGDATA/postgresql.conf" \
 && pg_ctl -D "$PGDATA" -w -o '-k /tmp -c listen_addresses=' start >/dev/null \
 && psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION timescaledb' -c 'CREATE EXTENSION pljs' -c 'CREATE EXTENSION pg_centroid' \
 && pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null

EXPOSE 5432
STOPSIGNAL SIGINT
CMD ["postgres", "-k", "/tmp"]
