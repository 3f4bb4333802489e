"""Profiles from documents: created once per person, contact and username changes, checks with
their documents, evidence as entered (and as the rules weigh it), each change audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from desk_app.errors import KnownError, PermissionDenied, ValidationError
from desk_app.models.educators import CertificateClassification, Educator
from desk_app.rules.certification import MISSOURI_PUBLIC_SCHOOL, classification_rows
from desk_app.services.educators.certificates import issue_certificate
from desk_app.services.educators.editing import (
    NewProfile,
    create_profile,
    edit_contact,
    link_username,
    practicum_check,
    record_checks,
)
from desk_app.services.educators.evidence import EvidenceEntry, add_evidence, experience_years
from desk_app.services.educators.profiles import EducatorService
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService

MARIA = NewProfile("123-45-6789", date(1985, 4, 12), "Maria", "Delgado", "md@example.org", "Elena")


@pytest.fixture
def specialist(make_ctx):
    ctx = make_ctx(role="certification_specialist", username="carol")
    with ctx.uow() as uow:
        for row in classification_rows():
            uow.session.add(CertificateClassification(**row))
        uow.commit()
    return ctx


def _actions(make_ctx) -> list[str]:
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("record_type", "educator"), 0, 100
    )
    return [e.action for e in events]


def test_a_person_gets_one_profile_however_the_ssn_is_typed(specialist, make_ctx) -> None:
    first = create_profile(specialist, MARIA)
    assert not first.existed
    again = create_profile(
        specialist,
        NewProfile("123 45 6789", date(1985, 4, 12), "María", "Delgado-Ruiz", "x@example.org"),
    )
    assert again.existed and again.educator_id == first.educator_id and again.warning
    with specialist.store.read() as s:
        assert s.execute(select(func.count()).select_from(Educator)).scalar_one() == 1
    found = EducatorService(specialist).find_by_identity("123456789", date(1985, 4, 12))
    assert found is not None and found.id == first.educator_id
    closed = EducatorService(specialist).reveal_closed_data(first.educator_id, unmasked=True)
    assert closed.ssn == "123456789" and closed.date_of_birth == date(1985, 4, 12)
    assert {"educator.create", "educator.create_found_existing"} <= set(_actions(make_ctx))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ssn": "000-12-3456"}, "valid area"),
        ({"date_of_birth": date(2999, 1, 1)}, "past"),
        ({"email": ""}, "required"),
        ({"last_name": "  "}, "legal name"),
    ],
)
def test_bad_profiles_are_refused(specialist, change, message) -> None:
    values = {**MARIA.__dict__, **change}
    with pytest.raises(ValidationError, match=message):
        create_profile(specialist, NewProfile(**values))


def test_contact_username_and_checks_are_audited(specialist, make_ctx) -> None:
    key = create_profile(specialist, MARIA).educator_id
    edit_contact(specialist, key, email="maria.delgado@example.org")
    with pytest.raises(ValidationError):
        edit_contact(specialist, key, email="not an address")
    link_username(specialist, key, "MDelgado")
    with pytest.raises(KnownError, match="already has the DESE username mdelgado"):
        link_username(specialist, key, "mdelgado2")
    link_username(specialist, key, "mdelgado2", replace=True)
    other = create_profile(
        specialist, NewProfile("223-45-6789", date(1990, 1, 1), "Ann", "Lee", "al@example.org")
    ).educator_id
    with pytest.raises(KnownError, match="another educator"):
        link_username(specialist, other, "mdelgado2")
    record_checks(
        specialist,
        key,
        kind="fingerprint",
        result="cleared",
        on=date(2025, 1, 5),
        document_ref="FBI response 2025-0105",
    )
    with pytest.raises(ValidationError, match="source document"):
        record_checks(
            specialist,
            key,
            kind="background",
            result="cleared",
            on=date(2025, 1, 5),
            document_ref="",
        )
    profile = EducatorService(specialist).detail(key)
    assert profile.row.email == "maria.delgado@example.org"
    assert profile.row.username == "mdelgado2" and profile.row.fingerprint_status == "cleared"
    actions = _actions(make_ctx)
    for action in (
        "educator.edit_contact",
        "educator.link_username",
        "educator.fingerprint_result",
    ):
        assert action in actions
    with pytest.raises(PermissionDenied):
        edit_contact(make_ctx(role="security_admin"), key, email="a@example.org")


def test_practicum_over_thirty_clock_hours_needs_a_profile(specialist) -> None:
    assert "needs no profile" in practicum_check(specialist, "123-45-6789", date(1985, 4, 12), 30)
    assert "has none" in practicum_check(specialist, "123-45-6789", date(1985, 4, 12), 30.5)
    create_profile(specialist, MARIA)
    assert "Delgado" in practicum_check(specialist, "123-45-6789", date(1985, 4, 12), 45)


def test_evidence_from_documents_makes_an_iss_holder_eligible(specialist, make_ctx) -> None:
    key = create_profile(specialist, MARIA).educator_id
    issue_certificate(specialist, key, "ISS", date(2021, 7, 1))
    entries = [
        EvidenceEntry(
            "experience",
            "contract 2021-22",
            employer="Columbia 93",
            setting=MISSOURI_PUBLIC_SCHOOL,
            fte=1.0,
            contracted=True,
            start=date(2021, 8, 1),
            end=date(2025, 7, 31),
        ),
        EvidenceEntry(
            "experience",
            "letter",
            employer="Rec centre",
            setting="Community centre",
            fte=1.0,
            contracted=True,
            start=date(2021, 8, 1),
            end=date(2022, 7, 31),
        ),
        EvidenceEntry("mentoring", "mentor log", on=date(2023, 6, 1), quantity=2),
        EvidenceEntry(
            "professional_development",
            "UMC transcript",
            on=date(2024, 5, 1),
            quantity=2,
            unit="semester_hours",
        ),
        EvidenceEntry(
            "professional_development",
            "PD log",
            on=date(2024, 6, 1),
            quantity=10,
            unit="contact_hours",
        ),
        EvidenceEntry("evaluation", "PBSSE 2024", on=date(2024, 5, 30)),
        EvidenceEntry(
            "assessment",
            "score report",
            on=date(2021, 3, 1),
            title="Counselor 5421",
            score=171,
            passing_score=156,
        ),
        EvidenceEntry(
            "transcript",
            "sealed transcript",
            on=date(2021, 5, 20),
            title="University of Missouri",
            degree="M.Ed. Counseling",
        ),
    ]
    for entry in entries:
        add_evidence(specialist, key, entry)
    profile = EducatorService(specialist).detail(key)
    [upgrade] = profile.upgrades
    reqs = {r.code: r for r in upgrade.requirements}
    assert upgrade.eligible and upgrade.upgrade_to == "CSS"
    assert reqs["professional_development"].completed == 40  # 2 semester hours = 30 contact
    assert reqs["experience"].completed == 4.0
    assert any("not approved" in why for why in reqs["experience"].not_counted)
    assert (
        profile.assessment_scores[0].passed and profile.transcripts[0].degree == "M.Ed. Counseling"
    )
    assert sum(a.startswith("educator.evidence.") for a in _actions(make_ctx)) == len(entries)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            EvidenceEntry(
                "experience",
                "",
                employer="A",
                setting="B",
                fte=1,
                contracted=True,
                start=date(2020, 1, 1),
                end=date(2021, 1, 1),
            ),
            "source document",
        ),
        (
            EvidenceEntry(
                "experience",
                "doc",
                employer="A",
                setting="B",
                fte=1.5,
                contracted=True,
                start=date(2020, 1, 1),
                end=date(2021, 1, 1),
            ),
            "FTE",
        ),
        (
            EvidenceEntry(
                "experience",
                "doc",
                employer="A",
                setting="B",
                fte=1,
                contracted=True,
                start=date(2021, 1, 1),
                end=date(2020, 1, 1),
            ),
            "end date",
        ),
        (
            EvidenceEntry(
                "professional_development", "doc", on=date(2024, 1, 1), quantity=3, unit="credits"
            ),
            "contact hours or semester hours",
        ),
        (EvidenceEntry("mentoring", "doc", on=date(2999, 1, 1), quantity=1), "future"),
        (EvidenceEntry("sabbatical", "doc", on=date(2024, 1, 1)), "is one of"),
    ],
)
def test_bad_evidence_is_refused(specialist, entry, message) -> None:
    key = create_profile(specialist, MARIA).educator_id
    with pytest.raises(ValidationError, match=message):
        add_evidence(specialist, key, entry)


def test_experience_years_from_contract_dates() -> None:
    assert experience_years(date(2021, 8, 1), date(2025, 7, 31)) == 4.0
    assert experience_years(date(2024, 8, 1), date(2025, 7, 31)) == 1.0
