"""What the work-queue screens receive: frozen rows, details and counts (no ORM, no sessions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

STATE_TITLES = {
    "new": "New",
    "needs_keying": "Needs keying",
    "ready_for_review": "Ready for review",
    "in_review": "In review",
    "waiting_on_requester": "Waiting on requester",
    "approved": "Approved",
    "rejected": "Rejected",
    "applied": "Applied",
    "closed": "Closed",
    "quarantine": "Quarantine",
}
CHANNEL_TITLES = {"email": "Email", "fax": "Fax", "file": "File", "counter": "Counter"}


@dataclass(frozen=True)
class QueueRow:
    """One line of the work queue."""

    id: str
    state: str
    form_number: str
    channel: str
    received_at: datetime
    sender: str
    entity_code: str
    entity_name: str
    requester_name: str
    assigned_to: str
    page_count: int
    duplicate: bool
    quarantine_reason: str
    row_version: int

    @property
    def state_title(self) -> str:
        return STATE_TITLES.get(self.state, self.state)

    @property
    def form_title(self) -> str:
        return self.form_number or "Unidentified"


@dataclass(frozen=True)
class DocumentDTO:
    id: str
    sha256: str
    role: str
    filename: str
    media_type: str
    size: int
    first_page: int
    page_count: int


@dataclass(frozen=True)
class QueueDetail:
    """One submission opened in the preview pane or the keying station."""

    row: QueueRow
    subject: str
    token: str
    edition: str
    values: dict[str, Any]
    documents: tuple[DocumentDTO, ...]
    duplicate_of: str  # id of the earlier submission, "" if none
    duplicate_reason: str
    allowed_states: tuple[str, ...]
    decision: str = ""
    decision_reason: str = ""


@dataclass(frozen=True)
class StateCount:
    state: str
    title: str
    count: int | None  # None: not counted (a finished state)


@dataclass(frozen=True)
class DayCount:
    day: date
    arrivals: int
    completions: int


@dataclass(frozen=True)
class QueueStats:
    """Figures for the dashboard: per day, per aging bucket and per channel."""

    days: tuple[DayCount, ...]
    aging: tuple[tuple[str, int], ...]  # ("0-1 days", n) ... over open submissions
    channels: tuple[tuple[str, int], ...]
    open_total: int = 0
    overdue: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def business_days_between(start: datetime, end: datetime, limit: float = 3650) -> float:
    """Working days (Monday to Friday) elapsed from ``start`` to ``end``, fractional.

    Weekends do not count against the SLA; agency holidays are not modelled (yet). Counting
    stops once ``limit`` is passed (a caller comparing with an SLA needs no more: a year-old
    row then costs a few steps, not hundreds, when the queue's table first paints it).
    """
    if end <= start:
        return 0.0
    total = 0.0
    cursor = start
    while cursor < end:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), cursor.tzinfo)
        step_end = min(next_midnight, end)
        if cursor.weekday() < 5:
            total += (step_end - cursor).total_seconds() / 86400
        cursor = step_end
        if total > limit:  # past what the caller compares with (ten years by default)
            break
    return total


def business_cutoff(now: datetime, days: float) -> datetime:
    """The moment ``days`` working days before ``now`` (the SLA deadline's received-at bound)."""
    remaining = days
    cursor = now
    while remaining > 0:
        midnight = datetime.combine(cursor.date(), time(), cursor.tzinfo)
        if midnight == cursor:
            midnight -= timedelta(days=1)
        span = (cursor - midnight).total_seconds() / 86400
        if midnight.weekday() < 5:
            if span >= remaining:
                return cursor - timedelta(days=remaining)
            remaining -= span
        cursor = midnight
    return cursor
