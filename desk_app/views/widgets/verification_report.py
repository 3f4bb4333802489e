"""The review pane: the verification report, the signatures beside their specimens, decisions.

Every service call runs off the GUI thread through :mod:`desk_app.views.ops` (verification and
the PIN check it includes take a few hundred milliseconds on purpose); the pane only renders the
frozen :class:`VerificationReport` it gets back. Its signature pictures arrive as pixels a
sandbox child decoded (the PNGs were cut from received documents): here they only become pixmaps.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING

from desk_app.errors import KnownError
from desk_app.qt import (
    QApplication,
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPixmap,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import Perm
from desk_app.rules.verification import REJECTION_REASONS
from desk_app.services.context import ServiceContext
from desk_app.services.queue.dto import QueueRow
from desk_app.services.review import decisions, pictures, readiness, undo
from desk_app.services.review.dto import ApprovalPreview, SignatureFinding, VerificationReport
from desk_app.services.review.preview import preview_approval
from desk_app.services.review.specimens import attest_signature
from desk_app.views import ops
from desk_app.views.dialogs.approval_diff import ApprovalDiffDialog
from desk_app.views.widgets.open_draft import open_draft
from desk_app.views.widgets.pdf_images import to_qimage

if TYPE_CHECKING:  # named only: the pixels arrive from a child, PyMuPDF stays out of the window
    from desk_app.pdf.render import RenderedPage

MARKS = {
    "pass": ("\u2714", "#1b7f3a"),
    "warn": ("\u26a0", "#a66300"),
    "fail": ("\u2716", "#b3261e"),
}
CROP_HEIGHT = 64


def checks_html(report: VerificationReport) -> str:
    """The checks as an HTML list: mark, title, reason; blocking failures say so."""
    rows = []
    for c in report.checks:
        mark, colour = MARKS.get(c.outcome, ("?", "#000"))
        blocks = " <b>(blocks approval)</b>" if c.blocks else ""
        rows.append(
            f"<tr><td style='color:{colour}' valign='top'>{mark}</td>"
            f"<td valign='top'><b>{escape(c.title)}</b>{blocks}<br>{escape(c.reason)}</td></tr>"
        )
    head = requested_html(report) + (
        f"<h3>{escape(report.form_number)} · {escape(report.entity_code)} {escape(report.entity_name)}</h3>"
        f"<p>Checked by {escape(report.run_by)} at {report.run_at:%Y-%m-%d %H:%M} UTC</p>"
    )
    return head + "<table cellpadding='3'>" + "".join(rows) + "</table>"


def requested_html(report: VerificationReport) -> str:
    """What approving would change: one line per role row, and the user-manager change."""
    req = report.requested
    lines = []
    if req.user_manager is not None:
        um = req.user_manager
        lines.append(
            f"User manager: {um.action} {um.first_name} {um.last_name} ({um.email or um.username})"
        )
    for r in req.roles:
        user = req.user(r.user_row)
        who = user.full_name if user else f"user row {r.user_row}"
        where = f" at building {r.building}" if r.building else ""
        lines.append(f"{r.action} {r.app} {r.role}{where} for {who}")
    if not lines:
        return ""
    items = "".join(f"<li>{escape(x)}</li>" for x in lines)
    return f"<h3>Requested</h3><ul>{items}</ul>"


def _pixmap(picture: RenderedPage, height: int = CROP_HEIGHT) -> QPixmap:
    return QPixmap.fromImage(to_qimage(picture)).scaledToHeight(
        height, Qt.TransformationMode.SmoothTransformation
    )


class SignatureBox(QGroupBox):
    """One signature: the crop (or digital verdict) beside that person's dated specimens."""

    def __init__(
        self, found: SignatureFinding, parent: QWidget | None = None, *, accelerators: bool = False
    ) -> None:
        """``accelerators``: this box's attest buttons get Alt+A / Alt+E / Alt+I (given to the
        first wet-ink box only, so two boxes never share a letter)."""
        super().__init__(f"{found.field_name}: {found.signer_name or 'signer not on file'}", parent)
        self.finding = found
        layout = QVBoxLayout(self)
        mark, colour = MARKS.get(found.outcome, ("?", "#000"))
        verdict = QLabel(
            f"<span style='color:{colour}'>{mark}</span> {escape(found.verdict)} - "
            f"{escape('; '.join(found.reasons))}"
        )
        verdict.setWordWrap(True)
        layout.addWidget(verdict)
        if found.kind == "digital" and found.certificate_subject:
            cert = QLabel(
                f"Certificate: {escape(found.certificate_subject)} "
                f"(SHA-256 {found.certificate_sha256[:16]}...)"
            )
            cert.setWordWrap(True)
            layout.addWidget(cert)
        row = QHBoxLayout()
        if found.crop_png:
            row.addWidget(self._image(found.crop, "on this form"))
        for specimen in found.specimens:
            row.addWidget(self._image(specimen.picture, f"specimen {specimen.signed_on:%m/%d/%Y}"))
        if found.kind == "ink" and not found.specimens:
            row.addWidget(QLabel("No specimens on file for this person yet."))
        row.addStretch(1)
        layout.addLayout(row)
        for a in found.attestations:
            layout.addWidget(
                QLabel(
                    f"{a.stage} review by {escape(a.reviewer)}: {a.verdict}"
                    f"{' - ' + escape(a.note) if a.note else ''}"
                )
            )
        if found.kind == "ink":
            self.note = QLineEdit()
            self.note.setPlaceholderText(
                "What you compared (required for mismatch / unsure)"
                if found.specimens
                else "No specimen on file: what did you compare it with? (required)"
            )
            layout.addWidget(self.note)
            buttons = QHBoxLayout()
            self.attest_buttons = {}
            for verdict_, title, key in (
                ("matches", "Attest: matches", "&Attest: matches"),
                ("mismatch", "Does not match", "Do&es not match"),
                ("unsure", "Unsure", "Unsure (&inconclusive)"),
            ):
                button = QPushButton(key if accelerators else title)
                button.setObjectName(f"attest-{found.field_name}-{verdict_}")
                self.attest_buttons[verdict_] = button
                buttons.addWidget(button)
            buttons.addStretch(1)
            layout.addLayout(buttons)
            self.note.textChanged.connect(self._update_attest)
            self._update_attest()

    def _update_attest(self) -> None:
        """ "Matches" with no specimen on file needs the note saying what it was compared with."""
        button = self.attest_buttons["matches"]
        honest = bool(self.finding.specimens) or bool(self.note.text().strip())
        button.setEnabled(honest)
        button.setToolTip(
            ""
            if honest
            else "No specimen on file: write what you compared the signature with first"
        )

    def attestation_note(self) -> str:
        """The note recorded with the attestation: with no specimen on file it says so."""
        note = self.note.text().strip()
        if self.finding.kind == "ink" and not self.finding.specimens and note:
            return f"no specimen: compared with {note}"
        return note

    @staticmethod
    def _image(picture: RenderedPage | None, caption: str) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        shown = QLabel()
        if picture is not None:
            shown.setPixmap(_pixmap(picture))
        else:  # the child could not read it: say so rather than show an empty frame
            shown.setText("(picture unreadable)")
        shown.setAccessibleName(f"signature {caption}")
        col.addWidget(shown)
        col.addWidget(QLabel(caption))
        return box


class VerificationReportPane(QWidget):
    """Review pane for one submission.

    Signals:
        report_loaded(object): a :class:`VerificationReport` arrived.
        decided(object): a :class:`DecisionResult` after approve / reject / wait.
        undone(object): an :class:`~desk_app.services.review.undo.UndoResult` after an undo.
        failed(str): a service call failed with a message for the operator.
    """

    report_loaded = Signal(object)
    decided = Signal(object)
    undone = Signal(object)
    failed = Signal(str)

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.submission_id = ""
        self.report: VerificationReport | None = None
        self.row: QueueRow | None = None  # the queue row shown (state and holder)
        self.ready: dict[str, readiness.Readiness] = {}
        self.next_wanted = False  # "Approve and next": the queue moves on after this decision
        self.undo_state = undo.UndoState(False)  # of the submission shown (Applied ones only)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.status = QLabel("Open a submission to verify it.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.checks = QTextBrowser()
        self.checks.setObjectName("verification-checks")
        self.checks.setMinimumHeight(self.fontMetrics().height() * 4)
        self.signature_area = QScrollArea()
        self.signature_area.setWidgetResizable(True)
        # the signature beside its specimens is the evidence of a wet-ink form: it gets the
        # larger share, and the operator can drag the line between it and the checks
        self.signature_area.setMinimumHeight(self.fontMetrics().height() * 7)
        evidence = QSplitter(Qt.Orientation.Vertical)
        evidence.addWidget(self.checks)
        evidence.addWidget(self.signature_area)
        evidence.setStretchFactor(0, 2)
        evidence.setStretchFactor(1, 3)
        evidence.setChildrenCollapsible(False)
        layout.addWidget(evidence, 1)
        layout.addWidget(self._decision_box())

    def _decision_box(self) -> QGroupBox:
        box = QGroupBox("Decision")
        col = QVBoxLayout(box)
        self.reasons = QListWidget()
        self.reasons.setObjectName("reason-codes")
        for code, reason in REJECTION_REASONS.items():
            item = QListWidgetItem(reason.title)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.reasons.addItem(item)
        # about four reasons at a time (it scrolls): the pane must fit a 720-pixel window
        self.reasons.setMaximumHeight(int(self.reasons.fontMetrics().height() * 4.6) + 6)
        col.addWidget(self.reasons)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note to the requester (optional; required for Other)")
        col.addWidget(self.note)
        self.override = QLineEdit()
        self.override.setPlaceholderText(
            "Override reason (Security Administrators: approve over failed checks)"
        )
        self.override.setVisible(self.services.can(Perm.OVERRIDE_CHECKS))
        col.addWidget(self.override)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("A&pprove and apply…")
        self.approve_next_button = QPushButton("Approve and &next…")
        self.approve_next_button.setToolTip("Approve, then open the next submission of this list")
        self.reject_button = QPushButton("Re&ject")
        self.wait_button = QPushButton("&Wait on requester")
        self.undo_button = QPushButton("&Undo approval")
        self.undo_button.setObjectName("undo-approval")
        self.undo_button.setToolTip("Restore the grants as they were before (until the next sync)")
        self.undo_button.setVisible(False)
        self.undo_button.clicked.connect(self.on_undo_clicked)
        self.why_not = QLabel("")
        self.why_not.setObjectName("decision-why-not")
        self.why_not.setWordWrap(True)
        self.open_replies = QCheckBox("Open the reply drafts afterwards")
        self.open_replies.setChecked(True)
        # two rows of two: the pane must fit beside the queue's table at 1280 px and 150%
        second = QHBoxLayout()
        for n, b in enumerate(self._decision_buttons()):
            b.setEnabled(False)
            (buttons if n < 2 else second).addWidget(b)
        second.addWidget(self.undo_button)
        buttons.addStretch(1)
        second.addStretch(1)
        col.addLayout(buttons)
        col.addLayout(second)
        col.addWidget(self.why_not)
        col.addWidget(self.open_replies)  # its own row: the pane must fit beside the queue list
        self.approve_button.clicked.connect(lambda: self.on_approve_clicked(False))
        self.approve_next_button.clicked.connect(lambda: self.on_approve_clicked(True))
        self.reject_button.clicked.connect(self.on_reject_clicked)
        self.wait_button.clicked.connect(self.on_wait_clicked)
        return box

    def _decision_buttons(self) -> tuple[QPushButton, ...]:
        return (self.approve_button, self.approve_next_button, self.reject_button, self.wait_button)

    def set_row(self, row: QueueRow) -> None:
        """The queue row of the submission shown (its state and holder decide what is possible)."""
        if row.id != self.submission_id:
            self.report = None
        self.row = row
        self.ready = readiness.readiness(self.services, row)
        self.update_decisions()
        self.ask_undo_state(row)

    def ask_undo_state(self, row: QueueRow) -> None:
        """An applied approval may be undone until the next sync: ask the service whether (and
        why not), off the GUI thread; other states have nothing to undo."""
        self.undo_state = undo.UndoState(False)
        self.update_undo()
        if row.state != "applied":
            return
        sid = row.id
        ops.op(undo.undo_state, self.services, sid).success(
            lambda state: self._on_undo_state(sid, state)
        ).failure(lambda _exc: None).run("instant", initiator=self)

    def _on_undo_state(self, submission_id: str, state: undo.UndoState) -> None:
        if self.row is not None and self.row.id == submission_id:
            self.undo_state = state
            self.update_undo()

    def update_undo(self) -> None:
        """Show "Undo approval" on an applied submission, enabled only while it can succeed."""
        applied = self.row is not None and self.row.state == "applied"
        self.undo_button.setVisible(applied)
        self.undo_button.setEnabled(applied and self.undo_state.allowed)
        if applied:
            self.undo_button.setToolTip(
                "Restore the grants as they were before (Ctrl+Z, until the next sync)"
                if self.undo_state.allowed
                else self.undo_state.reason or "checking whether it can be undone…"
            )

    def update_decisions(self) -> None:
        """Enable only the decisions that can succeed now; say why the others cannot."""
        reported = self.report is not None and self.row is not None
        buttons = {
            "approve": (self.approve_button, self.approve_next_button),
            "reject": (self.reject_button,),
            "wait": (self.wait_button,),
        }
        why = []
        for name, group in buttons.items():
            r = self.ready.get(name)
            ok = reported and r is not None and r.allowed
            for b in group:
                b.setEnabled(ok)
                b.setToolTip(r.reason if r else "")
            if r is not None and r.reason:
                why.append(f"{group[0].text().replace('&', '').rstrip('…')}: {r.reason}.")
        if not reported:
            why.insert(0, "Decisions open once the report is shown.")
        self.why_not.setText(" ".join(why))

    # --- loading ------------------------------------------------------------------------------
    def show_submission(self, submission_id: str) -> None:
        """Verify ``submission_id`` off the GUI thread and show the report when it arrives."""
        self.submission_id = submission_id
        self.report = None
        self.status.setText("Verifying...")
        self.update_decisions()
        ops.op(_verify_with_row, self.services, submission_id).success(
            lambda result: self._on_verified(*result)
        ).failure(self.on_failed).run("writer", initiator=self)

    def _on_verified(self, report: VerificationReport, row: QueueRow) -> None:
        if report.submission_id != self.submission_id:
            return  # another submission was chosen meanwhile
        self.row = row  # state and holder as of this verification: what is possible now
        self.ready = readiness.readiness(self.services, row)
        self.on_report(report)

    def on_report(self, report: VerificationReport) -> None:
        """Render a report that arrived from the worker."""
        self.report = report
        self.checks.setHtml(checks_html(report))
        focus = QApplication.focusWidget()
        # the boxes are rebuilt: a keyboard user whose focus was in them (an attest button just
        # pressed) must not be left with no focus at all
        refocus = (focus is None and self.isVisible()) or (
            focus is not None and self.signature_area.isAncestorOf(focus)
        )
        holder = QWidget()
        col = QVBoxLayout(holder)
        keyed = False  # the first wet-ink box gets the attest accelerators
        for found in report.signatures:
            box = SignatureBox(found, accelerators=found.kind == "ink" and not keyed)
            keyed = keyed or found.kind == "ink"
            for verdict_, button in getattr(box, "attest_buttons", {}).items():
                button.clicked.connect(lambda _=False, b=box, v=verdict_: self.on_attest(b, v))
            col.addWidget(box)
        col.addStretch(1)
        self.signature_area.setWidget(holder)
        blocking = len(report.blocking_failures)
        self.status.setText(
            "All blocking checks pass."
            if not blocking
            else f"{blocking} blocking check(s) fail: reject, wait, or override with a reason."
        )
        self.update_decisions()
        if refocus:
            self._focus_next_step(holder)
        self.report_loaded.emit(report)

    def _focus_next_step(self, holder: QWidget) -> None:
        """Focus what comes next: Approve when it is possible, else the first attest button."""
        enabled = [b for b in holder.findChildren(QPushButton) if b.isEnabled()]
        target: QWidget = self.approve_button if self.approve_button.isEnabled() else self.checks
        (enabled[0] if enabled and target is self.checks else target).setFocus(
            Qt.FocusReason.OtherFocusReason
        )

    def on_failed(self, exc: BaseException) -> None:
        """Show why a call failed."""
        message = str(exc) if isinstance(exc, KnownError) else "unexpected error (see the log)"
        self.status.setText(message)
        self.update_decisions()
        self.failed.emit(message)

    # --- actions ------------------------------------------------------------------------------
    def on_attest(self, box: SignatureBox, verdict_: str) -> None:
        """Record the reviewer's judgement, then verify again."""
        found = box.finding
        ops.op(
            attest_signature,
            self.services,
            self.submission_id,
            found.field_name,
            verdict_,
            box.attestation_note(),
            found.person_id,
            tuple(s.id for s in found.specimens),
        ).success(lambda _changes: self.show_submission(self.submission_id)).failure(
            self.on_failed
        ).run("writer", initiator=self)

    def _codes(self) -> list[str]:
        return [
            self.reasons.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.reasons.count())
            if self.reasons.item(i).checkState() == Qt.CheckState.Checked
        ]

    def confirm_approval(self, preview: ApprovalPreview) -> bool:
        """Show what approving will change (the diff against the directory now) and ask once."""
        claim = self.ready.get("approve")
        dialog = ApprovalDiffDialog(preview, bool(claim and claim.claims_first), self)
        return dialog.exec() == QDialog.DialogCode.Accepted

    def on_approve_clicked(self, and_next: bool = False) -> None:
        """Work out the diff (writer pool: a rolled-back dry run), then ask once."""
        self.status.setText("Working out what approving will change…")
        self._decide()
        ops.op(preview_approval, self.services, self.submission_id).success(
            lambda preview: self._on_preview(preview, and_next)
        ).failure(self.on_failed).run("writer", initiator=self)

    def _on_preview(self, preview: ApprovalPreview, and_next: bool) -> None:
        if preview.submission_id != self.submission_id:
            return  # another submission was chosen meanwhile
        if not self.confirm_approval(preview):
            self.status.setText("Not approved: nothing was changed.")
            self.update_decisions()
            return
        self.next_wanted = and_next
        r = self.ready.get("approve")
        fn = readiness.claim_then_approve if r and r.claims_first else decisions.approve
        self.status.setText("Recording the decision…")
        ops.op(
            fn,
            self.services,
            self.submission_id,
            self.override.text(),
            expected_changes=preview.fingerprint,
        ).success(self.on_decided).failure(self.on_failed).run("writer", initiator=self)

    def on_undo_clicked(self) -> None:
        """Undo the applied approval shown (a compensating decision, audited)."""
        if self.undo_button.isHidden() or not self.undo_button.isEnabled():
            return
        self.undo_button.setEnabled(False)
        self.status.setText("Undoing the approval…")
        ops.op(undo.undo_approval, self.services, self.submission_id).success(
            self.on_undone
        ).failure(self.on_failed).run("writer", initiator=self)

    def on_undone(self, result: undo.UndoResult) -> None:
        """The approval was undone: the grants are as before, the submission is yours, in review."""
        self.undo_state = undo.UndoState(False)
        self.update_undo()
        self.status.setText(
            f"Approval undone: {len(result.lines)} change(s) restored; back in review, held by "
            f"you: {result.todo}."
        )
        self.undone.emit(result)

    def _decide(self) -> None:
        for b in self._decision_buttons():
            b.setEnabled(False)  # one decision at a time; a failure shows the report again
        self.status.setText("Recording the decision…")

    def on_reject_clicked(self) -> None:
        """Reject with the ticked reason codes."""
        self.next_wanted = False
        r = self.ready.get("reject")
        fn = readiness.claim_then_reject if r and r.claims_first else decisions.reject
        self._decide()
        ops.op(fn, self.services, self.submission_id, self._codes(), self.note.text()).success(
            self.on_decided
        ).failure(self.on_failed).run("writer", initiator=self)

    def on_wait_clicked(self) -> None:
        """Send back to the requester with the ticked reasons."""
        ops.op(
            decisions.wait_on_requester,
            self.services,
            self.submission_id,
            self._codes(),
            self.note.text(),
        ).success(self.on_decided).failure(self.on_failed).run("writer", initiator=self)
        self.next_wanted = False
        self._decide()

    def on_decided(self, result: decisions.DecisionResult) -> None:
        """A decision was recorded (the bus hears of it from ``result.changes``): save and open
        the replies."""
        state = result.state.replace("_", " ")
        if result.state == "applied" and not self.next_wanted:
            self.status.setText(f"Decision recorded: {state}. Undo (Ctrl+Z) until the next sync.")
            self.undo_state = undo.UndoState(True)
            if self.row is not None:
                self.row = replace(self.row, state="applied")
            self.update_undo()
        else:
            self.status.setText(f"Decision recorded: {state}.")
        for b in self._decision_buttons():
            b.setEnabled(False)
        self.decided.emit(result)
        if self.open_replies.isChecked():
            ops.op(decisions.save_replies, self.services, self.submission_id, result.reply).success(
                self.on_replies_saved
            ).failure(self.on_failed).run("general", initiator=self)

    def on_replies_saved(self, paths: tuple[str, ...]) -> None:
        """Open the saved drafts and letter with the system's handlers."""
        # the .eml drafts open in Outlook as unsent messages; the letter opens for printing; one
        # that no program takes is named (its path copied) instead of failing silently
        said: list[str] = []
        for path in paths:
            open_draft(path, said.append)
        self.status.setText(" ".join(said))


def _verify_with_row(
    services: ServiceContext, submission_id: str
) -> tuple[VerificationReport, QueueRow]:
    """Pool thread: the verification report and the queue row it was made for."""
    from desk_app.services.queue.listing import QueueList

    report = pictures.verify_for_review(services, submission_id, CROP_HEIGHT * 2)
    return report, QueueList(services).detail(submission_id).row
