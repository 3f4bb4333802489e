"""The settings dialog, built from the declared settings (one tab per section, one editor per type).

No setting has a hand-written form: declaring a :class:`~desk_app.settings.Setting` is enough to
see it here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from desk_app.settings import SETTINGS, Setting, Settings


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
    """What ``pattern`` finds in a sample fax file name, in words (or why it cannot)."""
    import re

    try:
        found = re.search(pattern, SAMPLE_FAX_NAME)
    except re.error as exc:
        return f"Not a valid pattern: {exc}"
    if found is None:
        return f"Finds no fax number in {SAMPLE_FAX_NAME!r}."
    number = found.groupdict().get("fax") or found.group(0)
    return (
        f"The sender's fax number is read from the file name. Example: {SAMPLE_FAX_NAME!r} "
        f"gives {number}. Write it as a regular expression; (?P<fax>...) marks the number."
    )


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

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        self._readers: dict[str, Callable[[], Any]] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Settings sections")
        self._build_tabs()
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
                    self.fax_example.setWordWrap(True)
                    self.fax_example.setObjectName("fax-pattern-example")
                    editor.textChanged.connect(
                        lambda text: self.fax_example.setText(fax_pattern_example(text))
                    )
                    form.addRow("", self.fax_example)
                self.editors[setting.name] = editor
                self._readers[setting.name] = reader
            self.tabs.addTab(page, with_mnemonic(section, taken_tabs))

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
        self.settings_saved.emit(changed)
        self.accept()
