"""Plain values passed between the sync engine's client and server halves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Group:
    """All pending outbox entries of one row, pushed together as one change."""

    table: str
    row_id: str  # uuid hex
    change_ids: list[str]
    seqs: list[int]
    op: str
    base: int
    new: int
    columns: str  # the changed columns as a PostgreSQL array literal: {city,phone}
    # the row as it is now: one line of PostgreSQL's COPY text format, its columns in model order
    # (desk_app.sync.payload.copy_columns), without the newline
    line: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.table, self.row_id

    @property
    def column_list(self) -> list[str]:
        inner = self.columns[1:-1]
        return inner.split(",") if inner else []

    def add(self, seq: int, change_id: str, op: str, new: int, columns: str) -> None:
        """Take a later entry of the same row (``columns`` an array literal as above)."""
        self.seqs.append(seq)
        self.change_ids.append(change_id)
        self.new = new
        names = self.column_list
        names.extend(
            c for c in (columns[1:-1].split(",") if columns != "{}" else []) if c not in names
        )
        self.columns = "{" + ",".join(names) + "}"
        if op == "delete" and self.op != "insert":
            self.op = "delete"


@dataclass(frozen=True)
class ServerConflict:
    table: str
    row_id: str
    theirs_version: int
    theirs: dict[str, Any]
    theirs_columns: list[str]
    reason: str


@dataclass
class PushOutcome:
    """What the server did with one batch, by row."""

    applied: set[tuple[str, str]] = field(default_factory=set)
    already: set[tuple[str, str]] = field(default_factory=set)
    # the change ids the server had applied before, of the ``already`` rows: a row edited again
    # since then sends its newer entries with the old ones, and only the old ones are done
    already_ids: set[str] = field(default_factory=set)
    merged: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    conflicts: dict[tuple[str, str], ServerConflict] = field(default_factory=dict)
    blobs_sent: int = 0


@dataclass(frozen=True)
class ServerChange:
    """One entry of the server's change log, as a pull receives it."""

    seq: int
    table: str
    row_id: str  # uuid hex
    row_version: int
    payload: dict[str, Any]
    workstation: str
