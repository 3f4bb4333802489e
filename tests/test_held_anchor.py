"""The GUI's start is held: nothing reads the secret store (the OS keyring) before its first page
shows. The agency keys' check, the signed ``session.start`` event and the audit anchor's newest
head come with :meth:`AppContext.finish_start`, which the window runs as the writer thread's first
job (so before any work); the anchor is written at close at the latest."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from desk_app.app import AUDIT_ANCHOR_KEY, HeldAnchor, open_app
from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.audit import AuditEvent
from desk_app.secrets import MemorySecrets, key_checks
from desk_app.services.records.audit_log import AuditLogService
from desk_app.services.sync.keycheck import CENTRAL_KEY_CHECKS


class CountingSecrets(MemorySecrets):
    """Counts reads: of the audit anchor's key, and of anything at all."""

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        super().__init__(initial)
        self.reads = 0
        self.any_reads = 0

    def get(self, name: str) -> str | None:
        self.any_reads += 1
        if name == AUDIT_ANCHOR_KEY:
            self.reads += 1
        return super().get(name)


def _anchored_seq(data) -> dict[str, int]:
    path = data / "audit-anchor.json"
    if not path.exists():
        return {}
    return {ws: int(head["seq"]) for ws, head in json.loads(path.read_text()).items()}


def _session_starts(app) -> int:
    with app.store.read() as s:
        return s.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "session.start")
        ).scalar_one()


def test_held_start_reads_no_secret_until_it_finishes(tmp_path) -> None:
    data = tmp_path / "ws"
    first_app = open_app(data, secrets=MemorySecrets(), username="carol")  # a first session
    kept = dict(first_app.secrets._values)  # type: ignore[attr-defined]
    first_app.close()
    first = _anchored_seq(data)
    assert first  # an ordinary opening writes the anchor at once
    # a synced workstation: the agency keys' check values are on file, so a check must read
    (data / CENTRAL_KEY_CHECKS).write_text(json.dumps(key_checks(MemorySecrets(kept))))

    secrets = CountingSecrets(kept)
    app = open_app(data, secrets=secrets, username="carol", hold_anchor=True)
    try:
        assert isinstance(app.anchor, HeldAnchor)
        assert secrets.any_reads == 0  # no key check, no signing, no anchor: no keyring yet
        assert _anchored_seq(data) == first  # behind, never ahead
        starts = _session_starts(app)
        app.finish_start()
        assert secrets.reads >= 1 and secrets.any_reads > secrets.reads  # the check read too
        assert _session_starts(app) == starts + 1  # the signed session.start, now
        released = _anchored_seq(data)
        assert all(released[ws] > seq for ws, seq in first.items())
        app.finish_start()  # a second finish changes nothing
        assert _anchored_seq(data) == released and _session_starts(app) == starts + 1
        assert AuditLogService(app.services).verify().ok  # signed, chained, in order
    finally:
        app.close()


def test_a_stray_key_is_refused_when_the_held_start_finishes(tmp_path) -> None:
    data = tmp_path / "ws"
    first_app = open_app(data, secrets=MemorySecrets(), username="carol")
    kept = dict(first_app.secrets._values)  # type: ignore[attr-defined]
    first_app.close()
    agency = MemorySecrets({"data-key": "the-agency-key"})
    (data / CENTRAL_KEY_CHECKS).write_text(json.dumps(key_checks(agency)))
    app = open_app(data, secrets=MemorySecrets(kept), username="carol", hold_anchor=True)
    try:
        starts = _session_starts(app)
        with pytest.raises(KnownError, match="data-key"):
            app.finish_start()
        assert _session_starts(app) == starts  # refused before the session's first event
    finally:
        app.close()


def test_close_writes_what_was_still_held(tmp_path) -> None:
    data = tmp_path / "ws"
    open_app(data, secrets=MemorySecrets(), username="carol").close()
    first = _anchored_seq(data)
    app = open_app(data, secrets=MemorySecrets(), username="carol", hold_anchor=True)
    with app.store.uow(app.services.actor) as uow:  # an event of the session, anchor held
        audit.record(uow, "test.event", record_type="staff", summary="while held")
        uow.commit()
    assert _anchored_seq(data) == first
    app.close()
    assert all(_anchored_seq(data)[ws] > seq for ws, seq in first.items())


def test_held_anchor_keeps_only_the_newest_head_per_workstation(tmp_path) -> None:
    written = []

    class Recording(HeldAnchor):
        def _mac(self, key: bytes, workstation: str, seq: int, digest: str) -> str:
            written.append((workstation, seq))
            return super()._mac(key, workstation, seq, digest)

    anchor = Recording(tmp_path / "audit-anchor.json", lambda: b"k" * 32)
    anchor.write("ws1", 3, "c")
    anchor.write("ws1", 2, "b")  # older: never replaces a newer held head
    anchor.write("ws2", 1, "a")
    assert written == [] and not (tmp_path / "audit-anchor.json").exists()
    anchor.release()
    assert written == [("ws1", 3), ("ws2", 1)]
    anchor.write("ws1", 4, "d")  # after release, written at once
    assert written[-1] == ("ws1", 4)
