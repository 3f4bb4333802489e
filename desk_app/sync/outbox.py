"""Outbox capture: every change of a synced row is written to ``sync_outbox`` in the same flush.

:func:`install_capture` hangs an ``after_flush`` listener on a store's session factory. At that
point the attribute history of the flushed objects is still available, so each entry records
which columns changed. Rows written by the sync engine itself (``session.info["applying_remote"]``)
are not captured: they came from the server.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from desk_app.models.base import SyncMixin, utcnow
from desk_app.models.sync_state import OutboxEntry

# stamped by the before_flush hook on every change; never a reason to sync or to conflict
BOOKKEEPING = frozenset({"row_version", "created_at", "updated_at", "updated_by", "workstation_id"})
_INSTALLED = "desk_app_outbox_installed"


def _changed_columns(obj: Any) -> list[str]:
    state = inspect(obj)
    names = []
    for attr in state.mapper.column_attrs:
        if attr.key in BOOKKEEPING:
            continue
        if state.attrs[attr.key].history.has_changes():
            names.append(attr.columns[0].name)
    return names


def _entry(obj: Any, op: str, columns: list[str], base: int) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "table_name": obj.__table__.name,
        "row_id": obj.id.hex,
        "op": op,
        "base_version": base,
        "new_version": obj.row_version,
        "columns": columns,
        "captured_at": utcnow(),
    }


def _previous_version(obj: Any) -> int:
    history = inspect(obj).attrs["row_version"].history
    if history.deleted and history.deleted[0] is not None:
        return int(history.deleted[0])
    return int(obj.row_version) - 1


def capture(session: Session, _flush_context: Any) -> None:
    """after_flush: add one outbox entry per inserted / updated / soft-deleted synced row."""
    if session.info.get("applying_remote"):
        return
    entries: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, SyncMixin):
            entries.append(_entry(obj, "insert", _changed_columns(obj), 0))
    for obj in session.dirty:
        if not isinstance(obj, SyncMixin) or not session.is_modified(
            obj, include_collections=False
        ):
            continue
        columns = _changed_columns(obj)
        if not columns:
            continue
        op = "delete" if "deleted_at" in columns and obj.deleted_at is not None else "update"
        entries.append(_entry(obj, op, columns, _previous_version(obj)))
    if entries:
        # keep parents before children so a push batch never names a row its server lacks
        order = {name: i for i, name in enumerate(_table_order())}
        entries.sort(key=lambda e: order.get(e["table_name"], 0))
        session.execute(insert(OutboxEntry), entries)


_ORDER: list[str] = []


def _table_order() -> list[str]:
    if not _ORDER:
        from desk_app.models.base import synced_tables

        _ORDER.extend(synced_tables())
    return _ORDER


def install_capture(factory: sessionmaker[Session]) -> None:
    """Capture outbox entries for every session ``factory`` makes (idempotent)."""
    if getattr(factory, _INSTALLED, False):
        return
    event.listen(factory, "after_flush", capture)
    setattr(factory, _INSTALLED, True)
