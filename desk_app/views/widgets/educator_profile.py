"""The educator profile pane: certificates, applications, scores, transcripts, fingerprints,
upgrade progress; the audited closed-data reveal; certificate printing."""

from __future__ import annotations

from html import escape

from desk_app.qt import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.services.educators.dto import ClosedData, EducatorProfile
from desk_app.services.educators.evidence_items import EvidenceItem
from desk_app.views.tablemodels.certification import EvidenceTableModel
from desk_app.views.tablemodels.educators import FINGERPRINT_TITLES


class EducatorProfilePane(QWidget):
    """Signals:
    reveal_requested(str): the operator asked to see this educator's SSN and date of birth.
    print_requested(str): the operator asked to print the certificate with this id.
    edit_requested(): edit the contact details and username of the profile shown.
    evidence_requested(object): add evidence (``None``) or correct the EvidenceItem given.
    source_requested(str): show the source document with this id.
    """

    reveal_requested = Signal(str)
    print_requested = Signal(str)
    edit_requested = Signal()
    application_requested = Signal()
    evidence_requested = Signal(object)
    source_requested = Signal(str)

    def __init__(
        self,
        can_reveal: bool,
        can_print: bool,
        can_edit: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile: EducatorProfile | None = None
        self.text = QTextBrowser(self)
        self.text.setAccessibleName("Educator profile")
        self.closed = QLabel("", self)
        self.closed.setAccessibleName("Closed data")
        self.closed.setTextInteractionFlags(self.closed.textInteractionFlags())
        self.reveal = QPushButton("Show SSN and &birth date", self)
        self.reveal.setAccessibleName("Show SSN and date of birth (recorded in the audit log)")
        self.reveal.setToolTip("Each view is recorded in the audit log.")
        self.reveal.setVisible(can_reveal)
        self.print_button = QPushButton("&Print certificate…", self)
        self.print_button.setAccessibleName("Print the current certificate")
        self.print_button.setVisible(can_print)
        self.edit = QPushButton("&Edit profile…", self)
        self.application = QPushButton("Recor&d application…", self)
        self.application.setAccessibleName("Record an application received from this educator")
        self.add_evidence = QPushButton("Add ev&idence…", self)
        self.edit_evidence = QPushButton("Edi&t evidence…", self)
        self.view_source = QPushButton("View so&urce", self)
        self.view_source.setAccessibleName("View the source document of the evidence selected")
        for b in (self.edit, self.application, self.add_evidence, self.edit_evidence):
            b.setVisible(can_edit)
        self.evidence_model = EvidenceTableModel(self)
        self.evidence = QTableView(self)
        self.evidence.setModel(self.evidence_model)
        self.evidence.setAccessibleName("Evidence on file")
        self.evidence.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.evidence.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.evidence.verticalHeader().setVisible(False)
        self.evidence.horizontalHeader().setStretchLastSection(True)
        buttons = QHBoxLayout()
        for b in (self.reveal, self.print_button, self.edit, self.application):
            buttons.addWidget(b)
        buttons.addStretch(1)
        evidence_buttons = QHBoxLayout()
        for b in (self.add_evidence, self.edit_evidence, self.view_source):
            evidence_buttons.addWidget(b)
        evidence_buttons.addStretch(1)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(evidence_buttons)
        lower_layout.addWidget(self.evidence, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.text)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.closed)
        layout.addWidget(split, 1)
        self.reveal.clicked.connect(self.on_reveal_clicked)
        self.print_button.clicked.connect(self.on_print_clicked)
        self.edit.clicked.connect(self.edit_requested.emit)
        self.application.clicked.connect(self.application_requested.emit)
        self.add_evidence.clicked.connect(lambda: self.evidence_requested.emit(None))
        self.edit_evidence.clicked.connect(self.on_edit_evidence)
        self.view_source.clicked.connect(self.on_view_source)
        self.evidence.doubleClicked.connect(lambda _i: self.on_edit_evidence())
        self.show_message("Select an educator to see the profile.")

    def show_message(self, message: str) -> None:
        self.profile = None
        self.closed.clear()
        for b in (self.reveal, self.print_button, self.edit, self.application, self.add_evidence):
            b.setEnabled(False)
        self.evidence_model.set_rows(())
        self.text.setHtml(f"<p>{escape(message)}</p>")

    def show_profile(self, profile: EducatorProfile) -> None:
        self.profile = profile
        self.closed.clear()
        for b in (self.reveal, self.edit, self.application, self.add_evidence):
            b.setEnabled(True)
        self.print_button.setEnabled(any(c.status == "active" for c in profile.certificates))
        self.text.setHtml(profile_html(profile))

    def show_evidence(self, educator_id: str, items: tuple[EvidenceItem, ...]) -> None:
        if self.profile is not None and self.profile.row.id == educator_id:
            self.evidence_model.set_rows(items)
            self.evidence.resizeColumnsToContents()

    def selected_evidence(self) -> EvidenceItem | None:
        index = self.evidence.currentIndex()
        return self.evidence_model.row_at(index.row()) if index.isValid() else None

    def on_edit_evidence(self) -> None:
        item = self.selected_evidence()
        if item is not None and self.edit_evidence.isVisible():
            self.evidence_requested.emit(item)

    def on_view_source(self) -> None:
        item = self.selected_evidence()
        if item is None:
            return
        if item.source == item.entry.document_ref:  # named in words: there is nothing to show
            self.closed.setText(f"The source of this item is named only as: {item.source}")
            return
        self.source_requested.emit(item.entry.document_ref)

    def show_closed(self, data: ClosedData) -> None:
        if self.profile is None or data.educator_id != self.profile.row.id:
            return
        born = f"{data.date_of_birth:%m/%d/%Y}" if data.date_of_birth else "—"
        digits = "".join(ch for ch in data.ssn or "" if ch.isdigit())
        ssn = f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 9 else data.ssn_masked
        self.closed.setText(f"SSN {ssn} · born {born}  (view recorded)")

    def on_reveal_clicked(self) -> None:
        if self.profile is not None:
            self.reveal_requested.emit(self.profile.row.id)

    def on_print_clicked(self) -> None:
        if self.profile is None:
            return
        active = [c for c in self.profile.certificates if c.status == "active"]
        if active:
            newest = max(active, key=lambda c: c.effective_date)
            self.print_requested.emit(newest.id)


def profile_html(p: EducatorProfile) -> str:
    r = p.row
    out = [
        f"<h3>{escape(r.display_name)}</h3>",
        f"<p>{escape(r.email)} · username {escape(r.username or 'none')}"
        + (
            " · <b>username closed: registers again</b> (marked "
            f"{p.reregistration_marked_at:%Y-%m-%d})"
            if p.reregistration_marked_at
            else (
                " · <b>must re-register</b> (no login for 12 months)"
                if r.needs_registration
                else ""
            )
        )
        + "</p>",
        f"<p>Fingerprints: {escape(FINGERPRINT_TITLES.get(r.fingerprint_status, r.fingerprint_status))}"
        + (f" ({p.fingerprint_date:%Y-%m-%d})" if p.fingerprint_date else "")
        + "</p>",
        f"<p>Background check: {escape(p.background_status)}"
        + (f" ({p.background_date:%Y-%m-%d})" if p.background_date else "")
        + "</p>",
        "<h4>Certificates</h4>",
    ]
    if not p.certificates:
        out.append("<p>None.</p>")
    for c in p.certificates:
        out.append(
            f"<p><b>{escape(c.classification_name)}</b> ({escape(c.classification)}) {escape(c.subject_area)}<br>"
            f"No. {escape(c.number)} · effective {c.effective_date:%Y-%m-%d} · valid through "
            f"{escape(c.valid_through or f'{c.expiration_date:%Y-%m-%d}')} · {escape(c.status)}</p>"
        )
    for u in p.upgrades:
        state = "eligible" if u.eligible else "not yet eligible"
        out.append(
            f"<h4>Upgrade {escape(u.classification)} → {escape(u.upgrade_to)}: {state}</h4><ul>"
        )
        for req in u.requirements:
            mark = "✔" if req.met else "…"
            out.append(
                f"<li>{mark} {escape(req.title)}: {req.completed:g} of {req.required:g} {escape(req.unit)}</li>"
            )
        out.append("</ul>")
    if p.pending_applications:
        out.append("<h4>Pending applications</h4>")
        for a in p.pending_applications:
            out.append(
                f"<p>{escape(a.classification)} · {escape(a.status)} since {a.submitted_at:%Y-%m-%d}</p>"
            )
    if p.assessment_scores:
        out.append("<h4>Assessments</h4>")
        for s in p.assessment_scores:
            if s.passing_score <= 0:
                verdict = "no qualifying score set"
            else:
                verdict = (
                    f"qualifying score {s.passing_score}, {'passed' if s.passed else 'not passed'}"
                )
            out.append(
                f"<p>{escape(s.assessment)}: {s.score} ({verdict}) on {s.taken_on:%Y-%m-%d}</p>"
            )
    if p.transcripts:
        out.append("<h4>Transcripts received</h4>")
        for t in p.transcripts:
            out.append(
                f"<p>{escape(t.institution)} {escape(t.degree)} · {t.received_on:%Y-%m-%d}</p>"
            )
    return "".join(out)
