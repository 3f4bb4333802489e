"""Declarative base, column types and the sync-ready mixin every synced table uses.

Every synced row has a UUID key (made on the workstation, so rows from many workstations never
collide), a ``row_version`` that goes up by one on every local change, UTC ``created_at`` /
``updated_at``, ``updated_by`` (staff username) and ``workstation_id``, and a tombstone
(``deleted_at``) instead of a hard delete. The bookkeeping columns are filled by a ``before_flush``
hook (:mod:`desk_app.models.store`) from the unit of work's actor, so no caller can forget them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    Uuid,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desk_app.errors import ValidationError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always returned timezone-aware (UTC).

    SQLite has no time zones; storing naive UTC everywhere keeps SQLite and PostgreSQL rows
    byte-for-byte comparable, which the sync relies on.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: Any
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, one step from the stored text to an aware datetime: parsing the text with
        its UTC offset appended is six times faster than parsing it and then replacing the
        tzinfo (a list page reads a timestamp per row)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        slow = self.process_result_value

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")
            except (TypeError, ValueError):  # not naive text: an offset of its own, or an object
                return slow(value, dialect)

        return process


class Base(DeclarativeBase):
    """The one declarative base of desk_app."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(),
        date: Date(),
    }


class SyncMixin:
    """Columns that make a table sync-ready (see module docstring).

    ``__synced__ = True`` marks the class for the sync engine and the outbox capture.
    """

    __synced__ = True

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    row_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    workstation_id: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self) -> None:
        """Mark the row as a tombstone; it stays in the table and syncs as a deletion."""
        self.deleted_at = utcnow()


NUL = "\x00"


def nul_in(value: Any) -> bool:
    """True if ``value`` (text, or JSON data: keys and values at any depth) holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(nul_in(k) or nul_in(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(nul_in(v) for v in value)
    return False


def _refuse_nul(_mapper: Any, _connection: Any, target: Any) -> None:
    """before_insert / before_update: PostgreSQL's text and jsonb cannot hold a NUL character
    (nor JSON's ``\\u0000``), so a row holding one would fail every later push of its batch.
    Refused here, at the model boundary, with the column named. Local-only tables (the intake
    ledger keeps a mail's headers as received) are left alone."""
    if not getattr(type(target), "__synced__", False):
        return
    state = target.__dict__
    for column in target.__table__.columns:
        if nul_in(state.get(column.key)):
            raise ValidationError(
                column.key.replace("_", " "), "contains a NUL character, which is refused"
            )


event.listen(Base, "before_insert", _refuse_nul, propagate=True)
event.listen(Base, "before_update", _refuse_nul, propagate=True)


def synced_tables() -> list[str]:
    """Names of all tables whose class carries :class:`SyncMixin`, in dependency order."""
    names = {
        getattr(mapper.class_, "__tablename__", "")
        for mapper in Base.registry.mappers
        if getattr(mapper.class_, "__synced__", False)
    }
    return [t.name for t in Base.metadata.sorted_tables if t.name in names]
