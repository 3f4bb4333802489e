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
from desk_app.models.auditkey import SIGNING_KEY, chain_keys
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
    assert chain_keys(app.secrets)[ws].from_seq == 1  # a new folder is keyed from its first event
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
        key = chain_keys(secrets)["ws-old"]
        assert key.from_seq == 4  # the first event of this release marks the keyed era
        with app.store.read() as s:
            signed = s.execute(
                select(AuditEvent.seq).where(
                    AuditEvent.workstation_id == "ws-old", AuditEvent.signature != ""
                )
            ).scalars()
            assert sorted(signed) == [4, 5]
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
    keys = chain_keys(_keyring_store())
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
