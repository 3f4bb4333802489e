"""The certification workbench in the window: editing a profile (a second username warned about),
the practicum check, evidence entered with an uploaded source document (through the sandbox) and
corrected, the applications queue claimed and decided with its tracker, the watch lists marking
accounts for re-registration; the new table models under qtmodeltester."""

from __future__ import annotations

import email
from datetime import date
from pathlib import Path

import pytest

from desk_app.models.educators import CertificateClassification
from desk_app.pdf.generate import generate_form
from desk_app.rules.certification import classification_rows
from desk_app.services.directory.staff import OperatorDTO
from desk_app.services.educators import applications as apps
from desk_app.services.educators import watch
from desk_app.services.educators.certificates import issue_certificate
from desk_app.services.educators.dto import RequirementDTO
from desk_app.services.educators.editing import NewProfile, create_profile, record_checks
from desk_app.services.educators.evidence_items import list_evidence
from desk_app.services.educators.profiles import EducatorService
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.educators import Page
from desk_app.views.tablemodels.certification import (
    ApplicationTableModel,
    EvidenceTableModel,
    TrackerTableModel,
    WatchTableModel,
)
from tests.services.educators.evidence_sets import make_eligible


@pytest.fixture
def carol(make_ctx):
    ctx = make_ctx(role="certification_specialist", username="carol")
    with ctx.uow() as uow:
        for row in classification_rows():
            uow.session.add(CertificateClassification(**row))
        uow.commit()
    return ctx


def _educator(ctx, ssn: str = "123-45-6789", last: str = "Delgado") -> str:
    return create_profile(
        ctx, NewProfile(ssn, date(1985, 4, 12), "Maria", last, f"{last.lower()}@example.org")
    ).educator_id


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(
        ctx.actor.username, "Op", ctx.actor.role, ctx.actor.role, ctx.actor.workstation_id
    )
    page = Page(PageContext(ctx, operator, Settings(None)))
    page.setProperty("headless", True)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.on_activated()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    return page


def _open_profile(page: Page, qtbot) -> None:
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.profile.profile is not None, timeout=5000)


def test_edit_profile_warns_on_a_second_username_and_saves_audited(carol, qtbot) -> None:
    from desk_app.services.educators.editing import link_username
    from desk_app.views.pages.educator_forms import EditProfileDialog

    key = _educator(carol)
    link_username(carol, key, "mdelgado")
    page = _page(carol, qtbot)
    _open_profile(page, qtbot)
    assert page.profile.edit.isVisible() and page.profile.edit.isEnabled()
    dialog = EditProfileDialog(carol, page.profile.profile, page)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("maria2")
    assert "already has the DESE username mdelgado" in dialog.warning.text()
    assert dialog.replace.isVisible()
    dialog.email.setText("maria.delgado@example.org")
    dialog.on_save()  # without "replace": the e-mail is saved, the second username refused
    qtbot.waitUntil(lambda: "a person has one username" in dialog.error.text(), timeout=5000)
    assert EducatorService(carol).detail(key).row.email == "maria.delgado@example.org"
    dialog2 = EditProfileDialog(carol, EducatorService(carol).detail(key), page)
    qtbot.addWidget(dialog2)
    dialog2.username.setText("maria2")
    dialog2.replace.setChecked(True)
    dialog2.on_save()
    qtbot.waitUntil(lambda: dialog2.result() == dialog2.DialogCode.Accepted, timeout=5000)
    assert EducatorService(carol).detail(key).row.username == "maria2"
    ops.wait_for_all()


def test_practicum_dialog_says_when_a_profile_is_needed(carol, qtbot) -> None:
    from desk_app.views.pages.educator_forms import PracticumDialog

    _educator(carol)
    dialog = PracticumDialog(carol)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.hours.setValue(20)
    dialog.on_check()
    assert "needs no profile" in dialog.answer.text() and not dialog.create_button.isVisible()
    dialog.hours.setValue(45)
    dialog.ssn.setText("234-56-7890")
    dialog.born.setText("1990-01-02")
    dialog.on_check()
    qtbot.waitUntil(lambda: "create it" in dialog.answer.text(), timeout=5000)
    assert dialog.create_button.isVisible()
    assert "234" not in dialog.answer.text()
    dialog.ssn.setText("123-45-6789")
    dialog.born.setText("1985-04-12")
    dialog.on_check()
    qtbot.waitUntil(lambda: "Delgado, Maria has one" in dialog.answer.text(), timeout=5000)
    ops.wait_for_all()


def test_evidence_with_an_uploaded_source_is_entered_viewed_and_corrected(
    carol, qtbot, tmp_path: Path
) -> None:
    from desk_app.views.dialogs.evidence import EvidenceDialog
    from desk_app.views.dialogs.source_document import SourceDocumentDialog

    key = _educator(carol)
    page = _page(carol, qtbot)
    _open_profile(page, qtbot)
    page.profile.add_evidence.click()
    qtbot.waitUntil(lambda: getattr(page, "evidence_dialog", None) is not None, timeout=5000)
    dialog: EvidenceDialog = page.evidence_dialog
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("professional_development"))
    assert dialog.pd_unit.isVisible() and not dialog.employer.isVisible()
    dialog.pd_unit.setCurrentIndex(dialog.pd_unit.findData("semester_hours"))
    dialog.pd_amount.setValue(2)
    assert dialog.conversion.text() == "= 30 contact hours"
    dialog.title.setText("Graduate coursework")
    dialog.on_save()  # no source document yet: refused, nothing lost
    qtbot.waitUntil(lambda: "source document" in dialog.error.text(), timeout=5000)
    assert dialog.title.text() == "Graduate coursework"
    scan = tmp_path / "transcript.pdf"
    scan.write_bytes(generate_form("MO 500-3209", {}))
    dialog.upload_file(scan)
    qtbot.waitUntil(lambda: "kept as the source document" in dialog.error.text(), timeout=20000)
    assert dialog.source.currentText().startswith("transcript.pdf")
    viewer = SourceDocumentDialog.open_for(carol, str(dialog.source.currentData()), dialog)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.viewer.page_count >= 1, timeout=20000)
    dialog.on_save()
    qtbot.waitUntil(lambda: dialog.saved, timeout=5000)
    [item] = list_evidence(carol, key)
    assert item.entry.quantity == 2 and item.entry.unit == "semester_hours"
    qtbot.waitUntil(lambda: page.profile.evidence_model.rowCount() == 1, timeout=5000)
    assert "transcript.pdf" in page.profile.evidence_model.rows()[0].source
    # correct it: the form opens filled in, its kind fixed
    page.profile.evidence.selectRow(0)
    page.profile.edit_evidence.click()
    qtbot.waitUntil(lambda: page.evidence_dialog is not dialog, timeout=5000)
    fix: EvidenceDialog = page.evidence_dialog
    qtbot.addWidget(fix)
    assert not fix.kind.isEnabled() and fix.pd_amount.value() == 2
    fix.pd_amount.setValue(3)
    fix.on_save()
    qtbot.waitUntil(lambda: fix.saved, timeout=5000)
    assert list_evidence(carol, key)[0].entry.quantity == 3
    ops.wait_for_all()


def test_fingerprint_result_is_recorded_from_the_evidence_form(carol, qtbot, tmp_path) -> None:
    from desk_app.services.educators.documents import attach_upload
    from desk_app.views.dialogs.evidence import EvidenceDialog

    key = _educator(carol)
    source = attach_upload(carol, key, generate_form("MO 500-3209", {}), "card.pdf").document
    dialog = EvidenceDialog(carol, key, (source,))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind.setCurrentIndex(dialog.kind.findData("fingerprint"))
    assert dialog.outcome.isVisible() and dialog.outcome.findData("cleared") >= 0
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("cleared"))
    dialog.on_save()
    qtbot.waitUntil(lambda: dialog.saved, timeout=5000)
    assert EducatorService(carol).detail(key).row.fingerprint_status == "cleared"
    ops.wait_for_all()


def _eligible_upgrade(ctx, key) -> str:
    issue_certificate(ctx, key, "ISS", date(2021, 7, 1))
    make_eligible(ctx, key)
    return apps.submit(ctx, key, "upgrade", "CSS")


def test_applications_are_claimed_tracked_and_approved_in_the_window(carol, qtbot) -> None:
    key = _educator(carol)
    app_id = _eligible_upgrade(carol, key)
    substitute = apps.submit(carol, _educator(carol, "234-56-7890", "Other"), "substitute", "SUB")
    page = _page(carol, qtbot)
    page.tabs.setCurrentWidget(page.applications)
    panel = page.applications
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=5000)
    qtbot.waitUntil(lambda: panel.pane.detail is not None, timeout=5000)
    pane = panel.pane
    # pick the substitute first: its checks are missing, and Approve says why
    row = next(n for n, r in enumerate(panel.model.rows()) if r.id == substitute)
    panel.table.selectRow(row)
    qtbot.waitUntil(lambda: pane.detail.id == substitute, timeout=5000)
    assert pane.claim.isEnabled() and not pane.approve.isEnabled()
    assert "Claim the application" in pane.reason.text()
    pane.claim.click()
    qtbot.waitUntil(lambda: pane.detail.claimed_by == "carol", timeout=5000)
    assert not pane.approve.isEnabled() and "Fingerprint result cleared" in pane.reason.text()
    assert any(not r.met for r in pane.tracker_model.rows())
    # the upgrade: every requirement met, approve issues the certificate and drafts the e-mail
    row = next(n for n, r in enumerate(panel.model.rows()) if r.id == app_id)
    panel.table.selectRow(row)
    qtbot.waitUntil(lambda: pane.detail.id == app_id, timeout=5000)
    assert [r.met for r in pane.tracker_model.rows()] == [True, True, True, True]
    assert "Columbia 93" in pane.evidence.text()
    pane.claim.click()
    qtbot.waitUntil(lambda: pane.approve.isEnabled(), timeout=5000)
    pane.approve.click()
    qtbot.waitUntil(lambda: "issued" in pane.status.text(), timeout=5000)
    draft = Path(pane.status.text().split("drafted: ")[1])
    message = email.message_from_bytes(draft.read_bytes())
    assert message["To"] == "delgado@example.org"
    profile = EducatorService(carol).detail(key)
    assert {c.classification: c.status for c in profile.certificates} == {
        "CSS": "active",
        "ISS": "superseded",
    }
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)  # decided: left the list
    panel.state.setCurrentIndex(panel.state.findData("decided"))
    qtbot.waitUntil(
        lambda: (
            [r.id for r in panel.model.rows()] == [app_id]
            and getattr(pane.detail, "id", "") == app_id
        ),
        timeout=5000,
    )
    assert "Decided" in pane.heading.text() and not pane.claim.isEnabled()
    ops.wait_for_all()


def test_watch_tab_marks_accounts_for_reregistration(carol, qtbot) -> None:
    from desk_app.services.educators.editing import link_username

    key = _educator(carol)
    link_username(carol, key, "mdelgado")  # never logged in: due to register again
    page = _page(carol, qtbot)
    page.tabs.setCurrentWidget(page.watch)
    panel = page.watch
    panel.which.setCurrentIndex(panel.which.findData("reregister"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=5000)
    assert "To register again: 1" in panel.counts.text()
    panel.mark.click()  # headless: no question asked
    qtbot.waitUntil(lambda: "To register again: 0" in panel.counts.text(), timeout=5000)
    assert panel.model.rowCount() == 0
    assert watch.reregistration_due(carol, 0, 0).count == 0
    assert EducatorService(carol).detail(key).reregistration_marked_at is not None
    ops.wait_for_all()


def test_new_table_models_pass_the_model_tester(carol, qtmodeltester) -> None:
    key = _educator(carol)
    app_id = _eligible_upgrade(carol, key)
    record_checks(
        carol, key, kind="fingerprint", result="pending", on=date(2024, 1, 2), document_ref="card"
    )
    evidence = EvidenceTableModel()
    evidence.set_rows(list_evidence(carol, key))
    qtmodeltester.check(evidence)
    tracker = TrackerTableModel()
    tracker.set_rows(
        (
            *apps.tracker(carol, app_id),
            RequirementDTO(
                "fingerprint", "Fingerprint result cleared", 1, 0, "", False, ("pending",)
            ),
        )
    )
    qtmodeltester.check(tracker)
    watch_model = WatchTableModel()
    watch_model.set_rows(watch.expiring(carol, 3650, 0, 50).rows)
    qtmodeltester.check(watch_model)
    queue_model = ApplicationTableModel(apps.ApplicationQueue(carol))
    queue_model.reload()
    assert queue_model.rowCount() == 1
    qtmodeltester.check(queue_model)
    ops.wait_for_all()


def test_an_application_received_on_paper_is_recorded_from_the_profile(carol, qtbot) -> None:
    key = _educator(carol)
    issue_certificate(carol, key, "ISS", date(2024, 7, 1))
    page = _page(carol, qtbot)
    _open_profile(page, qtbot)
    page.profile.application.click()
    dialog = page.application_dialog
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("upgrade"))
    assert dialog.classification.currentData() == "CSS"  # the held ISS upgrades to CSS
    dialog.on_save()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=5000)
    count, [row] = apps.queue(carol, "received")
    assert count == 1 and (row.kind, row.classification, row.educator_id) == ("upgrade", "CSS", key)
    ops.wait_for_all()


def test_a_specialists_tabs_have_no_accelerator_clash(carol, qtbot, app_paths, drain) -> None:
    """The mnemonic walk of test_mnemonics, as a Certification Specialist (who sees the buttons
    a Security Administrator's window hides)."""
    import desk_app.views.pages.educators  # noqa: F401  # built at once, not on a pool thread
    from desk_app.rules.permissions import ROLE_TITLES
    from desk_app.views.main_window import MainWindow
    from tests.views.test_mnemonics import _clashes

    operator = OperatorDTO("carol", "Carol", carol.actor.role, ROLE_TITLES[carol.actor.role], "ws")
    window = MainWindow(PageContext(carol, operator, carol.settings), database=app_paths.database)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_page("educators")
    page = window.page("educators")
    assert page.profile.application.isVisibleTo(window)
    for i in range(page.tabs.count()):
        page.tabs.setCurrentIndex(i)
        assert _clashes(window) == [], page.tabs.tabText(i)
