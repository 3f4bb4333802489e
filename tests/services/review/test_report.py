"""The verification report's checks, one behaviour each."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from desk_app.models.access import UserAccount
from desk_app.models.entities import EducationalEntity
from desk_app.models.submissions import VerificationResult
from desk_app.pdf.generate import generate_form
from desk_app.services.review import pins, verification
from tests.services.review.conftest import LEA_VALUES, letter_pin, submit

MOSIS = dict(
    LEA_VALUES,
    **{
        "user_1_first_name": "Lee",
        "user_1_last_name": "Park",
        "user_1_email": "lpark@bluesprings.k12.mo.us",
        "role_1_app": "MOSIS",
        "role_1_role": "MOSIS_ENTRY",
        "role_1_action": "add",
        "role_1_building": "1050",
        "user_agrees": "Yes",
        "user_signed_date": "11/02/2026",
    },
)


def _check(ctx, form: str, values: dict, code: str, pdf: bytes | None = None):
    report = verification.verify_submission(ctx, submit(ctx, form, values, pdf))
    return report.check(code)


def test_report_is_saved_as_verification_results(ctx, world) -> None:
    sid = submit(
        ctx,
        "DA-103",
        dict(
            LEA_VALUES,
            user_1_first_name="Lee",
            user_1_last_name="Park",
            user_1_email="lpark@x.org",
            role_1_app="ECS",
            role_1_role="ECS_VIEW",
            role_1_action="add",
        ),
    )
    report = verification.verify_submission(ctx, sid)
    assert [c.code for c in report.checks] == [
        "form_known",
        "form_complete",
        "entity_code",
        "roles_exist",
        "building_scope",
        "one_username",
        "separation_of_duties",
        "pin",
        "signer_authority",
        "signing_date",
        "signatures",
    ]
    with ctx.store.read() as s:
        rows = s.execute(
            select(VerificationResult.check, VerificationResult.outcome).where(
                VerificationResult.run_id == uuid.UUID(report.run_id)
            )
        ).all()
    assert dict(rows) == {c.code: c.outcome for c in report.checks}
    # an unsigned fillable form: the signature box is empty, so the report blocks approval
    assert report.check("signatures").outcome == "fail" and not report.can_approve


def test_missing_required_fields_are_named(ctx, world) -> None:
    check = _check(ctx, "DA-102", dict(MOSIS, user_1_email="", signed_date=""), "form_complete")
    assert check.outcome == "fail" and check.blocks
    assert set(check.details["fields"]) >= {"user_1_email", "signed_date"}
    assert _check(ctx, "DA-102", dict(MOSIS, pin="58203917"), "form_complete").outcome == "pass"


def test_entity_code_unknown_and_malformed(ctx, world) -> None:
    assert (
        _check(ctx, "DA-103", dict(LEA_VALUES, entity_code="048-999"), "entity_code").outcome
        == "fail"
    )
    bad = _check(ctx, "DA-103", dict(LEA_VALUES, entity_code="48-78"), "entity_code")
    assert bad.outcome == "fail" and "not a county-district" in bad.reason
    assert _check(ctx, "DA-103", LEA_VALUES, "entity_code").outcome == "pass"


def test_roles_must_exist_for_the_kind_of_entity(ctx, world) -> None:
    values = dict(
        LEA_VALUES,
        user_1_first_name="Lee",
        user_1_last_name="Park",
        user_1_email="l@x.org",
        role_1_app="ECS",
        role_1_role="ECS_ADMIN",
        role_1_action="add",
    )
    keyed = generate_form(
        "DA-103", LEA_VALUES
    )  # the value was keyed from a fax, not chosen in the PDF
    assert "has no role" in _check(ctx, "DA-103", values, "roles_exist", keyed).reason
    consultant = {
        "org_name": "Regional PD Center",
        "org_code": "C00042",
        "contact_name": "Carol Contact",
        "contact_date": "11/02/2026",
        "user_1_first_name": "Ann",
        "user_1_last_name": "Lowe",
        "user_1_email": "alowe@rpdc.org",
        "role_1_user": "1",
        "role_1_app": "CORE_DATA",
        "role_1_role": "CORE_DATA_VIEW",
        "role_1_action": "add",
    }
    blank = generate_form("DA-101", {"org_name": "Regional PD Center", "org_code": "C00042"})
    check = _check(ctx, "DA-101", consultant, "roles_exist", blank)
    assert check.outcome == "fail" and "not available to a consultant" in check.reason


def test_building_must_exist_where_the_application_has_building_scope(ctx, world) -> None:
    assert _check(ctx, "DA-102", MOSIS, "building_scope").outcome == "pass"
    check = _check(ctx, "DA-102", dict(MOSIS, role_1_building="9999"), "building_scope")
    assert check.outcome == "fail" and "9999" in check.reason
    district = _check(ctx, "DA-102", dict(MOSIS, role_1_building=""), "building_scope")
    assert district.outcome == "pass" and "district-level" in district.reason


def test_several_usernames_for_one_person_are_flagged(ctx, world) -> None:
    with ctx.uow() as uow:
        for name in ("lpark", "lpark2"):
            uow.session.add(
                UserAccount(
                    username=name,
                    first_name="Lee",
                    last_name="Park",
                    email="lpark@bluesprings.k12.mo.us",
                    entity_id=uuid.UUID(world.lea_id),
                )
            )
        uow.commit()
    check = _check(ctx, "DA-102", MOSIS, "one_username")
    assert check.outcome == "warn" and "lpark, lpark2" in check.reason and not check.blocks


def test_signer_authority_on_the_signing_date(ctx, world) -> None:
    ok = _check(ctx, "DA-102", MOSIS, "signer_authority")
    assert ok.outcome == "pass" and ok.details["scores"]["signature"] == 100.0
    typo = _check(ctx, "DA-102", dict(MOSIS, signer_name="Dr. Jane Doe, Ed.D."), "signer_authority")
    assert typo.outcome == "pass"
    rep = _check(ctx, "DA-102", dict(MOSIS, signer_name="Rob Smith"), "signer_authority")
    assert rep.outcome == "warn" and "authorized representative" in rep.reason
    former = _check(ctx, "DA-102", dict(MOSIS, signer_name="Harold Finch"), "signer_authority")
    assert former.outcome == "fail" and "06/30/2021" in former.reason
    back_then = _check(
        ctx,
        "DA-102",
        dict(MOSIS, signer_name="Harold Finch", signed_date="03/01/2021"),
        "signer_authority",
    )
    assert back_then.outcome == "pass"
    stranger = _check(ctx, "DA-102", dict(MOSIS, signer_name="Pat Nobody"), "signer_authority")
    assert (
        stranger.outcome == "fail"
        and "not a superintendent or authorized representative" in stranger.reason
    )


def test_consultant_form_is_signed_by_the_agency_contact(ctx, world) -> None:
    base = {
        "org_name": "Regional PD Center",
        "org_code": "C00042",
        "contact_date": "11/02/2026",
        "user_1_first_name": "Ann",
        "user_1_last_name": "Lowe",
        "user_1_email": "alowe@rpdc.org",
        "role_1_user": "1",
        "role_1_app": "ECS",
        "role_1_role": "ECS_VIEW",
        "role_1_action": "add",
    }
    assert (
        _check(ctx, "DA-101", dict(base, contact_name="Carol Contact"), "signer_authority").outcome
        == "pass"
    )
    assert (
        _check(ctx, "DA-101", dict(base, contact_name="Jane Doe"), "signer_authority").outcome
        == "fail"
    )


def test_mosis_statement_needs_the_user_and_an_officer(ctx, world) -> None:
    report = verification.verify_submission(ctx, submit(ctx, "DA-102", MOSIS))
    assert [s.field_name for s in report.signatures] == ["user_signature", "signature"]
    assert [s.signer_role for s in report.signatures] == ["user", "superintendent"]
    unnamed = _check(
        ctx, "DA-102", dict(MOSIS, user_1_first_name="", user_1_last_name=""), "signer_authority"
    )
    assert unnamed.outcome == "fail"


def test_pin_required_and_a_failure_counted_once_per_submission(ctx, world) -> None:
    assert "no PIN on file" in _check(ctx, "DA-102", MOSIS, "pin").reason
    pin = letter_pin(pins.issue_pin(ctx, world.lea_id).letter_pdf)
    assert _check(ctx, "DA-102", dict(MOSIS, pin=pin), "pin").outcome == "pass"
    assert "empty" in _check(ctx, "DA-102", MOSIS, "pin").reason
    wrong = "58203917" if pin != "58203917" else "739158"
    sid = submit(ctx, "DA-102", dict(MOSIS, pin=wrong))
    for _ in range(3):
        assert verification.verify_submission(ctx, sid).check("pin").outcome == "fail"
    with ctx.store.read() as s:
        assert s.get(EducationalEntity, uuid.UUID(world.lea_id)).pin_failures == 1
    with ctx.store.read() as s:
        from desk_app.models.audit import AuditEvent

        logged = " ".join(
            f"{a} {d}" for a, d in s.execute(select(AuditEvent.summary, AuditEvent.details))
        )
        saved = " ".join(str(d) for (d,) in s.execute(select(VerificationResult.details)))
    assert pin not in logged and wrong not in logged and pin not in saved and wrong not in saved
    # a public entity's form "may" carry a PIN: none on file, none needed
    public = {"entity_name": "Jackson County Clerk", "entity_code": "P01234"}
    assert _check(ctx, "MO 500-2377", public, "pin").outcome == "pass"


def test_verify_document_reads_a_file_without_saving(ctx, world) -> None:
    report = verification.verify_document(ctx, generate_form("DA-102", MOSIS))
    assert report.form_number == "DA-102" and report.submission_id == ""
    assert report.check("signer_authority").outcome == "pass"
    with ctx.store.read() as s:
        assert s.execute(select(VerificationResult)).first() is None
    assert report.as_json()["checks"][0]["code"] == "form_known"


def test_a_damaged_pdf_fails_the_signature_check_with_a_reason(ctx, world) -> None:
    from tests.services.review.signing import make_certificate, sign_pdf

    signed = sign_pdf(generate_form("DA-102", MOSIS), make_certificate("Jane Doe"))
    damaged = signed[: len(signed) // 2]
    report = verification.verify_submission(ctx, submit(ctx, "DA-102", MOSIS, damaged))
    check = report.check("signatures")
    assert check.outcome == "fail" and "cannot be" in check.reason
