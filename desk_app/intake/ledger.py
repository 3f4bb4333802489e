"""The intake ledger: one row per source item taken, so re-runs never take an item twice.

A row is written (and committed) right after the item's bytes are in the blob store and before
the source is acknowledged. From then on the row and the blob are the truth: if the run dies
before the item reaches the queue, the next run finds the row still ``stored`` and resumes it
from the blob, even though the source no longer shows the item. The row turns ``done`` in the
same transaction that creates the item's submissions (see :mod:`desk_app.services.queue.intake`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from desk_app.intake.sources import Arrival
from desk_app.models.base import utcnow
from desk_app.models.intake import ItemStatus, SourceItem
from desk_app.models.store import Store


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    source_kind: str
    source_key: str
    sha256: str
    filename: str
    channel: str
    sender: str
    subject: str
    received_at: datetime
    status: str
    acknowledged: bool

    @property
    def done(self) -> bool:
        return self.status == ItemStatus.DONE.value


def _entry(row: SourceItem) -> LedgerEntry:
    return LedgerEntry(
        row.id,
        row.source_kind,
        row.source_key,
        row.sha256,
        row.filename,
        row.channel,
        row.sender,
        row.subject,
        row.received_at,
        row.status,
        row.acknowledged,
    )


def _row(arrival: Arrival, sha256: str) -> SourceItem:
    now = utcnow()
    return SourceItem(
        source_kind=arrival.source_kind,
        source_key=arrival.source_key,
        sha256=sha256,
        filename=arrival.filename[:260],
        channel=arrival.channel.value,
        sender=arrival.sender[:200],
        subject=arrival.subject[:300],
        received_at=arrival.received_at or now,
        stored_at=now,
        status=ItemStatus.STORED.value,
    )


class Ledger:
    """Reads and writes :class:`~desk_app.models.intake.SourceItem` rows (local, not synced)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, source_kind: str, source_key: str) -> LedgerEntry | None:
        with self.store.read() as s:
            row = s.execute(
                select(SourceItem).where(
                    SourceItem.source_kind == source_kind, SourceItem.source_key == source_key
                )
            ).scalar_one_or_none()
            return _entry(row) if row else None

    def find_many(self, arrivals: Sequence[Arrival]) -> dict[tuple[str, str], LedgerEntry]:
        """The rows already written for any of ``arrivals``, by (source kind, source key)."""
        found: dict[tuple[str, str], LedgerEntry] = {}
        kinds = {a.source_kind for a in arrivals}
        with self.store.read() as s:
            for kind in kinds:
                keys = [a.source_key for a in arrivals if a.source_kind == kind]
                rows = s.execute(
                    select(SourceItem).where(
                        SourceItem.source_kind == kind, SourceItem.source_key.in_(keys)
                    )
                ).scalars()
                found.update({(r.source_kind, r.source_key): _entry(r) for r in rows})
        return found

    def record(self, arrival: Arrival, sha256: str) -> LedgerEntry:
        """Write the row for ``arrival`` (its blob must already be stored) and commit it."""
        return self.record_many([(arrival, sha256)])[0]

    def record_many(self, items: Sequence[tuple[Arrival, str]]) -> list[LedgerEntry]:
        """Write the rows of several arrivals (their blobs already stored) in one commit: one
        fsync of the journal for a whole batch instead of one per item."""
        rows = [_row(arrival, sha) for arrival, sha in items]
        with self.store.session_factory() as s:
            s.add_all(rows)
            try:
                s.commit()
                return [_entry(r) for r in rows]
            except IntegrityError:
                s.rollback()  # another run recorded one of them first: one by one, then
        return [self._record_one(arrival, sha) for arrival, sha in items]

    def _record_one(self, arrival: Arrival, sha256: str) -> LedgerEntry:
        row = _row(arrival, sha256)
        with self.store.session_factory() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()  # another run recorded it first: use that row
                found = self.find(arrival.source_kind, arrival.source_key)
                if found is None:
                    raise
                return found
            return _entry(row)

    def mark_acknowledged(self, *entry_ids: int) -> None:
        """Note that the source has let go of these items (one commit for all of them)."""
        if not entry_ids:
            return
        with self.store.session_factory() as s:
            s.execute(
                update(SourceItem)
                .where(SourceItem.id.in_(entry_ids), SourceItem.acknowledged.is_(False))
                .values(acknowledged=True)
            )
            s.commit()

    def pending(self) -> list[LedgerEntry]:
        """Items stored but not yet in the queue (a crash or a bug interrupted them)."""
        with self.store.read() as s:
            rows = (
                s.execute(
                    select(SourceItem)
                    .where(SourceItem.status == ItemStatus.STORED.value)
                    .order_by(SourceItem.id)
                )
                .scalars()
                .all()
            )
            return [_entry(r) for r in rows]
