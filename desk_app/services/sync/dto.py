"""Frozen dataclasses the sync views receive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SyncStatusDTO:
    """What the status bar shows."""

    configured: bool
    online: bool | None  # None: no sync attempted yet
    pending: int
    conflicts: int
    last_sync_at: datetime | None  # last successful sync
    last_status: str
    last_message: str


@dataclass(frozen=True)
class SyncRunDTO:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    pushed: int
    pulled: int
    merged: int
    conflicts: int
    blobs_sent: int
    message: str


@dataclass(frozen=True)
class SyncSummaryDTO:
    run_id: int
    pushed: int
    merged: int
    conflicts: int
    pulled: int
    blobs_sent: int
    pending: int

    def text(self) -> str:
        return (
            f"pushed {self.pushed}, merged {self.merged}, pulled {self.pulled}, "
            f"new conflicts {self.conflicts}, documents sent {self.blobs_sent}, "
            f"still pending {self.pending}"
        )


@dataclass(frozen=True)
class ConflictFieldDTO:
    column: str
    mine: str
    theirs: str
    mine_changed: bool
    theirs_changed: bool

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


@dataclass(frozen=True)
class ConflictDTO:
    id: int
    table: str
    table_title: str
    row_id: str
    reason: str
    detected_at: datetime
    base_version: int
    mine_version: int
    theirs_version: int
    fields: tuple[ConflictFieldDTO, ...]
    resolved_at: datetime | None
    resolution: str


@dataclass(frozen=True)
class RestoreDTO:
    """What acknowledging a restore did (the Sync page and ``audit acknowledge-restore`` say it)."""

    anchored_seq: int
    common_seq: int
    taken_back: int
    rechained: int
    event_seq: int

    def text(self) -> str:
        return (
            f"restore acknowledged: {self.taken_back} event(s) taken back from the central "
            f"database after event {self.common_seq}, {self.rechained} local event(s) chained "
            f"after them; acknowledgement recorded as event {self.event_seq}"
        )
