"""The sync engine's local bookkeeping: outbox, pull checkpoint, conflicts, history.

These tables live only in the workstation's SQLite file and never sync themselves (no
:class:`~desk_app.models.base.SyncMixin`): they describe *this* workstation's relation to the
central database. See :mod:`desk_app.sync` for how they are used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desk_app.models.base import Base, utcnow


class OutboxEntry(Base):
    """One captured change of a synced row, waiting to be pushed.

    ``base_version`` is the row's version before this change; the oldest pending entry of a row
    therefore carries the version this workstation last agreed on with the server.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_row", "table_name", "row_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(32))  # uuid hex, as SQLite stores the row's id
    op: Mapped[str] = mapped_column(String(8))  # insert / update / delete
    base_version: Mapped[int] = mapped_column(Integer)
    new_version: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncCheckpoint(Base):
    """How far this workstation has pulled from the server's change log (one row per server)."""

    __tablename__ = "sync_checkpoint"

    server: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncConflict(Base):
    """A local change the server refused because the row changed there since our base version."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(32))
    base_version: Mapped[int] = mapped_column(Integer)
    mine_version: Mapped[int] = mapped_column(Integer)
    theirs_version: Mapped[int] = mapped_column(Integer)
    mine_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    theirs_columns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # full rows in the portable JSON form (see desk_app.sync.payload); closed data stays ciphertext
    mine: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    theirs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(String(16), default="")  # mine / theirs / merge
    resolved_by: Mapped[str] = mapped_column(String(64), default="")


class SyncRun(Base):
    """One sync attempt, for the Sync page's history and the status bar."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    server: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="running")  # ok / failed / rollback
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    blobs_sent: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class AnchoredHead(Base):
    """The audit-chain head this workstation last anchored on the server (shown on the Sync page)."""

    __tablename__ = "sync_anchor"

    workstation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column(default=utcnow)
