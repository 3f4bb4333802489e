"""The code is formatted as ruff formats it (the same check pre-commit runs on every commit)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    assert found, "ruff is a dev dependency: install the dev extras"
    return found


def test_code_is_ruff_formatted() -> None:
    result = subprocess.run(
        [_ruff(), "format", "--check", "desk_app", "tests", "bench", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_passes_ruff_check() -> None:
    result = subprocess.run(
        [_ruff(), "check", "desk_app", "tests", "bench", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
