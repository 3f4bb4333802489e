"""The field editor: a panel bound to a catalogue form, validating while the operator types.

Required fields carry a red asterisk; a field shows its problem (red border, message below or in
its tooltip) once it has been touched, or for every field after :meth:`FieldEditor.show_all_problems`.
Rules across fields (a role must belong to its application, a used row needs its core fields)
are checked a moment after typing stops. Derived fields (role levels) are computed in Python and
shown read-only; signatures are applied by a signing tool and only reported here.

Signals:
    values_changed(dict): the values after an edit (debounced).
    validity_changed(bool): whether the form has no problems left.
"""

from __future__ import annotations

from typing import Any

from desk_app.pdf.applications import WEB_APPLICATIONS
from desk_app.pdf.catalogue import CHECKED, FieldSpec, FormSpec
from desk_app.pdf.derive import derived_values
from desk_app.pdf.validate import field_problem, validate
from desk_app.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

STYLE = """
QLineEdit[invalid="true"], QComboBox[invalid="true"] { border: 1px solid #b3261e; background: #fff4f3; }
QCheckBox[invalid="true"] { color: #b3261e; }
QLabel[role="error"] { color: #b3261e; font-size: 11px; }
QLabel[role="summary-bad"] { color: #b3261e; font-weight: 600; }
QLabel[role="summary-ok"] { color: #1e7b34; font-weight: 600; }
QLineEdit[readOnly="true"] { background: #eef0f3; color: #444; }
"""
REQUIRED_MARK = ' <span style="color:#b3261e">*</span>'
TABLE_HEADERS = {
    "users": (
        ("first_name", "First name"),
        ("last_name", "Last name"),
        ("email", "Email"),
        ("username", "Username"),
    ),
    "roles": (
        ("user", "User"),
        ("app", "Application"),
        ("role", "Role"),
        ("action", "Action"),
        ("level", "Level"),
        ("building", "Building"),
    ),
}


def _label(f: FieldSpec, text: str | None = None) -> QLabel:
    label = QLabel((text or f.label) + (REQUIRED_MARK if f.required else ""))
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class FieldEditor(QWidget):
    """Edit the values of one form (see module docstring)."""

    values_changed = Signal(dict)
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec: FormSpec | None = None
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._touched: set[str] = set()
        self._show_all = False
        self._valid: bool | None = None
        self._problems: dict[str, str] = {}
        self._loading = False
        self._table_errors: dict[str, tuple[QLabel, tuple[str, ...]]] = {}
        self.setStyleSheet(STYLE)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.summary = QLabel(self)
        self.fields_area = QScrollArea(self)
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.fields_area, 1)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._check_all)

    # --- public API --------------------------------------------------------------------------
    def set_form(self, spec: FormSpec, values: dict[str, str] | None = None) -> None:
        """Build the inputs of ``spec`` and load ``values``."""
        self.spec = spec
        self.inputs.clear()
        self.errors.clear()
        self._table_errors.clear()
        self._touched.clear()
        self._show_all = False
        self._valid = None
        self.title.setText(
            f"<b>{spec.number}</b> {spec.title}<br><small>edition {spec.edition}"
            f" \u00b7 PIN {spec.pin_policy}</small>"
        )
        body = QWidget()
        box = QVBoxLayout(body)
        for section in spec.sections:
            box.addWidget(self._section(spec, section.key, section.title, section.layout))
        box.addStretch(1)
        self.fields_area.setWidget(body)
        self.set_values(values or {})

    def set_values(self, values: dict[str, str]) -> None:
        """Load ``values`` (missing fields become empty) without marking anything touched."""
        self._loading = True
        try:
            for name, widget in self.inputs.items():
                self._write(name, widget, values.get(name, ""))
            for name in self.inputs:
                self._narrow_roles(name)
        finally:
            self._loading = False
        self._check_all()

    def values(self) -> dict[str, str]:
        """The current values, derived fields recomputed, signatures left out."""
        assert self.spec is not None
        out = {
            name: self._read(w)
            for name, w in self.inputs.items()
            if self.spec.field(name).kind != "signature"
        }
        out.update(derived_values(self.spec, out))
        return out

    def problems(self) -> dict[str, str]:
        """Field name -> problem, for every field (touched or not)."""
        return dict(self._problems)

    def show_all_problems(self) -> None:
        """Mark every problem, also in fields not touched yet (before saving)."""
        self._show_all = True
        self._check_all()

    # --- construction ------------------------------------------------------------------------
    def _section(self, spec: FormSpec, key: str, title: str, layout: str) -> QGroupBox:
        group = QGroupBox(title, self)
        fields = spec.fields_in(key)
        if layout in TABLE_HEADERS:
            box = QVBoxLayout(group)
            box.addLayout(self._table(fields, layout))
            errors = QLabel("", group)
            errors.setProperty("role", "error")
            errors.setWordWrap(True)
            errors.hide()
            box.addWidget(errors)
            self._table_errors[key] = (errors, tuple(f.name for f in fields))
            return group
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in fields:
            holder = QWidget(group)
            col = QVBoxLayout(holder)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(1)
            col.addWidget(self._input(f))
            error = QLabel("", holder)
            error.setProperty("role", "error")
            error.hide()
            col.addWidget(error)
            self.errors[f.name] = error
            form.addRow(_label(f), holder)
        return group

    def _table(self, fields: tuple[FieldSpec, ...], layout: str) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(3)
        by_name = {f.name: f for f in fields}
        prefix = "user" if layout == "users" else "role"
        columns = [
            (k, t) for k, t in TABLE_HEADERS[layout] if any(n.endswith("_" + k) for n in by_name)
        ]
        for c, (_k, text) in enumerate(columns, start=1):
            grid.addWidget(QLabel(f"<small><b>{text}</b></small>"), 0, c)
        rows = sorted({int(n.split("_")[1]) for n in by_name})
        for r in rows:
            grid.addWidget(QLabel(f"{r}"), r, 0)
            for c, (k, _t) in enumerate(columns, start=1):
                f = by_name.get(f"{prefix}_{r}_{k}")
                if f is not None:
                    w = self._input(f)
                    w.setToolTip(f.label + (" (required)" if f.required else ""))
                    grid.addWidget(w, r, c)
        for c, (k, _t) in enumerate(columns, start=1):
            grid.setColumnStretch(
                c,
                {"email": 3, "role": 3, "app": 2}.get(
                    k, 1 if k in ("level", "user", "action", "building") else 2
                ),
            )
        return grid

    def _input(self, f: FieldSpec) -> QWidget:
        w: QWidget
        if f.kind == "checkbox":
            w = QCheckBox("")  # the row label carries the statement being ticked
            w.toggled.connect(lambda _v, n=f.name: self._on_edited(n))
        elif f.kind == "choice":
            w = QComboBox()
            w.addItems(["", *f.options])
            w.currentTextChanged.connect(lambda _v, n=f.name: self._on_edited(n))
        elif f.kind == "signature":
            w = QLabel("applied with a signing tool, or by hand on paper")
            w.setEnabled(False)
        else:
            w = QLineEdit()
            if f.max_length:
                w.setMaxLength(f.max_length)
            if f.kind == "date":
                w.setPlaceholderText("MM/DD/YYYY")
            if f.kind == "pin":
                w.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
            if f.derived:
                w.setReadOnly(True)
                w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            w.textEdited.connect(lambda _v, n=f.name: self._on_edited(n))
        w.setObjectName(f.name)
        self.inputs[f.name] = w
        return w

    # --- values ------------------------------------------------------------------------------
    @staticmethod
    def _read(w: QWidget) -> str:
        if isinstance(w, QCheckBox):
            return CHECKED if w.isChecked() else ""
        if isinstance(w, QComboBox):
            return w.currentText()
        if isinstance(w, QLineEdit):
            return w.text().strip()
        return ""

    @staticmethod
    def _write(name: str, w: QWidget, value: str) -> None:
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            if value and w.findText(value) < 0:
                w.addItem(value)  # a value from a returned form that is not an option: show it
            w.setCurrentText(value)
        elif isinstance(w, QLineEdit):
            w.setText(value)
        elif isinstance(w, QLabel) and name:
            w.setText(
                "signed (digital signature present)"
                if value
                else "not signed digitally: check the paper signature"
            )

    def _narrow_roles(self, name: str) -> None:
        """Offer only the chosen application's roles in the same row."""
        if not (name.startswith("role_") and name.endswith("_app")):
            return
        role_box = self.inputs.get(name[: -len("app")] + "role")
        app = WEB_APPLICATIONS.get(self._read(self.inputs[name]))
        if not isinstance(role_box, QComboBox) or self.spec is None:
            return
        current = role_box.currentText()
        allowed = self.spec.field(role_box.objectName()).options
        codes = [r.code for r in app.roles if r.code in allowed] if app else list(allowed)
        role_box.blockSignals(True)
        role_box.clear()
        role_box.addItems(["", *codes])
        role_box.setCurrentText(current if current in codes else "")
        role_box.blockSignals(False)

    # --- validation --------------------------------------------------------------------------
    def _on_edited(self, name: str) -> None:
        if self._loading or self.spec is None:
            return
        self._touched.add(name)
        self._narrow_roles(name)
        problem = field_problem(self.spec.field(name), self._read(self.inputs[name]))
        self._mark(name, problem)
        self._timer.start()

    def _mark(self, name: str, problem: str | None) -> None:
        show = problem if (self._show_all or name in self._touched) else None
        w = self.inputs[name]
        if bool(w.property("invalid")) != bool(show):
            w.setProperty("invalid", bool(show))
            w.style().unpolish(w)
            w.style().polish(w)
        error = self.errors.get(name)
        if error is not None:
            error.setText(show or "")
            error.setVisible(bool(show))
        elif self.spec is not None:
            f = self.spec.field(name)
            w.setToolTip(f.label + (f": {show}" if show else (" (required)" if f.required else "")))

    def _mark_tables(self) -> None:
        assert self.spec is not None
        for label, names in self._table_errors.values():
            lines = [
                f"{self.spec.field(n).label}: {self._problems[n]}"
                for n in names
                if n in self._problems and (self._show_all or n in self._touched)
            ]
            label.setText("\n".join(lines))
            label.setVisible(bool(lines))

    def _check_all(self) -> None:
        if self.spec is None:
            return
        values = self.values()
        for name, value in derived_values(self.spec, values).items():
            widget = self.inputs.get(name)
            if isinstance(widget, QLineEdit) and widget.text() != value:
                widget.setText(value)
        self._problems = validate(self.spec, values)
        for name in self.inputs:
            self._mark(name, self._problems.get(name))
        self._mark_tables()
        count = len(self._problems)
        self.summary.setText(
            "Ready: every field is acceptable"
            if not count
            else f"{count} field{'s need' if count > 1 else ' needs'} attention"
        )
        self.summary.setProperty("role", "summary-ok" if not count else "summary-bad")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)
        valid = not count
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        if not self._loading:
            self.values_changed.emit(values)

    def field_widget(self, name: str) -> Any:
        """The input widget of field ``name`` (tests, focus on a problem)."""
        return self.inputs[name]
