"""The diff shown before approving, and undoing an approval until the next sync."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError
from desk_app.models.audit import AuditEvent
from desk_app.models.invariants import InvariantViolation
from desk_app.models.submissions import FormSubmission
from desk_app.models.sync_state import OutboxEntry
from desk_app.pdf.generate import generate_form
from desk_app.services.queue.service import QueueService
from desk_app.services.review import decisions, pins
from desk_app.services.review.preview import preview_approval
from desk_app.services.review.undo import undo_approval, undo_state
from tests.services.review.conftest import letter_pin, submit
from tests.services.review.signing import make_certificate, sign_pdf
from tests.services.review.test_decisions import ECS, _give, _grants, _um_form


@pytest.fixture(scope="module")
def jane_cert():
    return make_certificate("Jane Doe")


def _signed(ctx, number: str, values: dict, cert) -> str:
    return submit(ctx, number, values, sign_pdf(generate_form(number, values), cert))


def _designations(store) -> set[tuple[str, bool]]:
    from desk_app.models.access import UserAccount, UserManagerDesignation

    with store.read() as s:
        rows = s.execute(
            select(UserAccount.username, UserManagerDesignation.end_at).join(
                UserManagerDesignation, UserManagerDesignation.user_account_id == UserAccount.id
            )
        ).all()
    return {(u, end is None) for u, end in rows}


def test_the_diff_is_computed_from_the_current_directory_and_saves_nothing(
    ctx, world, jane_cert
) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    before = _grants(ctx.store)
    with ctx.store.read() as s:
        events = s.execute(select(AuditEvent.id)).all()
    preview = preview_approval(ctx, sid)
    assert preview.problem == "" and preview.entity_code == "048-078"
    got = {(c.kind, c.username, c.application, c.before, c.after) for c in preview.changes}
    assert got == {
        ("added", "lpark", "ECS", "", "ECS_ENTRY"),
        ("changed", "kmiller", "ECS", "ECS_VIEW", "ECS_APPROVE"),  # modify: one line, not two
    }
    assert [c.new_account for c in preview.changes if c.username == "lpark"] == [True]
    # nothing was written: grants, accounts and the audit chain are as they were
    assert _grants(ctx.store) == before
    with ctx.store.read() as s:
        assert s.execute(select(AuditEvent.id)).all() == events
    # the approval applies only the diff that was shown
    result = decisions.approve(ctx, sid, expected_changes=preview.fingerprint)
    assert result.state == "applied"


def test_a_diff_that_no_longer_holds_is_refused(ctx, world, jane_cert) -> None:
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    shown = preview_approval(ctx, sid)  # kmiller holds no ECS role yet: "added"
    _give(ctx, world, "kmiller", "ECS_VIEW")  # meanwhile the directory changes
    with pytest.raises(ConflictError, match="changed since you saw"):
        decisions.approve(ctx, sid, expected_changes=shown.fingerprint)
    assert preview_approval(ctx, sid).fingerprint != shown.fingerprint


def test_the_diff_names_why_a_request_cannot_be_applied(ctx, world, jane_cert) -> None:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    values = _um_form(pin, "remove", "Kate", "Miller", "kmiller@bluesprings.k12.mo.us", "kmiller")
    preview = preview_approval(ctx, _signed(ctx, "MO 500-2356", values, jane_cert))
    assert "last user manager" in preview.problem and preview.changes == ()
    add = _um_form(pin, "add", "Lee", "Park", "lpark@bluesprings.k12.mo.us")
    preview = preview_approval(ctx, _signed(ctx, "MO 500-2356", add, jane_cert))
    assert [(c.kind, c.subject, c.username, c.after) for c in preview.changes] == [
        ("added", "user manager", "lpark", "048-078")
    ]


def test_undo_restores_exactly_the_previous_grants_and_is_audited(ctx, world, jane_cert) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    before = {g for g in _grants(ctx.store) if g[3]}  # the active grants
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    decisions.approve(ctx, sid)
    assert undo_state(ctx, sid).allowed
    result = undo_approval(ctx, sid, "approved the wrong form")
    assert {g for g in _grants(ctx.store) if g[3]} == before
    assert any("ECS_ENTRY revoked" in line for line in result.lines)
    with ctx.store.read() as s:
        sub = s.get(FormSubmission, uuid.UUID(sid))
        assert (sub.state, sub.assigned_to, sub.decision) == ("in_review", "alice", "")
        undo = s.execute(
            select(AuditEvent.details).where(AuditEvent.action == "decision.undo")
        ).scalar_one()
        from desk_app.models.access import UserAccount

        lpark = s.execute(select(UserAccount).where(UserAccount.username == "lpark")).scalar_one()
        assert lpark.deleted_at is not None  # the account the approval created is gone again
        from desk_app.models.verification import SignerCertificate

        certificates = s.execute(select(SignerCertificate.deleted_at)).scalars().all()
        assert len(certificates) == 1 and certificates[0] is not None  # no longer evidence
    assert undo["note"] == "approved the wrong form"
    assert not undo_state(ctx, sid).allowed  # nothing applied to undo now
    # approving again brings the same username back
    decisions.approve(ctx, sid)
    assert ("lpark", "ECS_ENTRY", None, True) in _grants(ctx.store)


def test_undo_of_a_user_manager_change_keeps_the_rules(ctx, world, jane_cert) -> None:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    add = _um_form(pin, "add", "Lee", "Park", "lpark@bluesprings.k12.mo.us")
    first = _signed(ctx, "MO 500-2356", add, jane_cert)
    decisions.approve(ctx, first)
    remove = _um_form(pin, "remove", "Kate", "Miller", "kmiller@bluesprings.k12.mo.us", "kmiller")
    second = _signed(ctx, "MO 500-2356", remove, jane_cert)
    decisions.approve(ctx, second)
    assert _designations(ctx.store) == {("lpark", True), ("kmiller", False)}
    undo_approval(ctx, second)  # kmiller is a user manager again
    assert _designations(ctx.store) == {("lpark", True), ("kmiller", True)}
    # lpark now holds access as user manager: the entity is guarded by the invariant
    _give(ctx, world, "lpark", "ECS_VIEW")
    with ctx.uow() as uow:  # kmiller leaves by another way: lpark is the only manager left
        from desk_app.models.access import UserManagerDesignation

        for d in uow.session.execute(select(UserManagerDesignation)).scalars():
            if d.user_account.username == "kmiller":
                d.end_at = d.start_at
        uow.commit()
    with pytest.raises(InvariantViolation):
        undo_approval(ctx, first)  # would leave 048-078 without a user manager holding access
    assert ("lpark", True) in _designations(ctx.store)


def test_undo_is_refused_once_the_change_left_the_outbox(ctx, world, jane_cert) -> None:
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    decisions.approve(ctx, sid)
    # what a push does when the server took the rows (the real push: tests/sync/test_undo_sync.py)
    with ctx.uow() as uow:
        for entry in uow.session.execute(
            select(OutboxEntry).where(OutboxEntry.table_name == "role_grant")
        ).scalars():
            uow.session.delete(entry)
        uow.commit()
    state = undo_state(ctx, sid)
    assert not state.allowed and "sent to the central database" in state.reason
    with pytest.raises(ConflictError, match="last sync"):
        undo_approval(ctx, sid)


def test_an_applied_approval_is_not_reopened_by_a_bare_transition(ctx, world, jane_cert) -> None:
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    decisions.approve(ctx, sid)
    with pytest.raises(ConflictError, match="cannot move"):
        QueueService(ctx).transition(sid, "in_review")


def test_undo_needs_the_right_to_change_access(ctx, world, make_ctx, jane_cert) -> None:
    sid = _signed(ctx, "DA-103", ECS, jane_cert)
    decisions.approve(ctx, sid)
    auditor = make_ctx("auditor", "dave")
    assert not undo_state(auditor, sid).allowed
