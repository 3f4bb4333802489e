"""Pull: the server's change log after the local checkpoint, one local transaction per batch.

Each batch is applied and the checkpoint advanced in the same SQLite transaction, so an
interruption anywhere re-fetches at most the batch that was in flight. A row with pending local
changes or an open conflict is left alone (its push will meet the server's version); for an open
conflict the server's newer row replaces the conflict's "theirs" side.

A row arrives without the closed columns the operator's central role may not read
(:mod:`.closed`): an existing local row keeps its own values there, a new one gets placeholders.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, UniqueConstraint, bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from desk_app import collector
from desk_app.models.base import synced_tables, utcnow
from desk_app.models.store import Store
from desk_app.models.sync_state import SyncCheckpoint, SyncConflict
from desk_app.sync import faults
from desk_app.sync.closed import placeholder
from desk_app.sync.payload import copy_columns, table, to_python
from desk_app.sync.server import ServerLink
from desk_app.sync.types import ServerChange

# Statements run once per batch are built once: a statement construct is a web of objects that
# only the cyclic collector frees, and a large pull (the collector paused) would leave one behind
# per batch.
_CHECKPOINT = select(SyncCheckpoint.last_seq).where(SyncCheckpoint.server == bindparam("server"))


@cache
def _checkpoint_upsert() -> Any:
    stmt = sqlite_insert(SyncCheckpoint).values(
        server=bindparam("server"), last_seq=bindparam("seq"), updated_at=bindparam("at")
    )
    return stmt.on_conflict_do_update(
        index_elements=["server"],
        set_={"last_seq": stmt.excluded.last_seq, "updated_at": stmt.excluded.updated_at},
    )


def checkpoint(conn: Connection, server_key: str) -> int:
    found = conn.execute(_CHECKPOINT, {"server": server_key}).scalar()
    return int(found or 0)


def _save_checkpoint(conn: Connection, server_key: str, seq: int) -> None:
    conn.execute(_checkpoint_upsert(), {"server": server_key, "seq": seq, "at": utcnow()})


def _held_rows(conn: Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Rows with unpushed local changes or an open conflict."""
    held: set[tuple[str, str]] = set()
    ids = sorted({r for _, r in keys})
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for name, row_id in conn.exec_driver_sql(
            f"SELECT table_name, row_id FROM sync_outbox WHERE row_id IN ({marks}) UNION "
            f"SELECT table_name, row_id FROM sync_conflict WHERE resolved_at IS NULL "
            f"AND row_id IN ({marks})",
            tuple(chunk) * 2,
        ):
            held.add((name, row_id))
    return held


def _local_versions(conn: Connection, name: str, ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        out.update(
            conn.exec_driver_sql(
                f'SELECT id, row_version FROM "{name}" WHERE id IN ({marks})', tuple(chunk)
            ).all()
        )
    return out


@cache
def _upsert_statement(name: str, withheld: frozenset[str] = frozenset()) -> Any:
    """Insert or update by id; an update leaves the ``withheld`` columns as they are here."""
    t = table(name)
    stmt = sqlite_insert(t)
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            c.name: stmt.excluded[c.name]
            for c in t.columns
            if c.name != "id" and c.name not in withheld
        },
    )


def _upsert(conn: Connection, name: str, rows: list[dict[str, Any]]) -> None:
    """Upsert ``rows``; rows the server sent without some columns (withheld from this role)
    get placeholders there for an insert and keep the local values on an update."""
    everything = set(copy_columns(name))
    by_withheld: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        by_withheld.setdefault(frozenset(everything - row.keys()), []).append(row)
    for withheld, members in by_withheld.items():
        for row in members:
            for column in withheld:
                row[column] = placeholder(name, column, row["id"])
        conn.execute(_upsert_statement(name, withheld), members)


def _refresh_conflicts(
    conn: Connection, changes: list[ServerChange], held: set[tuple[str, str]]
) -> None:
    for ch in changes:
        if (ch.table, ch.row_id) in held:
            conn.execute(
                SyncConflict.__table__.update()  # type: ignore[attr-defined]
                .where(
                    SyncConflict.table_name == ch.table,
                    SyncConflict.row_id == ch.row_id,
                    SyncConflict.resolved_at.is_(None),
                    SyncConflict.theirs_version < ch.row_version,
                )
                .values(theirs=ch.payload, theirs_version=ch.row_version)
            )


def _unique_keys(name: str) -> list[list[str]]:
    return [
        [c.name for c in u.columns]
        for u in table(name).constraints
        if isinstance(u, UniqueConstraint)
    ]


def _clashing(
    conn: Connection, name: str, rows: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], str]]:
    """Rows whose unique key a different local row already holds (one query per key and row)."""
    t = table(name)
    out = []
    for row in rows:
        for key in _unique_keys(name):
            if any(row.get(k) is None for k in key):
                continue
            holder = conn.execute(
                select(t.c.id).where(t.c.id != row["id"], *[t.c[k] == row[k] for k in key])
            ).first()
            if holder is not None:
                out.append(
                    (
                        row,
                        f"{', '.join(key)} is held here by another local record "
                        f"({holder[0].hex[:8]}), probably one the central database refused",
                    )
                )
                break
    return out


def _record_clashes(
    conn: Connection,
    name: str,
    clashes: list[tuple[dict[str, Any], str]],
    by_id: dict[str, ServerChange],
) -> None:
    for row, reason in clashes:
        ch = by_id[row["id"].hex]
        conn.execute(
            SyncConflict.__table__.insert().values(  # type: ignore[attr-defined]
                table_name=name,
                row_id=ch.row_id,
                base_version=0,
                mine_version=0,
                theirs_version=ch.row_version,
                mine_columns=[],
                theirs_columns=[],
                mine={},
                theirs=ch.payload,
                reason=f"the central record cannot be stored here: {reason}",
                detected_at=utcnow(),
            )
        )


def apply_batch(conn: Connection, changes: list[ServerChange], check_clashes: bool = False) -> int:
    """Apply one pulled batch inside the caller's transaction; returns rows written.

    With ``check_clashes`` (the retry after a unique-key failure) rows whose unique key a
    different local row holds are set aside as conflicts instead of failing the whole batch.
    """
    latest: dict[tuple[str, str], ServerChange] = {}
    for ch in changes:
        latest[(ch.table, ch.row_id)] = ch
    held = _held_rows(conn, list(latest))
    _refresh_conflicts(conn, list(latest.values()), held)
    written = 0
    for name in synced_tables():
        members = [c for k, c in latest.items() if k[0] == name and k not in held]
        if not members:
            continue
        local = _local_versions(conn, name, [c.row_id for c in members])
        rows = [
            to_python(name, c.payload) for c in members if local.get(c.row_id, 0) < c.row_version
        ]
        if rows and check_clashes:
            clashes = _clashing(conn, name, rows)
            _record_clashes(conn, name, clashes, {c.row_id: c for c in members})
            refused = {id(r) for r, _ in clashes}
            rows = [r for r in rows if id(r) not in refused]
        if rows:
            _upsert(conn, name, rows)
            written += len(rows)
    return written


def pull_all(
    store: Store, server: ServerLink, server_key: str, limit: int, tidy: bool = False
) -> int:
    """Pull until the server has nothing newer; returns the number of rows written locally.

    With ``tidy`` the young garbage is collected before each batch (see
    :func:`desk_app.collector.collect_young`)."""
    written = 0
    while True:
        with store.engine.connect() as conn:
            after = checkpoint(conn, server_key)
        faults.point("pull.before_fetch")
        if tidy:
            collector.collect_young()
        changes, last = server.pull(after, limit)
        if last == after:
            return written
        faults.point("pull.fetched")
        try:
            written += _apply_and_checkpoint(store, server_key, changes, last, False)
        except IntegrityError:
            written += _apply_and_checkpoint(store, server_key, changes, last, True)
        faults.point("pull.local_committed")


def _apply_and_checkpoint(
    store: Store, server_key: str, changes: list[ServerChange], last: int, check_clashes: bool
) -> int:
    with store.engine.begin() as conn:
        # parents and children may arrive in one batch in any table order
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        written = apply_batch(conn, changes, check_clashes) if changes else 0
        _save_checkpoint(conn, server_key, last)
        faults.point("pull.before_local_commit")
    return written
