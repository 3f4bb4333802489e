"""A progress strip for one long operation: a bar, a line saying what is being done, and Cancel.

Hidden until :meth:`ProgressStrip.track` is given an operation; shown while it runs, hidden again
when it ends. Cancel asks the operation to stop at its next safe point (between items or batches:
everything done so far is kept), and the line says that it is stopping.
"""

from __future__ import annotations

from collections.abc import Callable

from desk_app.qt import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget
from desk_app.views.ops import Operation


class ProgressStrip(QWidget):
    """Progress with cancel for the operation it tracks (one at a time)."""

    def __init__(
        self, what: str, parent: QWidget | None = None, cancel_text: str = "Cancel"
    ) -> None:
        super().__init__(parent)
        self.what = what
        self.operation: Operation | None = None
        self._cancel: Callable[[], None] | None = None
        self._stopping = False
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(f"Progress of {what}")
        self.bar.setMaximumWidth(220)
        self.label = QLabel("", self)
        self.label.setAccessibleName(f"What {what} is doing")
        self.cancel_button = QPushButton(cancel_text, self)
        self.cancel_button.setAccessibleName(f"Stop {what}")
        self.cancel_button.clicked.connect(self.on_cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)

    def track(self, operation: Operation) -> Operation:
        """Show ``operation``'s progress until it ends; returns it (to be run by the caller)."""
        self.begin(operation.cancel)
        self.operation = operation
        return operation.with_progress(self.on_step).settled(self.on_settled)

    def begin(self, cancel: Callable[[], None]) -> None:
        """Show a job that someone else runs (its steps come to :meth:`on_step`, its end to
        :meth:`on_settled`); ``cancel`` asks it to stop."""
        self._cancel = cancel
        self._stopping = False
        self.bar.setRange(0, 0)  # busy until the first step says how much there is
        self.label.setText(f"Starting {self.what}…")
        self.cancel_button.setEnabled(True)
        self.setVisible(True)

    def on_step(self, done: int, total: int, what: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)
        if self._stopping:
            return  # keep saying "Stopping…"
        self.label.setText(what)

    def on_cancel_clicked(self) -> None:
        if self._cancel is None:
            return
        self._cancel()
        self._stopping = True
        self.cancel_button.setEnabled(False)
        self.label.setText(f"Stopping {self.what} after the current item…")

    def on_settled(self) -> None:
        self.operation = None
        self._cancel = None
        self.setVisible(False)
