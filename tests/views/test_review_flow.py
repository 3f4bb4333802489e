"""The review flow: decisions enabled only when they can succeed (and why not), claiming on
Approve, one confirmation, no jump to another item unasked, "Approve and next" in the same list,
and honest attestation of a wet-ink signature."""

from __future__ import annotations

from datetime import UTC, datetime

from desk_app.qt import QDialog, QMessageBox
from desk_app.services.queue.dto import QueueRow
from desk_app.services.queue.service import QueueService
from desk_app.services.review.dto import SignatureFinding
from desk_app.services.review.readiness import readiness
from desk_app.views.dialogs.approval_diff import ApprovalDiffDialog
from desk_app.views.widgets.verification_report import SignatureBox
from tests.views.test_queue_page import _queue, add


def _row(state: str, holder: str = "") -> QueueRow:
    return QueueRow(
        "s1", state, "MO 500-2356", "fax", datetime.now(UTC), "", "", "", "", holder, 1,
        False, "", 1,
    )  # fmt: skip


def test_what_each_decision_needs_is_said(make_ctx) -> None:
    me = make_ctx(username="alice")
    ready = readiness(me, _row("ready_for_review"))
    assert ready["approve"].allowed and ready["approve"].claims_first
    theirs = readiness(me, _row("in_review", "bob"))
    assert not theirs["approve"].allowed and "held by bob" in theirs["approve"].reason
    assert not theirs["reject"].allowed
    mine = readiness(me, _row("in_review", "alice"))
    assert mine["approve"].allowed and not mine["approve"].claims_first
    done = readiness(me, _row("applied"))
    assert not any(r.allowed for r in done.values())
    assert "cannot be decided" in done["approve"].reason
    auditor = readiness(make_ctx(role="auditor"), _row("in_review", "auditor"))
    assert not auditor["approve"].allowed and "role" in auditor["approve"].reason


def _review(page, qtbot) -> None:
    page.tabs.setCurrentWidget(page.review)
    qtbot.waitUntil(lambda: page.review.report is not None, timeout=15000)


def _show_state(page, qtbot, state: str) -> None:
    rows = [page.states.item(i).data(256) for i in range(page.states.count())]
    page.states.setCurrentRow(rows.index(state))
    qtbot.waitUntil(lambda: page.model.query.filter("state") == state, timeout=5000)
    qtbot.waitUntil(
        lambda: page.detail is not None and page.detail.row.state == state, timeout=5000
    )


def test_another_operators_hold_disables_the_decisions_with_the_reason(ctx, main_window, qtbot):
    add(ctx, state="in_review", assigned_to="bob")
    page = _queue(main_window, qtbot)
    _show_state(page, qtbot, "in_review")
    _review(page, qtbot)
    pane = page.review
    assert not pane.approve_button.isEnabled() and not pane.reject_button.isEnabled()
    assert "held by bob" in pane.why_not.text()
    assert "held by bob" in pane.approve_button.toolTip()


def test_a_ready_item_says_approve_claims_it(ctx, main_window, qtbot):
    add(ctx)
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.detail is not None, timeout=5000)
    _review(page, qtbot)
    assert page.review.approve_button.isEnabled()
    assert "claims it for you first" in page.review.why_not.text()


def test_approving_asks_once_and_cancel_changes_nothing(ctx, main_window, qtbot, monkeypatch):
    add(ctx)
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.detail is not None, timeout=5000)
    _review(page, qtbot)
    asked: list[str] = []

    def cancel(dialog):
        asked.append(dialog.text())
        assert not dialog.apply_button.isEnabled()  # it could not be applied: no way to try
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(ApprovalDiffDialog, "exec", cancel)
    page.review.approve_button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)  # the diff is worked out off the GUI thread
    assert len(asked) == 1 and "claimed for you first" in asked[0]
    assert "Cannot be applied as written: the submission names no known entity" in asked[0]
    qtbot.waitUntil(page.review.approve_button.isEnabled, timeout=3000)  # nothing was sent
    assert "nothing was changed" in page.review.status.text()


def test_the_selection_does_not_jump_when_the_current_item_leaves(ctx, main_window, qtbot):
    ids = [add(ctx, sender=f"55501{n}") for n in range(3)]
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.select_row(1)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == ids[1], timeout=5000)
    QueueService(ctx).claim(ids[1])  # it moves to In review: it leaves this list
    with qtbot.waitSignal(page.model.rows_updated, timeout=5000):
        page.refresh()
    assert page.model.rowCount() == 2
    qtbot.waitUntil(lambda: not page.table.currentIndex().isValid(), timeout=3000)
    qtbot.wait(50)
    assert page.detail.row.id == ids[1]  # the pane still shows the one the operator chose


def test_approve_and_next_opens_the_next_row_of_the_same_list(ctx, main_window, qtbot):
    ids = [add(ctx, sender=f"55502{n}") for n in range(3)]
    page = _queue(main_window, qtbot)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.select_row(0)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == ids[0], timeout=5000)
    page.review.next_wanted = True  # what "Approve and next" sets before its decision
    QueueService(ctx).claim(ids[0])
    page.on_decided(None)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == ids[1], timeout=5000)
    assert page.model.query.filter("state") == "ready_for_review"
    assert page.table.currentIndex().row() == 0
    assert page.table.hasFocus()  # after a decision the keyboard is back on the list


def _ink(specimens=()) -> SignatureFinding:
    return SignatureFinding(
        "superintendent_signature", "superintendent_or_representative", "Pat Doe", "p1", "ink",
        "present", "warn", ("compare by eye",), specimens=specimens,
    )  # fmt: skip


def test_attesting_without_a_specimen_needs_what_it_was_compared_with(qtbot) -> None:
    box = SignatureBox(_ink())
    qtbot.addWidget(box)
    matches = box.attest_buttons["matches"]
    assert not matches.isEnabled() and "No specimen on file" in matches.toolTip()
    box.note.setText("the 2024 letterhead signature")
    assert matches.isEnabled()
    assert box.attestation_note() == "no specimen: compared with the 2024 letterhead signature"


def test_releasing_another_operators_hold_asks_first(ctx, main_window, qtbot, monkeypatch):
    sid = add(ctx, state="in_review", assigned_to="bob")
    page = _queue(main_window, qtbot)
    _show_state(page, qtbot, "in_review")
    asked: list[str] = []

    def cancel(_parent, _title, text, *_a):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    page.release_current()
    assert asked and "bob holds this submission" in asked[0]
    from desk_app.services.queue.listing import QueueList

    assert QueueList(ctx).detail(sid).row.assigned_to == "bob"  # nothing was released


def test_decisions_attest_and_undo_have_their_own_letters(qtbot, ctx) -> None:
    """Alt+P/N/J/W decide, Alt+A/E/I attest the first wet-ink signature, Alt+U undoes: no
    letter twice in the review pane, even with two wet-ink signatures and the undo shown."""
    from desk_app.qt import QAbstractButton
    from desk_app.services.review.dto import RequestedChanges, VerificationReport
    from desk_app.services.review.undo import UndoState
    from desk_app.views.widgets.verification_report import VerificationReportPane
    from tests.views.test_mnemonics import _letter

    pane = VerificationReportPane(ctx)
    qtbot.addWidget(pane)
    second = SignatureFinding(
        "user_signature", "user", "Lee Park", "", "ink", "present", "warn", ("compare by eye",)
    )
    pane.submission_id = "s1"
    pane.on_report(
        VerificationReport(
            "r1",
            "s1",
            "MO 500-2356",
            "048-078",
            "Springfield R-XII",
            (),
            (_ink(), second),
            RequestedChanges(),
            datetime.now(UTC),
            "alice",
        )  # fmt: skip
    )
    pane.row = _row("applied", "alice")
    pane.undo_state = UndoState(True)
    pane.update_undo()
    letters = [
        _letter(b.text())
        for b in pane.findChildren(QAbstractButton)
        if b.isVisibleTo(pane) and _letter(b.text())
    ]
    assert sorted(letters) == sorted("pnjwuaei")  # each once


def test_an_applied_approval_offers_undo_until_the_sync(ctx, main_window, qtbot) -> None:
    from sqlalchemy import delete

    from desk_app.models.sync_state import OutboxEntry
    from desk_app.qt import Qt
    from desk_app.services.review import decisions
    from tests.services.review.conftest import LEA_VALUES, build_world, submit

    build_world(ctx.store)
    um_add = dict(
        LEA_VALUES, um_action="add", um_first_name="Lee", um_last_name="Park",
        um_email="lpark@bluesprings.k12.mo.us",
    )  # fmt: skip
    first = submit(ctx, "MO 500-2356", um_add)
    second = submit(ctx, "MO 500-2356", dict(um_add, um_first_name="Ann", um_email="ap@x.org"))
    why = "confirmed by telephone with the superintendent's office"
    decisions.approve(ctx, first, why)
    decisions.approve(ctx, second, why)
    page = _queue(main_window, qtbot)
    _show_state(page, qtbot, "applied")
    _review(page, qtbot)
    undo = page.review.undo_button
    qtbot.waitUntil(lambda: not undo.isHidden() and undo.isEnabled(), timeout=5000)
    # Ctrl+Z on the page undoes the applied approval shown
    shown = page.detail.row.id
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)  # it left Applied
    assert "Approval undone" in page.review.status.text()
    # the pane keeps the undone submission, now In review and held by the operator
    qtbot.waitUntil(lambda: page.detail.row.state == "in_review", timeout=5000)
    assert page.detail.row.id == shown and page.detail.row.assigned_to == "alice"
    # the other one was sent at a sync: the button says why it can no longer undo
    with ctx.uow() as uow:
        uow.session.execute(delete(OutboxEntry))
        uow.commit()
    other = second if shown == first else first
    page.select_row(0)
    qtbot.waitUntil(lambda: page.detail.row.id == other, timeout=5000)
    qtbot.waitUntil(lambda: "sent to the central database" in undo.toolTip(), timeout=5000)
    assert not undo.isEnabled()
