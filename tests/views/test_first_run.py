"""The first start of a data folder: the dialog asks (demo data or an empty database), names the
first Security Administrator and explains it, checks the central address, and creates nothing
until the operator chooses."""

from __future__ import annotations

import argparse

from desk_app.app import open_app
from desk_app.paths import resolve
from desk_app.qt import QDialog
from desk_app.secrets import MemorySecrets
from desk_app.seed import child as seed_child
from desk_app.services.directory.staff import list_staff, os_username
from desk_app.services.records.demo import holds_demo_data
from desk_app.views import main as gui_main
from desk_app.views.dialogs.first_run import FirstRunDialog


def test_dialog_offers_demo_first_and_names_the_first_administrator(qtbot) -> None:
    dialog = FirstRunDialog("agency\\carol", "C:/data/desk_app.sqlite3")
    qtbot.addWidget(dialog)
    assert dialog.demo.isChecked() and not dialog.central.isEnabled()
    note = dialog.admin_note.text()
    assert note.startswith("agency\\carol (the account signed in to this computer now) becomes")
    assert "local to this computer" in note and "never accepts a Security Administrator" in note
    dialog.empty.setChecked(True)
    assert dialog.central.isEnabled() and dialog.admin_note.isEnabled()
    dialog.start_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice is not None and not dialog.choice.demo


def test_a_bad_central_address_is_refused_in_the_dialog(qtbot) -> None:
    dialog = FirstRunDialog("carol", "desk_app.sqlite3")
    qtbot.addWidget(dialog)
    dialog.empty.setChecked(True)
    dialog.central.setText("mysql://carol@db.example.org/desk")
    dialog.start_button.click()
    assert dialog.choice is None and dialog.result() != QDialog.DialogCode.Accepted
    assert "the central database is PostgreSQL" in dialog.error.text()
    dialog.central.setText("postgresql://carol@db.example.org:5432/desk")
    dialog.start_button.click()
    assert dialog.choice is not None
    assert dialog.choice.central_url == "postgresql://carol@db.example.org:5432/desk"


def _answer(monkeypatch, *, empty: bool, central: str = "", quit_: bool = False) -> None:
    """Answer the first-run dialog as an operator would, instead of waiting in its event loop."""

    def exec_(dialog: FirstRunDialog) -> int:
        if quit_:
            dialog.reject()
        else:
            (dialog.empty if empty else dialog.demo).setChecked(True)
            dialog.central.setText(central)
            dialog.start_button.click()
        return int(dialog.result())

    monkeypatch.setattr(FirstRunDialog, "exec", exec_)


def test_first_start_with_an_empty_database_registers_only_the_os_account(
    tmp_path, qtbot, monkeypatch, drain
) -> None:
    _answer(monkeypatch, empty=True, central="postgresql://carol@db.example.org/desk")
    ctx = gui_main.first_start(str(tmp_path / "new"), MemorySecrets(), False)
    assert ctx is not None
    try:
        assert [(s.username, s.role) for s in list_staff(ctx.services)] == [
            (os_username(), "security_admin")
        ]
        assert not holds_demo_data(ctx.services)
        assert ctx.settings["sync_url"] == "postgresql://carol@db.example.org/desk"
    finally:
        ctx.close()


def test_first_start_with_demo_data_seeds_at_scale_one(tmp_path, qtbot, monkeypatch, drain) -> None:
    calls = []

    def fake_seed(ctx, scale=1.0, progress=None):
        calls.append(scale)
        progress("entities", 0.5)

    monkeypatch.setattr(seed_child, "seed_in_child", fake_seed)  # the GUI seeds in a child process
    _answer(monkeypatch, empty=False)
    ctx = gui_main.first_start(str(tmp_path / "new"), MemorySecrets(), False)
    assert ctx is not None
    ctx.close()
    assert calls == [1.0]
    again = open_app(tmp_path / "new", secrets=MemorySecrets())
    again.close()
    assert calls == [1.0]  # an existing database is opened, never seeded again


def test_quitting_the_first_run_dialog_creates_nothing(tmp_path, qtbot, monkeypatch) -> None:
    _answer(monkeypatch, empty=True, quit_=True)
    assert gui_main.first_start(str(tmp_path / "new"), MemorySecrets(), False) is None
    assert not resolve(tmp_path / "new").database.exists()


def test_without_a_screen_a_new_folder_is_refused_with_the_init_command(
    tmp_path, qtbot, capsys
) -> None:
    args = argparse.Namespace(data_dir=str(tmp_path / "new"), verbose=False, command=None)
    assert gui_main.run_gui(args) == 2
    assert "run desk-app init --empty (or --demo) first" in capsys.readouterr().err
    assert not resolve(tmp_path / "new").database.exists()
