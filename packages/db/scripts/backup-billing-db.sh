#!/usr/bin/env bash
# Backs up billing_db to a gzipped file and prints its path: `billkit-db backup` (see its --help).
#   DATABASE_URL_BILLING=mysql://user:pass@host:3306/billing_db scripts/backup-billing-db.sh [OUTPUT]
#   scripts/backup-billing-db.sh [OUTPUT]    # SQLite: $DATABASE_URL_BILLING (file:/path) or $BILLING_DATA_DIR/billing.db
set -euo pipefail
# Also run as node_modules/.bin/backup-billing-db, a link: find the package through it.
self="${BASH_SOURCE[0]}"
while [[ -L "$self" ]]; do
  dir="$(cd "$(dirname "$self")" && pwd)"
  self="$(readlink "$self")"
  [[ "$self" == /* ]] || self="$dir/$self"
done
root="$(cd "$(dirname "$self")/.." && pwd)"
# In billkit's source tree (the published package has no src/), run the sources, not a possibly stale build.
if [[ -f "$root/src/cli.ts" && -x "$root/node_modules/.bin/tsx" ]]; then
  exec "$root/node_modules/.bin/tsx" "$root/src/cli.ts" backup "$@"
fi
exec node "$root/bin/billkit-db.js" backup "$@"
