"""Table model of the app's operators (a short list: held whole)."""

from __future__ import annotations

from typing import Any

from desk_app.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from desk_app.services.directory.staff import StaffDTO
from desk_app.views.tablemodels.lazy import ROW_ROLE

COL_USERNAME = 0
COL_NAME = 1
COL_ROLE = 2
COL_ACTIVE = 3
COL_LAST_SEEN = 4
HEADERS = ("Windows user", "Name", "Role", "Active", "Last seen")
Index = QModelIndex | QPersistentModelIndex


class StaffTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[StaffDTO] = []

    def set_rows(self, rows: list[StaffDTO]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            row.username,
            row.display_name,
            row.role_title,
            "Yes" if row.active else "No",
            f"{row.last_seen_at:%Y-%m-%d %H:%M}" if row.last_seen_at else "never",
        )[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None
