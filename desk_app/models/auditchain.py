"""The audit log service: write hash-chained events in the caller's transaction; verify the chain.

Events never carry closed data (SSN, date of birth, PIN): summaries name records, not people's
identifiers. Viewing closed data is itself an event (``educator.view_closed``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.models.audit import AuditEvent
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


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk every workstation's chain in ``seq`` order; report the first broken event."""
    checked = 0
    heads: dict[str, tuple[int, str]] = {}
    stations = [w for (w,) in session.execute(select(AuditEvent.workstation_id).distinct())]
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
                problem = _event_problem(ev, expected_seq, prev)
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
