"""The Entities page's table: one row per educational entity, sorted and filtered in SQL."""

from __future__ import annotations

from typing import Any

from desk_app.services.directory.dto import EntityRow
from desk_app.views.tablemodels.lazy import Column, LazyTableModel

COL_CODE = 0
COL_NAME = 1
COL_KIND = 2
COL_COUNTY = 3
COL_USER_MANAGERS = 4
COL_PIN = 5


# the full kind title is in the detail pane and the tooltip; the column stays narrow
SHORT_KIND = {
    "lea": "LEA",
    "ihe": "Higher education",
    "public": "Public entity",
    "nonpublic": "Nonpublic school",
    "consultant": "Consultant",
}


def pin_status(row: EntityRow) -> str:
    """The PIN column in the agency's words (never the PIN itself)."""
    if not row.has_pin:
        return "not issued"
    return "locked" if row.pin_locked else "issued"


class EntityTableModel(LazyTableModel[EntityRow]):
    """Rows are :class:`EntityRow` DTOs (also returned under ``ROW_ROLE``)."""

    COLUMNS = (
        Column("Code", "code", 70),
        Column("Name", "name", 260),
        Column("Kind", "kind", 120),
        Column("County", "county", 115),
        Column("Managers", "", 75),
        Column("PIN", "", 75),
    )

    def display(self, row: EntityRow, column: int) -> Any:
        if column == COL_CODE:
            return row.code
        if column == COL_NAME:
            return row.name if row.active else f"{row.name} (inactive)"
        if column == COL_KIND:
            return SHORT_KIND.get(row.kind, row.kind_title)
        if column == COL_COUNTY:
            return row.county
        if column == COL_USER_MANAGERS:
            return str(row.user_managers)
        if column == COL_PIN:
            return pin_status(row)
        return None

    def tooltip(self, row: EntityRow, column: int) -> Any:
        if column == COL_KIND:
            return row.kind_title
        if column == COL_NAME:
            return f"{row.name}, {row.city}" if row.city else row.name
        if column == COL_USER_MANAGERS:
            return (
                "No current user manager"
                if row.user_managers == 0
                else f"{row.user_managers} current user manager(s)"
            )
        return None
