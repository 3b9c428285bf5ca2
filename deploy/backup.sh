#!/usr/bin/env bash
# Back up Sedia's PostgreSQL database (answers, accounts, plans and conversation logs)
# to one compressed, self-describing dump, and check that the dump can be read back.
#
#   deploy/backup.sh [DATABASE_URL] [FOLDER]
#
# DATABASE_URL defaults to $DATABASE_URL, then to make run-prod's database; FOLDER to
# ./backups. Prints the dump's path. Run it from cron or a systemd timer (docs/deployment.md);
# the dump holds pseudonymous personal data: keep it encrypted and access-controlled.
set -euo pipefail

url="${1:-${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/sedia}}"
folder="${2:-backups}"
mkdir -p "$folder"
chmod 700 "$folder"
dump="$folder/sedia-$(date -u +%Y%m%dT%H%M%SZ).dump"

# SQLAlchemy's "postgresql+psycopg2://" is not a libpq address; pg_dump wants "postgresql://".
libpq_url="${url/postgresql+psycopg2:\/\//postgresql://}"

umask 077
pg_dump --format=custom --no-owner --no-privileges --file="$dump.partial" "$libpq_url"
pg_restore --list "$dump.partial" >/dev/null  # a dump that cannot be listed is no backup
mv "$dump.partial" "$dump"
echo "$dump"
