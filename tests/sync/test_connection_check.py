"""Settings > Sync: "Test connection" against the real PostgreSQL (TLS, SCRAM): what it reached,
or why not, in one line; never a traceback, never a change to the central database."""

from __future__ import annotations

import socket

from sqlalchemy.engine import make_url

from desk_app.services.sync.probe import central_url_problem, check_central
from desk_app.views.dialogs.settings import SettingsDialog


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_central_check_reports_the_server_and_the_login(ws_a, server_url) -> None:
    found = check_central(ws_a.ctx, server_url)
    assert found.ok, found.message
    assert found.message.startswith("Connected to PostgreSQL ")
    assert " as alice; the desk_app schema is in place." in found.message


def test_central_check_explains_a_wrong_password_and_a_dead_server(ws_a, server_url) -> None:
    wrong = check_central(ws_a.ctx, server_url, password="not-alices")
    assert not wrong.ok and "did not accept this operator's sign-in" in wrong.message
    dead = f"postgresql://alice@127.0.0.1:{_closed_port()}/central"
    down = check_central(ws_a.ctx, dead)
    assert not down.ok and down.message.startswith("Failed: cannot reach the central database")
    plain = check_central(ws_a.ctx, server_url.replace("verify-full", "disable"))
    assert not plain.ok and "only over TLS" in plain.message


def test_central_address_problems_are_named() -> None:
    assert central_url_problem("postgresql://alice@db.example.org:5432/desk") == ""
    assert "PostgreSQL" in central_url_problem("sqlite:///x.db")
    assert "names no database" in central_url_problem("postgresql://alice@db.example.org")


def test_settings_button_tests_the_edited_address_off_the_gui_thread(
    ws_a, server_url, qtbot
) -> None:
    from desk_app.views import ops

    dialog = SettingsDialog(ws_a.ctx.settings, services=ws_a.ctx)
    qtbot.addWidget(dialog)
    url = make_url(server_url)
    dialog.editors["sync_url"].setText(url._replace(password=None).render_as_string())
    dialog.sync_password.setText(str(url.password))
    with qtbot.waitSignal(dialog.central_test.tested, timeout=30_000) as tested:
        dialog.central_test.button.click()
    assert tested.args[0] is True
    assert dialog.central_test.result.text().startswith("✔ Connected to PostgreSQL")
    ops.wait_for_all()
