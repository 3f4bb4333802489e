"""Table models of the certification workbench: the applications queue (lazy, from SQL), and the
short lists held whole (evidence on file, the requirement tracker, a watch list's page).

None of them carries closed data. Each returns its row DTO under :data:`ROW_ROLE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from desk_app.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from desk_app.services.educators.applications import ApplicationRow
from desk_app.services.educators.dto import RequirementDTO
from desk_app.services.educators.evidence_items import EvidenceItem
from desk_app.services.educators.watch import WatchRow
from desk_app.views.tablemodels.lazy import ROW_ROLE, Column, LazyTableModel

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
STATE_TITLES = {
    "received": "Received",
    "waiting": "Waiting on the educator",
    "ready": "Ready",
    "decided": "Decided",
}
KIND_TITLES = {
    "substitute": "Substitute",
    "initial": "Initial professional",
    "upgrade": "Upgrade",
    "renewal": "Renewal",
}

COL_APP_NAME = 0


class ApplicationTableModel(LazyTableModel[ApplicationRow]):
    COLUMNS = (
        Column("Educator", "", 200),
        Column("Application", "", 130),
        Column("For", "", 60),
        Column("State", "", 150),
        Column("Received", "", 100),
        Column("Claimed by", "", 100),
    )

    def display(self, row: ApplicationRow, column: int) -> Any:
        state = STATE_TITLES.get(row.state, row.state)
        if row.state == "decided" and row.decision:
            state = f"Decided: {row.decision}"
        return (
            row.educator_name,
            KIND_TITLES.get(row.kind, row.kind),
            row.classification,
            state,
            f"{row.submitted_at:%Y-%m-%d}",
            row.claimed_by or "—",
        )[column]


class RowsTableModel(QAbstractTableModel, Generic[T]):
    """A short list held whole; subclasses give ``HEADERS`` and ``cells``."""

    HEADERS: Sequence[str] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def cells(self, row: T) -> tuple[str, ...]:
        raise NotImplementedError

    def tooltip(self, row: T) -> str | None:
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(row)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None


class EvidenceTableModel(RowsTableModel[EvidenceItem]):
    HEADERS = ("Evidence", "Date", "What the document says", "Source document")

    def cells(self, row: EvidenceItem) -> tuple[str, ...]:
        return (row.kind_title, f"{row.on:%Y-%m-%d}", row.summary, row.source or "—")


class TrackerTableModel(RowsTableModel[RequirementDTO]):
    """Each requirement of an application: what is needed, what counts, what is missing."""

    HEADERS = ("", "Requirement", "Counted", "Missing / not counted")

    def cells(self, row: RequirementDTO) -> tuple[str, ...]:
        unit = row.unit.replace("_", " ")
        if row.unit:
            counted = f"{row.completed:g} of {row.required:g} {unit}"
        else:
            counted = "on file" if row.met else "not on file"
        short = max(0.0, row.required - row.completed)
        missing = f"{short:g} {unit} more" if row.unit and not row.met else ""
        if row.not_counted:  # why evidence did not count (or, for a check, what is on file)
            missing = "; ".join(filter(None, (missing, *row.not_counted)))
        elif not row.met and not missing:
            missing = "nothing on file"
        return ("✔" if row.met else "✘", row.title, counted, missing or "—")

    def tooltip(self, row: RequirementDTO) -> str | None:
        return "\n".join(row.not_counted) or None


class WatchTableModel(RowsTableModel[WatchRow]):
    HEADERS = ("Educator", "Certificate / username", "Class", "Date", "Requirements missing")

    def cells(self, row: WatchRow) -> tuple[str, ...]:
        return (
            row.name,
            row.certificate_number or "—",
            row.classification or "—",
            f"{row.expires:%Y-%m-%d}",
            ", ".join(m.replace("_", " ") for m in row.missing) or "—",
        )
