#!/bin/sh
# What a DBA does once per database server, as the db-setup job of docker-compose.yml: the role that
# owns the schema (Flyway migrates as it), the role the service runs as (no DDL: the migrations
# grant it row privileges), and the database. Idempotent: it runs at every `compose up`.
# Needs PGPASSWORD (the superuser's), PAYMENTS_OWNER_PASSWORD and PAYMENTS_APP_PASSWORD.
set -eu
PSQL=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)
"$PSQL" -v ON_ERROR_STOP=1 -h "${PGHOST:-postgres}" -U "${PGUSER:-postgres}" -d postgres \
  -v owner_password="$PAYMENTS_OWNER_PASSWORD" -v app_password="$PAYMENTS_APP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE payments_owner LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'payments_owner') \gexec
SELECT 'CREATE ROLE payments_app LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'payments_app') \gexec
ALTER ROLE payments_owner PASSWORD :'owner_password';
ALTER ROLE payments_app PASSWORD :'app_password';
SELECT 'CREATE DATABASE payments OWNER payments_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'payments') \gexec
SQL
echo "roles payments_owner and payments_app, database payments: ready"
