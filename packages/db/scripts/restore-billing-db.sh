#!/usr/bin/env bash
# Restores billing_db from a file made by backup-billing-db.sh, replacing the current contents.
#   DATABASE_URL_BILLING=mysql://user:pass@host:3306/billing_db scripts/restore-billing-db.sh FILE
#   scripts/restore-billing-db.sh FILE             # SQLite: $DATABASE_URL_BILLING (file:/path) or ./data/billing.db
# Stop the workers first: a restore is not meant to run under live traffic.
set -euo pipefail
file="${1:?usage: restore-billing-db.sh FILE}"
[[ -f "$file" ]] || { echo "restore-billing-db: no such file: $file" >&2; exit 1; }
gzip -t "$file" || { echo "restore-billing-db: $file is not a valid gzip file" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
declare -A target=()
while IFS='=' read -r key value; do target[$key]="$value"; done < <(node "$here/billing-db-target.mjs" describe)

if [[ "${target[PROVIDER]}" == mysql ]]; then
  client="$(command -v mariadb || command -v mysql || true)"
  [[ -n "$client" ]] || { echo "restore-billing-db: the mariadb or mysql client is required" >&2; exit 1; }
  export MYSQL_PWD="${target[DB_PASSWORD]}"
  args=(--host="${target[DB_HOST]}" --port="${target[DB_PORT]}" --user="${target[DB_USER]}" --protocol=TCP --default-character-set=utf8mb4)
  db="${target[DB_NAME]//\`/\`\`}"
  # Start from an empty database so tables added since the backup do not survive the restore.
  "$client" "${args[@]}" -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
  gunzip -c "$file" | "$client" "${args[@]}" "${target[DB_NAME]}"
else
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  gunzip -c "$file" > "$tmp/billing.db"
  mkdir -p "$(dirname "${target[DB_FILE]}")"
  # Written through SQLite's backup API into the live file (WAL and locks respected), not copied over it.
  node "$here/billing-db-target.mjs" sqlite-copy "$tmp/billing.db" "${target[DB_FILE]}"
fi
echo "restored ${target[PROVIDER]} billing_db from $file"
