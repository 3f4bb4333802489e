"""Settings > Intake: "Test connection" signs in to the real (Dovecot) mail server with the values
being edited, off the GUI thread, and says in one line what it reached or why not; a typed
password goes to the secret store on OK, never into the settings file."""

from __future__ import annotations

import pytest

from desk_app.services.queue.connection import check_mailbox
from desk_app.services.queue.intake import IMAP_PASSWORD
from desk_app.views.dialogs.settings import SettingsDialog
from tests.intake.makers import eml_with, filled_form

pytestmark = pytest.mark.imap


def _fill(dialog: SettingsDialog, server, folder: str) -> None:
    dialog.editors["imap_host"].setText(server.host)
    dialog.editors["imap_port"].setValue(server.port)
    dialog.editors["imap_security"].setCurrentText("none")
    dialog.editors["imap_user"].setText(server.user)
    dialog.editors["imap_folder"].setText(folder)


def test_mailbox_check_counts_the_folder_and_explains_failures(imap_server, mailbox, ctx) -> None:
    with imap_server.client() as client:
        client.append(mailbox, eml_with([("a.pdf", "application/pdf", filled_form())]))
    args = (imap_server.host, imap_server.port, "none", imap_server.user)
    found = check_mailbox(ctx, *args, mailbox, password=imap_server.password)
    assert found.ok and found.message.endswith(f"the folder {mailbox!r} holds 1 mail(s).")
    wrong = check_mailbox(ctx, *args, mailbox, password="wrong")
    assert not wrong.ok and "refused the login" in wrong.message
    missing = check_mailbox(ctx, *args, "NoSuchFolder", password=imap_server.password)
    assert not missing.ok and "'NoSuchFolder' cannot be opened" in missing.message
    unset = check_mailbox(ctx, *args, mailbox)  # nothing typed, nothing stored
    assert not unset.ok and "no IMAP password" in unset.message


def test_test_connection_button_tries_the_edited_values(
    imap_server, mailbox, ctx, qtbot, drain
) -> None:
    dialog = SettingsDialog(ctx.settings, services=ctx)
    qtbot.addWidget(dialog)
    _fill(dialog, imap_server, mailbox)
    dialog.imap_password.setText(imap_server.password)
    with qtbot.waitSignal(dialog.imap_test.tested, timeout=20_000) as tested:
        dialog.imap_test.button.click()
        assert dialog.imap_test.result.text().startswith("Testing the connection")
        assert not dialog.imap_test.button.isEnabled()  # one test at a time
    assert tested.args[0] is True
    assert dialog.imap_test.result.text().startswith(f"✔ Signed in to {imap_server.host}")
    assert dialog.imap_test.button.isEnabled()
    assert not ctx.settings["imap_host"]  # tried, not saved
    dialog.imap_password.setText("wrong")
    with qtbot.waitSignal(dialog.imap_test.tested, timeout=20_000) as tested:
        dialog.imap_test.button.click()
    assert tested.args[0] is False and "refused the login" in dialog.imap_test.result.text()


def test_ok_keeps_a_typed_password_in_the_secret_store_only(
    imap_server, mailbox, ctx, qtbot, drain
) -> None:
    dialog = SettingsDialog(ctx.settings, services=ctx)
    qtbot.addWidget(dialog)
    _fill(dialog, imap_server, mailbox)
    dialog.imap_password.setText("typed-secret")
    dialog.on_ok()
    drain()
    assert ctx.secrets.get(IMAP_PASSWORD) == "typed-secret"
    assert "typed-secret" not in ctx.settings._path.read_text()
    assert ctx.settings["imap_host"] == imap_server.host


def test_an_auditor_may_test_both_connections(make_ctx, qtbot) -> None:
    # an Auditor syncs (the server takes only its own audit events), so it may test the link too
    auditor = make_ctx("auditor", "audrey")
    dialog = SettingsDialog(auditor.settings, services=auditor)
    qtbot.addWidget(dialog)
    assert dialog.imap_test.button.isEnabled() and dialog.imap_test.result.text() == ""
    assert dialog.central_test.button.isEnabled() and dialog.central_test.result.text() == ""
