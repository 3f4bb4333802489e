"""The keyed audit chain: an edit-and-rehash of the SQLite file is caught offline (issue 11 item 6).

The attacker here can rewrite every row and recompute every unkeyed hash (and the anchor file),
but cannot read the keyring that holds the workstation's signing key.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.app import open_app, open_workstation_store
from desk_app.cli import main
from desk_app.models import auditchain as audit
from desk_app.models.audit import AuditEvent
from desk_app.models.auditkey import SIGNING_KEY, chain_keys, chain_scope
from desk_app.models.store import Actor
from desk_app.paths import resolve
from desk_app.secrets import MemorySecrets
from desk_app.services.records.audit_log import AuditLogService
from desk_app.settings import Settings


def _write(app, n: int) -> None:
    for i in range(n):
        with app.services.uow() as uow:
            audit.record(uow, "test.event", summary=f"event {i}", details={"i": i})
            uow.commit()


def _rehash(db: Path, workstation: str, edit: str = "", delete_seq: int = 0) -> None:
    """Edit (or delete) events with plain SQL, then renumber and recompute every unkeyed hash
    from the first event, as an attacker with the file but not the keyring would."""
    conn = sqlite3.connect(db)
    with conn:
        if edit:
            conn.execute(edit)
        if delete_seq:
            conn.execute(
                "DELETE FROM audit_event WHERE workstation_id = ? AND seq = ?",
                (workstation, delete_seq),
            )
    conn.close()
    reader = open_workstation_store(db, migrate=False)  # typed values, as the app hashes them
    with reader.read() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.workstation_id == workstation)
            .order_by(AuditEvent.seq)
        ).all()
        rows = [
            (
                e.id.hex,
                e.occurred_at,
                e.actor,
                e.action,
                e.record_type,
                e.record_id,
                e.summary,
                e.details,
            )
            for e in events
        ]
    reader.dispose()
    conn = sqlite3.connect(db)
    with conn:
        prev = audit.GENESIS
        conn.execute("UPDATE audit_event SET seq = -seq WHERE workstation_id = ?", (workstation,))
        for seq, (row_id, at, actor, action, rtype, rid, summary, details) in enumerate(rows, 1):
            digest = audit.event_hash(
                prev, seq, at, actor, workstation, action, rtype, rid, summary, details
            )
            conn.execute(
                "UPDATE audit_event SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?",
                (seq, prev, digest, row_id),
            )
            prev = digest
    conn.close()


@pytest.fixture
def app(tmp_path):
    secrets = MemorySecrets()
    opened = open_app(tmp_path / "ws", secrets=secrets, username="alice")
    yield opened
    opened.close()


def test_a_correct_signed_chain_verifies(app) -> None:
    _write(app, 4)
    ws = app.operator.workstation_id
    assert (
        chain_keys(app.secrets, chain_scope(app.paths.data_dir))[ws].from_seq == 1
    )  # a new folder is keyed from its first event
    report = AuditLogService(app.services).verify()
    assert report.ok and report.events_checked == 6  # start-up's two events and these four


def test_an_edit_and_rehash_with_the_unkeyed_algorithm_is_detected(app) -> None:
    _write(app, 4)
    ws = app.operator.workstation_id
    _rehash(app.paths.database, ws, edit="UPDATE audit_event SET summary = 'nothing' WHERE seq = 3")
    with app.store.read() as s:  # without the key, the rewrite looks intact
        assert audit.verify_chain(s).ok
    report = AuditLogService(app.services).verify()
    assert not report.ok and report.first_break is not None
    assert report.first_break.seq == 3 and "signature does not match" in report.first_break.reason


def test_a_deleted_event_is_detected_even_after_renumbering(app) -> None:
    _write(app, 4)
    ws = app.operator.workstation_id
    _rehash(app.paths.database, ws, delete_seq=4)
    report = AuditLogService(app.services).verify()
    assert not report.ok and report.first_break is not None
    assert report.first_break.seq == 4 and "signature" in report.first_break.reason


def test_dropping_a_signature_is_detected(app) -> None:
    _write(app, 4)
    conn = sqlite3.connect(app.paths.database)
    with conn:
        conn.execute("UPDATE audit_event SET signature = '' WHERE seq = 5")
    conn.close()
    report = AuditLogService(app.services).verify()
    assert report.first_break is not None and "not signed" in report.first_break.reason


def test_an_existing_unkeyed_chain_keeps_its_links_and_is_keyed_from_a_marked_event(
    tmp_path,
) -> None:
    paths = resolve(tmp_path / "old")
    paths.ensure()
    settings = Settings(paths.settings_file)
    settings["workstation_name"] = "ws-old"
    settings.save()
    store = open_workstation_store(paths.database)
    with store.uow(Actor("alice", "ws-old", "security_admin")) as uow:  # before this release
        for i in range(3):
            audit.record(uow, "old.event", summary=f"old {i}")
        uow.commit()
    store.dispose()
    secrets = MemorySecrets()
    app = open_app(paths.data_dir, secrets=secrets, username="alice")
    try:
        key = chain_keys(secrets, chain_scope(paths.data_dir))["ws-old"]
        assert key.from_seq == 4  # the first event of this release marks the keyed era
        with app.store.read() as s:
            signed = s.execute(
                select(AuditEvent.seq).where(
                    AuditEvent.workstation_id == "ws-old", AuditEvent.signature != ""
                )
            ).scalars()
            assert sorted(signed) == [4, 5, 6]
            marker = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "audit.keyed_chain_started")
            ).one()  # the log says where signing began, and with which public key
            assert marker.details == {"from_seq": 4, "public_key": key.public_hex}
        assert AuditLogService(app.services).verify().ok
        # the unkeyed events before the era are covered by the first signed event's hash
        _rehash(
            app.paths.database, "ws-old", edit="UPDATE audit_event SET summary = 'x' WHERE seq = 2"
        )
        report = AuditLogService(app.services).verify()
        assert report.first_break is not None and report.first_break.seq == 4
        conn = sqlite3.connect(app.paths.database)
        with conn:  # the whole chain goes: the keyring still knows it was keyed from event 4
            conn.execute("DELETE FROM audit_event WHERE workstation_id = 'ws-old'")
        conn.close()
        report = AuditLogService(app.services).verify()
        assert report.first_break is not None
        assert "newest events were deleted" in report.first_break.reason
    finally:
        app.close()


def test_audit_verify_command_detects_an_edit_and_rehash(tmp_path, capsys) -> None:
    data = tmp_path / "ws"
    assert main(["--data-dir", str(data), "audit", "list"]) == 0
    assert main(["--data-dir", str(data), "audit", "list"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "audit", "verify"]) == 0
    keys = chain_keys(_keyring_store(), chain_scope(resolve(data).data_dir))
    (ws,) = keys
    _rehash(
        resolve(data).database, ws, edit="UPDATE audit_event SET actor = 'mallory' WHERE seq = 2"
    )
    capsys.readouterr()
    assert main(["--data-dir", str(data), "audit", "verify"]) == 1
    assert "signature does not match" in capsys.readouterr().out


def _keyring_store():
    from desk_app.secrets import KeyringSecrets

    store = KeyringSecrets()
    assert store.get(SIGNING_KEY)
    return store


def test_deleting_the_newest_events_and_an_older_anchor_file_is_detected(app) -> None:
    """The anchor file may be rewritten (an older copy put back); the keyring's head is not."""
    _write(app, 2)
    anchor = app.paths.data_dir / "audit-anchor.json"
    older = anchor.read_text()
    _write(app, 3)
    ws = app.operator.workstation_id
    assert chain_keys(app.secrets, chain_scope(app.paths.data_dir))[ws].head == 7
    conn = sqlite3.connect(app.paths.database)
    with conn:
        conn.execute("DELETE FROM audit_event WHERE seq > 4")
    conn.close()
    anchor.write_text(older)  # validly MAC'd, from before the deleted events
    with app.store.read() as s:
        assert app_anchor_problem(app, s) is None  # the anchor alone cannot tell
    report = AuditLogService(app.services).verify()
    assert report.first_break is not None
    assert "event 7 was written here" in report.first_break.reason


def app_anchor_problem(app, session):
    from desk_app.app import head_anchor

    return head_anchor(app.paths.data_dir, app.secrets, False).problem(session)


def test_eras_and_heads_belong_to_the_data_folder_signatures_are_checked_anywhere(
    tmp_path,
) -> None:
    """One OS account (one keyring) may open a demo folder beside the real one."""
    secrets = MemorySecrets()
    big = open_app(tmp_path / "big", secrets=secrets, username="alice")
    _write(big, 5)
    big.close()
    small = open_app(tmp_path / "small", secrets=secrets, username="alice")
    try:
        assert AuditLogService(small.services).verify().ok  # big's head is not small's
    finally:
        small.close()
    ws = big.operator.workstation_id
    moved = tmp_path / "moved"
    (tmp_path / "big").rename(moved)
    _rehash(resolve(moved).database, ws, edit="UPDATE audit_event SET summary = 'x' WHERE seq = 2")
    app = open_app(moved, secrets=secrets, username="alice")
    try:
        report = AuditLogService(app.services).verify()
        assert (
            report.first_break is not None
            and "signature does not match" in report.first_break.reason
        )
    finally:
        app.close()
