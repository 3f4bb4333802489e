"""The review pane: report off the GUI thread, signatures beside specimens, attest, decide."""

from __future__ import annotations

import threading

from desk_app.pdf.generate import generate_form
from desk_app.pdf.signatures import signature_boxes
from desk_app.qt import QDialog, QLabel, Qt
from desk_app.services.context import Area
from desk_app.services.review import verification
from desk_app.views import ops
from desk_app.views.dialogs.approval_diff import ApprovalDiffDialog
from desk_app.views.widgets.verification_report import CROP_HEIGHT, VerificationReportPane
from tests.services.review.conftest import LEA_VALUES, submit
from tests.services.review.signing import fax_of

ECS = dict(
    LEA_VALUES,
    user_1_first_name="Lee",
    user_1_last_name="Park",
    user_1_email="lpark@x.org",
    role_1_user="1",
    role_1_app="ECS",
    role_1_role="ECS_VIEW",
    role_1_action="add",
)


def test_pane_verifies_off_the_gui_thread_and_attests_then_approves(
    qtbot, ctx, world, monkeypatch
) -> None:
    layout = generate_form("DA-103")
    fax = fax_of(generate_form("DA-103", ECS), scribble_on=signature_boxes(layout)["signature"])
    sid = submit(ctx, "DA-103", ECS, fax, channel="fax", sender="5735551234")
    threads = []
    real = verification.verify_submission

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(verification, "verify_submission", spy)
    pane = VerificationReportPane(ctx)
    qtbot.addWidget(pane)
    pane.open_replies.setChecked(False)
    with qtbot.waitSignal(pane.report_loaded, timeout=20000) as loaded:
        pane.show_submission(sid)
    assert threads == [False]  # never on the GUI thread
    report = loaded.args[0]
    assert report.check("signatures").outcome == "warn"
    assert "Signatures" in pane.checks.toPlainText()
    labels = pane.signature_area.widget().findChildren(QLabel)
    assert "on this form" in [w.text() for w in labels]
    # the crop arrives as pixels a child decoded from the PNG, drawn at the crop height
    crop = next(w for w in labels if w.accessibleName() == "signature on this form")
    assert not crop.pixmap().isNull() and crop.pixmap().height() == CROP_HEIGHT
    button = pane.signature_area.widget().findChild(
        type(pane.approve_button), "attest-signature-matches"
    )
    if not button.isEnabled():  # no specimen on file: "matches" needs what it was compared with
        box = button.parentWidget()
        box.note.setText("the signature on the 2025 designation letter")
        assert button.isEnabled()
    with qtbot.waitSignal(pane.report_loaded, timeout=20000) as again:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert again.args[0].check("signatures").outcome == "pass"
    # "Approve and apply" shows the diff against the directory now and asks once: answer Apply
    shown: list[str] = []

    def apply(dialog):
        shown.append(dialog.text())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ApprovalDiffDialog, "exec", apply)
    with qtbot.waitSignal(pane.decided, timeout=20000) as decided:
        qtbot.mouseClick(pane.approve_button, Qt.MouseButton.LeftButton)
    assert decided.args[0].state == "applied"
    assert len(shown) == 1 and "Added | Lee Park (lpark, new account) | ECS" in shown[0]
    # the pane offers the undo until the next sync; it restores the grants as they were
    assert not pane.undo_button.isHidden() and pane.undo_button.isEnabled()
    assert "Undo (Ctrl+Z)" in pane.status.text()
    with qtbot.waitSignal(pane.undone, timeout=20000) as undone:
        qtbot.mouseClick(pane.undo_button, Qt.MouseButton.LeftButton)
    assert any("ECS_VIEW revoked" in line for line in undone.args[0].lines)
    assert "back in review" in pane.status.text() and not pane.undo_button.isEnabled()
    assert ops.wait_for_all(20000)


def test_pane_shows_why_a_rejection_is_refused(qtbot, ctx, world) -> None:
    sid = submit(ctx, "DA-103", ECS)
    pane = VerificationReportPane(ctx)
    qtbot.addWidget(pane)
    with qtbot.waitSignal(pane.report_loaded, timeout=20000):
        pane.show_submission(sid)
    with qtbot.waitSignal(pane.failed, timeout=20000) as failed:
        qtbot.mouseClick(pane.reject_button, Qt.MouseButton.LeftButton)  # no reason ticked
    assert "choose at least one reason" in failed.args[0]
    assert ops.wait_for_all(20000)


def test_override_reason_is_offered_only_to_security_administrators(qtbot, make_ctx, world) -> None:
    admin = VerificationReportPane(make_ctx())
    specialist = VerificationReportPane(make_ctx(role="certification_specialist"))
    qtbot.addWidget(admin)
    qtbot.addWidget(specialist)
    assert not admin.override.isHidden() and specialist.override.isHidden()


def test_pin_is_issued_to_a_file_off_the_gui_thread(
    qtbot, ctx, world, tmp_path, monkeypatch
) -> None:
    from desk_app.qt import QFileDialog, QWidget
    from desk_app.views.widgets.pin_issue import issue_pin_interactively

    target = tmp_path / "letter.pdf"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)")
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    done: list[object] = []
    issue_pin_interactively(
        parent, ctx, world.lea_id, "048-078", done.append, lambda exc: done.append(exc)
    )
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert done[0].touches(Area.PINS) and target.read_bytes().startswith(b"%PDF")
    assert ops.wait_for_all(20000)
