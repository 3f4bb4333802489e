"""A workstation joined to the central database refuses to start work with stray agency keys
(issue 11 item 7): the check values seen at each sync are compared at every start."""

from __future__ import annotations

import keyring
import pytest

from desk_app.app import open_app
from desk_app.cli import main
from desk_app.errors import KnownError
from desk_app.secrets import SERVICE, FileSecrets, MemorySecrets, get_or_create_key
from desk_app.services.directory.staff import add_staff, os_username
from desk_app.services.sync.keycheck import CENTRAL_KEY_CHECKS
from desk_app.services.sync.service import SyncService
from tests.gui_child import run_gui_child


def test_stray_or_missing_keys_are_refused_at_start_after_a_sync(ws_a, server_url, capsys) -> None:
    for name in ("data-key", "lookup-key", "pin-pepper"):
        get_or_create_key(ws_a.ctx.secrets, name)
    SyncService(ws_a.ctx).run(server_url)
    assert (ws_a.paths.data_dir / CENTRAL_KEY_CHECKS).is_file()
    ws_a.store.dispose()
    folder = ws_a.paths.data_dir

    stray = MemorySecrets(
        {"data-key": "a-key-made-by-accident", "lookup-key": ws_a.ctx.secrets.get("lookup-key")}
    )
    with pytest.raises(KnownError, match="data-key is not the agency's") as raised:
        open_app(folder, secrets=stray, username="alice")
    assert "desk-app keys import" in (raised.value.hint or "")
    agency = ws_a.ctx.secrets
    without_pepper = MemorySecrets({n: agency.get(n) for n in ("data-key", "lookup-key")})
    with pytest.raises(KnownError, match="holds no pin-pepper"):
        open_app(folder, secrets=without_pepper, username="alice")
    app = open_app(folder, secrets=ws_a.ctx.secrets, username="alice")  # the agency's keys
    app.close()

    keyring.set_password(SERVICE, "data-key", "another-stray-key")  # the CLI reads the keyring
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "queue", "list"]) != 0
    err = capsys.readouterr().err
    assert "data-key is not the agency's" in err and "keys import" in err
    assert "Traceback" not in err


def test_the_gui_refuses_to_start_with_a_stray_key(ws_a, server_url) -> None:
    for name in ("data-key", "lookup-key", "pin-pepper"):
        get_or_create_key(ws_a.ctx.secrets, name)
    SyncService(ws_a.ctx).run(server_url)
    add_staff(ws_a.ctx, os_username(), "Operator", "security_admin")  # who the child runs as
    ws_a.store.dispose()
    # the child has no OS keyring: its keys are in the private file, one of them stray
    stray = FileSecrets(ws_a.paths.data_dir / "secrets.json")
    for name in ("lookup-key", "pin-pepper"):
        stray.set(name, ws_a.ctx.secrets.get(name) or "")
    stray.set("data-key", "a-key-made-by-accident")
    done = run_gui_child(ws_a.paths.data_dir, allow_file_secrets=True)
    assert done.returncode != 0  # the window opened, then refused before any work
    assert "data-key is not the agency's" in done.stderr and "keys import" in done.stderr
    assert "Traceback" not in done.stderr
