#!/usr/bin/env bash
# The release engineer's command: builds the one-folder PyInstaller bundle from the lock file.
#   scripts/build-bundle.sh            -> dist/desk_app/ (desk_app + desk_app-cli), then its self-check
# A separate build venv (build/bundle/venv) is created from requirements/lock-<platform>.txt with
# --require-hashes (exact versions, nothing resolved at build time) and reused while the lock is
# unchanged; pip's download cache stays in build/bundle/pip-cache (nothing outside the clone).
# On Windows (Git Bash) this makes the folder that installer/desk_app.iss packages; on Linux it is
# the stand-in build the test suite makes (tests/test_bundle.py) and self-checks.
# Environment: PYTHON (default python3 / py -3.11), DESK_APP_DIST (default dist),
#              DESK_APP_SKIP_SELFCHECK=1 to build only.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
case "$(uname -s)" in
  MINGW*|MSYS*|CYGWIN*) platform=windows; bindir=Scripts; py="${PYTHON:-py -3.11}" ;;
  *) platform=linux; bindir=bin; py="${PYTHON:-python3}" ;;
esac
lock="requirements/lock-${platform}.txt"
work="build/bundle"
venv="$work/venv"
dist="${DESK_APP_DIST:-dist}"
start=$(date +%s)

want="$(sha256sum "$lock" | cut -c1-16)"
if [ ! -f "$venv/.lock-installed" ] || [ "$(cat "$venv/.lock-installed")" != "$want" ]; then
  echo "build-bundle: creating the build venv from $lock"
  rm -rf "$venv"
  $py -m venv "$venv"
  export PIP_CACHE_DIR="$root/$work/pip-cache" PIP_DISABLE_PIP_VERSION_CHECK=1
  "$venv/$bindir/python" -m pip install -q --require-hashes --no-deps -r "$lock"
  echo "$want" > "$venv/.lock-installed"
fi

echo "build-bundle: running PyInstaller"
# desk_app itself is analysed from this checkout (the spec's pathex), not installed in the venv
"$venv/$bindir/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath "$work/pyinstaller" --distpath "$dist" installer/desk_app.spec
bundle="$dist/desk_app"
files=$(find "$bundle" -type f | wc -l)
size=$(du -sm "$bundle" | cut -f1)
echo "build-bundle: $bundle: $files files, ${size} MB, built in $(( $(date +%s) - start )) s"

if [ "${DESK_APP_SKIP_SELFCHECK:-0}" != 1 ]; then
  cli="$bundle/desk_app-cli"
  [ "$platform" = windows ] && cli="$cli.exe"
  echo "build-bundle: self-check of the frozen bundle"
  QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$cli" selfcheck
fi
