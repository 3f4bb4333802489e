"""Pieces of the Educators page: the new-profile dialog (SSN and date of birth in masked fields)
and the watch panel (expiring certificates, initial certificates running out, accounts to
register again), whose running-out list is computed off the GUI thread with progress and Stop."""

from __future__ import annotations

import threading
from datetime import date

from desk_app.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QObject,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.services.context import ServiceContext
from desk_app.services.educators import watch
from desk_app.services.educators.editing import NewProfile
from desk_app.views import ops


class NewProfileDialog(QDialog):
    """Legal name, e-mail, SSN and date of birth; the two closed fields show only while typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New educator profile")
        self.ssn = self._masked("SSN (9 digits)")
        self.born = self._masked("Date of birth, YYYY-MM-DD")
        self.first = QLineEdit(self)
        self.middle = QLineEdit(self)
        self.last = QLineEdit(self)
        self.email = QLineEdit(self)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&SSN:", self.ssn)
        form.addRow("&Date of birth:", self.born)
        form.addRow("&First name (legal):", self.first)
        form.addRow("&Middle name:", self.middle)
        form.addRow("&Last name (legal):", self.last)
        form.addRow("&E-mail:", self.email)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Create or find")
        buttons.accepted.connect(self.on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel("If this SSN and date of birth already have a profile, it is opened instead.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.entered: NewProfile | None = None

    def _masked(self, name: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)  # hidden once typed
        field.setAccessibleName(name)
        field.setPlaceholderText(name)
        return field

    def on_accept(self) -> None:
        try:
            born = date.fromisoformat(self.born.text().strip())
        except ValueError:
            self.error.setText("The date of birth is YYYY-MM-DD.")
            return
        self.entered = NewProfile(
            self.ssn.text(),
            born,
            self.first.text(),
            self.last.text(),
            self.email.text(),
            self.middle.text(),
        )
        self.accept()


class _Progress(QObject):
    ticked = Signal(int, int)


class WatchPanel(QWidget):
    """Counts of the three watch lists; the running-out list is computed on demand."""

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
        self.compute = QPushButton("Find initial certificates &running out", self)
        self.stop = QPushButton("S&top", self)
        self.stop.setEnabled(False)
        self.bar = QProgressBar(self)
        self.bar.setVisible(False)
        self._relay = _Progress(self)
        self._relay.ticked.connect(self.on_tick)
        self._cancel = threading.Event()
        self.running_out: watch.RunningOut | None = None
        label = QLabel("&Watch window:", self)
        label.setBuddy(self.window_days)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        widgets: tuple[QWidget, ...] = (label, self.window_days, self.counts)
        for w in widgets:
            row.addWidget(w)
        row.addStretch(1)
        widgets = (self.bar, self.compute, self.stop)
        for w in widgets:
            row.addWidget(w)
        self.window_days.valueChanged.connect(lambda _v: self.refresh())
        self.compute.clicked.connect(self.on_compute)
        self.stop.clicked.connect(self._cancel.set)

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

    def show_counts(self, values: tuple[int, int, int | None]) -> None:
        expiring, reregister, running = values
        running_text = "not computed yet" if running is None else f"{running:,}"
        self.counts.setText(
            f"Expiring: {expiring:,} · Running out without the upgrade: {running_text} · "
            f"To register again: {reregister:,}"
        )

    def on_compute(self) -> None:
        self._cancel.clear()
        self.compute.setEnabled(False)
        self.stop.setEnabled(True)
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        ops.op(
            watch.compute_running_out,
            self.services,
            self.window_days.value(),
            progress=self._relay.ticked.emit,
            cancelled=self._cancel.is_set,
        ).success(self.on_computed).failure(self.on_stopped).run("general", initiator=self)

    def on_tick(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def _idle(self) -> None:
        self.compute.setEnabled(True)
        self.stop.setEnabled(False)
        self.bar.setVisible(False)

    def on_computed(self, result: watch.RunningOut) -> None:
        self.running_out = result
        self._idle()
        self.refresh()

    def on_stopped(self, exc: BaseException) -> None:
        self._idle()
        self.counts.setText(str(exc))
