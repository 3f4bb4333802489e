"""The release build, made and run: ``scripts/build-bundle.sh`` builds the one-folder bundle from the
lock file in its own venv and runs ``desk_app-cli selfcheck`` inside it.

Linux stands in for Windows here (same spec, same code; the Windows build is the same command in
Git Bash). Marked ``bundle``: it takes a few minutes (the build venv is kept in ``build/bundle``
while the lock is unchanged, so a second run only re-runs PyInstaller); ``-m "not bundle"`` leaves
it out of a quick local run, CI runs it once as part of the whole suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.commands.selfcheck import CHECKS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.bundle
@pytest.mark.slow
def test_build_the_bundle_and_selfcheck_it() -> None:
    dist = ROOT / "build" / "bundle" / "test-dist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        DESK_APP_DIST=str(dist),
        PYTHON=getattr(sys, "_base_executable", sys.executable),
        QT_QPA_PLATFORM="offscreen",
    )
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-bundle.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
        cwd=ROOT,
    )
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-4000:]
    assert "selfcheck of desk_app (frozen bundle" in out
    for name, _check, _needs in CHECKS:
        assert re.search(rf"^ok   {re.escape(name)}: ", out, re.M), out
    assert "selfcheck passed" in out
    summary = re.search(r"build-bundle: .*: (\d+) files, (\d+) MB, built in (\d+) s", out)
    assert summary, out
    print(f"bundle: {summary[1]} files, {summary[2]} MB, built in {summary[3]} s")

    bundle = dist / "desk_app"
    internal = bundle / "_internal"
    # Alembic runs these from files: the failure of the first build
    assert (internal / "desk_app" / "models" / "migrations" / "env.py").is_file()
    assert list((internal / "desk_app" / "models" / "migrations" / "versions").glob("0001_*.py"))
    # the windowed program is the same code as the console one
    shown = subprocess.run(
        [str(bundle / "desk_app"), "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert shown.returncode == 0 and shown.stdout.startswith("desk_app "), shown
    # PyMuPDF's optional ONNX layout models stay out (desk_app marks them absent)
    assert not list(internal.glob("onnxruntime*"))
