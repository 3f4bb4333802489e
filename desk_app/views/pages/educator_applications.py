"""The Educators page's applications queue and decision screen.

The list shows the applications of one state (received, waiting on the educator, ready,
decided, or every open one). The decision screen beside it shows the requirement tracker (each
requirement, what counts, what is missing: the rules as data) and the evidence on file with its
source documents. The discipline is the access requests' one: claim first; only the claimer
moves or decides; Approve is enabled only when every requirement is met (the reason is shown
otherwise); approving issues the certificate and supersedes the old one in one transaction, and
the educator's e-mail is drafted offline. Every step runs on the writer pool.
"""

from __future__ import annotations

from desk_app.qt import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.educators import applications
from desk_app.services.educators.application_detail import (
    ApplicationDetail,
    application_detail,
    save_draft,
)
from desk_app.services.educators.applications import ApplicationQueue, ApplicationRow, Decision
from desk_app.services.listing import ListQuery
from desk_app.views import ops
from desk_app.views.tablemodels.certification import (
    COL_APP_NAME,
    KIND_TITLES,
    STATE_TITLES,
    ApplicationTableModel,
    TrackerTableModel,
)
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.widgets.tables import make_table

STATES = (("", "Every open application"), *((k, v) for k, v in STATE_TITLES.items()))


class DecisionPane(QWidget):
    """One application: its facts, the requirement tracker, and the actions the operator may take.

    Signals:
        acted(): an action of this pane succeeded (the list and the detail are shown again).
    """

    acted = Signal()

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.detail: ApplicationDetail | None = None
        self.heading = QLabel("Select an application.", self)
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Application")
        self.tracker_model = TrackerTableModel(self)
        self.tracker = QTableView(self)
        self.tracker.setModel(self.tracker_model)
        self.tracker.setAccessibleName("Requirement tracker")
        self.tracker.verticalHeader().setVisible(False)
        self.tracker.horizontalHeader().setStretchLastSection(True)
        self.tracker.setWordWrap(True)
        self.evidence = QLabel("", self)
        self.evidence.setWordWrap(True)
        self.evidence.setAccessibleName("Evidence that counts")
        self.reason = QLabel("", self)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why an action is not available")
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Outcome")
        self.claim = QPushButton("&Claim", self)
        self.release = QPushButton("Re&lease", self)
        self.waiting = QPushButton("Waiting on the &educator…", self)
        self.ready = QPushButton("Rea&dy", self)
        self.approve = QPushButton("A&pprove and issue", self)
        self.approve.setAccessibleName("Approve: issue the certificate and supersede the old one")
        self.reject = QPushButton("Re&ject…", self)
        self.buttons = (
            self.claim,
            self.release,
            self.waiting,
            self.ready,
            self.approve,
            self.reject,
        )
        row = QHBoxLayout()
        for b in self.buttons:
            row.addWidget(b)
            b.setVisible(services.can(Perm.EDIT_EDUCATORS))
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tracker, 2)
        layout.addWidget(self.evidence, 1)
        layout.addLayout(row)
        layout.addWidget(self.reason)
        layout.addWidget(self.status)
        self.claim.clicked.connect(lambda: self.act(applications.claim))
        self.release.clicked.connect(lambda: self.act(applications.release))
        self.ready.clicked.connect(lambda: self.act(applications.move, "ready"))
        self.waiting.clicked.connect(self.on_waiting)
        self.approve.clicked.connect(lambda: self.decide(True))
        self.reject.clicked.connect(self.on_reject)
        self.show_detail(None)

    def show_detail(self, detail: ApplicationDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.heading.setText("Select an application.")
            self.tracker_model.set_rows(())
            self.evidence.clear()
            for b in self.buttons:
                b.setEnabled(False)
            self.reason.clear()
            return
        held = f" · claimed by {detail.claimed_by}" if detail.claimed_by else ""
        outcome = ""
        if detail.state == "decided":
            issued = (
                f", certificate {detail.certificate_number}" if detail.certificate_number else ""
            )
            outcome = f"<br>Decided by {detail.decided_by}: {detail.decision}{issued}"
            if detail.decision_note:
                outcome += f" ({detail.decision_note})"
        self.heading.setText(
            f"<b>{detail.educator_name}</b> · {detail.educator_email}<br>"
            f"{KIND_TITLES.get(detail.kind, detail.kind)} application for "
            f"{detail.classification} · {STATE_TITLES.get(detail.state, detail.state)}"
            f" since {detail.submitted_at:%Y-%m-%d}{held}{outcome}"
        )
        self.tracker_model.set_rows(detail.tracker)
        self.tracker.resizeColumnsToContents()
        self.evidence.setText(_evidence_text(detail))
        self._enable(detail)

    def _enable(self, d: ApplicationDetail) -> None:
        me = self.services.actor.username
        open_ = d.state != "decided"
        mine = open_ and d.claimed_by == me
        self.claim.setEnabled(open_ and not d.claimed_by)
        self.release.setEnabled(mine)
        self.waiting.setEnabled(mine and d.state != "waiting")
        self.ready.setEnabled(mine and d.state != "ready")
        self.reject.setEnabled(mine)
        self.approve.setEnabled(mine and d.ready_to_approve)
        if not open_:
            why = "This application is decided."
        elif d.claimed_by and not mine:
            why = f"{d.claimed_by} is working on this application."
        elif not mine:
            why = "Claim the application to work on it."
        elif not d.ready_to_approve:
            missing = [r.title for r in d.tracker if not r.met]
            why = "Approve needs every requirement met; missing: " + "; ".join(missing)
        else:
            why = ""
        self.reason.setText(why)

    def act(self, call: object, *args: object) -> None:
        if self.detail is None:
            return
        self.status.setText("Working…")
        ops.op(call, self.services, self.detail.id, *args).success(  # type: ignore[arg-type]
            self.on_acted
        ).failure(lambda exc: self.status.setText(str(exc))).run("writer", initiator=self)

    def on_acted(self, _changes: object) -> None:
        self.status.setText("Done.")
        self.acted.emit()

    def on_waiting(self) -> None:
        note, ok = QInputDialog.getText(self, "Waiting on the educator", "What must they send?")
        if ok:
            self.act(applications.move, "waiting", note)

    def on_reject(self) -> None:
        note, ok = QInputDialog.getText(self, "Reject the application", "Reason (sent to them):")
        if ok:
            self.decide(False, note)

    def decide(self, approve: bool, note: str = "") -> None:
        if self.detail is None:
            return
        services, application_id = self.services, self.detail.id

        def decide_and_draft() -> tuple[Decision, str]:
            decision = applications.decide(services, application_id, approve=approve, note=note)
            return decision, str(save_draft(services, decision))

        self.status.setText("Deciding…")
        ops.op(decide_and_draft).success(self.on_decided).failure(
            lambda exc: self.status.setText(str(exc))
        ).run("writer", initiator=self)

    def on_decided(self, result: tuple[Decision, str]) -> None:
        decision, draft = result
        issued = (
            f"Certificate {decision.certificate_number} issued. "
            if decision.certificate_number
            else ""
        )
        verdict = "Approved" if decision.approved else "Rejected"
        self.status.setText(f"{verdict}. {issued}E-mail to the educator drafted: {draft}")
        self.acted.emit()


def _evidence_text(d: ApplicationDetail) -> str:
    parts = []
    for req in d.tracker:
        items = d.evidence_for(req.code)
        if items:
            listed = "; ".join(f"{e.summary} [{e.source or 'no source'}]" for e in items[:4])
            more = f" and {len(items) - 4} more" if len(items) > 4 else ""
            parts.append(f"<b>{req.title}</b>: {listed}{more}")
    return "<br>".join(parts) or "No evidence on file counts toward these requirements."


class ApplicationsPanel(QWidget):
    """The queue by state, and the decision screen of the application selected."""

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.source = ApplicationQueue(services)
        self.model = ApplicationTableModel(self.source, self)
        self.state = QComboBox(self)
        self.state.setAccessibleName("Applications in state")
        for key, title in STATES:
            self.state.addItem(title, key)
        self.count = QLabel("", self)
        self.count.setAccessibleName("Number of applications")
        self.table = make_table(
            self.model,
            "Certificate applications",
            self,
            stretch_column=COL_APP_NAME,
            sorted_by=(COL_APP_NAME, Qt.SortOrder.AscendingOrder),
        )
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.pane = DecisionPane(services, self)
        self._generation = 0
        label = QLabel("&State:", self)
        label.setBuddy(self.state)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.state)
        bar.addWidget(self.count, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.pane)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([460, 640])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.state.currentIndexChanged.connect(lambda _i: self.on_state_changed())
        self.model.count_changed.connect(self.on_count)
        self.model.loaded.connect(self.on_loaded)
        self.model.rows_updated.connect(self.on_rows_updated)
        self.model.more_loaded.connect(
            lambda: None if self.table.currentIndex().isValid() else self.on_loaded()
        )
        self.table.selectionModel().currentRowChanged.connect(self.on_current_changed)
        self.pane.acted.connect(self.refresh)

    def refresh(self) -> None:
        query = ListQuery().with_filter("state", str(self.state.currentData() or ""))
        self.model.load_async(query)

    def on_state_changed(self) -> None:
        self._generation += 1  # a detail still on its way belongs to the other list
        self.pane.show_detail(None)
        self.refresh()

    def on_count(self, n: int) -> None:
        self.count.setText(f"{n:,} application{'s' if n != 1 else ''}")

    def on_loaded(self) -> None:
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.pane.show_detail(None)

    def on_rows_updated(self) -> None:
        """After a change (or the view's own first fetch): redraw the application shown, or
        show the first one when none is."""
        current = self.table.currentIndex()
        if current.isValid():
            self.load_detail(current.data(ROW_ROLE))
        else:
            self.on_loaded()

    def on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: ApplicationRow | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is not None:
            self.load_detail(row)

    def load_detail(self, row: ApplicationRow) -> None:
        self._generation += 1
        generation = self._generation
        ops.op(application_detail, self.services, row.id).success(
            lambda d: self.pane.show_detail(d) if generation == self._generation else None
        ).failure(lambda exc: self.pane.status.setText(str(exc))).run("instant", initiator=self)
