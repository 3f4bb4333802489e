"""Decisions: approve applies exactly what the form asks; last user manager; duties; second review."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError, KnownError, PermissionDenied, ValidationError
from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.audit import AuditEvent
from desk_app.models.staff import Staff
from desk_app.models.submissions import FormSubmission
from desk_app.models.verification import SignatureSpecimen, SignerCertificate
from desk_app.pdf.generate import generate_form
from desk_app.pdf.signatures import signature_boxes
from desk_app.services.review import decisions, pins, verification
from desk_app.services.review.specimens import attest_signature, revoke_certificate
from tests.services.review.conftest import LEA_VALUES, letter_pin, submit
from tests.services.review.signing import fax_of, make_certificate, sign_pdf

ECS = dict(
    LEA_VALUES,
    **{
        "user_1_first_name": "Lee",
        "user_1_last_name": "Park",
        "user_1_email": "lpark@bluesprings.k12.mo.us",
        "user_2_first_name": "Kate",
        "user_2_last_name": "Miller",
        "user_2_email": "kmiller@bluesprings.k12.mo.us",
        "user_2_username": "kmiller",
        "role_1_user": "1",
        "role_1_app": "ECS",
        "role_1_role": "ECS_ENTRY",
        "role_1_action": "add",
        "role_2_user": "2",
        "role_2_app": "ECS",
        "role_2_role": "ECS_APPROVE",
        "role_2_action": "modify",
    },
)


@pytest.fixture(scope="module")
def jane_cert():
    return make_certificate("Jane Doe")


def _grants(store) -> set[tuple[str, str, str | None, bool]]:
    with store.read() as s:
        rows = s.execute(
            select(
                UserAccount.username,
                ApplicationRole.code,
                RoleGrant.building_id,
                RoleGrant.revoked_at,
            )
            .join(RoleGrant, RoleGrant.user_account_id == UserAccount.id)
            .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
        ).all()
    return {(u, c, str(b) if b else None, r is None) for u, c, b, r in rows}


def _give(ctx, world, username: str, role: str) -> None:
    with ctx.uow() as uow:
        acc = uow.session.execute(
            select(UserAccount).where(UserAccount.username == username)
        ).scalar_one()
        uow.session.add(
            RoleGrant(
                user_account_id=acc.id,
                role_id=uuid.UUID(world.roles[role]),
                entity_id=uuid.UUID(world.lea_id),
                granted_at=datetime.now(UTC),
            )
        )
        uow.commit()


def _mail(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def _state(store, sid: str) -> str:
    with store.read() as s:
        return s.get(FormSubmission, uuid.UUID(sid)).state


def test_approve_applies_exactly_the_requested_grants(ctx, world, jane_cert) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    pdf = sign_pdf(generate_form("DA-103", ECS), jane_cert)
    sid = submit(ctx, "DA-103", ECS, pdf)
    result = decisions.approve(ctx, sid)
    assert result.state == "applied" and _state(ctx.store, sid) == "applied"
    assert _grants(ctx.store) == {
        ("kmiller", "ECS_VIEW", None, False),  # modified: revoked
        ("kmiller", "ECS_APPROVE", None, True),
        ("lpark", "ECS_ENTRY", None, True),
    }
    with ctx.store.read() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]
        certs = s.execute(select(SignerCertificate.person_id)).scalars().all()
    assert actions.count("access.grant") == 2 and actions.count("access.revoke") == 1
    assert actions.count("access.account_create") == 1
    assert (
        actions.index("queue.transition")
        < actions.index("access.grant")
        < actions.index("decision.approve")
    )
    assert [str(p) for p in certs] == [
        world.superintendent_id
    ]  # registered from this verified form
    # the reply is an unsent draft to the requester with the letter attached
    msg = _mail(result.reply.requester_eml)
    assert msg["X-Unsent"] == "1" and msg["To"] == "office@bluesprings.k12.mo.us"
    assert "ECS_ENTRY" in msg.get_body(("plain",)).get_content()
    assert [p.get_filename() for p in msg.iter_attachments()] == ["letter.pdf"]
    assert result.reply.user_managers == ("kmiller@bluesprings.k12.mo.us",)


def test_the_registered_certificate_makes_the_next_form_valid(ctx, world, jane_cert) -> None:
    decisions.approve(
        ctx, submit(ctx, "DA-103", ECS, sign_pdf(generate_form("DA-103", ECS), jane_cert))
    )
    again = dict(ECS, role_2_action="add", role_2_role="ECS_VIEW")
    report = verification.verify_submission(
        ctx, submit(ctx, "DA-103", again, sign_pdf(generate_form("DA-103", again), jane_cert))
    )
    assert report.signatures[0].verdict == "valid" and report.check("signatures").outcome == "pass"
    sha = report.signatures[0].certificate_sha256
    revoke_certificate(ctx, sha, "card reported lost")
    again_sid = submit(ctx, "DA-103", again, sign_pdf(generate_form("DA-103", again), jane_cert))
    assert (
        verification.verify_submission(ctx, again_sid).signatures[0].verdict == "identity unknown"
    )
    stranger = make_certificate("Jane Doe")
    report = verification.verify_submission(
        ctx, submit(ctx, "DA-103", again, sign_pdf(generate_form("DA-103", again), stranger))
    )
    assert report.signatures[0].verdict == "identity unknown"


def _um_form(pin: str, action: str, first: str, last: str, mail: str, username: str = "") -> dict:
    return dict(
        LEA_VALUES,
        pin=pin,
        um_action=action,
        um_first_name=first,
        um_last_name=last,
        um_email=mail,
        um_username=username,
    )


def test_last_user_manager_is_never_removed_without_replacement(ctx, world, jane_cert) -> None:
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    values = _um_form(pin, "remove", "Kate", "Miller", "kmiller@bluesprings.k12.mo.us", "kmiller")
    sid = submit(
        ctx, "MO 500-2356", values, sign_pdf(generate_form("MO 500-2356", values), jane_cert)
    )
    with pytest.raises(KnownError, match="last user manager"):
        decisions.approve(ctx, sid)
    assert _state(ctx.store, sid) == "in_review"  # nothing committed
    # name a replacement first, then the removal goes through
    add = _um_form(pin, "add", "Lee", "Park", "lpark@bluesprings.k12.mo.us")
    decisions.approve(
        ctx, submit(ctx, "MO 500-2356", add, sign_pdf(generate_form("MO 500-2356", add), jane_cert))
    )
    decisions.approve(ctx, sid)
    with ctx.store.read() as s:
        active = (
            s.execute(
                select(UserAccount.username)
                .join(
                    UserManagerDesignation, UserManagerDesignation.user_account_id == UserAccount.id
                )
                .where(UserManagerDesignation.end_at.is_(None))
            )
            .scalars()
            .all()
        )
        ended = (
            s.execute(
                select(UserManagerDesignation.deleted_at).where(
                    UserManagerDesignation.end_at.is_not(None)
                )
            )
            .scalars()
            .all()
        )
    assert active == ["lpark"] and ended == [None]  # ended, not deleted


def test_blocking_failure_needs_a_written_override_by_a_security_admin(
    ctx, world, make_ctx, jane_cert
) -> None:
    pins.issue_pin(ctx, world.lea_id)
    values = _um_form("58203917", "add", "Lee", "Park", "lpark@bluesprings.k12.mo.us")
    sid = submit(
        ctx, "MO 500-2356", values, sign_pdf(generate_form("MO 500-2356", values), jane_cert)
    )
    with pytest.raises(ConflictError, match="Security PIN"):
        decisions.approve(ctx, sid)
    with pytest.raises(ValidationError):
        decisions.approve(ctx, sid, override_reason="ok")
    specialist = make_ctx(role="certification_specialist")
    with pytest.raises(PermissionDenied):
        decisions.approve(
            specialist, sid, override_reason="the superintendent confirmed by phone today"
        )
    result = decisions.approve(
        ctx, sid, override_reason="the superintendent confirmed by phone today"
    )
    assert result.state == "applied"
    with ctx.store.read() as s:
        assert s.get(FormSubmission, uuid.UUID(sid)).values["pin"] == ""  # no keyed PIN kept
    with ctx.store.read() as s:
        override = s.execute(
            select(AuditEvent).where(AuditEvent.action == "decision.override")
        ).scalar_one()
        assert override.details["checks"] == ["pin"]
        # the same wrong PIN verified three times (approve re-verifies) counted as one failure
        assert s.execute(select(AuditEvent.action).where(AuditEvent.action == "pin.check")).all()
    from desk_app.models.entities import EducationalEntity

    with ctx.store.read() as s:
        assert s.get(EducationalEntity, uuid.UUID(world.lea_id)).pin_failures == 1


def test_separation_of_duties_cannot_be_overridden(ctx, world, jane_cert) -> None:
    with ctx.uow() as uow:
        alice = uow.session.execute(select(Staff).where(Staff.username == "alice")).scalar_one()
        alice.email = "alice@dese.mo.gov"
        uow.commit()
    mine = dict(ECS, user_1_email="alice@dese.mo.gov")
    sid = submit(ctx, "DA-103", mine, sign_pdf(generate_form("DA-103", mine), jane_cert))
    report = verification.verify_submission(ctx, sid)
    assert report.check("separation_of_duties").outcome == "fail"
    with pytest.raises(ConflictError, match="cannot be overridden"):
        decisions.approve(ctx, sid, override_reason="I really do need this access for work")
    sent = submit(
        ctx,
        "DA-103",
        ECS,
        sign_pdf(generate_form("DA-103", ECS), jane_cert),
        sender="alice@dese.mo.gov",
    )
    assert (
        "submitted"
        in verification.verify_submission(ctx, sent).check("separation_of_duties").reason
    )


def test_rejection_for_signature_mismatch_needs_a_second_reviewer(ctx, world, make_ctx) -> None:
    layout = generate_form("DA-103")
    filled = generate_form("DA-103", ECS)
    fax = fax_of(filled, scribble_on=signature_boxes(layout)["signature"])
    sid = submit(ctx, "DA-103", ECS, fax, channel="fax", sender="5735551234")
    report = verification.verify_submission(ctx, sid)
    (box,) = report.signatures
    assert box.kind == "ink" and box.outcome == "warn" and box.crop_png
    attest_signature(
        ctx,
        sid,
        "signature",
        "mismatch",
        "loops differ from 2024 specimen",
        person_id=world.superintendent_id,
    )
    with pytest.raises(ConflictError, match="second reviewer"):
        decisions.reject(ctx, sid, ["signature_mismatch"])
    with pytest.raises(ConflictError, match="different operator"):
        attest_signature(ctx, sid, "signature", "mismatch", "still differs")
    bob = make_ctx(username="bob")
    attest_signature(bob, sid, "signature", "mismatch", "agree: different hand")
    result = decisions.reject(ctx, sid, ["signature_mismatch"], "please sign again in ink")
    assert result.state == "rejected" and _state(ctx.store, sid) == "rejected"
    msg = _mail(result.reply.requester_eml)
    assert "does not match the signatures we hold" in msg.get_body(("plain",)).get_content()


def test_attested_wet_ink_is_captured_as_a_specimen_on_approval(ctx, world) -> None:
    layout = generate_form("DA-103")
    fax = fax_of(generate_form("DA-103", ECS), scribble_on=signature_boxes(layout)["signature"])
    sid = submit(ctx, "DA-103", ECS, fax, channel="fax", sender="5735551234")
    attest_signature(ctx, sid, "signature", "matches", person_id=world.superintendent_id)
    assert verification.verify_submission(ctx, sid).check("signatures").outcome == "pass"
    decisions.approve(ctx, sid)
    with ctx.store.read() as s:
        (spec,) = s.execute(select(SignatureSpecimen)).scalars().all()
        assert str(spec.person_id) == world.superintendent_id
        assert spec.signed_on.isoformat() == "2026-11-02" and spec.image_png.startswith(b"\x89PNG")
    # the next fax shows that specimen beside the crop
    sid2 = submit(ctx, "DA-103", ECS, fax, channel="fax", sender="5735551234")
    assert len(verification.verify_submission(ctx, sid2).signatures[0].specimens) == 1


def test_wait_on_requester_and_reason_codes(ctx, world) -> None:
    sid = submit(ctx, "DA-103", ECS)
    with pytest.raises(ValidationError):
        decisions.wait_on_requester(ctx, sid, [])
    with pytest.raises(ValidationError):
        decisions.wait_on_requester(ctx, sid, ["other"])
    result = decisions.wait_on_requester(ctx, sid, ["signature_missing"])
    assert result.state == "waiting_on_requester"
    assert "not signed" in _mail(result.reply.requester_eml).get_body(("plain",)).get_content()


def test_only_the_holder_decides(ctx, world, make_ctx) -> None:
    sid = submit(ctx, "DA-103", ECS, holder="bob")
    with pytest.raises(ConflictError, match="held by bob"):
        decisions.reject(ctx, sid, ["incomplete"])


def test_delete_request_revokes_only_what_is_held(ctx, world, jane_cert) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    _give(ctx, world, "kmiller", "CORE_DATA_VIEW")
    values = dict(
        LEA_VALUES,
        user_1_first_name="Kate",
        user_1_last_name="Miller",
        user_1_email="kmiller@bluesprings.k12.mo.us",
        user_1_username="kmiller",
        role_1_user="1",
        role_1_app="ECS",
        role_1_role="ECS_VIEW",
        role_1_action="delete",
    )
    pdf = sign_pdf(generate_form("MO 500-3209", values), jane_cert)
    nothing = dict(values, role_1_role="ECS_ENTRY")
    report = verification.verify_submission(ctx, submit(ctx, "MO 500-3209", nothing, pdf))
    assert "holds no ECS_ENTRY" in report.check("roles_exist").reason
    decisions.approve(ctx, submit(ctx, "MO 500-3209", values, pdf))
    assert _grants(ctx.store) == {
        ("kmiller", "ECS_VIEW", None, False),
        ("kmiller", "CORE_DATA_VIEW", None, True),
    }
