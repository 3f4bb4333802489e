"""A brief notice when new items arrive in the work queue: "3 new items in New".

The notice is a toast: a label drawn inside the main window's bottom-right corner, above the
status bar, for a few seconds. It is a child widget, not a window, and takes no focus, so
whatever the operator is typing keeps the keyboard; the same words go to the status bar and to
the toast's accessible description (screen readers). A click on the toast hides it at once.

The watcher looks after every queue change on the bus (intake here, a sync's pull) and once a
minute (intake run by Task Scheduler in another process tells no bus).
"""

from __future__ import annotations

from typing import Any

from desk_app.qt import QLabel, QObject, Qt, QTimer, QWidget, Signal
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.arrivals import Arrivals, arrivals_since
from desk_app.views import ops

TOAST_MS = 6000
POLL_MS = 60_000


class Toast(QLabel):
    """A non-modal, focus-free notice in a corner of its parent that hides itself."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("arrivals-toast")
        self.setAccessibleName("New items")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setStyleSheet(
            "QLabel { background: #263238; color: white; border-radius: 6px; padding: 8px 14px; }"
        )
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def show_text(self, text: str, ms: int = TOAST_MS) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.adjustSize()
        self._place()
        self.raise_()
        self.show()
        self._timer.start(ms)

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        bar = parent.statusBar() if hasattr(parent, "statusBar") else None
        bottom = parent.height() - (bar.height() if bar is not None else 0) - 12
        self.move(max(0, parent.width() - self.width() - 16), max(0, bottom - self.height()))

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.hide()
        super().mousePressEvent(event)


class ArrivalWatcher(QObject):
    """Tells the operator about new work-queue items (see the module docstring).

    Signals:
        arrived(str): new items arrived; the words shown ("3 new items in New").
    """

    arrived = Signal(str)

    def __init__(self, services: ServiceContext, toast: Toast, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.toast = toast
        self.mark: int | None = None
        self._asking = False
        self._again = False
        self._poll = QTimer(self)
        self._poll.timeout.connect(self.check)
        ops.bus.changed.connect(self.on_changes)

    def start(self, poll_ms: int = POLL_MS) -> None:
        """Take the current mark (what is there now is not news), then watch."""
        self.check()
        self._poll.start(poll_ms)

    def stop(self) -> None:
        self._poll.stop()

    def on_changes(self, changes: Changes, _initiator: object | None) -> None:
        if changes.touches(Area.QUEUE):
            self.check()

    def check(self) -> None:
        if self._asking:  # one question at a time; ask again when it is answered
            self._again = True
            return
        self._asking = True
        ops.op(arrivals_since, self.services, self.mark).success(self.on_answer).failure(
            self.on_failed
        ).run("instant", initiator=self)

    def on_answer(self, found: Arrivals) -> None:
        first = self.mark is None
        self.mark = found.mark
        self._asking = False
        if found.total and not first:
            text = found.text()
            self.toast.show_text(text)
            self.arrived.emit(text)
        if self._again:
            self._again = False
            self.check()

    def on_failed(self, _exc: BaseException) -> None:
        self._asking = False  # logged by the operation; the next change or poll asks again
