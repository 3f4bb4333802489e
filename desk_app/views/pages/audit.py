"""The Audit page: the hash-chained audit log, filtered by action and operator, and its check."""

from __future__ import annotations

from html import escape

from desk_app.qt import QComboBox, QHBoxLayout, QLabel, QPushButton, Qt, QVBoxLayout, QWidget
from desk_app.services.context import Changes
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService, ChainReport
from desk_app.views import ops
from desk_app.views.exporting import ExportButton, ExportSpec, list_spec
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.tablemodels.audit import COL_SUMMARY, COL_TIME, AuditTableModel
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table


def report_text(report: ChainReport) -> str:
    """The verification report in one or two sentences (rich text)."""
    if report.ok:
        return (
            f"<b style='color:#1b6e20'>Audit chain intact.</b> {report.events_checked:,} events "
            f"checked on {report.workstations} workstation(s)."
        )
    b = report.first_break
    assert b is not None
    return (
        f"<b style='color:#b00020'>Audit chain BROKEN</b> at event {b.seq} of workstation "
        f"{escape(b.workstation_id)} (id {escape(b.event_id)}): {escape(b.reason)}. "
        f"{report.events_checked:,} events checked before the break."
    )


class Page(BasePage):
    key = "audit"
    title = "Audit"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = AuditLogService(context.services)
        self.model = AuditTableModel(self.service, self)
        self._loaded_once = False
        self.last_report: ChainReport | None = None
        self.search = SearchBox("Action, operator or words in the summary", self)
        self.action = QComboBox(self)
        self.action.setAccessibleName("Action filter")
        self.action.addItem("All actions", "")
        self.actor = SearchBox("user name", self)
        self.actor.setAccessibleName("Operator filter")
        self.verify_button = QPushButton("Ver&ify chain", self)
        self.verify_button.setAccessibleName("Verify audit chain")
        self.verify_button.setToolTip("Check every event's hash link; names the first broken event")
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Number of events found")
        self.export_button = ExportButton(
            self, lambda text: self.report.setText(text), "Export the events found to CSV or XLSX"
        )
        self.report = QLabel("The chain has not been checked in this session.", self)
        self.report.setAccessibleName("Audit chain report")
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = make_table(
            self.model,
            "Audit events",
            self,
            stretch_column=COL_SUMMARY,
            sorted_by=(COL_TIME, Qt.SortOrder.DescendingOrder),
        )
        self._build_layout()
        self.search.search_changed.connect(lambda _t: self.refresh())
        self.actor.search_changed.connect(lambda _t: self.refresh())
        self.action.currentIndexChanged.connect(lambda _i: self.refresh())
        self.verify_button.clicked.connect(self.on_verify_clicked)
        self.model.count_changed.connect(
            lambda n: self.count_label.setText(f"{n:,} {'event' if n == 1 else 'events'}")
        )
        self.model.load_failed.connect(self.report.setText)

    def export_specs(self) -> list[ExportSpec]:
        """The events the search and filters find (see :mod:`desk_app.views.exporting`)."""
        return [list_spec(self.context.services, self.model, "Audit log", "audit-log")]

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        for text, widget, stretch in (
            ("&Search:", self.search, 3),
            ("&Action:", self.action, 2),
            ("&Operator:", self.actor, 1),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget, stretch)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        status = QHBoxLayout()
        status.addWidget(self.report, 1)
        status.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(status)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.search, self.action)
        self.setTabOrder(self.action, self.actor)
        self.setTabOrder(self.actor, self.verify_button)
        self.setTabOrder(self.verify_button, self.table)

    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()
            ops.op(self.service.actions).success(self.on_actions).run("instant", initiator=self)

    def refresh(self) -> None:
        self._loaded_once = True
        query = ListQuery(
            self.search.text().strip(), (), self.model.query.sort, self.model.query.descending
        )
        query = query.with_filter("action", self.action.currentData() or "")
        query = query.with_filter("actor", self.actor.text().strip().lower())
        self.model.load_async(query)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        # every mutating operation writes an audit event, so any change may add rows here
        if self._loaded_once and changes.areas:
            self.refresh()

    def on_actions(self, actions: list[str]) -> None:
        current = self.action.currentData() or ""
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem("All actions", "")
        for name in actions:
            self.action.addItem(name, name)
        self.action.setCurrentIndex(max(0, self.action.findData(current)))
        self.action.blockSignals(False)

    def on_verify_clicked(self) -> None:
        self.verify_button.setEnabled(False)
        self.report.setText("Checking the audit chain…")
        ops.op(self.service.verify).success(self.on_verified).failure(self.on_verify_failed).run(
            "general", initiator=self
        )

    def on_verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        self.last_report = report
        self.report.setText(report_text(report))

    def on_verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.report.setText(escape(str(exc)))
