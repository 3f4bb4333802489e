"""The Work queue's table: one row per submission of the chosen state, aged against the SLA."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from desk_app.qt import QBrush, QColor, QModelIndex, QPersistentModelIndex, Qt
from desk_app.services.queue.dto import CHANNEL_TITLES, QueueRow, business_days_between
from desk_app.views.tablemodels.lazy import Column, LazyTableModel

COL_RECEIVED = 0
COL_AGE = 1
COL_FORM = 2
COL_CHANNEL = 3
COL_SENDER = 4
COL_ENTITY = 5
COL_REQUESTER = 6
COL_ASSIGNEE = 7
COL_FLAGS = 8

AGING_ROLE = Qt.ItemDataRole.UserRole + 2  # "ok" / "due" / "overdue"
AGING_COLOURS = {"due": QColor(255, 236, 179), "overdue": QColor(255, 205, 205)}


def utc_now() -> datetime:
    return datetime.now(UTC)


def aging(received_at: datetime, sla_days: float, now: datetime) -> str:
    """Where a submission stands against the SLA: ok, due (past half of it) or overdue."""
    age = business_days_between(received_at, now, limit=sla_days)
    if age >= sla_days:
        return "overdue"
    return "due" if age >= sla_days / 2 else "ok"


def age_text(received_at: datetime, now: datetime) -> str:
    hours = (now - received_at).total_seconds() / 3600
    if hours < 1:
        return f"{max(int(hours * 60), 0)} min"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} d"


class QueueTableModel(LazyTableModel[QueueRow]):
    """Rows are :class:`QueueRow` DTOs (also under ``ROW_ROLE``); the background shows aging."""

    COLUMNS = (
        Column("Received", "received", 125),
        Column("Age", "", 55),
        Column("Form", "form", 105),
        Column("Channel", "channel", 65),
        Column("Sender", "sender", 170),
        Column("Entity", "entity", 220),
        Column("Requester", "requester", 130),
        Column("Holder", "assignee", 80),
        Column("Flags", "", 90),
    )

    def __init__(self, source: Any, sla_days: float = 2, parent: Any = None) -> None:
        super().__init__(source, parent)
        self.sla_days = sla_days
        # a view asks for the background of every cell on every paint: work each row's aging out
        # once per load, not per cell (the GUI thread shares the interpreter with the intake)
        self._aging: dict[str, str] = {}

    def aging_of(self, row: QueueRow) -> str:
        state = self._aging.get(row.id)
        if state is None:
            if len(self._aging) > 20_000:
                self._aging.clear()
            state = self._aging[row.id] = aging(row.received_at, self.sla_days, utc_now())
        return state

    def reload(self) -> None:
        self._aging.clear()
        super().reload()

    def load_async(self, query: Any, pool_name: str = "instant") -> None:
        self._aging.clear()  # ages move on between loads
        super().load_async(query, pool_name)

    def display(self, row: QueueRow, column: int) -> Any:
        if column == COL_RECEIVED:
            return row.received_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == COL_AGE:
            return age_text(row.received_at, utc_now())
        if column == COL_FORM:
            return row.form_title
        if column == COL_CHANNEL:
            return CHANNEL_TITLES.get(row.channel, row.channel)
        if column == COL_SENDER:
            return row.sender
        if column == COL_ENTITY:
            return f"{row.entity_code} {row.entity_name}".strip()
        if column == COL_REQUESTER:
            return row.requester_name
        if column == COL_ASSIGNEE:
            return row.assigned_to
        if column == COL_FLAGS:
            return ", ".join(
                flag
                for flag, on in (
                    ("duplicate", row.duplicate),
                    ("quarantined", bool(row.quarantine_reason)),
                )
                if on
            )
        return None

    def tooltip(self, row: QueueRow, column: int) -> Any:
        if column == COL_FLAGS and row.quarantine_reason:
            return row.quarantine_reason
        if column == COL_AGE:
            state = self.aging_of(row)
            return {
                "ok": "Within the SLA",
                "due": "Past half of the SLA",
                "overdue": f"Over the SLA of {self.sla_days:g} business days",
            }[state]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role in (Qt.ItemDataRole.BackgroundRole, AGING_ROLE)
            and index.isValid()
            and 0 <= index.row() < self.rowCount()
        ):
            state = self.aging_of(self.row_at(index.row()))
            if role == AGING_ROLE:
                return state
            colour = AGING_COLOURS.get(state)
            return QBrush(colour) if colour is not None else None
        return super().data(index, role)

    def replace_row(self, updated: QueueRow) -> None:
        """Show a changed row in place (after a claim or release) without reloading the page."""
        for i, row in enumerate(self._rows):
            if row.id == updated.id:
                self._rows[i] = updated
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))
                return
