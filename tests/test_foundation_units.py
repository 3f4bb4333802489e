"""Settings, secrets, log redaction, field encryption, permissions and operator identity."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from desk_app import log as app_log
from desk_app.crypto import FieldCipher, mask_ssn, normalise_ssn
from desk_app.errors import PermissionDenied
from desk_app.rules.permissions import Perm, allowed
from desk_app.secrets import FileSecrets, MemorySecrets, get_or_create_key
from desk_app.services.directory.staff import add_staff, identify_operator
from desk_app.settings import SETTINGS, Settings


def test_settings_defaults_roundtrip_and_bounds(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    s = Settings(path)
    assert s["lock_after_minutes"] == 15
    s["lock_after_minutes"] = 5
    s["imap_host"] = "mail.example.org"
    s.save()
    again = Settings(path)
    assert again["lock_after_minutes"] == 5 and again["imap_host"] == "mail.example.org"
    with pytest.raises(ValueError, match="at most"):
        again["lock_after_minutes"] = 10_000
    assert all(setting.title for setting in SETTINGS.values())


def test_bad_settings_file_falls_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings(path)["sla_business_days"] == 2
    path.write_text('{"sla_business_days": "many"}')
    assert Settings(path)["sla_business_days"] == 2


def test_file_secrets_are_private(tmp_path: Path) -> None:
    store = FileSecrets(tmp_path / "secrets.json")
    store.set("imap-password", "hunter2")
    assert store.get("imap-password") == "hunter2"
    assert stat.S_IMODE(os.stat(tmp_path / "secrets.json").st_mode) == 0o600
    store.delete("imap-password")
    assert store.get("imap-password") is None


def test_keys_are_created_once() -> None:
    store = MemorySecrets()
    first = get_or_create_key(store, "data-key")
    assert len(first) == 32 and get_or_create_key(store, "data-key") == first


def test_field_cipher_roundtrip_and_lookup() -> None:
    cipher = FieldCipher.from_secrets(MemorySecrets())
    blob = cipher.encrypt("123-45-6789")
    assert b"6789" not in blob and cipher.decrypt(blob) == "123-45-6789"
    assert cipher.encrypt("123-45-6789") != blob  # fresh nonce every time
    assert cipher.identity_hash("123456789", "1980-02-03") == cipher.identity_hash(
        "123-45-6789", "1980-02-03"
    )
    other = FieldCipher.from_secrets(MemorySecrets())
    assert other.identity_hash("123456789", "1980-02-03") != cipher.identity_hash(
        "123456789", "1980-02-03"
    )
    with pytest.raises(InvalidTag):
        other.decrypt(blob)
    assert mask_ssn("123-45-6789") == "***-**-6789"
    with pytest.raises(ValueError):
        normalise_ssn("666-12-3456")


def test_log_redacts_closed_data(tmp_path: Path) -> None:
    log_file = app_log.setup(tmp_path)
    logger = logging.getLogger("desk_app.test")
    logger.warning("ssn 123-45-6789 dob 1980-02-03 pin=493817 raw 123456789 password: hunter2")
    try:
        raise ValueError("bad ssn 987-65-4321")
    except ValueError:
        logger.exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    for secret in ("123-45-6789", "1980-02-03", "493817", "123456789", "hunter2", "987-65-4321"):
        assert secret not in text
    assert "[ssn]" in text and "[pin]" in text


def test_role_permissions() -> None:
    assert allowed("security_admin", Perm.MANAGE_ACCESS)
    assert not allowed("security_admin", Perm.VIEW_CLOSED_DATA)
    assert allowed("certification_specialist", Perm.VIEW_CLOSED_DATA)
    assert not allowed("auditor", Perm.MANAGE_ACCESS) and allowed("auditor", Perm.VIEW_AUDIT)
    assert not allowed("nobody", Perm.VIEW_ENTITIES)


def test_first_operator_becomes_security_admin_then_others_need_a_record(store, make_ctx) -> None:
    first = identify_operator(store, "agency\\jdoe", "ws-1")
    assert first.role == "security_admin" and first.role_title == "Security Administrator"
    with pytest.raises(PermissionDenied, match="not a registered operator"):
        identify_operator(store, "agency\\stranger", "ws-1")
    add_staff(make_ctx(username="agency\\jdoe"), "agency\\mroe", "Mary Roe", "auditor")
    assert identify_operator(store, "agency\\mroe", "ws-2").role == "auditor"
    with pytest.raises(PermissionDenied):
        add_staff(make_ctx(role="auditor"), "x", "X", "auditor")


def test_staff_roles_change_but_one_security_admin_remains(store, make_ctx) -> None:
    from desk_app.errors import ConflictError
    from desk_app.services.directory.staff import list_staff, update_staff

    identify_operator(store, "agency\\jdoe", "ws-1")
    admin = make_ctx(username="agency\\jdoe")
    add_staff(admin, "agency\\mroe", "Mary Roe", "security_admin")
    update_staff(admin, "agency\\mroe", role="certification_specialist")
    with pytest.raises(ConflictError, match="Security Administrator must remain"):
        update_staff(admin, "agency\\jdoe", active=False)
    roles = {s.username: (s.role, s.active) for s in list_staff(admin)}
    assert roles == {
        "agency\\jdoe": ("security_admin", True),
        "agency\\mroe": ("certification_specialist", True),
    }


def test_without_an_os_keyring_the_private_file_is_opt_in(tmp_path: Path, monkeypatch) -> None:
    import keyring
    import pytest
    from keyring.backends import fail

    from desk_app.secrets import ALLOW_FILE_ENV, NoKeyring, open_secrets

    monkeypatch.delenv(ALLOW_FILE_ENV, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(NoKeyring, match="no OS keyring"):
            open_secrets(tmp_path / "secrets.json")
        assert not (tmp_path / "secrets.json").exists()
        assert "--allow-file-secrets" in NoKeyring.hint
        store = open_secrets(tmp_path / "secrets.json", allow_file=True)
        assert store.backend_name == "file"
        store.set("imap-password", "x")
        assert (tmp_path / "secrets.json").exists()
        monkeypatch.setenv(ALLOW_FILE_ENV, "1")  # scripts and the demo choose it this way
        assert open_secrets(tmp_path / "secrets.json").backend_name == "file"
    finally:
        keyring.set_keyring(previous)
    assert open_secrets(tmp_path / "other.json").backend_name != "file"


def test_staff_ids_are_the_same_on_every_workstation(tmp_path: Path) -> None:
    from desk_app.models.store import open_sqlite
    from desk_app.services.directory.staff import staff_id

    ids = []
    for name in ("ws-a", "ws-b"):
        store = open_sqlite(tmp_path / f"{name}.sqlite3")
        identify_operator(store, "agency\\jdoe", name)
        from sqlalchemy import select

        from desk_app.models.staff import Staff

        with store.read() as s:
            ids.append(s.execute(select(Staff.id)).scalar_one())
        store.dispose()
    assert ids[0] == ids[1] == staff_id("AGENCY\\jdoe")


def test_the_collector_pause_nests_across_threads_and_restores_the_state() -> None:
    import gc
    import threading

    from desk_app import collector

    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collector.paused():
        assert not gc.isenabled()
        thread.start()
        inside.wait(10)
    assert not gc.isenabled()  # the other thread's bulk work is still running
    leave.set()
    thread.join()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_freezing_the_long_lived_keeps_them_out_of_every_pass_once_per_moment() -> None:
    import gc
    import weakref

    from desk_app import collector

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    kept = Node()
    dropped = Node()
    gone = weakref.ref(dropped)
    del dropped
    moment = f"test {id(kept)}"
    try:
        assert collector.freeze_long_lived(moment)
        assert gone() is None  # young garbage collected first, not frozen for ever
        assert gc.get_freeze_count() > 0
        assert all(o is not kept for o in gc.get_objects())  # no pass walks it any more
        fresh = Node()
        assert not collector.freeze_long_lived(moment)  # once per moment: nothing more frozen
        assert any(o is fresh for o in gc.get_objects())
    finally:
        gc.unfreeze()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sets one thread's nice")
def test_a_background_thread_is_lowered_below_the_gui_thread_alone() -> None:
    import os
    import threading

    from desk_app.priority import BACKGROUND_NICE, lower_this_thread

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: dict[str, int] = {}

    def background() -> None:
        tid = threading.get_native_id()
        seen["before"] = os.getpriority(os.PRIO_PROCESS, tid)
        seen["applied"] = lower_this_thread()
        seen["after"] = os.getpriority(os.PRIO_PROCESS, tid)

    thread = threading.Thread(target=background)
    thread.start()
    thread.join()
    assert seen["applied"]
    assert seen["after"] == min(seen["before"] + BACKGROUND_NICE, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui  # not the caller's


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sets one thread's nice")
def test_the_pin_comparison_runs_below_the_gui() -> None:
    import os
    import threading

    from desk_app.services.review import checks

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    pin_thread = checks._PIN_POOL.submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ).result(10)
    assert pin_thread > gui
