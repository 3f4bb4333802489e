"""``desk-app sync``: one headless sync, a summary, and a non-zero exit when it cannot finish."""

from __future__ import annotations

import json
import socket

from desk_app.cli import main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sync_command_pushes_and_reports(tmp_path, server_url, server, capsys) -> None:
    code = main(["--data-dir", str(tmp_path / "ws"), "sync", "--url", server_url])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("sync ok: pushed ")
    with server.engine.connect() as conn:  # the operator registration and its audit events
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one() >= 2
        assert conn.exec_driver_sql("SELECT count(*) FROM sync_audit_anchor").scalar_one() == 1


def test_sync_command_fails_loudly_when_the_server_is_down(tmp_path, capsys) -> None:
    url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/central"
    code = main(["--data-dir", str(tmp_path / "ws"), "sync", "--url", url])
    err = capsys.readouterr().err
    assert code != 0 and "cannot reach the central database" in err


def test_refused_rows_are_listed_and_the_rest_is_synced(
    tmp_path, make_workstation, server_url, owner, capsys
) -> None:
    from tests.sync.helpers import add_educator, add_entity

    ws = make_workstation("ws-cli")  # alice, a Security Administrator: no educator records
    ws.ctx.settings["workstation_name"] = "ws-cli"
    ws.ctx.settings.save()
    add_entity(ws, "048-078", "Cedar Valley R-II")
    add_educator(ws)
    folder = str(tmp_path / "ws-cli")
    code = main(["--data-dir", folder, "sync", "--url", server_url])
    out = capsys.readouterr().out
    assert code == 0
    assert "open conflicts 1" in out
    assert "  Educator " in out and "a security admin may not change educator" in out
    with owner.engine.connect() as conn:  # the rest went in
        assert conn.exec_driver_sql("SELECT name FROM educational_entity").scalar() == (
            "Cedar Valley R-II"
        )
    code = main(["--data-dir", folder, "sync", "--url", server_url, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["open_conflicts"] == 1
    [refusal] = report["refusals"]
    assert refusal["table"] == "educator" and "may not change educator" in refusal["reason"]


def test_sync_check_tests_the_connection_only(tmp_path, server_url, server, capsys) -> None:
    code = main(["--data-dir", str(tmp_path / "ws"), "sync", "--url", server_url, "--check"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Connected to PostgreSQL") and "as alice" in out
    with server.engine.connect() as conn:  # a test pushes nothing
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_event").scalar_one() == 0
    url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/central"
    code = main(["--data-dir", str(tmp_path / "ws"), "sync", "--url", url, "--check"])
    assert code == 3 and "cannot reach the central database" in capsys.readouterr().out
