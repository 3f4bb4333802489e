"""Table model of one account's grants (Users & access page): a few dozen rows at most, so it
holds them all; the last day is marked when it is near."""

from __future__ import annotations

from datetime import date
from typing import Any

from desk_app.qt import QAbstractTableModel, QBrush, QColor, QModelIndex, QPersistentModelIndex, Qt
from desk_app.services.access.accounts import GrantDTO
from desk_app.services.access.grants import EXPIRY_WARNING

COL_APPLICATION = 0
COL_ROLE = 1
COL_SCOPE = 2
COL_SINCE = 3
COL_LAST_DAY = 4
COL_SOURCE = 5
HEADERS = ("Application", "Role", "Scope", "Since", "Last day", "From")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
WARN = QColor(176, 0, 32)


def ends_soon(grant: GrantDTO, today: date | None = None) -> bool:
    """Whether an active grant's last day is within the warning window (or past)."""
    today = today or date.today()
    return (
        grant.revoked_at is None
        and grant.ends_on is not None
        and grant.ends_on <= today + EXPIRY_WARNING
    )


class GrantTableModel(QAbstractTableModel):
    """The grants of the selected account, active first (as the service orders them)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: tuple[GrantDTO, ...] = ()

    def show(self, grants: tuple[GrantDTO, ...]) -> None:
        self.beginResetModel()  # a new account: a new query, not a change of rows
        self.rows = grants
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        g = self.rows[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return g
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(g, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_LAST_DAY and ends_soon(g):
                return "Access ends soon: renew it by a form or a direct change, or let it end."
            return self._text(g, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if g.revoked_at is not None:
                return QBrush(QColor(120, 120, 120))
            if column == COL_LAST_DAY and ends_soon(g):
                return QBrush(WARN)
        return None

    @staticmethod
    def _text(g: GrantDTO, column: int) -> str:
        if column == COL_APPLICATION:
            return g.application_name
        if column == COL_ROLE:
            state = f" (revoked {g.revoked_at:%Y-%m-%d})" if g.revoked_at else ""
            return f"{g.role_name} ({g.level}){state}"
        if column == COL_SCOPE:
            return g.entity_code + (f" / {g.building_code}" if g.building_code else "")
        if column == COL_SINCE:
            return f"{g.granted_at:%Y-%m-%d}"
        if column == COL_LAST_DAY:
            if g.ends_on is None:
                return ""
            return f"{g.ends_on:%Y-%m-%d}" + (
                " ⚠ ends soon" if ends_soon(g) and not g.revoked_at else ""
            )
        if column == COL_SOURCE:
            return "form" if g.source_submission_id else "direct"
        return ""
