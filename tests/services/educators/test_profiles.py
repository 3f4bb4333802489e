"""EducatorService: search forms, filters, sorting, profile, identity look-up, closed data."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from desk_app.errors import NotFound, PermissionDenied, ValidationError
from desk_app.models.audit import AuditEvent
from desk_app.models.educators import (
    Certificate,
    CertificateApplication,
    CertificateClassification,
    Educator,
    RequirementEvidence,
)
from desk_app.rules.certification import classification_rows, expiration_date
from desk_app.services.context import ServiceContext
from desk_app.services.educators.profiles import EducatorService, closed_context
from desk_app.services.listing import ListQuery

PEOPLE = [  # last, first, username, ssn, dob, fingerprint, certificates (code, number, status, effective)
    (
        "Smith",
        "John",
        "jsmith",
        "123-45-6789",
        date(1980, 1, 2),
        "cleared",
        [("CCPC", "1500000001", "active", date(2015, 8, 1))],
    ),
    (
        "Smith",
        "Jane",
        "janesmith",
        "223456789",
        date(1985, 3, 4),
        "pending",
        [("ISS", "2300000002", "active", date(2023, 8, 1))],
    ),
    (
        "Smithers",
        "Ann",
        "asmithers",
        "323456789",
        date(1990, 5, 6),
        "cleared",
        [("IPC", "2400000003", "active", date(2024, 8, 1))],
    ),
    (
        "Smyth",
        "Joan",
        "jsmyth",
        "423456789",
        date(1975, 7, 8),
        "cleared",
        [("SUB", "2500000004", "active", date(2025, 1, 10))],
    ),
    ("Adams", "Smitty", "smi", "523456789", date(1970, 9, 10), "flagged", []),
    ("Jones", "Ann", None, "623456789", date(1999, 11, 12), "none", []),
]


def add_people(ctx: ServiceContext) -> dict[str, str]:
    """Write the known educators with the ORM; returns last+first -> id."""
    ids: dict[str, uuid.UUID] = {}
    cipher = ctx.cipher
    with ctx.uow() as uow:
        classes = {}
        for values in classification_rows():
            klass = CertificateClassification(**values)
            uow.session.add(klass)
            classes[klass.code] = klass
        uow.session.flush()
        for last, first, username, ssn, dob, fingerprint, certs in PEOPLE:
            e = Educator(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@example.com".lower(),
                username=username,
                fingerprint_status=fingerprint,
                identity_hash="",
                ssn_cipher=b"",
                dob_cipher=b"",
                last_login_at=datetime.now(UTC) - timedelta(days=30),
            )
            uow.session.add(e)
            uow.session.flush()
            e.identity_hash = cipher.identity_hash(ssn, dob.isoformat())
            e.ssn_cipher = cipher.encrypt(ssn.replace("-", ""), context=closed_context(e.id, "ssn"))
            e.dob_cipher = cipher.encrypt(dob.isoformat(), context=closed_context(e.id, "dob"))
            for code, number, status, effective in certs:
                uow.session.add(
                    Certificate(
                        educator_id=e.id,
                        classification_id=classes[code].id,
                        number=number,
                        effective_date=effective,
                        expiration_date=expiration_date(code, effective),
                        status=status,
                    )
                )
            ids[f"{last} {first}"] = e.id
        jane = ids["Smith Jane"]
        for requirement, quantity, unit in (
            ("experience", 3, "years"),
            ("mentoring", 2, "years"),
            ("professional_development", 2, "semester_hours"),
            ("evaluation", 1, "evaluations"),
        ):
            uow.session.add(
                RequirementEvidence(
                    educator_id=jane,
                    requirement=requirement,
                    quantity=quantity,
                    unit=unit,
                    source="Missouri public school" if requirement == "experience" else "",
                    evidence_date=date(2025, 6, 1),
                )
            )
        uow.session.add(
            CertificateApplication(
                educator_id=ids["Jones Ann"],
                classification_code="SUB",
                submitted_at=datetime.now(UTC),
            )
        )
        uow.commit()
    return {name: str(key) for name, key in ids.items()}


@pytest.fixture
def people(ctx: ServiceContext) -> dict[str, str]:
    return add_people(ctx)


def names(ctx: ServiceContext, text: str = "", **kw: object) -> list[str]:
    query = ListQuery(text=text, **kw)  # type: ignore[arg-type]
    service = EducatorService(ctx)
    found = [f"{r.last_name} {r.first_name}" for r in service.fetch(query, 0, 100)]
    assert service.count(query) == len(found)
    return found


def test_last_name_prefix_is_case_insensitive_and_sorted(
    ctx: ServiceContext, people: dict[str, str]
) -> None:
    # "smi" is also Smitty Adams' exact username
    assert names(ctx, "smi") == ["Adams Smitty", "Smith Jane", "Smith John", "Smithers Ann"]
    assert names(ctx, "SMITH") == ["Smith Jane", "Smith John", "Smithers Ann"]
    assert names(ctx, "sm") == ["Smith Jane", "Smith John", "Smithers Ann", "Smyth Joan"]
    assert names(ctx, "zz") == []


def test_last_comma_first_prefix(ctx: ServiceContext, people: dict[str, str]) -> None:
    assert names(ctx, "smith, j") == ["Smith Jane", "Smith John"]
    assert names(ctx, "Smith, Joh") == ["Smith John"]
    assert names(ctx, "smith,") == ["Smith Jane", "Smith John"]  # exact last name, not Smithers


def test_exact_username_email_and_certificate_number(
    ctx: ServiceContext, people: dict[str, str]
) -> None:
    assert names(ctx, "asmithers") == ["Smithers Ann"]
    assert names(ctx, "Joan.Smyth@example.com") == ["Smyth Joan"]
    assert names(ctx, "joan.smyth@example") == []  # exact, not a prefix
    assert names(ctx, "2400000003") == ["Smithers Ann"]
    assert names(ctx, "240000000") == []


def test_filters_and_sorting(ctx: ServiceContext, people: dict[str, str]) -> None:
    assert names(ctx, filters=(("classification", "iss"),)) == ["Smith Jane"]
    assert names(ctx, "sm", filters=(("fingerprint", "cleared"),)) == [
        "Smith John",
        "Smithers Ann",
        "Smyth Joan",
    ]
    assert names(ctx, "sm", sort="name", descending=True) == [
        "Smyth Joan",
        "Smithers Ann",
        "Smith John",
        "Smith Jane",
    ]
    by_username = names(ctx, sort="username")
    assert by_username[0] == "Jones Ann"  # no username sorts first
    rows = EducatorService(ctx).fetch(ListQuery("smith, john"), 0, 10)
    assert rows[0].classification == "CCPC" and not rows[0].needs_registration
    assert "ssn" not in json.dumps(rows[0].__dict__, default=str).lower()


def test_paging_is_stable(ctx: ServiceContext, people: dict[str, str]) -> None:
    service = EducatorService(ctx)
    pages = [r.id for offset in range(0, 6, 2) for r in service.fetch(ListQuery(), offset, 2)]
    assert pages == [r.id for r in service.fetch(ListQuery(), 0, 6)] and len(set(pages)) == 6


def test_profile_has_certificates_applications_and_upgrade_progress(
    ctx: ServiceContext, people: dict[str, str]
) -> None:
    jane = EducatorService(ctx).detail(people["Smith Jane"])
    assert [c.classification for c in jane.certificates] == ["ISS"]
    (upgrade,) = jane.upgrades
    assert upgrade.upgrade_to == "CSS" and not upgrade.eligible
    progress = {r.code: r for r in upgrade.requirements}
    assert progress["professional_development"].completed == 30  # 2 semester hours
    assert not progress["professional_development"].met and progress["mentoring"].met
    assert progress["experience"].completed == 3
    ann = EducatorService(ctx).detail(people["Jones Ann"])
    assert [a.classification for a in ann.pending_applications] == ["SUB"] and ann.upgrades == ()
    with pytest.raises(NotFound):
        EducatorService(ctx).detail("not-an-id")


def test_find_by_identity_uses_the_keyed_hash_and_is_audited(
    make_ctx, people: dict[str, str]
) -> None:
    ctx = make_ctx(role="certification_specialist")
    found = EducatorService(ctx).find_by_identity("123456789", date(1980, 1, 2))
    assert found is not None and found.id == people["Smith John"]
    assert EducatorService(ctx).find_by_identity("123-45-6789", date(1980, 1, 3)) is None
    with pytest.raises(ValidationError):
        EducatorService(ctx).find_by_identity("666-12-3456", date(1980, 1, 2))
    with ctx.store.read() as s:
        events = s.execute(
            select(AuditEvent.summary, AuditEvent.details).where(
                AuditEvent.action == "educator.find_by_identity"
            )
        ).all()
    assert len(events) == 2
    assert all("6789" not in summary + json.dumps(details) for summary, details in events)


@pytest.mark.parametrize("role", ["auditor", "security_admin"])
def test_closed_data_is_refused_without_the_permission(
    make_ctx, people: dict[str, str], role: str
) -> None:
    ctx = make_ctx(role=role)
    with pytest.raises(PermissionDenied):
        EducatorService(ctx).reveal_closed_data(people["Smith John"])
    with ctx.store.read() as s:
        assert not s.execute(
            select(AuditEvent).where(AuditEvent.action == "educator.view_closed")
        ).first()


def test_certification_specialist_sees_closed_data_and_each_view_is_audited(
    make_ctx, people: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    ctx = make_ctx(role="certification_specialist", username="carol")
    service = EducatorService(ctx)
    masked = service.reveal_closed_data(people["Smith John"])
    assert masked.ssn_masked == "***-**-6789" and masked.ssn is None
    assert masked.date_of_birth == date(1980, 1, 2)
    assert "6789" not in repr(masked).replace("***-**-6789", "") and "1980" not in repr(masked)
    full = service.reveal_closed_data(people["Smith John"], unmasked=True)
    assert full.ssn == "123456789"
    with ctx.store.read() as s:
        events = s.execute(
            select(AuditEvent.actor, AuditEvent.record_id, AuditEvent.summary, AuditEvent.details)
            .where(AuditEvent.action == "educator.view_closed")
            .order_by(AuditEvent.seq)
        ).all()
    assert [actor for actor, *_ in events] == ["carol", "carol"]
    assert [details["unmasked"] for *_, details in events] == [False, True]
    assert all(str(record_id) == people["Smith John"] for _, record_id, _, _ in events)
    for _, _, summary, details in events:
        text = summary + json.dumps(details)
        assert "123456789" not in text and "6789" not in text and "1980" not in text
    assert "123456789" not in caplog.text and "6789" not in caplog.text


def test_listing_needs_the_view_permission(make_ctx, people: dict[str, str]) -> None:
    ctx = make_ctx(role="nobody")
    with pytest.raises(PermissionDenied):
        EducatorService(ctx).fetch(ListQuery(), 0, 10)
