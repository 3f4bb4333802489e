"""Bulk writing for the seed: Core ``INSERT`` executemany in chunks, sync columns filled in bulk.

The ORM's ``before_flush`` stamping does not run for Core inserts, so every row gets its
``SyncMixin`` columns here: a UUID4 made from the seed's own random stream (same scale, same
ids), ``row_version`` 1, the seed time, and ``updated_by`` / ``workstation_id`` = ``"seed"``.
"""

from __future__ import annotations

import json
import random
import uuid
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from time import perf_counter as time_now
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Uuid, insert
from sqlalchemy.orm import Session

from desk_app.models.base import UTCDateTime, utcnow

CHUNK = 5000
SEED_USER = "seed"
# Every date in the demo data is placed relative to this day, so the same scale gives the same
# data whenever it is seeded (the sync bookkeeping times are the real seed time).
ANCHOR = date(2026, 11, 1)


class Rng(random.Random):
    """A seeded random stream with the few helpers the generators share."""

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self.getrandbits(128), version=4)

    def below(self, n: int) -> int:
        """A whole number in ``0 .. n-1`` (cheaper than ``randrange`` for the hot paths)."""
        return int(self.random() * n)

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.below(max(1, (end - start).days)))

    def moment(self, day: date) -> datetime:
        """A UTC time during office hours (13:00-23:00 UTC) on ``day``."""
        seconds = 13 * 3600 + self.below(10 * 3600)
        return datetime.combine(day, time(), tzinfo=utcnow().tzinfo) + timedelta(seconds=seconds)

    def ranked(self, items: Sequence[str], cumulative: Sequence[float]) -> str:
        """One of frequency-ordered ``items`` (weights from :func:`rank_weights`)."""
        return items[bisect(cumulative, self.random() * cumulative[-1])]

    def hexdigest(self, length: int = 64) -> str:
        return f"{self.getrandbits(length * 4):0{length}x}"


def rank_weights(size: int, flatness: float = 25.0) -> list[float]:
    """Cumulative weights 1/(rank + flatness): early names are commoner, none dominates."""
    total, out = 0.0, []
    for rank in range(size):
        total += 1.0 / (rank + flatness)
        out.append(total)
    return out


def stream(name: str) -> Rng:
    """An independent random stream per area, so one area's change does not shift the others."""
    return Rng(f"desk_app-demo-{name}")


def _format_utc(v: datetime) -> str:
    return f"{v.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"


def _sqlite_converter(column: Column[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would store a value of ``column`` in SQLite, without its per-value machinery
    (``None``: stored as given).

    Uuid -> 32 hex digits, UTC datetime -> naive ``YYYY-MM-DD HH:MM:SS.ffffff``, date -> ISO,
    JSON -> JSON text, booleans -> 0/1.
    """
    kind = column.type
    if isinstance(kind, Uuid):
        return lambda v: None if v is None else v.hex
    if isinstance(kind, UTCDateTime):
        last: list[Any] = [None, None]  # the sync columns repeat one time on every row

        def utc(v: datetime | None) -> str | None:
            if v is None:
                return None
            if v is not last[0]:
                last[0], last[1] = v, _format_utc(v)
            return last[1]  # type: ignore[no-any-return]

        return utc
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, JSON):
        return lambda v: None if v is None else json.dumps(v)
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    return None


class BulkWriter:
    """Collects rows per table and writes them with Core executemany in chunks."""

    def __init__(self, session: Session, progress: Callable[[int], None] | None = None) -> None:
        self.session = session
        self.now = utcnow()
        self.counts: dict[str, int] = {}
        self._progress = progress
        self.insert_seconds = 0.0  # time spent inside the database (for the benchmark)
        self._plans: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._sync = {
            "row_version": 1,
            "created_at": self.now,
            "updated_at": self.now,
            "updated_by": SEED_USER,
            "workstation_id": SEED_USER,
            "deleted_at": None,
        }

    def _sqlite_plan(
        self, table: Any, keys: tuple[str, ...]
    ) -> tuple[str, Callable[[dict[str, Any]], tuple[Any, ...]]]:
        """The INSERT text and a row-to-tuple converter for ``table`` with columns ``keys``."""
        plan = self._plans.get((table.name, keys))
        if plan is None:
            converters = [
                (n, conv)
                for n, conv in enumerate(_sqlite_converter(table.c[k]) for k in keys)
                if conv
            ]
            take = itemgetter(*keys)
            sql = (
                f'INSERT INTO "{table.name}" ({", ".join(chr(34) + k + chr(34) for k in keys)}) '
                f"VALUES ({', '.join('?' for _ in keys)})"
            )

            def convert(row: dict[str, Any]) -> tuple[Any, ...]:
                values = list(take(row))
                for n, conv in converters:
                    values[n] = conv(values[n])
                return tuple(values)  # the driver call takes tuples

            plan = self._plans[(table.name, keys)] = (sql, convert)
        return plan

    def row(self, row_id: uuid.UUID, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` completed with the sync bookkeeping columns."""
        values.update(self._sync)
        values["id"] = row_id
        return values

    def write(self, table: Any, rows: Iterable[dict[str, Any]]) -> int:
        """Insert ``rows`` into ``table`` in chunks; returns how many were written."""
        batch: list[dict[str, Any]] = []
        written = 0
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                written += self._flush(table, batch)
                batch = []
        if batch:
            written += self._flush(table, batch)
        return written

    def _flush(self, table: Any, batch: list[dict[str, Any]]) -> int:
        started = time_now()
        conn = self.session.connection()
        if conn.dialect.name == "sqlite":
            sql, convert = self._sqlite_plan(table, tuple(batch[0]))
            conn.exec_driver_sql(sql, [convert(row) for row in batch])
        else:
            self.session.execute(insert(table), batch)
        self.insert_seconds += time_now() - started
        self.counts[table.name] = self.counts.get(table.name, 0) + len(batch)
        if self._progress:
            self._progress(len(batch))
        return len(batch)
