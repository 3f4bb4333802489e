"""Help > Keyboard shortcuts (F1): the shortcut map as a table an operator can read and search."""

from __future__ import annotations

from desk_app.qt import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from desk_app.views.shortcuts import SHORTCUTS


class ShortcutsDialog(QDialog):
    """The keys, where they work, and what they do."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts-dialog")
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Everything in Desk App can be done from the keyboard. Alt + an underlined "
                   "letter presses that button.", self)
        )  # fmt: skip
        self.table = QTableWidget(len(SHORTCUTS), 3, self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Keys", "Where", "What it does"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for row, s in enumerate(SHORTCUTS):
            for col, text in enumerate((s.keys, s.where, s.does)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)
