"""The Educators page's watch lists: certificates expiring within the window, initial
certificates running out without the upgrade, and accounts to register again, with counts.

The running-out list applies the rules to every candidate's evidence, so it is computed on the
general pool with progress and Stop, then opens from memory. Marking the accounts for
re-registration writes (and audits) each account on the writer pool, with progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from desk_app.qt import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QObject,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.educators import reregistration, watch
from desk_app.views import ops
from desk_app.views.tablemodels.certification import WatchTableModel

LISTS = (
    ("expiring", "Certificates expiring within the window"),
    ("running_out", "Initial certificates running out without the upgrade"),
    ("reregister", "Accounts to register again (not used for 12 months)"),
)
PAGE_ROWS = 500


class _Progress(QObject):
    ticked = Signal(int, int)


class WatchPanel(QWidget):
    """Counts of the three lists, the list chosen, and the actions on them."""

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.window_days = QSpinBox(self)
        self.window_days.setRange(0, 3650)
        self.window_days.setValue(watch.DEFAULT_WINDOW_DAYS)
        self.window_days.setSuffix(" days")
        self.window_days.setAccessibleName("Watch window in days")
        self.counts = QLabel("", self)
        self.counts.setAccessibleName("Watch list counts")
        self.counts.setWordWrap(True)
        self.which = QComboBox(self)
        self.which.setAccessibleName("Watch list shown")
        for key, title in LISTS:
            self.which.addItem(title, key)
        self.compute = QPushButton("Find initial certificates &running out", self)
        self.stop = QPushButton("S&top", self)
        self.stop.setEnabled(False)
        self.mark = QPushButton("&Mark for re-registration…", self)
        self.mark.setAccessibleName("Mark every account not used for 12 months for re-registration")
        self.mark.setVisible(services.can(Perm.EDIT_EDUCATORS))
        self.bar = QProgressBar(self)
        self.bar.setVisible(False)
        self.model = WatchTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Watch list")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.shown = QLabel("", self)
        self._relay = _Progress(self)
        self._relay.ticked.connect(self.on_tick)
        self._cancel = threading.Event()
        self.running_out: watch.RunningOut | None = None
        self._layout()
        self.window_days.valueChanged.connect(lambda _v: self.refresh())
        self.which.currentIndexChanged.connect(lambda _i: self.load_list())
        self.compute.clicked.connect(self.on_compute)
        self.stop.clicked.connect(self._cancel.set)
        self.mark.clicked.connect(self.on_mark)

    def _layout(self) -> None:
        label = QLabel("Watch wi&ndow:", self)
        label.setBuddy(self.window_days)
        shown = QLabel("&List:", self)
        shown.setBuddy(self.which)
        top = QHBoxLayout()
        first: tuple[QWidget, ...] = (label, self.window_days, shown, self.which)
        for w in first:
            top.addWidget(w)
        top.addStretch(1)
        actions = QHBoxLayout()
        second: tuple[QWidget, ...] = (self.compute, self.stop, self.mark, self.bar)
        for w in second:
            actions.addWidget(w)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.counts)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.shown)

    def current_list(self) -> str:
        return str(self.which.currentData())

    # --- counts and the list shown ---------------------------------------------------------------
    def refresh(self) -> None:
        days = self.window_days.value()

        def counts() -> tuple[int, int, int | None]:
            ready = watch.running_out_page(self.services, days, 0, 0)
            return (
                watch.expiring(self.services, days, 0, 0).count,
                watch.reregistration_due(self.services, 0, 0).count,
                None if ready is None else ready.count,
            )

        ops.op(counts).success(self.show_counts).failure(
            lambda exc: self.counts.setText(str(exc))
        ).run("instant", initiator=self)
        self.load_list()

    def show_counts(self, values: tuple[int, int, int | None]) -> None:
        expiring, reregister, running = values
        running_text = "not computed yet" if running is None else f"{running:,}"
        self.counts.setText(
            f"Expiring: {expiring:,} · Running out without the upgrade: {running_text} · "
            f"To register again: {reregister:,}"
        )

    def load_list(self) -> None:
        days, key = self.window_days.value(), self.current_list()
        fetch: Callable[[], watch.WatchPage | None] = {
            "expiring": lambda: watch.expiring(self.services, days, 0, PAGE_ROWS),
            "running_out": lambda: watch.running_out_page(self.services, days, 0, PAGE_ROWS),
            "reregister": lambda: watch.reregistration_due(self.services, 0, PAGE_ROWS),
        }[key]
        ops.op(fetch).success(lambda page: self.show_list(key, page)).failure(
            lambda exc: self.shown.setText(str(exc))
        ).run("instant", initiator=self)

    def show_list(self, key: str, page: watch.WatchPage | None) -> None:
        if key != self.current_list():
            return  # another list was chosen meanwhile
        if page is None:
            self.model.set_rows(())
            self.shown.setText("Not computed yet: find the initial certificates running out.")
            return
        self.model.set_rows(page.rows)
        self.table.resizeColumnsToContents()
        more = f" (first {len(page.rows):,} shown)" if page.count > len(page.rows) else ""
        self.shown.setText(f"{page.title}: {page.count:,}{more}")

    # --- running out --------------------------------------------------------------------------
    def on_compute(self) -> None:
        self._cancel.clear()
        self._busy()
        ops.op(
            watch.compute_running_out,
            self.services,
            self.window_days.value(),
            progress=self._relay.ticked.emit,
            cancelled=self._cancel.is_set,
        ).success(self.on_computed).failure(self.on_stopped).run("general", initiator=self)

    def _busy(self) -> None:
        self.compute.setEnabled(False)
        self.mark.setEnabled(False)
        self.stop.setEnabled(True)
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)

    def on_tick(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _idle(self) -> None:
        self.compute.setEnabled(True)
        self.mark.setEnabled(True)
        self.stop.setEnabled(False)
        self.bar.setVisible(False)

    def on_computed(self, result: watch.RunningOut) -> None:
        self.running_out = result
        self._idle()
        self.which.setCurrentIndex(self.which.findData("running_out"))
        self.refresh()

    def on_stopped(self, exc: BaseException) -> None:
        self._idle()
        self.counts.setText(str(exc))

    # --- re-registration --------------------------------------------------------------------------
    def on_mark(self) -> None:
        if not self.window().property("headless"):
            answer = QMessageBox.question(
                self,
                "Mark for re-registration",
                "Mark every account not used for 12 months? Each educator then registers a new "
                "username; every account marked is recorded in the audit log.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.mark_accounts()

    def mark_accounts(self) -> None:
        self._cancel.clear()
        self._busy()
        ops.op(
            reregistration.mark_for_reregistration,
            self.services,
            progress=self._relay.ticked.emit,
            cancelled=self._cancel.is_set,
        ).success(self.on_marked).failure(self.on_stopped).run("writer", initiator=self)

    def on_marked(self, marked: reregistration.Marked) -> None:
        self._idle()
        self.shown.setText(f"{marked.count:,} account(s) marked for re-registration.")
        self.refresh()
