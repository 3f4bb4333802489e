"""Push: pending outbox entries, grouped by row, sent in batches of one server transaction each.

After the server commits a batch, one local transaction removes the batch's outbox entries,
applies merged rows and records conflicts. If the process dies between the two commits, the next
push first asks the server which change ids it already holds and drops them (the batch is re-sent
at most once, and never applied twice: the server also skips change ids it has applied).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.orm import Session

from desk_app.models.store import Actor, Store
from desk_app.models.sync_state import OutboxEntry, SyncConflict
from desk_app.services import audit
from desk_app.sync import faults
from desk_app.sync.payload import read_versioned, table, to_python
from desk_app.sync.server import ServerLink
from desk_app.sync.types import Group, PushOutcome, ServerConflict

# the rows of the oldest entries first (a small index-driven join, not a scan of the outbox),
# then every pending entry of those rows
BATCH_SQL = text("""
SELECT o.seq, o.change_id, o.table_name, o.row_id, o.op, o.base_version, o.new_version, o.columns
FROM (SELECT DISTINCT f.table_name, f.row_id FROM (
        SELECT e.table_name, e.row_id FROM sync_outbox e
        WHERE NOT EXISTS (SELECT 1 FROM sync_conflict c WHERE c.table_name = e.table_name
                          AND c.row_id = e.row_id AND c.resolved_at IS NULL)
        ORDER BY e.seq LIMIT :limit) f) k
JOIN sync_outbox o ON o.table_name = k.table_name AND o.row_id = k.row_id
ORDER BY o.seq
""")


def _column_names(columns: str) -> list[str]:
    # a JSON list of plain column names: '["city","phone"]' (cheaper than json.loads per entry)
    inner = columns.strip()[1:-1].replace('"', "").replace(" ", "")
    return inner.split(",") if inner else []


def _groups(rows: list[Any]) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}
    for seq, change_id, name, row_id, op, base, new, columns in rows:
        g = groups.get((name, row_id))
        if g is None:
            groups[(name, row_id)] = Group(name, row_id, [change_id], [seq], op, base, new,
                                           _column_names(columns))
            continue
        cols = _column_names(columns)
        g.change_ids.append(change_id)
        g.seqs.append(seq)
        g.new = new
        g.columns.extend(c for c in cols if c not in g.columns)
        if g.op != "insert":
            g.op = op if op == "delete" else g.op
    return list(groups.values())


def select_batch(conn: Connection, limit: int) -> list[Group]:
    """The next batch: the oldest ``limit`` entries' rows, each with all its pending entries."""
    return attach_payloads(conn, select_groups(conn, limit))


def select_groups(conn: Connection, limit: int) -> list[Group]:
    """Like :func:`select_batch` without the rows' payloads (see :func:`attach_payloads`)."""
    return _groups(list(conn.execute(BATCH_SQL, {"limit": limit})))


def attach_payloads(conn: Connection, groups: list[Group]) -> list[Group]:
    """Read each group's row; returns the groups whose row is still at the version they end at."""
    by_table: dict[str, list[Group]] = {}
    for g in groups:
        by_table.setdefault(g.table, []).append(g)
    for name, members in by_table.items():
        bodies = read_versioned(conn, name, [g.row_id for g in members])
        for g in members:
            version, body = bodies.get(g.row_id, (0, ""))
            # Each statement reads its own snapshot: a row edited after the outbox was read is
            # newer than its entries say. Leave it for the next batch, with all its entries.
            g.payload = body if version == g.new else ""
    return [g for g in groups if g.payload]


def _blobs_for(groups: list[Group], server: ServerLink, blob_root: Path | None) -> dict[str, bytes]:
    """Document originals the server lacks, read from the local blob store (before their rows)."""
    shas = sorted({json.loads(g.payload).get("sha256", "") for g in groups
                   if g.table == "submission_document"} - {""})
    if not shas or blob_root is None:
        return {}
    blobs: dict[str, bytes] = {}
    for sha in sorted(server.missing_blobs(shas)):
        path = blob_root / sha[:2] / sha
        if path.is_file():
            blobs[sha] = path.read_bytes()
    return blobs


def recover(store: Store, server: ServerLink, limit: int) -> int:
    """Drop outbox entries the server already applied (a crash after its commit); returns count."""
    with store.engine.connect() as conn:
        ids = [r[1] for r in conn.execute(BATCH_SQL, {"limit": limit})]
    done = server.applied_ids(ids)
    if done:
        with store.engine.begin() as conn:
            conn.execute(delete(OutboxEntry).where(OutboxEntry.change_id.in_(sorted(done))))
    return len(done)


READ_AHEAD = 10  # batches read from SQLite in one go, before any of them is pushed


def pending_batches(store: Store, limit: int, read_ahead: int = READ_AHEAD) -> list[list[Group]]:
    """The next few batches of ``limit`` rows, without payloads (empty when nothing is pending).

    A row edited meanwhile is not lost: its new outbox entry stays behind and goes in a later
    batch, on top of the version pushed here.
    """
    with store.engine.connect() as conn:
        groups = select_groups(conn, limit * max(1, read_ahead))
    return [groups[i:i + limit] for i in range(0, len(groups), limit)]


def read_payloads(store: Store, groups: list[Group]) -> list[Group]:
    """:func:`attach_payloads` on a connection of its own (runs one batch ahead of the pushes)."""
    with store.engine.connect() as conn:
        return attach_payloads(conn, groups)


def push_groups(store: Store, actor: Actor, server: ServerLink, groups: list[Group],
                blob_root: Path | None) -> PushOutcome:
    """Push one batch of grouped rows: one server transaction, then one local transaction."""
    faults.point("push.selected")
    blobs = _blobs_for(groups, server, blob_root)
    outcome = server.push_batch(groups, actor.workstation_id, blobs)
    faults.point("push.server_committed")
    _finish_locally(store, actor, groups, outcome)
    faults.point("push.local_committed")
    return outcome


def _finish_locally(store: Store, actor: Actor, groups: list[Group], outcome: PushOutcome) -> None:
    # An ordinary session: the conflict audit events are captured for the next push, while the
    # Core statements below (outbox removal, merged rows) are not, since they bypass the ORM.
    session = store.session_factory()
    session.info["actor"] = actor
    try:
        seqs = [s for g in groups for s in g.seqs]
        lo, hi = min(seqs), max(seqs)
        if hi - lo + 1 == len(seqs):  # the usual case: the batch is one run of the outbox
            session.execute(text("DELETE FROM sync_outbox WHERE seq BETWEEN :lo AND :hi"),
                            {"lo": lo, "hi": hi})
        else:  # one statement all the same: the seqs travel as one JSON array
            session.execute(text("DELETE FROM sync_outbox WHERE seq IN "
                                 "(SELECT value FROM json_each(:s))"), {"s": json.dumps(seqs)})
        by_key = {g.key: g for g in groups}
        for key, merged in outcome.merged.items():
            _apply_merged(session, by_key[key], merged)
        for key, conflict in outcome.conflicts.items():
            _record_conflict(session, by_key[key], conflict)
        _audit_conflicts(session, actor, list(outcome.conflicts.values()))
        faults.point("push.before_local_commit")
        session.commit()
    finally:
        session.close()


def _apply_merged(session: Session, group: Group, merged: dict[str, Any]) -> None:
    """Take the server's merged row, unless the row changed here again meanwhile."""
    t = table(group.table)
    values = to_python(group.table, merged)
    row_id = values.pop("id")
    session.execute(update(t).where(t.c.id == row_id, t.c.row_version == group.new).values(**values))


def _record_conflict(session: Session, group: Group, conflict: ServerConflict) -> None:
    open_one = session.scalars(select(SyncConflict).where(
        SyncConflict.table_name == group.table, SyncConflict.row_id == group.row_id,
        SyncConflict.resolved_at.is_(None))).first()
    if open_one is not None:  # a newer refusal of the same row replaces the older one
        open_one.resolved_at = open_one.detected_at
        open_one.resolution = "superseded"
    session.add(SyncConflict(
        table_name=group.table, row_id=group.row_id, base_version=group.base,
        mine_version=group.new, theirs_version=conflict.theirs_version, mine_columns=group.columns,
        theirs_columns=conflict.theirs_columns, mine=json.loads(group.payload),
        theirs=conflict.theirs, reason=conflict.reason))


def _audit_conflicts(session: Session, actor: Actor, conflicts: list[ServerConflict]) -> None:
    for c in conflicts:
        audit.record_in(session, actor, "sync.conflict", record_type=c.table,
                        record_id=uuid.UUID(c.row_id),
                        summary=f"sync conflict on {c.table.replace('_', ' ')}: {c.reason}",
                        details={"theirs_version": c.theirs_version, "columns": c.theirs_columns})
