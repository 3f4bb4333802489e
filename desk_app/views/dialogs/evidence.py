"""Entering (or correcting) one item of evidence from its source document.

The form shows the fields of the kind chosen (experience: employer, approved setting, FTE,
contract, dates; professional development in contact or semester hours; ...). Every item needs
its source document: one already on file, a scan or PDF uploaded here (checked or converted by
the sandbox child, kept in the blob store), or a received PDF of the work queue. The save runs on
the writer pool; a refusal (a rule of the form) shows on one line and nothing typed is lost.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

from desk_app.errors import KnownError
from desk_app.qt import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules import certification as rules
from desk_app.services.context import ServiceContext
from desk_app.services.educators import documents, editing
from desk_app.services.educators.evidence import EvidenceEntry, add_evidence
from desk_app.services.educators.evidence_items import EvidenceItem, update_evidence
from desk_app.views import ops

KINDS = (
    ("experience", "Experience"),
    ("mentoring", "Mentoring program"),
    ("professional_development", "Professional development"),
    ("evaluation", "Annual evaluation"),
    ("assessment", "Assessment score"),
    ("transcript", "Transcript received"),
    ("fingerprint", "Fingerprint result"),
    ("background", "Background check result"),
)
# the rows of the form each kind shows (by field name)
ROWS = {
    "experience": ("employer", "setting", "fte", "contracted", "start", "end"),
    "mentoring": ("quantity", "on"),
    "professional_development": ("quantity", "unit", "title", "on"),
    "evaluation": ("title", "on"),
    "assessment": ("title", "score", "passing", "on"),
    "transcript": ("title", "degree", "on"),
    "fingerprint": ("result", "on"),
    "background": ("result", "on"),
}


def _date_edit(parent: QWidget, name: str) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    _set_day(edit, date.today())
    edit.setAccessibleName(name)
    return edit


def _set_day(edit: QDateEdit, day: date) -> None:
    edit.setDate(day)  # type: ignore[arg-type]  # PySide6 takes a Python date


def _day(edit: QDateEdit) -> date:
    return cast(date, edit.date().toPython())


class EvidenceDialog(QDialog):
    """Add evidence to a profile, or correct ``item`` (its kind then stays)."""

    def __init__(
        self,
        services: ServiceContext,
        educator_id: str,
        sources: tuple[documents.SourceDocument, ...],
        item: EvidenceItem | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.educator_id, self.item = services, educator_id, item
        self.setWindowTitle("Correct evidence" if item else "Add evidence")
        self.saved = False
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of evidence")
        for code, title in KINDS:
            self.kind.addItem(title, code)
        self._build_fields()
        self.source = QComboBox(self)
        self.source.setAccessibleName("Source document")
        self.source.setMinimumContentsLength(28)
        for doc in sources:
            self.source.addItem(doc.label, doc.id)
        self.upload = QPushButton("U&pload scan or PDF…", self)
        self.link = QPushButton("From the &queue…", self)
        self.link.setAccessibleName("Link a received document of the work queue")
        self.view = QPushButton("&View source", self)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._layout()
        self.kind.currentIndexChanged.connect(lambda _i: self.on_kind_changed())
        self.upload.clicked.connect(self.on_upload)
        self.link.clicked.connect(self.on_link)
        self.view.clicked.connect(self.on_view)
        self.pd_amount.valueChanged.connect(lambda _v: self._show_conversion())
        self.pd_unit.currentIndexChanged.connect(lambda _i: self._show_conversion())
        self.buttons.accepted.connect(self.on_save)
        self.buttons.rejected.connect(self.reject)
        if item is not None:
            self._fill(item)
        self.on_kind_changed()

    def _build_fields(self) -> None:
        self.employer = QLineEdit(self)
        self.setting = QComboBox(self)
        self.setting.setAccessibleName("Setting (approved list)")
        for setting in rules.APPROVED_EXPERIENCE_SETTINGS:
            self.setting.addItem(setting, setting)
        self.fte = QDoubleSpinBox(self)
        self.fte.setRange(0.05, 1.0)
        self.fte.setSingleStep(0.05)
        self.fte.setValue(1.0)
        self.fte.setAccessibleName("FTE, share of full time")
        self.contracted = QCheckBox("Contracted employment", self)
        self.contracted.setChecked(True)
        self.start, self.end = _date_edit(self, "Start date"), _date_edit(self, "End date")
        self.pd_amount = QDoubleSpinBox(self)
        self.pd_amount.setRange(0.0, 9999.0)
        self.pd_amount.setDecimals(2)
        self.pd_amount.setAccessibleName("Amount")
        self.pd_unit = QComboBox(self)
        self.pd_unit.addItem("contact hours", "contact_hours")
        self.pd_unit.addItem("semester hours (1 = 15 contact hours)", "semester_hours")
        self.pd_unit.setAccessibleName("Unit")
        self.conversion = QLabel("", self)
        self.title = QLineEdit(self)
        self.degree = QLineEdit(self)
        self.score, self.passing = QSpinBox(self), QSpinBox(self)
        for spin, name in ((self.score, "Score"), (self.passing, "Qualifying score")):
            spin.setRange(0, 999)
            spin.setAccessibleName(name)
        self.outcome = QComboBox(self)
        self.outcome.setAccessibleName("Result")
        self.on = _date_edit(self, "Date")

    def _layout(self) -> None:
        self.form = QFormLayout()
        self.form.addRow("&Kind:", self.kind)
        pd_row = QWidget(self)
        pd_layout = QHBoxLayout(pd_row)
        pd_layout.setContentsMargins(0, 0, 0, 0)
        pd_layout.addWidget(self.pd_amount)
        pd_layout.addWidget(self.conversion, 1)
        pd_row.setFocusProxy(self.pd_amount)  # the label's Alt+A lands in the amount
        self._rows: dict[str, tuple[str, QWidget]] = {
            "employer": ("&Employer:", self.employer),
            "setting": ("Sett&ing:", self.setting),
            "fte": ("&FTE:", self.fte),
            "contracted": ("", self.contracted),
            "start": ("S&tart:", self.start),
            "end": ("E&nd:", self.end),
            "quantity": ("&Amount:", pd_row),
            "unit": ("U&nit:", self.pd_unit),
            "title": ("&Title:", self.title),
            "degree": ("&Degree:", self.degree),
            "score": ("Sc&ore:", self.score),
            "passing": ("Qualif&ying score:", self.passing),
            "result": ("&Result:", self.outcome),
            "on": ("Dat&e:", self.on),
        }
        for label, widget in self._rows.values():
            self.form.addRow(label, widget)
        source_row = QWidget(self)
        source_layout = QHBoxLayout(source_row)
        source_layout.setContentsMargins(0, 0, 0, 0)
        source_layout.addWidget(self.source, 1)
        source_layout.addWidget(self.view)
        source_row.setFocusProxy(self.source)
        self.form.addRow("So&urce document:", source_row)
        more = QHBoxLayout()
        more.addWidget(self.upload)
        more.addWidget(self.link)
        more.addStretch(1)
        self.form.addRow("", more)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def on_kind_changed(self) -> None:
        kind = self.current_kind()
        shown = ROWS[kind]
        for name, (_label, widget) in self._rows.items():
            self.form.setRowVisible(widget, name in shown)
        titles = {
            "assessment": "A&ssessment:",
            "transcript": "&Institution:",
            "professional_development": "Ac&tivity:",
            "evaluation": "Evaluation &title:",
        }
        label = self.form.labelForField(self._rows["title"][1])
        if isinstance(label, QLabel):
            label.setText(titles.get(kind, "&Title:"))
        if kind in ("fingerprint", "background"):
            allowed = (
                editing.FINGERPRINT_RESULTS if kind == "fingerprint" else editing.BACKGROUND_RESULTS
            )
            self.outcome.clear()
            for value in allowed:
                self.outcome.addItem(value, value)
        self._show_conversion()
        self.adjustSize()

    def _show_conversion(self) -> None:
        unit = str(self.pd_unit.currentData())
        hours = rules.contact_hours(self.pd_amount.value(), unit)
        self.conversion.setText(f"= {hours:g} contact hours" if unit == "semester_hours" else "")

    def _fill(self, item: EvidenceItem) -> None:
        e = item.entry
        self.kind.setCurrentIndex(self.kind.findData(item.kind))
        self.kind.setEnabled(False)
        self.employer.setText(e.employer)
        if self.setting.findData(e.setting) < 0 and e.setting:
            self.setting.addItem(f"{e.setting} (not approved)", e.setting)
        self.setting.setCurrentIndex(self.setting.findData(e.setting))
        if e.fte is not None:
            self.fte.setValue(e.fte)
        self.contracted.setChecked(e.contracted is not False)  # unknown counts, as in the rules
        for edit, value in ((self.start, e.start), (self.end, e.end), (self.on, e.on)):
            if value is not None:
                _set_day(edit, value)
        self.pd_amount.setValue(e.quantity)
        if e.unit in ("contact_hours", "semester_hours"):
            self.pd_unit.setCurrentIndex(self.pd_unit.findData(e.unit))
        self.title.setText(e.title)
        self.degree.setText(e.degree)
        self.score.setValue(e.score)
        self.passing.setValue(e.passing_score)
        found = self.source.findData(e.document_ref)
        if found < 0 and e.document_ref:
            self.source.addItem(e.document_ref, e.document_ref)  # named in words (older entry)
            found = self.source.count() - 1
        self.source.setCurrentIndex(found)

    def entry(self) -> EvidenceEntry:
        """What the form says, as the service takes it."""
        kind = self.current_kind()
        return EvidenceEntry(
            kind=kind,
            document_ref=str(self.source.currentData() or ""),
            on=_day(self.on),
            quantity=self.pd_amount.value(),
            unit=str(self.pd_unit.currentData()) if kind == "professional_development" else "",
            employer=self.employer.text(),
            setting=str(self.setting.currentData() or ""),
            fte=self.fte.value(),
            contracted=self.contracted.isChecked(),
            start=_day(self.start),
            end=_day(self.end),
            title=self.title.text(),
            degree=self.degree.text(),
            score=self.score.value(),
            passing_score=self.passing.value(),
        )

    # --- source documents ------------------------------------------------------------------------
    def on_upload(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "Source document", "", "Scans and PDFs (*.pdf *.tif *.tiff *.png *.jpg *.jpeg)"
        )
        if name:
            self.upload_file(Path(name))

    def upload_file(self, path: Path) -> None:
        """Read the file (bytes only, on the pool: a scan can be large) and hand it to the
        sandbox child through the service."""
        services, educator_id = self.services, self.educator_id

        def attach() -> documents.Attached:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise KnownError(f"cannot read {path.name}: {exc.strerror}") from None
            return documents.attach_upload(services, educator_id, data, path.name)

        self.error.setText(f"Checking {path.name} in the sandbox…")
        ops.op(attach).success(self.on_attached).failure(
            lambda exc: self.error.setText(str(exc))
        ).run("writer", initiator=self)

    def on_link(self) -> None:
        text, ok = QInputDialog.getText(self, "Received document", "Work-queue submission id:")
        if ok and text.strip():
            self.link_submission(text.strip())

    def link_submission(self, submission_id: str) -> None:
        ops.op(documents.attach_submission, self.services, self.educator_id, submission_id).success(
            self.on_attached
        ).failure(lambda exc: self.error.setText(str(exc))).run("writer", initiator=self)

    def on_attached(self, attached: documents.Attached) -> None:
        self.source.addItem(attached.document.label, attached.document.id)
        self.source.setCurrentIndex(self.source.count() - 1)
        self.error.setText(f"{attached.document.filename} kept as the source document.")

    def on_view(self) -> None:
        from desk_app.views.dialogs.source_document import SourceDocumentDialog

        document_id = str(self.source.currentData() or "")
        if document_id:
            SourceDocumentDialog.open_for(self.services, document_id, self)

    # --- save --------------------------------------------------------------------------------------
    def on_save(self) -> None:
        entry = self.entry()
        kind = entry.kind
        self.error.setText("Saving…")
        if kind in ("fingerprint", "background"):
            operation = ops.op(
                editing.record_checks,
                self.services,
                self.educator_id,
                kind=kind,
                result=str(self.outcome.currentData()),
                on=entry.on or date.today(),
                document_ref=entry.document_ref,
            )
        elif self.item is not None:
            operation = ops.op(update_evidence, self.services, self.item.id, entry)
        else:
            operation = ops.op(add_evidence, self.services, self.educator_id, entry)
        operation.success(self.on_saved).failure(lambda exc: self.error.setText(str(exc))).run(
            "writer", initiator=self
        )

    def on_saved(self, _result: object) -> None:
        self.saved = True
        self.accept()
