"""A search box that reports its text once typing pauses (search as you type, debounced)."""

from __future__ import annotations

from desk_app.qt import QLineEdit, QTimer, QWidget, Signal

DEBOUNCE_MS = 200


class SearchBox(QLineEdit):
    """Emits ``search_changed`` after the operator stops typing for ``DEBOUNCE_MS``.

    Signals:
        search_changed(str): the text to search for (stripped).
    """

    search_changed = Signal(str)

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Search")
        self.setAccessibleDescription(placeholder)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.on_pause)
        self.textEdited.connect(self.on_text_edited)
        self.returnPressed.connect(self.on_pause)  # Enter searches at once

    def on_text_edited(self, _text: str) -> None:
        self._timer.start()

    def on_pause(self) -> None:
        self._timer.stop()
        self.search_changed.emit(self.text().strip())
