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
exec .venv/bin/desk-app "$@"
