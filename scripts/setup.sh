#!/usr/bin/env bash
# Installs what desk_app needs on a Debian machine with Python 3.11, idempotently.
#   scripts/setup.sh app    -> virtual environment with the app
#   scripts/setup.sh test   -> also the dev tools and the servers the tests use (PostgreSQL, Dovecot)
# Re-running is cheap: each step checks first and skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PY="${PYTHON:-python3}"

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }

# Qt's offscreen platform and fonts for readable screenshots and printed forms
for p in libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core; do need_pkg "$p"; done
if [ "$mode" = "test" ]; then
  for p in postgresql dovecot-imapd; do need_pkg "$p"; done
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${apt_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
    # the distribution starts its own dovecot/postgresql; the tests run private ones on loopback
    if command -v systemctl >/dev/null 2>&1; then systemctl stop dovecot postgresql >/dev/null 2>&1 || true; fi
    if command -v service >/dev/null 2>&1; then service dovecot stop >/dev/null 2>&1 || true; fi
  else
    echo "setup: please install these Debian packages: ${apt_missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
extras=""
[ "$mode" = "test" ] && extras="[dev]"
stamp=".venv/.desk_app-installed$( [ "$mode" = test ] && echo -dev )"
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".${extras}"
  echo "$want" > "$stamp"
fi
