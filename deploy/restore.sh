#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into a PostgreSQL database.
#
#   deploy/restore.sh DUMP [DATABASE_URL] [--replace]
#
# The database is created if it does not exist. If it already holds tables, the restore
# refuses unless --replace is given, which drops what the dump contains and restores it.
# Stop the Sedia servers first, then start them again after: they bring the schema up to
# date themselves (`python -m bot db upgrade`) if the dump is older than the code.
set -euo pipefail

replace=no
arguments=()
for argument in "$@"; do
  if [ "$argument" = "--replace" ]; then replace=yes; else arguments+=("$argument"); fi
done
if [ "${#arguments[@]}" -lt 1 ]; then
  echo "usage: deploy/restore.sh DUMP [DATABASE_URL] [--replace]" >&2
  exit 2
fi
dump="${arguments[0]}"
url="${arguments[1]:-${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/sedia}}"
url="${url/postgresql+psycopg2:\/\//postgresql://}"

if [ ! -r "$dump" ]; then
  echo "restore: cannot read $dump" >&2
  exit 2
fi
pg_restore --list "$dump" >/dev/null || { echo "restore: $dump is not a pg_dump archive" >&2; exit 2; }

# The database's name is the URL's path; the server's maintenance database is "postgres".
name="${url##*/}"
name="${name%%\?*}"
server="${url%/*}/postgres"
exists="$(psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '${name//\'/\'\'}'")"
if [ "$exists" != "1" ]; then
  psql "$server" -qc "CREATE DATABASE \"${name//\"/\"\"}\""
fi

tables="$(psql "$url" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
options=(--no-owner --no-privileges --exit-on-error --single-transaction)
if [ "$tables" != "0" ]; then
  if [ "$replace" != "yes" ]; then
    echo "restore: $name already holds $tables tables; add --replace to overwrite them" >&2
    exit 1
  fi
  options+=(--clean --if-exists)
fi
pg_restore "${options[@]}" --dbname="$url" "$dump"
echo "restored $dump into $name"
