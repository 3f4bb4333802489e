"""Acknowledging a legitimate restore: the workstation takes its history back from the centre.

After a data folder is restored from a backup, its audit chain ends before the head the central
database anchored, and every sync stops with the rollback alarm (:class:`.engine.RollbackDetected`)
on that workstation. The central database holds the missing events (append-only), so when a
Security Administrator says the restore was legitimate:

1. the events the central database holds beyond the last one both sides agree on are copied back
   into the local log, exactly as they are (hashes and signatures untouched);
2. the events written locally since the restore, which never reached the central database, are
   chained again after them (new ``seq``, links and signatures; same ids, content and times), so
   their pending push continues the central chain;
3. ``audit.restore_acknowledged`` records who acknowledged, why, and what was taken back and
   re-chained, in the same transaction.

Nothing the central database holds is rewritten, and nothing is dropped locally: the events made
after the restore keep their content and are pushed as usual.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, select, update

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.audit import AuditEvent
from desk_app.models.store import Actor, Store
from desk_app.sync.payload import to_python
from desk_app.sync.server import ServerLink

Signer = Callable[[str, int, str], str]


@dataclass(frozen=True)
class RestoreAcknowledged:
    anchored_seq: int  # the head the central database had anchored
    common_seq: int  # the last event both sides held alike
    taken_back: int  # events copied back from the central database
    rechained: int  # local events chained again after them
    event_seq: int  # the acknowledgement's own event


def _central_links(server: ServerLink, workstation: str) -> list[tuple[int, str]]:
    """The workstation's central events as (seq, hash), in order."""
    with server.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_event WHERE workstation_id = %(w)s ORDER BY seq",
            {"w": workstation},
        ).all()
    return [(int(seq), str(digest)) for seq, digest in rows]


def _central_rows_after(server: ServerLink, workstation: str, seq: int) -> list[str]:
    """The workstation's central events after ``seq``, each as the portable JSON of its row."""
    with server.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT to_jsonb(t)::text FROM audit_event t "
            "WHERE workstation_id = %(w)s AND seq > %(s)s ORDER BY seq",
            {"w": workstation, "s": seq},
        ).all()
    return [str(body) for (body,) in rows]


def acknowledge_restore(
    store: Store, actor: Actor, server: ServerLink, reason: str, sign: Signer | None = None
) -> RestoreAcknowledged:
    """Take the workstation's history back from the central database and record the
    acknowledgement (see the module docstring). The caller checks the operator's role.

    Raises:
        KnownError: there is no rollback to acknowledge.
    """
    ws = actor.workstation_id
    anchored = server.anchored_head(ws)
    central = _central_links(server, ws)
    with store.read() as s:
        local = {
            seq: digest
            for seq, digest in s.execute(
                select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.workstation_id == ws)
            )
        }
    if anchored is None or local.get(anchored[0]) == anchored[1]:
        raise KnownError(
            "this workstation's audit log reaches the head the central database anchored: "
            "there is no restore to acknowledge"
        )
    common = max((seq for seq, digest in central if local.get(seq) == digest), default=0)
    missing = _central_rows_after(server, ws, common)
    with store.uow(actor) as uow:
        session = uow.session
        session.info.pop("audit_head", None)
        tail = session.execute(
            select(AuditEvent.__table__)
            .where(AuditEvent.workstation_id == ws, AuditEvent.seq > common)
            .order_by(AuditEvent.seq)
        ).all()
        events = cast(Table, AuditEvent.__table__)
        session.execute(  # out of the way of the seqs coming back
            update(events)
            .where(events.c.workstation_id == ws, events.c.seq > common)
            .values(seq=-events.c.seq)
        )
        for body in missing:  # as the central database holds them (never captured for push)
            session.execute(insert(events).values(**to_python("audit_event", json.loads(body))))
        seq, prev = (
            (central[-1][0], central[-1][1]) if missing else (common, _hash_at(local, common))
        )
        for row in tail:
            seq += 1
            digest = audit.event_hash(
                prev,
                seq,
                row.occurred_at,
                row.actor,
                ws,
                row.action,
                row.record_type,
                row.record_id,
                row.summary,
                row.details or {},
            )
            session.execute(
                update(events)
                .where(events.c.id == row.id)
                .values(
                    seq=seq,
                    prev_hash=prev,
                    hash=digest,
                    signature=sign(ws, seq, digest) if sign else "",
                )
            )
            prev = digest
        event = audit.record(
            uow,
            "audit.restore_acknowledged",
            record_type="audit_event",
            summary=f"restore acknowledged: {reason}",
            details={
                "reason": reason,
                "anchored_seq": anchored[0],
                "common_seq": common,
                "taken_back": len(missing),
                "rechained": len(tail),
            },
        )
        if sign is not None:
            event.signature = sign(ws, event.seq, event.hash)
        uow.commit()
        return RestoreAcknowledged(anchored[0], common, len(missing), len(tail), event.seq)


def _hash_at(local: dict[int, str], seq: int) -> str:
    return local.get(seq, audit.GENESIS) if seq else audit.GENESIS
