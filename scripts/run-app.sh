#!/usr/bin/env bash
# Runs desk_app on its embedded default database (a first start asks: demo data or an empty
# database; without a screen, where the dialog cannot be shown, the folder gets demo data).
# Extra arguments go to desk-app, e.g.  scripts/run-app.sh --data-dir /tmp/demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run-app: no screen found; using Qt's offscreen platform (use 'desk-app screenshot' to look)" >&2
  export QT_QPA_PLATFORM=offscreen
  # nobody can answer the first-run dialog here: a new folder starts with demo data (a folder
  # that already has a database is refused by init untouched, and the GUI opens it)
  .venv/bin/desk-app "$@" init --demo --json >/dev/null 2>&1 || true
fi
# the demo runs on machines without an OS keyring too: there it keeps its keys in a private file
# in the data folder (opt-in, shown in the status bar); set DESK_APP_ALLOW_FILE_SECRETS=0 to refuse
export DESK_APP_ALLOW_FILE_SECRETS="${DESK_APP_ALLOW_FILE_SECRETS:-1}"
exec .venv/bin/desk-app "$@"
