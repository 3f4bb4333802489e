"""The Audit page's table: audit events, newest first unless sorted otherwise."""

from __future__ import annotations

from typing import Any

from desk_app.services.records.dto import AuditRow
from desk_app.views.tablemodels.lazy import Column, LazyTableModel

COL_TIME = 0
COL_ACTOR = 1
COL_WORKSTATION = 2
COL_ACTION = 3
COL_RECORD = 4
COL_SUMMARY = 5


class AuditTableModel(LazyTableModel[AuditRow]):
    """Rows are :class:`AuditRow` DTOs (also returned under ``ROW_ROLE``)."""

    COLUMNS = (
        Column("Time (UTC)", "time", 150),
        Column("Operator", "actor", 120),
        Column("Workstation", "", 140),
        Column("Action", "action", 170),
        Column("Record", "", 130),
        Column("Summary", "", 420),
    )

    def display(self, row: AuditRow, column: int) -> Any:
        if column == COL_TIME:
            return f"{row.occurred_at:%Y-%m-%d %H:%M:%S}"
        if column == COL_ACTOR:
            return row.actor
        if column == COL_WORKSTATION:
            return f"{row.workstation_id} #{row.seq}"
        if column == COL_ACTION:
            return row.action
        if column == COL_RECORD:
            return row.record_type
        if column == COL_SUMMARY:
            return row.summary
        return None

    def tooltip(self, row: AuditRow, column: int) -> Any:
        if column == COL_RECORD and row.record_id:
            return f"{row.record_type} {row.record_id}"
        if column == COL_SUMMARY:
            return row.summary
        return None
