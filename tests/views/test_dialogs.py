"""Settings, about, crash handling and the first-start seeding dialog."""

from __future__ import annotations

import json
import sys

import pytest

from desk_app.errors import StoreError
from desk_app.qt import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QMessageBox, QSpinBox
from desk_app.services.context import Area, Changes
from desk_app.settings import SETTINGS, Settings
from desk_app.views.dialogs.about import AboutDialog
from desk_app.views.dialogs.crash import CrashDialog, CrashHandler
from desk_app.views.dialogs.seeding import SeedingDialog
from desk_app.views.dialogs.settings import SettingsDialog, with_mnemonic


def test_settings_dialog_has_an_editor_per_declared_setting(qtbot, app_paths) -> None:
    dialog = SettingsDialog(Settings(app_paths.settings_file))
    qtbot.addWidget(dialog)
    assert set(dialog.editors) == set(SETTINGS)
    kinds = {int: QSpinBox, float: QDoubleSpinBox, str: QLineEdit, bool: QCheckBox}
    for name, editor in dialog.editors.items():
        expected = QComboBox if SETTINGS[name].choices else kinds[SETTINGS[name].type]
        assert isinstance(editor, expected), name
        assert editor.accessibleName() == SETTINGS[name].title
    assert dialog.tabs.count() == len({s.section for s in SETTINGS.values()})


def test_settings_dialog_saves(qtbot, app_paths) -> None:
    settings = Settings(app_paths.settings_file)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.editors["lock_after_minutes"].setValue(5)
    dialog.editors["imap_host"].setText("mail.example.org")
    dialog.editors["sync_sslmode"].setCurrentText("verify-ca")
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        dialog.on_ok()
    assert sorted(saved.args[0]) == ["imap_host", "lock_after_minutes", "sync_sslmode"]
    stored = json.loads(app_paths.settings_file.read_text())
    assert stored["lock_after_minutes"] == 5 and stored["imap_host"] == "mail.example.org"
    assert Settings(app_paths.settings_file)["lock_after_minutes"] == 5
    assert Settings(app_paths.settings_file)["sync_sslmode"] == "verify-ca"


def test_settings_dialog_shows_a_refused_value_and_stays_open(qtbot, app_paths) -> None:
    settings = Settings(app_paths.settings_file)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editors["imap_host"].setText("mail.example.org")
    dialog._readers["lock_after_minutes"] = lambda: 999  # an editor that let a bad value through
    dialog.on_ok()
    assert settings["imap_host"] == ""  # the valid change was not applied either
    assert "at most 240" in dialog.error.text()
    assert dialog.isVisible()
    assert not app_paths.settings_file.exists()  # nothing half-saved


def test_settings_saved_from_the_window_retime_the_idle_lock(main_window, qtbot) -> None:
    main_window.on_settings()
    dialog = main_window.findChild(SettingsDialog)
    dialog.editors["lock_after_minutes"].setValue(3)
    dialog.on_ok()
    assert main_window.idle.timeout_ms == 3 * 60_000


def test_mnemonics_do_not_repeat() -> None:
    taken: set[str] = set()
    assert [with_mnemonic(t, taken) for t in ("IMAP port", "IMAP user", "Inbox")] == [
        "&IMAP port",
        "I&MAP user",
        "I&nbox",
    ]


def test_about_names_version_licence_and_qt(qtbot) -> None:
    from desk_app import __version__
    from desk_app.qt import QT_VERSION

    dialog = AboutDialog("/data/desk_app.sqlite3", "/logs")
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    assert __version__ in text and "AGPL-3.0-or-later" in text and f"Qt {QT_VERSION}" in text


def test_known_error_gets_a_plain_message_and_a_bug_the_crash_dialog(qtbot, app_paths) -> None:
    handler = CrashHandler(app_paths.log_file)
    handler.report(StoreError("the database is locked", hint="close the other desk_app"), "")
    box = handler.shown[-1]
    assert isinstance(box, QMessageBox)
    assert box.text() == "the database is locked"
    assert box.informativeText() == "Close the other desk_app."
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as exc:
        handler.on_uncaught(type(exc), exc, exc.__traceback__)
    crash = handler.shown[-1]
    assert isinstance(crash, CrashDialog)
    assert str(app_paths.log_file) in crash.message.text()
    assert "ZeroDivisionError" in crash.details.toPlainText()
    for dialog in list(handler.shown):
        dialog.close()


def test_operation_failures_reach_the_crash_handler(qtbot, app_paths, drain) -> None:
    from desk_app.views import ops

    handler = CrashHandler(app_paths.log_file)
    handler.install()
    try:
        ops.op(lambda: 1 / 0).run("general")
        qtbot.waitUntil(lambda: bool(handler.shown), timeout=5000)
        assert isinstance(handler.shown[0], CrashDialog)
    finally:
        ops.set_failure_handler(ops._default_failure)
        sys.excepthook = sys.__excepthook__
        for dialog in list(handler.shown):
            dialog.close()


def test_seeding_dialog_reports_progress_from_the_worker(qtbot, ctx, drain) -> None:
    calls = []

    def fake_seed(service_ctx, scale, progress):
        calls.append(scale)
        progress("Counties", 0.5)
        return Changes.of(Area.ENTITIES)

    dialog = SeedingDialog()
    qtbot.addWidget(dialog)
    stages = []
    dialog._progress.reported.connect(lambda s, f: stages.append((s, f)))
    with qtbot.waitSignal(dialog.seeding_finished, timeout=5000) as finished:
        dialog.start(ctx, fake_seed, scale=1.0)
    assert finished.args == [True] and calls == [1.0]
    assert stages == [("Counties", 0.5)]
    assert dialog.bar.value() == 1000


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_slot_reaches_the_crash_dialog(qtbot, app_paths) -> None:
    from desk_app.qt import QTimer
    from desk_app.views import ops

    handler = CrashHandler(app_paths.log_file)
    previous = sys.excepthook
    handler.install()
    try:

        def broken_slot() -> None:
            raise KeyError("no such row")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: bool(handler.shown), timeout=5000)
        assert isinstance(handler.shown[0], CrashDialog)
        assert "KeyError" in handler.shown[0].details.toPlainText()
    finally:
        sys.excepthook = previous
        ops.set_failure_handler(ops._default_failure)
        for dialog in list(handler.shown):
            dialog.close()


def test_the_fax_pattern_is_explained_with_an_example(qtbot, app_paths) -> None:
    from desk_app.qt import QPushButton

    dialog = SettingsDialog(Settings(app_paths.settings_file))
    qtbot.addWidget(dialog)
    assert "gives 5735550100" in dialog.fax_example.text()
    assert "ten digits in a row" in dialog.fax_example.text()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentWidget(dialog.fax_example.parentWidget())
    qtbot.waitUntil(dialog.fax_example.isVisible, timeout=3000)
    # every line of the explanation shows (a wrapped label used to be cut off at 150 %)
    assert dialog.fax_example.height() >= dialog.fax_example.sizeHint().height()
    dialog.editors["fax_number_pattern"].setText("(?P<fax>[")
    assert dialog.fax_example.text().startswith("Not a valid pattern")
    browse = [b for b in dialog.findChildren(QPushButton) if b.text() == "Browse…"]
    assert len(browse) == 2  # the fax folder and the mail folder
