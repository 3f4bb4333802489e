"""``desk-app selfcheck`` from source: every check passes, a failure is named and exits non-zero.

The same command run inside the frozen bundle is tests/release/test_bundle.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.cli import main
from desk_app.commands import selfcheck

ROOT = Path(__file__).resolve().parents[2]


def test_selfcheck_passes_from_source(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "desk_app", "selfcheck"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name, _check, _needs in selfcheck.CHECKS:
        assert any(line.startswith(f"ok   {name}: ") for line in lines), done.stdout
    assert lines[-1] == "selfcheck passed"
    # nothing is left behind in the temporary folder
    assert not list(tmp_path.glob("desk_app-selfcheck-*"))


def _broken(run: selfcheck.Run) -> str:
    raise ImportError("No module named 'desk_app.views.pages.queue'")


def test_a_failed_check_is_named_and_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        selfcheck,
        "CHECKS",
        [("database", selfcheck.check_database, False), ("pages", _broken, True)],
    )
    assert main(["selfcheck"]) == selfcheck.EXIT_FAILED == 1
    out, err = capsys.readouterr()
    assert "ok   database: created and migrated to" in out
    assert "FAIL pages: ImportError: No module named 'desk_app.views.pages.queue'" in out
    assert err.strip() == "desk-app: selfcheck failed: pages"


def test_checks_after_a_failed_database_are_reported_not_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_database(run: selfcheck.Run) -> str:
        raise RuntimeError("Can't find Python file migrations/env.py")

    monkeypatch.setattr(
        selfcheck,
        "CHECKS",
        [("database", no_database, False), ("seed", selfcheck.check_seed, True)],
    )
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.extend(t for t in text.splitlines() if t)

        def flush(self) -> None:
            pass

    assert selfcheck.run_checks(tmp_path, out=Out()) == ["database", "seed"]
    assert lines == [
        "FAIL database: RuntimeError: Can't find Python file migrations/env.py",
        "FAIL seed: not run, the database did not open",
    ]
