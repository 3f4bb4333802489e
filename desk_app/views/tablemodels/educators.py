"""Table model of educators (Educators page). No row carries closed data."""

from __future__ import annotations

from typing import Any

from desk_app.services.educators.dto import EducatorRow
from desk_app.views.tablemodels.lazy import Column, LazyTableModel

COL_NAME = 0
COL_USERNAME = 1
COL_EMAIL = 2
COL_CLASSIFICATION = 3
COL_FINGERPRINT = 4
COL_LAST_LOGIN = 5

FINGERPRINT_TITLES = {
    "none": "Not started",
    "pending": "Pending",
    "cleared": "Cleared",
    "flagged": "Needs review",
    "expired": "Expired",
}


class EducatorTableModel(LazyTableModel[EducatorRow]):
    COLUMNS = (
        Column("Name (legal)", "name", 230),
        Column("Username", "username", 130),
        Column("Email", "email", 230),
        Column("Certificate", "", 90),
        Column("Fingerprints", "fingerprint", 110),
        Column("Last login", "", 110),
    )

    def display(self, row: EducatorRow, column: int) -> Any:
        if column == COL_NAME:
            return row.display_name
        if column == COL_USERNAME:
            return row.username or "—"
        if column == COL_EMAIL:
            return row.email
        if column == COL_CLASSIFICATION:
            return row.classification or "—"
        if column == COL_FINGERPRINT:
            return FINGERPRINT_TITLES.get(row.fingerprint_status, row.fingerprint_status)
        if column == COL_LAST_LOGIN:
            if row.last_login_at is None:
                return "never"
            return f"{row.last_login_at:%Y-%m-%d}" + (
                " (re-register)" if row.needs_registration else ""
            )
        return None

    def tooltip(self, row: EducatorRow, column: int) -> Any:
        if column == COL_LAST_LOGIN and row.needs_registration:
            return "Not logged in for over 12 months: the account must be registered again."
        return None
