"""Dialogs of directory upkeep: an entity's facts, a building, an officer appointment.

Each dialog only collects values (``values()``); the Entities page hands them to the directory
upkeep service, which checks them and says what is wrong in the agency's words.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from desk_app.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.codes import KIND_RULES
from desk_app.services.directory.dto import EntityDetail

OFFICER_ROLE_TITLES = {
    "superintendent": "Superintendent",
    "authorized_representative": "Authorized representative",
    "agency_contact": "Agency contact",
}


def parse_day(text: str) -> date | None:
    """``YYYY-MM-DD`` to a date; empty text is no date. Raises ValueError on anything else."""
    text = text.strip()
    return date.fromisoformat(text) if text else None


class _FormDialog(QDialog):
    """A titled form with OK / Cancel and a line for what was wrong last time."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.problem = QLabel("", self)
        self.problem.setAccessibleName("Problem with the values")
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def line(self, label: str, value: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value, self)
        edit.setAccessibleName(label.replace("&", ""))
        edit.setPlaceholderText(placeholder)
        self.form.addRow(label, edit)
        return edit

    def combo(self, label: str, items: dict[str, str], current: str = "") -> QComboBox:
        box = QComboBox(self)
        box.setAccessibleName(label.replace("&", ""))
        for key, title in items.items():
            box.addItem(title, key)
        if current:
            box.setCurrentIndex(max(0, box.findData(current)))
        self.form.addRow(label, box)
        return box

    def _accept(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            self.problem.setText(f"Check the dates (YYYY-MM-DD): {exc}")
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        raise NotImplementedError


class EntityDialog(_FormDialog):
    """New entity (``detail`` None) or the facts of an existing one."""

    def __init__(self, detail: EntityDetail | None, parent: QWidget | None = None) -> None:
        super().__init__("Edit entity" if detail else "New entity", parent)
        d = detail
        kinds = {r.kind.value: r.title for r in KIND_RULES.values()}
        self.name = self.line("&Name:", d.row.name if d else "")
        self.kind = self.combo("&Kind:", kinds, d.row.kind if d else "lea")
        self.code = self.line("&Code:", d.row.code if d else "", "048-078, 002516, P01234…")
        self.county = self.line("C&ounty code:", d.county_code if d else "", "3 digits, e.g. 048")
        self.city = self.line("C&ity:", d.row.city if d else "")
        self.address = self.line("&Address:", d.address if d else "")
        self.phone = self.line("&Phone:", d.phone if d else "")
        self.fax = self.line("&Fax:", d.fax if d else "")
        self.email = self.line("&Email:", d.email if d else "")
        self.status = self.combo(
            "&Status:", {"open": "Open", "closed": "Closed"}, d.status if d else "open"
        )
        self.opened = self.line("Opened o&n:", _day(d.opened_on if d else None), "YYYY-MM-DD")
        self.closed = self.line("C&losed on:", _day(d.closed_on if d else None), "YYYY-MM-DD")

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text().strip(),
            "kind": self.kind.currentData(),
            "code": self.code.text().strip(),
            "county": self.county.text().strip(),
            "city": self.city.text().strip(),
            "address": self.address.text().strip(),
            "phone": self.phone.text().strip(),
            "fax": self.fax.text().strip(),
            "email": self.email.text().strip(),
            "status": self.status.currentData(),
            "opened_on": parse_day(self.opened.text()),
            "closed_on": parse_day(self.closed.text()),
        }


class BuildingDialog(_FormDialog):
    def __init__(self, entity_name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"New building of {entity_name}", parent)
        self.code = self.line("&Code:", "", "4 digits, e.g. 1050")
        self.name = self.line("&Name:")
        self.grades = self.line("&Grades:", "", "K-5")

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text().strip(),
            "name": self.name.text().strip(),
            "grades": self.grades.text().strip(),
        }


class OfficerDialog(_FormDialog):
    """Appoint an officer from a day: a new superintendent ends the previous one the day before."""

    def __init__(self, entity_name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Appoint an officer of {entity_name}", parent)
        self.role = self.combo("&Role:", OFFICER_ROLE_TITLES, "superintendent")
        self.first = self.line("&First name:")
        self.last = self.line("&Last name:")
        self.title_edit = self.line("&Title:", "", "as printed on the forms")
        self.email = self.line("&Email:")
        self.start = self.line("In office &from:", date.today().isoformat(), "YYYY-MM-DD")

    def values(self) -> dict[str, Any]:
        start = parse_day(self.start.text())
        if start is None:
            raise ValueError("the first day in office is required")
        return {
            "role": self.role.currentData(),
            "first_name": self.first.text().strip(),
            "last_name": self.last.text().strip(),
            "title": self.title_edit.text().strip(),
            "email": self.email.text().strip(),
            "start_date": start,
        }


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
