"""Table model of user accounts (Users & access page)."""

from __future__ import annotations

from typing import Any

from desk_app.services.access.accounts import AccountRow
from desk_app.views.tablemodels.lazy import Column, LazyTableModel

COL_USERNAME = 0
COL_NAME = 1
COL_EMAIL = 2
COL_ENTITY = 3
COL_STATUS = 4
COL_GRANTS = 5
COL_MANAGER = 6
COL_LAST_LOGIN = 7

STATUS_TITLES = {
    "active": "Active",
    "disabled": "Disabled",
    "needs_registration": "Must re-register",
}


class AccountTableModel(LazyTableModel[AccountRow]):
    COLUMNS = (
        Column("Username", "username", 140),
        Column("Name", "name", 180),
        Column("Email", "email", 220),
        Column("Entity", "", 220),
        Column("Status", "status", 110),
        Column("Grants", "", 60),
        Column("User manager", "", 100),
        Column("Last login", "last_login", 110),
    )

    def display(self, row: AccountRow, column: int) -> Any:
        if column == COL_USERNAME:
            return row.username
        if column == COL_NAME:
            return row.name
        if column == COL_EMAIL:
            return row.email
        if column == COL_ENTITY:
            return f"{row.entity_code}  {row.entity_name}".strip()
        if column == COL_STATUS:
            return STATUS_TITLES.get(row.status, row.status)
        if column == COL_GRANTS:
            return str(row.active_grants)
        if column == COL_MANAGER:
            return "Yes" if row.is_user_manager else ""
        if column == COL_LAST_LOGIN:
            return f"{row.last_login_at:%Y-%m-%d}" if row.last_login_at else "never"
        return None

    def tooltip(self, row: AccountRow, column: int) -> Any:
        if column == COL_STATUS and row.status == "needs_registration":
            return "Not logged in for over 12 months: the account must be registered again."
        return None
