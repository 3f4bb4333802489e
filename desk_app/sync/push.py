"""Push: pending outbox entries, grouped by row, sent in batches of one server transaction each.

After the server commits a batch (:func:`send`), one local transaction removes the batch's outbox
entries, applies merged rows and records conflicts (:func:`finish`). If the process dies between
the two commits, the next push first asks the server which groups it already holds and drops
their change ids (:func:`recover`); a group re-sent all the same is recognised by the server,
which names the change ids it had applied, so nothing is applied twice and nothing newer is lost.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.orm import Session

from desk_app.models import auditchain as audit
from desk_app.models.store import Actor, Store
from desk_app.models.sync_state import OutboxEntry, SyncConflict
from desk_app.sync import faults
from desk_app.sync.payload import read_copy_lines, read_rows, table, to_python
from desk_app.sync.server import ServerLink
from desk_app.sync.types import Group, PushOutcome, ServerConflict

# The oldest ``limit`` entries in outbox order (an index-ordered read of the outbox, held rows left
# out), each one's changed columns already as a PostgreSQL array literal. A row whose entries run
# past the limit is read with its newest version and so skipped as stale this time (see
# attach_payloads); it goes whole in a later batch.
BATCH_SQL = text("""
SELECT o.seq, o.table_name, o.row_id, o.change_id, o.op, o.base_version, o.new_version,
       '{' || replace(replace(substr(o.columns, 2, length(o.columns) - 2), '"', ''), ' ', '') || '}'
FROM sync_outbox o
WHERE NOT EXISTS (SELECT 1 FROM sync_conflict c WHERE c.table_name = o.table_name
                  AND c.row_id = o.row_id AND c.resolved_at IS NULL)
ORDER BY o.seq LIMIT :limit
""")


# The fallback when a pass found nothing whole to send (every row's entries ran past the window,
# say after the same rows were edited twice in bulk): the rows of the oldest ``limit`` entries,
# each with all its pending entries.
WHOLE_ROWS_SQL = text("""
SELECT o.seq, o.table_name, o.row_id, o.change_id, o.op, o.base_version, o.new_version,
       '{' || replace(replace(substr(o.columns, 2, length(o.columns) - 2), '"', ''), ' ', '') || '}'
FROM (SELECT DISTINCT f.table_name, f.row_id FROM (
        SELECT e.table_name, e.row_id FROM sync_outbox e
        WHERE NOT EXISTS (SELECT 1 FROM sync_conflict c WHERE c.table_name = e.table_name
                          AND c.row_id = e.row_id AND c.resolved_at IS NULL)
        ORDER BY e.seq LIMIT :limit) f) k
JOIN sync_outbox o ON o.table_name = k.table_name AND o.row_id = k.row_id
ORDER BY o.seq
""")


def _groups(rows: Any) -> list[Group]:
    """The entries grouped by row, in the order of each row's oldest entry."""
    groups: dict[tuple[str, str], Group] = {}
    for seq, name, row_id, change_id, op, base, new, columns in rows:
        g = groups.get((name, row_id))
        if g is None:
            groups[(name, row_id)] = Group(name, row_id, [change_id], [seq], op, base, new, columns)
        else:
            g.add(seq, change_id, op, new, columns)
    return list(groups.values())


def select_batch(conn: Connection, limit: int) -> list[Group]:
    """The next batch: the oldest ``limit`` entries' rows, each with all its pending entries."""
    return attach_payloads(conn, select_groups(conn, limit))


def select_groups(conn: Connection, limit: int, whole_rows: bool = False) -> list[Group]:
    """Like :func:`select_batch` without the rows themselves (see :func:`attach_payloads`)."""
    return _groups(conn.execute(WHOLE_ROWS_SQL if whole_rows else BATCH_SQL, {"limit": limit}))


def attach_payloads(conn: Connection, groups: list[Group]) -> list[Group]:
    """Read each group's row as a COPY line; returns the groups whose row is still at the version
    they end at."""
    by_table: dict[str, list[Group]] = {}
    for g in groups:
        by_table.setdefault(g.table, []).append(g)
    for name, members in by_table.items():
        lines = read_copy_lines(conn, name, [g.row_id for g in members])
        for g in members:
            version, line = lines.get(g.row_id, (0, ""))
            # Each statement reads its own snapshot: a row edited after the outbox was read is
            # newer than its entries say. Leave it for the next batch, with all its entries.
            g.line = line if version == g.new else ""
    return [g for g in groups if g.line]


def _blobs_for(
    store: Store, groups: list[Group], server: ServerLink, blob_root: Path | None
) -> dict[str, bytes]:
    """Document originals the server lacks, read from the local blob store (before their rows)."""
    # a queue document's original; an educator's source document and the PDF it is viewed as
    queries = {
        "submission_document": "SELECT sha256 FROM submission_document WHERE id IN "
        "(SELECT value FROM json_each(?))",
        "educator_document": "SELECT sha256 FROM educator_document WHERE id IN "
        "(SELECT value FROM json_each(?)) UNION SELECT view_sha256 FROM educator_document "
        "WHERE id IN (SELECT value FROM json_each(?))",
    }
    wanted = {t: [g.row_id for g in groups if g.table == t] for t in queries}
    if not any(wanted.values()) or blob_root is None:
        return {}
    found: set[str] = set()
    with store.engine.connect() as conn:
        for table, ids in wanted.items():
            if ids:
                args = (json.dumps(ids),) * queries[table].count("?")
                found.update(r[0] for r in conn.exec_driver_sql(queries[table], args))
    shas = sorted(found - {"", None})
    if not shas:
        return {}
    blobs: dict[str, bytes] = {}
    for sha in sorted(server.missing_blobs(shas)):
        path = blob_root / sha[:2] / sha
        if path.is_file():
            blobs[sha] = path.read_bytes()
    return blobs


# batches the server may have committed before the process stopped, and whose outbox entries
# were not yet removed: the one being finished locally and the one pushed meanwhile
IN_FLIGHT = 2


def recover(store: Store, server: ServerLink, limit: int) -> int:
    """Drop outbox entries the server already applied (a crash after its commit); returns count.

    Sent batches are the oldest pending entries: every batch before them was finished locally.
    The server recognises a group by its row and first change id and names all of its ids (a row
    edited again since keeps its newer entries, which go in the next push). The check moves on
    until a window of ``IN_FLIGHT`` batches holds nothing the server applied.
    """
    removed = 0
    while True:
        with store.engine.connect() as conn:
            groups = select_groups(conn, limit * IN_FLIGHT)
        done = server.applied_ids([(g.row_id, g.change_ids[0]) for g in groups])
        if not done:
            return removed
        with store.engine.begin() as conn:
            conn.execute(delete(OutboxEntry).where(OutboxEntry.change_id.in_(sorted(done))))
        removed += len(done)


READ_AHEAD = 10  # batches of outbox entries read per pass
STREAM_CHUNK = 2000  # outbox entries read at a time within a pass


def pending(
    store: Store, limit: int, read_ahead: int = READ_AHEAD, whole_rows: bool = False
) -> Generator[list[Group], None, None]:
    """One pass over the outbox: batches of up to ``limit`` rows with their COPY lines, in
    outbox order, from the oldest ``limit * read_ahead`` entries (nothing when none is pending).

    The entries are read as a stream and a batch is handed out as soon as it is whole, so the
    first push starts after reading its own entries, not the whole pass. A row's entries that
    turn up after its batch was handed out, or lie past the window, stay for the next pass, and
    its batch skips the row as stale (its row is newer than the entries it holds): no row travels
    in two pieces. With ``whole_rows`` the pass reads every entry of its rows (see
    :data:`WHOLE_ROWS_SQL`) before handing out anything. Everything is read in one snapshot, on
    one connection; call from one thread at a time.
    """
    with store.engine.connect() as conn:
        if whole_rows:
            everything = select_groups(conn, limit * max(1, read_ahead), whole_rows=True)
            for begin in range(0, len(everything), limit):
                yield attach_payloads(conn, everything[begin : begin + limit])
            return
        result = conn.execute(BATCH_SQL, {"limit": limit * max(1, read_ahead)})
        groups: dict[tuple[str, str], Group] = {}
        handed: set[tuple[str, str]] = set()
        batch: list[Group] = []
        for rows in result.partitions(STREAM_CHUNK):
            for seq, name, row_id, change_id, op, base, new, columns in rows:
                key = (name, row_id)
                g = groups.get(key)
                if g is not None:
                    g.add(seq, change_id, op, new, columns)
                elif key not in handed:
                    g = groups[key] = Group(
                        name, row_id, [change_id], [seq], op, base, new, columns
                    )
                    batch.append(g)
            while len(batch) >= limit:
                out, batch = batch[:limit], batch[limit:]
                for g in out:
                    del groups[g.key]
                    handed.add(g.key)
                yield attach_payloads(conn, out)
        if batch:
            yield attach_payloads(conn, batch)


def send(
    store: Store, actor: Actor, server: ServerLink, groups: list[Group], blob_root: Path | None
) -> PushOutcome:
    """The server half of a push: the batch's blobs and rows in one server transaction."""
    faults.point("push.selected")
    blobs = _blobs_for(store, groups, server, blob_root)
    outcome = server.push_batch(groups, actor.workstation_id, blobs)
    faults.point("push.server_committed")
    return outcome


def finish(store: Store, actor: Actor, groups: list[Group], outcome: PushOutcome) -> None:
    """The local half: remove the batch's outbox entries, take merged rows, record conflicts."""
    _finish_locally(store, actor, groups, outcome)
    faults.point("push.local_committed")


DELETE_RUN = text("DELETE FROM sync_outbox WHERE seq BETWEEN :lo AND :hi")
DELETE_LISTED = text("DELETE FROM sync_outbox WHERE seq IN (SELECT value FROM json_each(:s))")


def _finish_locally(store: Store, actor: Actor, groups: list[Group], outcome: PushOutcome) -> None:
    # An ordinary session: the conflict audit events are captured for the next push, while the
    # Core statements below (outbox removal, merged rows) are not, since they bypass the ORM.
    session = store.session_factory()
    session.info["actor"] = actor
    try:
        seqs = [s for g in groups for s in _done_seqs(g, outcome)]
        lo, hi = min(seqs, default=0), max(seqs, default=-1)
        if hi - lo + 1 == len(seqs):  # the usual case: the batch is one run of the outbox
            session.execute(DELETE_RUN, {"lo": lo, "hi": hi})
        else:  # one statement all the same: the seqs travel as one JSON array
            session.execute(DELETE_LISTED, {"s": json.dumps(seqs)})
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


def _done_seqs(group: Group, outcome: PushOutcome) -> list[int]:
    """The group's outbox entries this push settled: all of them, except for a group the server
    had applied before (a batch re-sent after a crash), whose entries captured since stay."""
    if group.key not in outcome.already:
        return group.seqs
    return [
        seq
        for seq, change_id in zip(group.seqs, group.change_ids, strict=True)
        if change_id in outcome.already_ids
    ]


def _apply_merged(session: Session, group: Group, merged: dict[str, Any]) -> None:
    """Take the server's merged row, unless the row changed here again meanwhile."""
    t = table(group.table)
    values = to_python(group.table, merged)
    row_id = values.pop("id")
    session.execute(
        update(t).where(t.c.id == row_id, t.c.row_version == group.new).values(**values)
    )


def _record_conflict(session: Session, group: Group, conflict: ServerConflict) -> None:
    open_one = session.scalars(
        select(SyncConflict).where(
            SyncConflict.table_name == group.table,
            SyncConflict.row_id == group.row_id,
            SyncConflict.resolved_at.is_(None),
        )
    ).first()
    if open_one is not None:  # a newer refusal of the same row replaces the older one
        open_one.resolved_at = open_one.detected_at
        open_one.resolution = "superseded"
    mine = read_rows(session.connection(), group.table, [group.row_id]).get(group.row_id, "{}")
    session.add(
        SyncConflict(
            table_name=group.table,
            row_id=group.row_id,
            base_version=group.base,
            mine_version=group.new,
            theirs_version=conflict.theirs_version,
            mine_columns=group.column_list,
            theirs_columns=conflict.theirs_columns,
            mine=json.loads(mine),
            theirs=conflict.theirs,
            reason=conflict.reason,
        )
    )


def _audit_conflicts(session: Session, actor: Actor, conflicts: list[ServerConflict]) -> None:
    # a refused audit event is not itself audited: its record would continue a chain the server
    # refuses, be refused in turn, and so on without end
    for c in (c for c in conflicts if c.table != "audit_event"):
        audit.record_in(
            session,
            actor,
            "sync.conflict",
            record_type=c.table,
            record_id=uuid.UUID(c.row_id),
            summary=f"sync conflict on {c.table.replace('_', ' ')}: {c.reason}",
            details={"theirs_version": c.theirs_version, "columns": c.theirs_columns},
        )
