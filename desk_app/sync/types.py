"""Plain values passed between the sync engine's client and server halves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Group:
    """All pending outbox entries of one row, pushed together as one change."""

    table: str
    row_id: str  # uuid hex
    change_ids: list[str]
    seqs: list[int]
    op: str
    base: int
    new: int
    columns: list[str]
    payload: str = ""  # portable JSON text of the row as it is now

    @property
    def key(self) -> tuple[str, str]:
        return self.table, self.row_id


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
