"""The Compliance page: every user-manager finding across all entities, and the form to send.

The rule (every LEA and IHE has a current, usable user manager) is watched here between forms:
a finding's one-click remedy drafts the 2356 prefilled for the entity in an unsent message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desk_app.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    Qt,
    QTableView,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes
from desk_app.services.directory.compliance import (
    RULE_TITLES,
    ComplianceReport,
    ComplianceService,
    DraftedForm,
    Finding,
)
from desk_app.services.directory.upkeep import DirectoryUpkeep
from desk_app.views import exporting, ops
from desk_app.views.exporting import ExportButton, ExportSpec, rows_spec
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.widgets.open_draft import open_draft
from desk_app.views.widgets.progress import ProgressStrip

HEADERS = ("Code", "Entity", "Finding", "Detail")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class FindingsModel(QAbstractTableModel):
    """The findings of one report, filtered by rule (a few thousand rows at most)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[Finding, ...] = ()

    def show(self, findings: tuple[Finding, ...]) -> None:
        self.beginResetModel()
        self.rows = findings
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
        f = self.rows[index.row()]
        if role == ROW_ROLE:
            return f
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (f.entity_code, f.entity_name, f.rule_title, f.detail)[index.column()]
        return None


class Page(BasePage):
    REFRESH_ON = (Area.ENTITIES, Area.ACCESS)
    key = "compliance"
    title = "Compliance"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = ComplianceService(context.services)
        self.report: ComplianceReport | None = None
        self._loaded_once = False
        self.summary = QLabel("Checking…", self)
        self.summary.setAccessibleName("Compliance summary")
        self.summary.setWordWrap(True)
        self.rule = QComboBox(self)
        self.rule.setAccessibleName("Finding filter")
        self.rule.addItem("All findings", "")
        for rule, title in RULE_TITLES.items():
            self.rule.addItem(title, rule)
        self.model = FindingsModel(self)
        self.table = self._make_table()
        self.draft_button = QPushButton("&Draft 2356 for this entity", self)
        self.draft_button.setAccessibleName("Draft the prefilled user manager form by email")
        self.draft_button.setToolTip(
            "Prefills MO 500-2356 for the entity and saves an unsent message to its officers"
        )
        self.reviewed_button = QPushButton("User managers &reviewed", self)
        self.reviewed_button.setAccessibleName("Record that the user managers were reviewed")
        self.refresh_button = QPushButton("Re&load", self)
        self.export_button = ExportButton(
            self,
            lambda text: self.status.setText(text),
            "Export the findings shown to CSV or XLSX",
        )
        self.status = QLabel("", self)
        self.status.setAccessibleName("Result of the last compliance action")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.status.setOpenExternalLinks(False)
        manage = context.services.can(Perm.MANAGE_ACCESS)
        for button in (self.draft_button, self.reviewed_button):
            button.setVisible(manage)
            button.setEnabled(False)
        self._build_layout()
        self.rule.currentIndexChanged.connect(lambda _i: self._show())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        self.draft_button.clicked.connect(self.on_draft)
        self.reviewed_button.clicked.connect(self.on_reviewed)
        self.refresh_button.clicked.connect(self.refresh)
        self.last_draft = ""
        self.status.linkActivated.connect(lambda _url: self.open_last_draft())

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setAccessibleName("Compliance findings")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        for column, width in enumerate((80, 260, 230)):
            table.setColumnWidth(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        return table

    def _build_layout(self) -> None:
        label = QLabel("&Show:", self)
        label.setBuddy(self.rule)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.rule)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.export_button)
        actions = QHBoxLayout()
        actions.addWidget(self.draft_button)
        actions.addWidget(self.reviewed_button)
        actions.addWidget(self.status, 1)
        self.export_progress = ProgressStrip("the export", self, cancel_text="Stop export")
        actions.addWidget(self.export_progress)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    # --- loading ----------------------------------------------------------------------------
    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if self._loaded_once and changes.touches(*self.REFRESH_ON) and initiator is not self:
            self.refresh()

    def refresh(self) -> None:
        self.summary.setText("Checking…")
        ops.op(self.service.report).success(self.on_report).failure(
            lambda exc: self.summary.setText(str(exc))
        ).run("instant", initiator=self)

    def on_report(self, report: ComplianceReport) -> None:
        self.report = report
        counts = report.by_rule()
        parts = ", ".join(f"{RULE_TITLES[r].lower()}: {n:,}" for r, n in counts.items() if n)
        entities = len({f.entity_id for f in report.findings})
        self.summary.setText(
            f"<b>{len(report.findings):,} finding(s)</b> at {entities:,} of "
            f"{report.entities_checked:,} LEAs and IHEs" + (f" — {parts}" if parts else "")
        )
        self._show()

    def _show(self) -> None:
        rule = self.rule.currentData() or ""
        rows = self.report.findings if self.report else ()
        self.model.show(tuple(f for f in rows if not rule or f.rule == rule))
        self._enable()

    def current(self) -> Finding | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _enable(self) -> None:
        f = self.current()
        self.draft_button.setEnabled(f is not None)
        self.reviewed_button.setEnabled(f is not None and f.rule == "officer_changed")

    # --- remedies -----------------------------------------------------------------------------
    def on_draft(self) -> None:
        f = self.current()
        if f is None:
            return
        self.status.setText(f"Drafting the 2356 for {f.entity_code}…")
        ops.op(self.service.draft_user_manager_form, f).success(self.on_drafted).failure(
            lambda exc: self.status.setText(str(exc))
        ).run("general", initiator=self)

    def on_drafted(self, drafted: DraftedForm) -> None:
        url = QUrl.fromLocalFile(drafted.eml_path).toString()
        to = ", ".join(drafted.recipients) or "no officer e-mail on file"
        self.status.setText(
            f"Draft saved for {to}: <a href='{url}'>open in the mail program</a> ({drafted.eml_path})"
        )
        self.last_draft = drafted.eml_path

    def open_last_draft(self) -> bool:
        """Open the draft just saved in the mail program, or say where it is."""
        return bool(self.last_draft) and open_draft(self.last_draft, self.status.setText)

    def _after(self, message: str) -> None:
        self.status.setText(message)
        self.refresh()

    def on_reviewed(self) -> None:
        f = self.current()
        if f is None:
            return
        ops.op(DirectoryUpkeep(self.context.services).confirm_user_managers, f.entity_id).success(
            lambda _c: self._after(f"User managers of {f.entity_code} marked reviewed.")
        ).failure(lambda exc: self.status.setText(str(exc))).run("general", initiator=self)

    # --- export -----------------------------------------------------------------------------------
    def export_specs(self) -> list[ExportSpec]:
        """The findings shown (the rule filter applied), see :mod:`desk_app.views.exporting`."""
        rule = self.rule.currentData() or ""
        rows = self.model.rows
        return [
            rows_spec(
                self.context.services,
                lambda: rows,
                "Compliance findings",
                "compliance",
                {"rule": rule} if rule else {},
            )
        ]

    def export_to(self, path: Path) -> None:
        exporting.export_to(self, self.export_specs()[0], path, self.status.setText)
