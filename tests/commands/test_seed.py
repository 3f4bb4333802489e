"""``desk-app seed``: seeds a new data folder, refuses one that already holds entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_app.cli import main


def test_seed_command_seeds_then_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "seed", "--scale", "0.01", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"]["educator"] == 1000 and report["rows"]["educational_entity"] > 1500
    assert main(["--data-dir", str(folder), "seed", "--scale", "0.01", "--quiet"]) == 2
    assert "already holds entities" in capsys.readouterr().err
