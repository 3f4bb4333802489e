"""The first start of a data folder: demo data to try Desk App out, or an empty database for the
agency's own records (``desk-app init`` does the same from the command line).

Nothing is created until the operator chooses: closing the dialog leaves the folder as it was.
For an empty database the dialog names the first Security Administrator (the signed-in account)
and says what that role is worth: local only, until the central database's roles arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.qt import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from desk_app.services.directory.first_start import first_admin_note
from desk_app.services.sync.probe import central_url_problem


@dataclass(frozen=True)
class FirstStartChoice:
    """What the operator chose: demo data or an empty database, and the central address."""

    demo: bool
    central_url: str = ""


class FirstRunDialog(QDialog):
    """Asks how to start a new data folder; :attr:`choice` holds the answer once accepted."""

    def __init__(self, username: str, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Desk App")
        self.setAccessibleName("First start")
        self.choice: FirstStartChoice | None = None
        intro = QLabel(
            "<b>This data folder has no database yet.</b><br>"
            f"Desk App will create it at {database}. How do you want to start?",
            self,
        )
        intro.setWordWrap(True)
        self.demo = QRadioButton("Start with &demo data (to try Desk App out)", self)
        self.demo.setAccessibleName("Start with demo data")
        demo_note = self._note(
            "About 640,000 generated records: entities, accounts, educators and 2,000 "
            "submissions with their documents. None is real, a banner says so on every page, "
            "and nothing done here reaches the agency's systems. Takes about a minute."
        )
        self.empty = QRadioButton("Start an &empty database (for real work)", self)
        self.empty.setAccessibleName("Start an empty database")
        self.admin_note = self._note(first_admin_note(username))
        self.admin_note.setObjectName("first-admin-note")
        self.central = QLineEdit(self)
        self.central.setPlaceholderText("postgresql://user@host:5432/database (optional)")
        self.central.setAccessibleName("Central database address")
        self.central.setMinimumWidth(320)
        central_form = QFormLayout()
        central_form.setContentsMargins(24, 0, 0, 0)
        central_form.addRow("&Central database:", self.central)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.setAccessibleName("First start error")
        group = QButtonGroup(self)
        group.addButton(self.demo)
        group.addButton(self.empty)
        self.demo.setChecked(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.start_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start_button.setText("&Start")
        self.start_button.setAccessibleName("Start")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Quit")
        cancel.setAccessibleName("Quit without creating anything")
        self.buttons.accepted.connect(self.on_start)
        self.buttons.rejected.connect(self.reject)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 18)
        layout.setSpacing(8)
        for widget in (intro, self.demo, demo_note, line, self.empty, self.admin_note):
            layout.addWidget(widget)
        layout.addLayout(central_form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.empty.toggled.connect(self.on_mode_changed)
        self.on_mode_changed(False)
        self.setMinimumWidth(560)

    def _note(self, text: str) -> QLabel:
        note = QLabel(text, self)
        note.setWordWrap(True)
        note.setContentsMargins(24, 0, 0, 0)
        return note

    def on_mode_changed(self, empty: bool) -> None:
        # the Security Administrator and the central address belong to the empty database only:
        # demo data brings its own operators and never syncs
        self.admin_note.setEnabled(empty)
        self.central.setEnabled(empty)
        self.error.clear()

    def on_start(self) -> None:
        if self.demo.isChecked():
            self.choice = FirstStartChoice(demo=True)
            self.accept()
            return
        url = self.central.text().strip()
        problem = central_url_problem(url) if url else ""
        if problem:
            self.error.setText(f"Central database: {problem}.")
            self.central.setFocus()
            return
        self.choice = FirstStartChoice(demo=False, central_url=url)
        self.accept()
