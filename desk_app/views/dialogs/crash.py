"""What the operator sees when something fails: a plain message for a known failure, a crash
dialog naming the log file for a bug. Installed as ``sys.excepthook`` and as the ops failure handler."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from desk_app.errors import KnownError
from desk_app.log import redact
from desk_app.qt import (
    QApplication,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QUrl,
    QVBoxLayout,
    QWidget,
)
from desk_app.views import ops

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    """Says a bug happened, where the log is, and shows the (redacted) traceback on request."""

    def __init__(
        self, summary: str, details: str, log_file: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Desk App hit a bug")
        self.setAccessibleName("Desk App hit a bug")
        self.log_file = log_file
        where = (
            f"<br><br>The details were written to the log file:<br><b>{log_file}</b>"
            if log_file
            else ""
        )
        self.message = QLabel(
            "<h3>Something went wrong inside Desk App.</h3>"
            f"This is a defect, not something you did: {summary}.{where}<br><br>"
            "Please send the log file to IT support. Check that your last change was saved "
            "before you carry on.",
            self,
        )
        self.message.setWordWrap(True)
        self.message.setMinimumWidth(440)
        self.message.setAccessibleName("What happened")
        self.details = QPlainTextEdit(redact(details), self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Technical details")
        self.details.setVisible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.details_button = QPushButton("Show &details", self)
        self.open_button = QPushButton("&Open log folder", self)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        self.open_button.setEnabled(log_file is not None)
        buttons.rejected.connect(self.reject)
        self.details_button.clicked.connect(self.on_details_clicked)
        self.open_button.clicked.connect(self.on_open_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def on_details_clicked(self) -> None:
        self.details.setVisible(not self.details.isVisible())
        self.details_button.setText(
            "Hide &details" if self.details.isVisible() else "Show &details"
        )

    def on_open_clicked(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))


class CrashHandler:
    """Routes uncaught exceptions: KnownError to a message box, anything else to a CrashDialog.

    Dialogs open non-modally-blocking (``open()``), so a handler never nests an event loop inside
    whatever code raised. ``shown`` keeps the dialogs for tests and to keep them alive.
    """

    def __init__(self, log_file: Path | None, parent: QWidget | None = None) -> None:
        self.log_file = log_file
        self._previous: list[tuple[Any, Callable[[BaseException, str], None]]] = []
        self.parent = parent
        self.shown: list[QDialog] = []

    def install(self) -> None:
        self._previous.append((sys.excepthook, ops.set_failure_handler(self.on_operation_failed)))
        sys.excepthook = self.on_uncaught

    def uninstall(self) -> None:
        """Put back the hooks :meth:`install` replaced (the window they reported to is gone)."""
        if self._previous:
            sys.excepthook, handler = self._previous.pop()
            ops.set_failure_handler(handler)

    def on_uncaught(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        self.report(exc, text)

    def on_operation_failed(self, exc: BaseException, tb: str) -> None:
        self.report(exc, tb)

    def report(self, exc: BaseException, tb: str) -> None:
        if isinstance(exc, KnownError):
            log.warning("%s", exc)
            self._show(self._known_box(exc))
            return
        log.error("bug: %s: %s\n%s", type(exc).__name__, exc, tb)
        if QApplication.instance() is None:
            print(f"desk-app: bug ({type(exc).__name__}); see {self.log_file}", file=sys.stderr)
            return
        self._show(CrashDialog(type(exc).__name__, tb, self.log_file, self.parent))

    def _known_box(self, exc: KnownError) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Desk App",
            exc.message,
            QMessageBox.StandardButton.Ok,
            self.parent,
        )
        if exc.hint:
            box.setInformativeText(exc.hint[0].upper() + exc.hint[1:] + ".")
        return box

    def _show(self, dialog: QDialog) -> None:
        if QApplication.instance() is None:
            return
        self.shown.append(dialog)
        dialog.finished.connect(
            lambda _r: self.shown.remove(dialog) if dialog in self.shown else None
        )
        dialog.open()
