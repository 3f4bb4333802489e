"""The audit log service: write hash-chained events in the caller's transaction; verify the chain.

Events never carry closed data (SSN, date of birth, PIN): summaries name records, not people's
identifiers. Viewing closed data is itself an event (``educator.view_closed``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from desk_app.models.audit import AuditEvent
from desk_app.models.auditkey import ChainKey, signature_problem
from desk_app.models.base import utcnow
from desk_app.models.store import Actor, UnitOfWork

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    workstation: str,
    action: str,
    record_type: str,
    record_id: uuid.UUID | None,
    summary: str,
    details: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and this event's content, in a canonical JSON form."""
    body = json.dumps(
        [
            seq,
            occurred_at.isoformat(),
            actor,
            workstation,
            action,
            record_type,
            str(record_id) if record_id else "",
            summary,
            details,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _chain_head(session: Session, workstation: str) -> tuple[int, str]:
    cache = session.info.get("audit_head")
    if cache and cache[0] == workstation:
        return cache[1], cache[2]
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.workstation_id == workstation)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def record(
    uow: UnitOfWork,
    action: str,
    *,
    record_type: str = "",
    record_id: uuid.UUID | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to ``uow``'s transaction (committed with the change it describes)."""
    return record_in(
        uow.session,
        uow.actor,
        action,
        record_type=record_type,
        record_id=record_id,
        summary=summary,
        details=details,
    )


def record_in(
    session: Session,
    actor: Actor,
    action: str,
    *,
    record_type: str = "",
    record_id: uuid.UUID | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Like :func:`record` for code that holds a bare session (seeding, sync)."""
    details = details or {}
    workstation = actor.workstation_id
    seq, prev = _chain_head(session, workstation)
    seq += 1
    occurred = utcnow()
    digest = event_hash(
        prev,
        seq,
        occurred,
        actor.username,
        workstation,
        action,
        record_type,
        record_id,
        summary,
        details,
    )
    event = AuditEvent(
        seq=seq,
        occurred_at=occurred,
        actor=actor.username,
        action=action,
        record_type=record_type,
        record_id=record_id,
        summary=summary,
        details=details,
        prev_hash=prev,
        hash=digest,
    )
    event.workstation_id = workstation
    session.add(event)
    session.info["audit_head"] = (workstation, seq, digest)
    return event


@dataclass(frozen=True)
class ChainBreak:
    workstation_id: str
    seq: int
    event_id: str
    reason: str


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    workstations: int
    first_break: ChainBreak | None
    heads: dict[str, tuple[int, str]]


def verify_chain(
    session: Session, batch: int = 5000, keys: Mapping[str, ChainKey] | None = None
) -> ChainReport:
    """Walk every workstation's chain in ``seq`` order; report the first broken event.

    Args:
        keys: the chains whose signatures can be checked (workstation -> public key and keyed
            era, :func:`desk_app.models.auditkey.chain_keys`); other chains are checked by their
            unkeyed links only.
    """
    keys = keys or {}
    checked = 0
    heads: dict[str, tuple[int, str]] = {}
    stations = [w for (w,) in session.execute(select(AuditEvent.workstation_id).distinct())]
    stations += [w for w in keys if w not in stations]  # a keyed chain may have lost every row
    for ws in sorted(stations):
        expected_seq, prev = 1, GENESIS
        last_seq = 0
        while True:
            rows = (
                session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.workstation_id == ws, AuditEvent.seq > last_seq)
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            for ev in rows:
                checked += 1
                problem = _event_problem(ev, expected_seq, prev) or signature_problem(ev, keys)
                if problem:
                    return ChainReport(
                        False,
                        checked,
                        len(stations),
                        ChainBreak(ws, ev.seq, str(ev.id), problem),
                        heads,
                    )
                expected_seq, prev, last_seq = ev.seq + 1, ev.hash, ev.seq
            session.expunge_all()
        heads[ws] = (expected_seq - 1, prev)
        key = keys.get(ws)
        if key is not None and expected_seq - 1 < max(key.from_seq - 1, key.head):
            # the keyring remembers the newest event committed, and that the keyed era began at
            # from_seq (so the chain reached at least from_seq - 1: a first signed event whose
            # transaction rolled back)
            reason = (
                f"the chain ends at event {expected_seq - 1} although event "
                f"{max(key.from_seq - 1, key.head)} was written here: its newest events were "
                "deleted (or the database was restored: a Security Administrator acknowledges it)"
            )
            return ChainReport(
                False, checked, len(stations), ChainBreak(ws, expected_seq - 1, "", reason), heads
            )
    return ChainReport(True, checked, len(stations), None, heads)


def _event_problem(ev: AuditEvent, expected_seq: int, prev: str) -> str | None:
    if ev.seq != expected_seq:
        return f"event {expected_seq} is missing (found {ev.seq}): deleted or reordered"
    if ev.prev_hash != prev:
        return "link to the previous event is broken: an event was deleted, inserted or reordered"
    digest = event_hash(
        ev.prev_hash,
        ev.seq,
        ev.occurred_at,
        ev.actor,
        ev.workstation_id,
        ev.action,
        ev.record_type,
        ev.record_id,
        ev.summary,
        ev.details or {},
    )
    if digest != ev.hash:
        return "content does not match its hash: the event was edited"
    return None


def event_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


# --- the head anchored beyond the table --------------------------------------------------------
class HeadAnchor:
    """Each workstation's newest audit event (seq and hash) kept outside the database, in a
    small file whose entries carry an HMAC under a key from the secret store (never in the data
    folder). Deleting or truncating the newest events keeps the rest of the chain intact, so only
    a head held elsewhere shows it, offline. Written after each commit that added events; a crash
    between the commit and the write leaves the anchor a few events behind, never ahead.
    """

    def __init__(self, path: Path, key: Callable[[], bytes | None]) -> None:
        self.path = path
        self._key = key  # resolved on first use: opening the OS keyring is slow
        self._written: dict[str, int] = {}

    def _mac(self, key: bytes, workstation: str, seq: int, digest: str) -> str:
        return hmac.new(key, f"{workstation}\n{seq}\n{digest}".encode(), "sha256").hexdigest()

    def read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def write(self, workstation: str, seq: int, digest: str) -> None:
        if self._written.get(workstation, 0) >= seq:
            return
        key = self._key()
        if key is None:
            return
        data = self.read()
        if int(data.get(workstation, {}).get("seq", 0)) > seq:
            return  # never moves backwards
        data[workstation] = {
            "seq": seq,
            "hash": digest,
            "mac": self._mac(key, workstation, seq, digest),
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        self._written[workstation] = seq

    def problem(self, session: Session) -> str | None:
        """Why the table does not reach the anchored heads (``None``: it does). Reads only."""
        anchored = self.read()
        if not anchored:
            return None
        key = self._key()
        if key is None:
            return "the audit anchor's key is missing from the secret store"
        for workstation, head in sorted(anchored.items()):
            seq, digest = int(head["seq"]), str(head["hash"])
            if not hmac.compare_digest(str(head["mac"]), self._mac(key, workstation, seq, digest)):
                return f"the audit anchor of workstation {workstation} was edited"
            found = session.execute(
                select(AuditEvent.hash).where(
                    AuditEvent.workstation_id == workstation, AuditEvent.seq == seq
                )
            ).scalar()
            if found is None:
                return (
                    f"event {seq} of workstation {workstation} is anchored but missing: "
                    "the newest events were deleted or the log truncated"
                )
            if found != digest:
                return f"event {seq} of workstation {workstation} differs from its anchor"
        return None


def anchor_heads(session_factory: Any, anchor: HeadAnchor) -> None:
    """Keep ``anchor`` at the head after every commit that recorded an audit event."""

    def after_commit(session: Session) -> None:
        head = session.info.pop("audit_head", None)
        if head:
            anchor.write(*head)

    def after_rollback(session: Session) -> None:
        session.info.pop("audit_head", None)  # those events never happened

    event.listen(session_factory, "after_commit", after_commit)
    event.listen(session_factory, "after_rollback", after_rollback)
