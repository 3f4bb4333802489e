"""``desk-app init``: a new database on purpose, empty or with demo data, the first Security
Administrator named and explained, the central address checked and kept without its password."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.paths import resolve
from desk_app.secrets import MemorySecrets
from desk_app.services.directory.first_start import FIRST_START_ACTION
from desk_app.services.directory.staff import list_staff, os_username
from desk_app.services.records.demo import holds_demo_data
from desk_app.settings import Settings


def _first_start_details(folder: Path) -> dict:
    app = open_app(folder, secrets=MemorySecrets())
    try:
        from sqlalchemy import select

        from desk_app.models.audit import AuditEvent

        with app.store.read() as s:
            event = s.execute(
                select(AuditEvent).where(AuditEvent.action == FIRST_START_ACTION)
            ).scalar_one()
            return dict(event.details)
    finally:
        app.close()


def test_init_empty_names_the_first_security_administrator(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "init", "--empty"]) == 0
    out = capsys.readouterr().out
    me = os_username()
    assert "with an empty database" in out
    assert f"{me} (the account signed in to this computer now) becomes" in out
    assert "never accepts a Security Administrator made on a workstation" in out
    app = open_app(folder, secrets=MemorySecrets())
    try:
        staff = list_staff(app.services)
        assert [(s.username, s.role) for s in staff] == [(me, "security_admin")]
        assert not holds_demo_data(app.services)
    finally:
        app.close()
    assert _first_start_details(folder) == {"mode": "empty", "first_admin": me, "central": ""}


def test_init_refuses_a_folder_that_has_a_database(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "init"]) == 0
    database = resolve(folder).database
    before = database.read_bytes()
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "init", "--demo"]) == 2
    assert "already exists; init only starts a new database" in capsys.readouterr().err
    assert database.read_bytes() == before


def test_init_keeps_the_central_address_and_moves_its_password_to_the_keyring(
    tmp_path, capsys
) -> None:
    import keyring

    folder = tmp_path / "data"
    url = "postgresql://alice:pa55word@central.example.org:5432/desk"
    assert main(["--data-dir", str(folder), "init", "--central", url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["central"] == "postgresql://alice@central.example.org:5432/desk"
    settings_text = resolve(folder).settings_file.read_text()
    assert "pa55word" not in settings_text
    assert Settings(resolve(folder).settings_file)["sync_url"] == out["central"]
    assert keyring.get_password("desk_app", "sync-password") == "pa55word"
    assert _first_start_details(folder)["central"] == out["central"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("mysql://u@h/db", "the central database is PostgreSQL"),
        ("postgresql://u@/db", "names no server"),
        ("not a url", "not an address"),
    ],
)
def test_init_refuses_a_bad_central_address_before_creating_anything(
    tmp_path, capsys, url, why
) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "init", "--central", url]) == 2
    err = capsys.readouterr().err
    assert why in err and "Traceback" not in err
    assert not resolve(folder).database.exists()


def test_init_demo_fills_the_database_with_demo_data(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    code = main(["--data-dir", str(folder), "init", "--demo", "--scale", "0.01", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "demo" and out["first_security_administrator"] == os_username()
    app = open_app(folder, secrets=MemorySecrets())
    try:
        assert holds_demo_data(app.services)
    finally:
        app.close()


def test_any_command_on_a_new_folder_says_it_started_a_database(tmp_path, capsys) -> None:
    folder = tmp_path / "data"
    assert main(["--data-dir", str(folder), "queue", "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []  # --json output stays parseable: the notice is on stderr
    assert f"started a new, empty database at {resolve(folder).database}" in captured.err
    assert f"{os_username()} is its first Security Administrator" in captured.err
    assert main(["--data-dir", str(folder), "queue", "list", "--json"]) == 0
    assert "started a new" not in capsys.readouterr().err  # only the first time
