"""The Educators page's profile dialogs: a new profile (SSN and date of birth in masked fields,
the existing person found, never a second profile), contact details and the one DESE username
(a second one warned about), and the practicum check (over 30 clock hours needs a profile)."""

from __future__ import annotations

from datetime import date

from desk_app.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules import certification as rules
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.educators.applications import submit
from desk_app.services.educators.dto import EducatorProfile
from desk_app.services.educators.editing import (
    NewProfile,
    edit_contact,
    link_username,
    practicum_check,
)
from desk_app.views import ops


class NewProfileDialog(QDialog):
    """Legal name, e-mail, SSN and date of birth; the two closed fields show only while typed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New educator profile")
        self.setMinimumWidth(460)
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


class EditProfileDialog(QDialog):
    """Contact details and the person's one DESE username (a second one is warned about)."""

    def __init__(
        self, services: ServiceContext, profile: EducatorProfile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services, self.profile = services, profile
        self.setWindowTitle(f"Edit profile: {profile.row.display_name}")
        self.setMinimumWidth(460)
        self.email = QLineEdit(profile.row.email, self)
        self.email.setAccessibleName("E-mail")
        self.username = QLineEdit(profile.row.username, self)
        self.username.setAccessibleName("DESE username")
        self.replace = QCheckBox("The old username is closed: &replace it", self)
        self.warning = QLabel("", self)
        self.warning.setWordWrap(True)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&E-mail:", self.email)
        form.addRow("DESE &username:", self.username)
        form.addRow("", self.replace)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.username.textChanged.connect(lambda _t: self.on_username_changed())
        self.on_username_changed()

    def on_username_changed(self) -> None:
        old, new = self.profile.row.username, self.username.text().strip().lower()
        marked = self.profile.reregistration_marked_at is not None
        second = bool(old) and bool(new) and new != old and not marked
        self.replace.setVisible(second)
        self.warning.setText(
            f"⚠ This person already has the DESE username {old}. A person has one username: "
            "several block access to the profile. Replace it only if the old one was closed."
            if second
            else ""
        )

    def on_save(self) -> None:
        email, name = self.email.text().strip(), self.username.text().strip().lower()
        row, version = self.profile.row, self.profile.row_version
        replace = self.replace.isChecked()

        def save() -> Changes:
            changes = Changes()
            if email != row.email:
                changes |= edit_contact(
                    self.services, row.id, email=email, expected_version=version
                )
            if name and name != row.username:
                changes |= link_username(self.services, row.id, name, replace=replace)
            return changes

        self.error.setText("Saving…")
        ops.op(save).success(lambda _c: self.accept()).failure(
            lambda exc: self.error.setText(str(exc))
        ).run("writer", initiator=self)


class PracticumDialog(QDialog):
    """Does a student's practicum need a profile (over 30 clock hours), and has the student one?

    Signals:
        create_requested(): the student needs a profile and has none.
    """

    create_requested = Signal()

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.setWindowTitle("Practicum: does the student need a profile?")
        self.setMinimumWidth(460)
        self.hours = QDoubleSpinBox(self)
        self.hours.setRange(0, 2000)
        self.hours.setDecimals(1)
        self.hours.setSuffix(" clock hours")
        self.hours.setAccessibleName("Practicum clock hours")
        self.ssn = _masked(self, "SSN (9 digits)")
        self.born = _masked(self, "Date of birth, YYYY-MM-DD")
        self.answer = QLabel("", self)
        self.answer.setWordWrap(True)
        self.answer.setAccessibleName("Answer")
        self.check = QPushButton("&Check", self)
        self.create_button = QPushButton("Create &profile…", self)
        self.create_button.setVisible(False)
        form = QFormLayout()
        form.addRow("Practicum &hours:", self.hours)
        form.addRow("&SSN:", self.ssn)
        form.addRow("&Date of birth:", self.born)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check)
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        close = QPushButton("Close", self)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        note = QLabel(
            f"A practicum of more than {rules.PRACTICUM_PROFILE_HOURS} clock hours needs an "
            "educator profile (for the FBI fingerprint clearance).",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.answer)
        layout.addLayout(buttons)
        self.check.clicked.connect(self.on_check)
        self.create_button.clicked.connect(self.on_create)
        close.clicked.connect(self.reject)

    def on_check(self) -> None:
        hours = self.hours.value()
        if not rules.practicum_needs_profile(hours):
            self.show_answer(practicum_check(self.services, "", date.today(), hours))
            return
        try:
            born = date.fromisoformat(self.born.text().strip())
        except ValueError:
            self.answer.setText("The date of birth is YYYY-MM-DD.")
            return
        ops.op(practicum_check, self.services, self.ssn.text(), born, hours).success(
            self.show_answer
        ).failure(lambda exc: self.answer.setText(str(exc))).run("writer", initiator=self)

    def show_answer(self, text: str) -> None:
        self.answer.setText(text[0].upper() + text[1:] + ".")
        self.create_button.setVisible(text.endswith("create it"))

    def on_create(self) -> None:
        self.create_requested.emit()
        self.accept()


def _masked(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)  # hidden once typed
    field.setAccessibleName(name)
    field.setPlaceholderText(name)
    return field


class ApplicationDialog(QDialog):
    """Record an application received from the educator (paper or the online form): its kind
    and the classification applied for; it then waits in the applications queue."""

    def __init__(
        self, services: ServiceContext, profile: EducatorProfile, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.services, self.profile = services, profile
        self.setWindowTitle(f"Application from {profile.row.display_name}")
        self.setMinimumWidth(460)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of application")
        for kind in rules.APPLICATION_KINDS:
            self.kind.addItem(kind.capitalize(), kind)
        self.classification = QComboBox(self)
        self.classification.setAccessibleName("Classification applied for")
        for code, klass in rules.CLASSIFICATIONS.items():
            self.classification.addItem(f"{code}: {klass.name}", code)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Kind:", self.kind)
        form.addRow("&Classification:", self.classification)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(lambda _i: self.on_kind_changed())
        self.on_kind_changed()

    def on_kind_changed(self) -> None:
        """Suggest what the kind usually asks for (an upgrade: the held certificate's next)."""
        kind = str(self.kind.currentData())
        held = {c.classification for c in self.profile.certificates if c.status == "active"}
        upgrade = next(
            (rules.CLASSIFICATIONS[h].upgrade_to for h in held if h in rules.CLASSIFICATIONS),
            "",
        )
        suggested = {"substitute": "SUB", "initial": "IPC", "upgrade": upgrade}.get(kind, "")
        if kind == "renewal" and held:
            suggested = sorted(held)[0]
        if suggested:
            self.classification.setCurrentIndex(self.classification.findData(suggested))

    def on_save(self) -> None:
        self.error.setText("Saving…")
        ops.op(
            submit,
            self.services,
            self.profile.row.id,
            str(self.kind.currentData()),
            str(self.classification.currentData()),
        ).success(lambda _id: self.accept()).failure(lambda exc: self.error.setText(str(exc))).run(
            "writer", initiator=self
        )
