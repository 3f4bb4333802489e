#!/usr/bin/env bash
# Runs desk_app on its embedded default database (seeded with demo data on first start).
# Extra arguments go to desk-app, e.g.  scripts/run-app.sh --data-dir /tmp/demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh app
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run-app: no screen found; using Qt's offscreen platform (use 'desk-app screenshot' to look)" >&2
  export QT_QPA_PLATFORM=offscreen
fi
# the demo runs on machines without an OS keyring too: there it keeps its keys in a private file
# in the data folder (opt-in, shown in the status bar); set DESK_APP_ALLOW_FILE_SECRETS=0 to refuse
export DESK_APP_ALLOW_FILE_SECRETS="${DESK_APP_ALLOW_FILE_SECRETS:-1}"
exec .venv/bin/desk-app "$@"
