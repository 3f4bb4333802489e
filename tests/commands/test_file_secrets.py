"""Without an OS keyring the private-file fallback is opt-in and visible (issue 11 item 7)."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from desk_app.cli import main
from desk_app.paths import resolve
from desk_app.secrets import ALLOW_FILE_ENV
from desk_app.settings import Settings
from tests.gui_child import run_gui_child


@pytest.fixture
def no_keyring(monkeypatch):
    monkeypatch.delenv(ALLOW_FILE_ENV, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_without_a_keyring_the_app_says_what_to_do_and_stores_nothing(
    tmp_path, capsys, no_keyring
) -> None:
    data = tmp_path / "ws"
    assert main(["--data-dir", str(data), "audit", "list"]) != 0
    err = capsys.readouterr().err
    assert "no OS keyring" in err and "--allow-file-secrets" in err and "Traceback" not in err
    assert not (data / "secrets.json").exists()


def test_the_flag_or_the_setting_chooses_the_private_file(tmp_path, capsys, no_keyring) -> None:
    data = tmp_path / "ws"
    assert main(["--allow-file-secrets", "--data-dir", str(data), "audit", "list"]) == 0
    assert (data / "secrets.json").is_file()
    assert main(["--data-dir", str(data), "audit", "verify"]) == 0  # the flag set the environment
    other = tmp_path / "other"
    import os

    os.environ.pop(ALLOW_FILE_ENV, None)
    paths = resolve(other)
    paths.ensure()
    settings = Settings(paths.settings_file)
    settings["allow_file_secrets"] = True
    settings.save()
    assert main(["--data-dir", str(other), "audit", "list"]) == 0
    assert (other / "secrets.json").is_file()


def test_the_status_bar_shows_the_private_file(qtbot) -> None:
    from desk_app.services.directory.dto import OperatorDTO
    from desk_app.views.status import StatusBar

    operator = OperatorDTO("alice", "Alice", "security_admin", "Security Administrator", "ws-a")
    bar = StatusBar(operator, None, False)
    qtbot.addWidget(bar)
    bar.show()
    assert not bar.secrets.isVisible()
    bar.show_secrets_backend("file")
    assert bar.secrets.isVisible() and bar.secrets.text() == "Secrets: file (no keyring)"
    assert "No OS keyring" in bar.secrets.toolTip() and bar.secrets.accessibleName() == "Secrets"
    bar.show_secrets_backend("WinVaultKeyring")
    assert not bar.secrets.isVisible()


def test_the_gui_says_what_to_do_without_a_keyring(tmp_path, capsys, no_keyring) -> None:
    data = tmp_path / "ws"
    # a database made once with the file opted in (a new folder without one asks for init first)
    assert main(["--allow-file-secrets", "--data-dir", str(data), "audit", "list"]) == 0
    kept = (data / "secrets.json").read_bytes()
    # the GUI opens secrets late (after its first page): it still refuses before any work, and
    # says why; this machine has no OS keyring, so the child finds none
    done = run_gui_child(data, allow_file_secrets=False)
    assert done.returncode != 0
    err = done.stderr
    assert "no OS keyring" in err and "--allow-file-secrets" in err and "Traceback" not in err
    assert (data / "secrets.json").read_bytes() == kept  # the file is neither used nor changed
