"""GUI start-up: store problems are explained without touching the file;
the screenshot command renders pages and dialogs."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.qt import QImage
from desk_app.secrets import MemorySecrets
from desk_app.views.main import run_gui
from tests.views.conftest import add_demo_rows


def _gui_args(data_dir: Path) -> argparse.Namespace:
    return argparse.Namespace(data_dir=str(data_dir), verbose=False, command=None)


def test_corrupt_database_is_refused_untouched(tmp_path, qtbot, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "desk_app.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    before = database.read_bytes()
    assert run_gui(_gui_args(data)) == 2
    assert "damaged" in capsys.readouterr().err
    assert database.read_bytes() == before


def test_newer_schema_is_refused_untouched(tmp_path, qtbot, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    database = data / "desk_app.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999')")
    conn.close()
    before = database.read_bytes()
    assert run_gui(_gui_args(data)) == 2
    assert "newer desk_app" in capsys.readouterr().err
    assert database.read_bytes() == before


def test_database_locked_by_another_process_is_refused_untouched(tmp_path, qtbot, capsys) -> None:
    data = tmp_path / "data"
    open_app(data, secrets=MemorySecrets(), username="carol").close()
    database = data / "desk_app.sqlite3"
    before = database.read_bytes()
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another desk_app in the middle of a write
    try:
        assert run_gui(_gui_args(data)) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked by another process" in capsys.readouterr().err
    assert database.read_bytes() == before


@pytest.fixture
def demo_dir(tmp_path) -> Path:
    data = tmp_path / "demo"
    app = open_app(data, secrets=MemorySecrets())
    add_demo_rows(app.services)
    app.close()
    return data


def _distinct_colours(path: Path) -> int:
    image = QImage(str(path))
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}
    )


def test_screenshot_command_writes_a_non_blank_png(demo_dir, tmp_path, qtbot, drain) -> None:
    out = tmp_path / "entities.png"
    assert (
        main(
            [
                "--data-dir",
                str(demo_dir),
                "screenshot",
                "entities",
                "--out",
                str(out),
                "--size",
                "1000x700",
            ]
        )
        == 0
    )
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)
    assert _distinct_colours(out) > 30
    assert not (demo_dir / "config" / "window.ini").exists()  # remembered window untouched


def test_screenshot_renders_dialogs(demo_dir, tmp_path, qtbot, drain) -> None:
    for name in ("settings", "about", "lock", "first-run", "grant", "grant-history", "specimens"):
        out = tmp_path / f"{name}.png"
        assert main(["--data-dir", str(demo_dir), "screenshot", name, "--out", str(out)]) == 0
        assert _distinct_colours(out) > 5, name


def test_screenshot_list_names_pages_and_dialogs(capsys) -> None:
    assert main(["screenshot", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed[:8] == [
        "queue",
        "entities",
        "access",
        "compliance",
        "campaigns",
        "educators",
        "sync",
        "audit",
    ]
    assert {"settings", "about", "lock", "first-run"} <= set(listed)


def test_secrets_are_opened_on_first_use_only(tmp_path, monkeypatch) -> None:
    from desk_app import secrets as secrets_module

    opened = []

    def fake_open(path, allow_file=False):
        opened.append((path, allow_file))
        return MemorySecrets({"imap_password": "x"})

    monkeypatch.setattr(secrets_module, "open_secrets", fake_open)
    deferred = secrets_module.DeferredSecrets(tmp_path / "secrets.json", allow_file=True)
    assert opened == []
    assert deferred.get("imap_password") == "x"
    deferred.set("other", "y")
    assert deferred.get("other") == "y" and deferred.backend_name == "memory"
    assert opened == [(tmp_path / "secrets.json", True)]  # the opt-in travels with it


def test_desk_app_processes_skip_the_pymupdf_layout_models() -> None:
    import subprocess
    import sys

    code = (
        "import desk_app.pdf.render\n"  # any desk_app import comes before pymupdf's
        "import sys, pymupdf\nassert pymupdf._get_layout is None\n"
        "assert pymupdf.pymupdf4llm is None and 'onnxruntime' not in sys.modules\n"
        "page = pymupdf.open().new_page()\npage.insert_text((72, 72), 'ok')\nprint(page.get_text().strip())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_screenshot_renders_the_certification_workbench(tmp_path, qtbot, drain) -> None:
    from desk_app.views.educator_shots import NAMES

    data = tmp_path / "seeded"
    assert main(["--data-dir", str(data), "seed", "--scale", "0.002", "--quiet"]) == 0
    for name in NAMES:
        out = tmp_path / f"{name}.png"
        assert main(["--data-dir", str(data), "screenshot", name, "--out", str(out)]) == 0
        assert _distinct_colours(out) > 5, name
