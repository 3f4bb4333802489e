"""The settings dialog, built from the declared settings (one tab per section, one editor per type).

No setting has a hand-written form: declaring a :class:`~desk_app.settings.Setting` is enough to
see it here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desk_app.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import ROLE_TITLES, Perm
from desk_app.settings import SETTINGS, Setting, Settings
from desk_app.views import ops
from desk_app.views.dialogs.connection_test import ConnectionTest

if TYPE_CHECKING:
    from desk_app.services.context import ServiceContext


def with_mnemonic(text: str, taken: set[str]) -> str:
    """Put ``&`` before the first letter of ``text`` not yet used as a mnemonic in ``taken``."""
    for i, char in enumerate(text):
        if char.isalpha() and char.lower() not in taken:
            taken.add(char.lower())
            return f"{text[:i]}&{text[i:]}"
    return text


def make_editor(setting: Setting, value: Any, parent: QWidget) -> tuple[QWidget, Callable[[], Any]]:
    """An editor for ``setting`` showing ``value``, and a function that reads it back."""
    if setting.type is bool:
        box = QCheckBox(parent)
        box.setChecked(bool(value))
        return box, box.isChecked
    if setting.type is int:
        spin = QSpinBox(parent)
        spin.setRange(
            int(setting.minimum if setting.minimum is not None else -1_000_000_000),
            int(setting.maximum if setting.maximum is not None else 1_000_000_000),
        )
        spin.setValue(int(value))
        return spin, spin.value
    if setting.type is float:
        dspin = QDoubleSpinBox(parent)
        dspin.setDecimals(2)
        dspin.setSingleStep(0.05)
        dspin.setRange(
            setting.minimum if setting.minimum is not None else -1e9,
            setting.maximum if setting.maximum is not None else 1e9,
        )
        dspin.setValue(float(value))
        return dspin, dspin.value
    if setting.choices:
        combo = QComboBox(parent)
        combo.addItems(list(setting.choices))
        combo.setCurrentIndex(max(0, combo.findText(str(value))))
        return combo, combo.currentText
    line = QLineEdit(str(value), parent)
    line.setMinimumWidth(260)
    return line, lambda: line.text().strip()


LOCAL_FOLDERS = ("fax_folder", "mail_folder")  # folders on this machine: a Browse button
SAMPLE_FAX_NAME = "fax_5735550100_20261204-0915.tif"  # how the agency's fax server names files


def fax_pattern_example(pattern: str) -> str:
    """What ``pattern`` finds in a sample fax file name, in words (or why it cannot), on short
    lines (a wrapped label in a form was cut off at 150 %)."""
    import re

    try:
        found = re.search(pattern, SAMPLE_FAX_NAME)
    except re.error as exc:
        return f"Not a valid pattern: {exc}"
    if found is None:
        return f"Finds no fax number in {SAMPLE_FAX_NAME}:\nthe sender's number stays blank."
    number = found.groupdict().get("fax") or found.group(0)
    lines = [
        f"Example: {SAMPLE_FAX_NAME} gives {number}.",
        "The sender's fax number is read from the file name with this regular expression:",
    ]
    if "\\d{10}" in pattern:
        lines.append("\\d{10} means ten digits in a row; (?P<fax>...) marks the number.")
    else:
        lines.append("(?P<fax>...) marks the part that is the number.")
    return "\n".join(lines)


def _with_browse(line: QLineEdit, title: str, parent: QWidget) -> QWidget:
    row = QWidget(parent)
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(line, 1)
    browse = QPushButton("Browse…", row)
    browse.setAccessibleName(f"Browse for the {title.lower()}")

    def choose() -> None:
        folder = QFileDialog.getExistingDirectory(row, title, line.text())
        if folder:
            line.setText(folder)

    browse.clicked.connect(choose)
    lay.addWidget(browse)
    return row


class SettingsDialog(QDialog):
    """Edit the operator's settings; OK validates every value, then saves the file atomically.

    Signals:
        settings_saved(list): names of the settings whose value changed.
    """

    settings_saved = Signal(list)

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        services: ServiceContext | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.settings = settings
        self.services = services
        self.editors: dict[str, QWidget] = {}
        self._readers: dict[str, Callable[[], Any]] = {}
        self._forms: dict[str, tuple[QWidget, QFormLayout, set[str]]] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Settings sections")
        self._build_tabs()
        if services is not None:  # the tests need the operator's secrets and permissions
            self._add_connection_tests(services)
        self.error = QLabel("", self)
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Settings error")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.on_ok)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _build_tabs(self) -> None:
        sections: dict[str, list[Setting]] = {}
        for setting in SETTINGS.values():
            sections.setdefault(setting.section, []).append(setting)
        taken_tabs: set[str] = set()
        for section, members in sections.items():
            page = QWidget(self.tabs)
            form = QFormLayout(page)
            taken: set[str] = set("oc")  # &OK and &Cancel own these
            for setting in members:
                editor, reader = make_editor(setting, self.settings[setting.name], page)
                editor.setObjectName(f"setting-{setting.name}")
                editor.setAccessibleName(setting.title)
                shown: QWidget = editor
                if setting.name in LOCAL_FOLDERS and isinstance(editor, QLineEdit):
                    shown = _with_browse(editor, setting.title, page)
                form.addRow(with_mnemonic(setting.title, taken), shown)
                if setting.name == "fax_number_pattern" and isinstance(editor, QLineEdit):
                    self.fax_example = QLabel(fax_pattern_example(editor.text()), page)
                    self.fax_example.setWordWrap(False)  # short lines, never cut off
                    self.fax_example.setObjectName("fax-pattern-example")
                    editor.textChanged.connect(
                        lambda text: self.fax_example.setText(fax_pattern_example(text))
                    )
                    form.addRow("", self.fax_example)
                self.editors[setting.name] = editor
                self._readers[setting.name] = reader
            self._forms[section] = (page, form, taken)
            self.tabs.addTab(page, with_mnemonic(section, taken_tabs))

    def _password_row(self, section: str, title: str, tip: str) -> QLineEdit:
        page, form, taken = self._forms[section]
        line = QLineEdit(page)
        line.setEchoMode(QLineEdit.EchoMode.Password)
        line.setPlaceholderText("blank = keep the stored one")
        line.setToolTip(tip)
        line.setAccessibleName(title)
        form.addRow(with_mnemonic(title, taken), line)
        return line

    def _tester(
        self, section: str, what: str, probe: Callable[[], Callable[[], Any]]
    ) -> ConnectionTest:
        page, form, taken = self._forms[section]
        tester = ConnectionTest(what, probe, page)
        tester.button.setText(with_mnemonic("Test connection", taken))
        form.addRow("", tester)
        return tester

    def _add_connection_tests(self, services: ServiceContext) -> None:
        """Password rows (kept in the OS keyring on OK) and a "Test connection" for the mail
        server and the central database, each trying the values as edited."""
        self.imap_password = self._password_row(
            "Intake", "IMAP password", "Kept in the Windows credential store, never in settings"
        )
        self.sync_password = self._password_row(
            "Sync",
            "Central database password",
            "Kept in the Windows credential store; blank when the server signs you in by "
            "Kerberos or a client certificate",
        )
        self.imap_test = self._tester("Intake", "mail server", self._mailbox_probe)
        self.central_test = self._tester("Sync", "central database", self._central_probe)
        role = ROLE_TITLES.get(services.actor.role, "operator without a role")
        article = "An" if role[:1].upper() in "AEIOU" else "A"
        for tester, perm in ((self.imap_test, Perm.SETTINGS), (self.central_test, Perm.SYNC)):
            if not services.can(perm):  # shown, so the role's limits are visible, but not usable
                tester.button.setEnabled(False)
                tester.result.setText(f"{article} {role} may not test this connection.")

    def _mailbox_probe(self) -> Callable[[], Any]:
        from desk_app.services.queue.connection import check_mailbox

        v = self.values()
        return lambda: check_mailbox(
            self.services,  # type: ignore[arg-type]
            v["imap_host"],
            v["imap_port"],
            v["imap_security"],
            v["imap_user"],
            v["imap_folder"],
            password=self.imap_password.text() or None,
        )

    def _central_probe(self) -> Callable[[], Any]:
        from desk_app.services.sync.probe import check_central

        url, password = self.values()["sync_url"], self.sync_password.text() or None
        return lambda: check_central(self.services, url, password)  # type: ignore[arg-type]

    def _save_passwords(self) -> None:
        """Typed passwords go to the OS keyring (off the GUI thread), never into settings."""
        if self.services is None:
            return
        imap, central = self.imap_password.text(), self.sync_password.text()
        if imap:
            from desk_app.services.queue.intake import IntakeService

            ops.op(IntakeService(self.services).set_imap_password, imap).run("general")
        if central:
            from desk_app.services.sync.probe import set_sync_password

            ops.op(set_sync_password, self.services, central).run("general")
        self.imap_password.clear()
        self.sync_password.clear()

    def values(self) -> dict[str, Any]:
        return {name: read() for name, read in self._readers.items()}

    def on_ok(self) -> None:
        values = self.values()
        changed = [name for name, value in values.items() if self.settings[name] != value]
        probe = Settings(None)  # validate everything first, so a refusal changes nothing
        try:
            for name in changed:
                probe[name] = values[name]
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        for name in changed:
            self.settings[name] = values[name]
        try:
            self.settings.save()
        except OSError as exc:
            self.error.setText(f"The settings file could not be written: {exc.strerror}")
            return
        self._save_passwords()
        self.settings_saved.emit(changed)
        self.accept()
