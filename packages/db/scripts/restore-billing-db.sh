#!/usr/bin/env bash
# Restores billing_db from a file made by backup-billing-db.sh: `billkit-db restore` (see its --help).
# The database must be empty unless --force is given (then everything in it is replaced). Stop the workers first.
#   DATABASE_URL_BILLING=mysql://user:pass@host:3306/billing_db scripts/restore-billing-db.sh FILE [--force]
#   scripts/restore-billing-db.sh FILE [--force]    # SQLite: $DATABASE_URL_BILLING (file:/path) or $BILLING_DATA_DIR/billing.db
set -euo pipefail
# Also run as node_modules/.bin/restore-billing-db, a link: find the package through it.
self="${BASH_SOURCE[0]}"
while [[ -L "$self" ]]; do
  dir="$(cd "$(dirname "$self")" && pwd)"
  self="$(readlink "$self")"
  [[ "$self" == /* ]] || self="$dir/$self"
done
root="$(cd "$(dirname "$self")/.." && pwd)"
# In billkit's source tree (the published package has no src/), run the sources, not a possibly stale build.
if [[ -f "$root/src/cli.ts" && -x "$root/node_modules/.bin/tsx" ]]; then
  exec "$root/node_modules/.bin/tsx" "$root/src/cli.ts" restore "$@"
fi
exec node "$root/bin/billkit-db.js" restore "$@"
