#!/usr/bin/env bash
# Regenerates the lock files the release build installs from (exact versions, sha256 hashes):
#   requirements/lock-windows.txt  the Windows x64 build (what the installer ships)
#   requirements/lock-linux.txt    the Linux stand-in build that CI makes and self-checks
# Both come from pyproject.toml's dependencies plus the `build` extra (PyInstaller), held to the
# versions installed in .venv (the ones the test suite ran against) where .venv has them.
# Run after changing dependencies: scripts/lock.sh ; then commit requirements/.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=".venv/bin/uv"
[ -x "$uv" ] || { echo "lock: $uv missing (scripts/setup.sh test installs it)" >&2; exit 2; }
mkdir -p build
pins="build/tested-versions.txt"
# the tested versions, without desk_app itself (an editable install) and without local paths
.venv/bin/python -m pip freeze --exclude-editable | grep -v ' @ ' > "$pins"
for target in windows:x86_64-pc-windows-msvc linux:x86_64-manylinux_2_36; do
  name="${target%%:*}"
  "$uv" pip compile pyproject.toml --extra build --generate-hashes --quiet \
    --python-version 3.11.7 --python-platform "${target#*:}" \
    --constraint "$pins" --no-header --output-file "requirements/lock-${name}.txt"
  echo "lock: requirements/lock-${name}.txt ($(grep -c '==' "requirements/lock-${name}.txt") packages)"

done
