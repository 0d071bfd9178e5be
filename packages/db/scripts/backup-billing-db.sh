#!/usr/bin/env bash
# Backs up billing_db to a gzipped file and prints its path.
#   DATABASE_URL_BILLING=mysql://user:pass@host:3306/billing_db scripts/backup-billing-db.sh [OUTPUT]
#   scripts/backup-billing-db.sh [OUTPUT]          # SQLite: $DATABASE_URL_BILLING (file:/path) or ./data/billing.db
# MySQL/MariaDB: a logical dump (mariadb-dump, else mysqldump) in one consistent snapshot
# (--single-transaction), gzipped. SQLite: a consistent copy made with SQLite's online backup API, gzipped.
# Default OUTPUT: ./backups/billing-db-<UTC timestamp>.<sql|sqlite>.gz
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
declare -A target=()
while IFS='=' read -r key value; do target[$key]="$value"; done < <(node "$here/billing-db-target.mjs" describe)
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

if [[ "${target[PROVIDER]}" == mysql ]]; then
  out="${1:-backups/billing-db-$stamp.sql.gz}"
  mkdir -p "$(dirname "$out")"
  dump="$(command -v mariadb-dump || command -v mysqldump || true)"
  [[ -n "$dump" ]] || { echo "backup-billing-db: mariadb-dump or mysqldump is required" >&2; exit 1; }
  # The password goes through the environment, never the process list.
  MYSQL_PWD="${target[DB_PASSWORD]}" "$dump" --host="${target[DB_HOST]}" --port="${target[DB_PORT]}" \
    --user="${target[DB_USER]}" --protocol=TCP --single-transaction --quick --routines --triggers --hex-blob \
    --default-character-set=utf8mb4 --no-tablespaces --skip-comments "${target[DB_NAME]}" | gzip -9 > "$out.partial"
else
  out="${1:-backups/billing-db-$stamp.sqlite.gz}"
  mkdir -p "$(dirname "$out")"
  [[ -f "${target[DB_FILE]}" ]] || { echo "backup-billing-db: no SQLite database at ${target[DB_FILE]}" >&2; exit 1; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  node "$here/billing-db-target.mjs" sqlite-copy "${target[DB_FILE]}" "$tmp/billing.db"
  gzip -9 -c "$tmp/billing.db" > "$out.partial"
fi
mv "$out.partial" "$out"
echo "$out"
