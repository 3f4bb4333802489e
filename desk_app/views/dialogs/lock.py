"""The lock screen: hides the workspace until the operator confirms who they are.

Confirmation is re-typing the signed-in OS user name. That is honest about what it is: it keeps a
passer-by from reading or acting at an unattended desk, and it is audited; it does not prove
identity. The Windows workstation lock (Win+L) remains the real guard.
"""

from __future__ import annotations

from desk_app.qt import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.services.directory.dto import OperatorDTO
from desk_app.views.widgets.icons import icon


class LockScreen(QWidget):
    """Shown in place of the workspace while locked.

    Signals:
        unlock_requested(str): the operator typed a user name and asked to unlock.
        quit_requested(): the operator chose to quit instead.
    """

    unlock_requested = Signal(str)
    quit_requested = Signal()

    def __init__(self, operator: OperatorDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock-screen")
        self.setAccessibleName("Locked")
        picture = QLabel(self)
        picture.setPixmap(icon("lock").pixmap(72, 72))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.heading = QLabel("<h2>Desk App is locked</h2>", self)
        self.reason = QLabel("", self)
        self.prompt = QLabel(
            f"Signed in: {operator.display_name} ({operator.role_title}) on {operator.workstation_id}."
            "<br>To unlock, type your Windows user &name:",
            self,
        )
        self.username = QLineEdit(self)
        self.username.setAccessibleName("Windows user name")
        self.username.setMaximumWidth(320)
        self.prompt.setBuddy(self.username)
        self.error = QLabel("", self)
        self.error.setStyleSheet("color: #b00020")
        self.error.setAccessibleName("Unlock error")
        self.unlock_button = QPushButton("&Unlock", self)
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.quit_button = QPushButton("&Quit Desk App", self)
        self.quit_button.setAccessibleName("Quit Desk App")
        note = QLabel(
            "<small>This confirms the person at the desk; it is not a password check. "
            "Lock Windows (Win+L) when you leave the workstation.</small>",
            self,
        )
        for label in (self.heading, self.reason, self.prompt, self.error, note):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (picture, self.heading, self.reason, self.prompt):
            layout.addWidget(widget)
        layout.addWidget(self.username, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addWidget(note)
        layout.addStretch(2)
        self.username.returnPressed.connect(self.on_unlock_clicked)
        self.unlock_button.clicked.connect(self.on_unlock_clicked)
        self.quit_button.clicked.connect(self.quit_requested)

    def reset(self, reason: str) -> None:
        """Prepare for a new lock: clear the field and say why it locked."""
        self.reason.setText(reason)
        self.username.clear()
        self.error.clear()
        self.unlock_button.setEnabled(True)
        self.username.setFocus(Qt.FocusReason.OtherFocusReason)

    def refuse(self) -> None:
        self.error.setText("That is not the signed-in operator's user name.")
        self.username.selectAll()
        self.unlock_button.setEnabled(True)

    def on_unlock_clicked(self) -> None:
        if not self.username.text().strip():
            self.error.setText("Type your Windows user name.")
            return
        self.unlock_button.setEnabled(False)
        self.unlock_requested.emit(self.username.text())
