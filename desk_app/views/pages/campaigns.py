"""The Access reviews page: the newest campaign's dashboard (sent / returned / overdue per
entity), starting a campaign with progress and cancel, reminders, returned attestations applied,
and the default at the due date."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

from desk_app.errors import NotFound
from desk_app.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QObject,
    QPushButton,
    QStandardItem,
    QStandardItemModel,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.codes import KIND_RULES
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes
from desk_app.services.reviews.campaigns import CampaignScope, CampaignService, CampaignStarted
from desk_app.services.reviews.returns import CampaignStatus, ReviewReturns
from desk_app.views import ops
from desk_app.views.exporting import ExportButton, ExportSpec, rows_spec
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.widgets.progress import ProgressStrip

HEADERS = ("Code", "Entity", "Reviewer", "State", "Sent", "Returned", "Reminders", "Removed")


class _Progress(QObject):
    """Carries the campaign's progress from the pool thread to the GUI thread."""

    step = Signal(int, int)


class StartDialog(QDialog):
    """Scope of a new campaign: name, entity kinds, due date, default for silence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start an access review")
        form = QFormLayout()
        self.name = QLineEdit(f"Access review {date.today():%B %Y}", self)
        form.addRow("&Name:", self.name)
        self.kinds: dict[str, QCheckBox] = {}
        for rule in KIND_RULES.values():
            box = QCheckBox(rule.title, self)
            box.setChecked(True)
            self.kinds[rule.kind.value] = box
            form.addRow("" if len(self.kinds) > 1 else "&Entities:", box)
        self.applications = QLineEdit("", self)
        self.applications.setPlaceholderText("all applications, or codes: MOSIS, ECS")
        form.addRow("&Applications:", self.applications)
        self.due = QLineEdit((date.today() + timedelta(days=30)).isoformat(), self)
        form.addRow("&Due date:", self.due)
        self.default = QComboBox(self)
        self.default.addItem("Keep the access", "keep")
        self.default.addItem("Remove the access", "revoke")
        form.addRow("If nobody &answers:", self.default)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def scope(self) -> CampaignScope:
        apps = tuple(a.strip().upper() for a in self.applications.text().split(",") if a.strip())
        return CampaignScope(
            self.name.text(),
            tuple(k for k, box in self.kinds.items() if box.isChecked()),
            apps,
            date.fromisoformat(self.due.text().strip()),
            self.default.currentData(),
        )


class Page(BasePage):
    REFRESH_ON = (Area.ACCESS, Area.QUEUE)
    key = "campaigns"
    title = "Access reviews"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.campaigns = CampaignService(context.services)
        self.returns = ReviewReturns(context.services)
        self.status: CampaignStatus | None = None
        self._loaded_once = False
        self._cancel = threading.Event()
        self.progress = _Progress(self)
        self.summary = QLabel("No campaign yet.", self)
        self.summary.setAccessibleName("Campaign summary")
        self.summary.setWordWrap(True)
        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(HEADERS))
        self.table = self._make_table()
        self.start_button = QPushButton("&Start campaign…", self)
        self.cancel_button = QPushButton("&Cancel", self)
        self.cancel_button.setVisible(False)
        self.remind_button = QPushButton("Draft &reminders", self)
        self.returns_button = QPushButton("Apply returned a&ttestations…", self)
        self.returns_button.setToolTip(
            "A returned attestation is verified in the Work queue like any form (signer, "
            "signature against the specimens, your attestation); approving it there applies "
            "its marks. This applies those already verified."
        )
        self.default_button = QPushButton("Apply the &default", self)
        self.remind_progress = ProgressStrip("the reminders", self, cancel_text="Stop reminders")
        self.result = QLabel("", self)
        self.result.setAccessibleName("Result of the last campaign action")
        self.result.setWordWrap(True)
        self.export_button = ExportButton(
            self, self.result.setText, "Export the campaign's entities to CSV or XLSX"
        )
        may = context.services.can(Perm.MANAGE_ACCESS)
        for b in (self.start_button, self.remind_button, self.returns_button, self.default_button):
            b.setVisible(may)
        self._build_layout()
        self.start_button.clicked.connect(self.on_start)
        self.cancel_button.clicked.connect(self._cancel.set)
        self.remind_button.clicked.connect(self.on_remind)
        self.returns_button.clicked.connect(self.on_returns)
        self.default_button.clicked.connect(self.on_default)
        self.progress.step.connect(
            lambda done, total: self.result.setText(f"Writing attestations: {done:,} of {total:,}…")
        )

    def export_specs(self) -> list[ExportSpec]:
        """The shown campaign's entities: sent, returned, overdue (:mod:`..exporting`)."""
        status = self.status
        if status is None:
            return []
        items = status.items
        return [
            rows_spec(
                self.context.services,
                lambda: items,
                f"Access review {status.name}",
                f"campaign-{status.token}",
                {"campaign": status.token},
            )
        ]

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setAccessibleName("Entities of the campaign")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setAlternatingRowColors(True)
        for column, width in enumerate((80, 250, 170, 90, 90, 90, 80)):
            table.setColumnWidth(column, width)
        table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        return table

    def _build_layout(self) -> None:
        actions = QHBoxLayout()
        for b in (
            self.start_button,
            self.cancel_button,
            self.remind_button,
            self.returns_button,
            self.default_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.remind_progress)
        layout.addWidget(self.result)

    # --- loading --------------------------------------------------------------------------------
    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if self._loaded_once and changes.touches(*self.REFRESH_ON) and initiator is not self:
            self.refresh()

    def refresh(self) -> None:
        ops.op(self.returns.status).success(self.on_status).failure(self._no_status).run(
            "instant", initiator=self
        )

    def _no_status(self, exc: BaseException) -> None:
        if isinstance(exc, NotFound):
            self.summary.setText("No access review has been started yet.")
        else:
            self.summary.setText(str(exc))

    def on_status(self, status: CampaignStatus) -> None:
        self.status = status
        c = status.counts()
        state = "closed" if status.closed else f"due {status.due_on:%m/%d/%Y}"
        self.summary.setText(
            f"<b>{status.name}</b> ({status.token}), {state}, default: {status.default_action} — "
            f"{c['entities']:,} entities: {c['sent']:,} awaiting, {c['returned']:,} returned, "
            f"<b>{c['overdue']:,} overdue</b>, {c['defaulted']:,} defaulted"
        )
        self.model.setRowCount(0)
        for i in status.items:
            state = "overdue" if i.overdue else i.outcome
            cells = (
                i.entity_code,
                i.entity_name,
                i.reviewer,
                state,
                _day(i.sent_at),
                _day(i.returned_at),
                str(i.reminders),
                str(i.removed),
            )
            self.model.appendRow([QStandardItem(v) for v in cells])

    # --- actions --------------------------------------------------------------------------------
    def on_start(self) -> StartDialog:
        dialog = StartDialog(self)
        dialog.accepted.connect(lambda: self.start(dialog))
        dialog.open()
        return dialog

    def start(self, dialog: StartDialog) -> None:
        try:
            scope = dialog.scope()
        except ValueError:
            self.result.setText("The due date is YYYY-MM-DD.")
            return
        self._cancel.clear()
        self.cancel_button.setVisible(True)
        self.start_button.setEnabled(False)
        ops.op(
            self.campaigns.start,
            scope,
            lambda d, t: self.progress.step.emit(d, t),
            self._cancel.is_set,
        ).success(self._started).failure(self._failed).run("general", initiator=self)

    def _started(self, started: CampaignStarted) -> None:
        self._done(
            f"Campaign {started.token} started: {started.items:,} attestations with drafts in "
            f"{started.folder}"
        )

    def _failed(self, exc: BaseException) -> None:
        self._done(str(exc))

    def _done(self, message: str) -> None:
        self.cancel_button.setVisible(False)
        self.start_button.setEnabled(True)
        self.result.setText(message)
        self.refresh()

    def on_remind(self) -> None:
        self.remind_progress.track(ops.op(self.returns.draft_reminders)).success(
            lambda r: self._done(f"{r[0]} reminder(s) drafted in {r[1]}")
        ).failure(self._failed).run("general", initiator=self)

    def on_default(self) -> None:
        ops.op(self.returns.apply_defaults).success(
            lambda _c: self._done("The default was applied to every entity that did not answer.")
        ).failure(self._failed).run("general", initiator=self)

    def on_returns(self) -> None:
        ops.op(self.returns.waiting).success(self._ask_signers).failure(self._failed).run(
            "instant", initiator=self
        )

    def _ask_signers(self, waiting: list[str]) -> None:
        if not waiting:
            self.result.setText("No returned attestation is waiting.")
            return
        for submission_id in waiting:
            signer, ok = QInputDialog.getText(
                self, "Returned attestation", "Who signed it (as printed)?"
            )
            if not ok:
                return
            self.apply_return(submission_id, signer, date.today())

    def apply_return(self, submission_id: str, signer: str, signed_on: date) -> None:
        ops.op(self.returns.apply_return, submission_id, signer, signed_on).success(
            lambda r: self._done(
                f"{r.entity_code}: {len(r.removed)} grant(s) removed, {r.kept} kept."
            )
        ).failure(self._failed).run("general", initiator=self)


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else ""
