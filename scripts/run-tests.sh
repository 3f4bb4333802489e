#!/usr/bin/env bash
# Installs everything the tests need (venv, packages, PostgreSQL, Dovecot) and runs the whole suite.
# The test fixtures start private PostgreSQL and IMAP servers on loopback and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
