"""A "Test connection" button and its one-line result, for the settings of a server.

The test runs on the general pool (a server that does not answer takes seconds to time out, and
the dialog must stay responsive); the line says "Testing…" meanwhile, then what was reached or
why not, in green or red. Each test asks for the values being edited, so an operator can try an
address before saving it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desk_app.qt import QHBoxLayout, QLabel, QPushButton, QWidget, Signal
from desk_app.views import ops

OK_STYLE = "color: #1b6e20"
FAILED_STYLE = "color: #b00020"


class ConnectionTest(QWidget):
    """A button that runs ``probe()`` off the GUI thread and a label with its answer.

    ``probe`` is built on the GUI thread from the editors (so it reads the current values) and
    returns a callable for the pool that answers with an object having ``ok`` and ``message``.

    Signals:
        tested(bool, str): a test finished: whether it connected, and the line shown.
    """

    tested = Signal(bool, str)

    def __init__(
        self, what: str, probe: Callable[[], Callable[[], Any]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.what = what
        self._probe = probe
        self.button = QPushButton("&Test connection", self)
        self.button.setAccessibleName(f"Test the connection to the {what}")
        self.result = QLabel("", self)
        self.result.setWordWrap(True)
        self.result.setAccessibleName(f"{what[0].upper()}{what[1:]} connection test result")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.result, 1)
        self.button.clicked.connect(self.on_test_clicked)

    def on_test_clicked(self) -> None:
        call = self._probe()
        self.button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText(f"Testing the connection to the {self.what}…")
        ops.op(call).success(self.on_tested).failure(self.on_failed).run("general", initiator=self)

    def on_tested(self, check: Any) -> None:
        self._show(bool(check.ok), str(check.message))

    def on_failed(self, exc: BaseException) -> None:
        self._show(False, f"Failed: {exc}.")

    def _show(self, ok: bool, message: str) -> None:
        self.button.setEnabled(True)
        self.result.setStyleSheet(OK_STYLE if ok else FAILED_STYLE)
        self.result.setText(("✔ " if ok else "✘ ") + message)
        self.tested.emit(ok, message)
