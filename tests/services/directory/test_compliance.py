"""The user-manager rule watched between forms: every kind of finding, and the 2356 drafted."""

from __future__ import annotations

import email
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desk_app.errors import PermissionDenied
from desk_app.models.access import UserAccount, UserManagerDesignation
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.services.directory.compliance import ComplianceService
from desk_app.services.directory.upkeep import DirectoryUpkeep


def _entity(s, kind: str, code: str, name: str) -> EducationalEntity:
    e = EducationalEntity(kind=kind, code=code, name=name)
    s.add(e)
    s.flush()
    return e


def _um(s, entity, username: str, **account) -> UserAccount:
    a = UserAccount(
        username=username,
        first_name="U",
        last_name=username.title(),
        email=f"{username}@example.org",
        entity_id=entity.id,
        last_login_at=account.pop("last_login_at", utcnow()),
        **account,
    )
    s.add(a)
    s.flush()
    s.add(
        UserManagerDesignation(
            entity_id=entity.id, user_account_id=a.id, start_at=utcnow() - timedelta(days=900)
        )
    )
    return a


@pytest.fixture
def world(ctx):
    now = utcnow()
    with ctx.uow() as uow:
        s = uow.session
        good = _entity(s, "lea", "010-093", "Columbia")
        _um(s, good, "goodum")
        _entity(s, "lea", "048-078", "Kansas City")  # nobody at all
        dormant = _entity(s, "ihe", "002516", "Boone Valley College")
        _um(s, dormant, "sleepy", last_login_at=now - timedelta(days=400))
        gone = _entity(s, "lea", "001-090", "Adair")
        _um(s, gone, "gone", status="disabled")
        _entity(s, "nonpublic", "N04567", "St. Mary")  # managed by the agency: never a finding
        closed = _entity(s, "lea", "002-091", "Closed R-I")
        closed.status = "closed"
        changed = _entity(s, "lea", "003-092", "Changed R-II")
        _um(s, changed, "oldum")
        old, new = (
            Person(first_name="Old", last_name="Supt"),
            Person(first_name="New", last_name="Supt", email="new.supt@changed.k12.mo.us"),
        )
        s.add_all([old, new])
        s.flush()
        s.add_all(
            [
                EntityOfficer(
                    entity_id=changed.id,
                    person_id=old.id,
                    role="superintendent",
                    start_date=date(2015, 7, 1),
                    end_date=date(2026, 6, 30),
                ),
                EntityOfficer(
                    entity_id=changed.id,
                    person_id=new.id,
                    role="superintendent",
                    start_date=date(2026, 7, 1),
                ),
            ]
        )
        uow.commit()
        return {"changed": str(changed.id)}


def test_every_kind_of_finding(ctx, world) -> None:
    report = ComplianceService(ctx).report()
    got = {(f.entity_code, f.rule) for f in report.findings}
    assert got == {
        ("048-078", "no_user_manager"),
        ("002516", "no_user_manager"),
        ("002516", "user_manager_dormant"),
        ("001-090", "no_user_manager"),
        ("001-090", "user_manager_removed"),
        ("003-092", "officer_changed"),
    }
    assert report.entities_checked == 5  # open LEAs and IHEs
    assert report.by_rule()["no_user_manager"] == 3
    dormant = next(f for f in report.findings if f.rule == "user_manager_dormant")
    assert dormant.username == "sleepy" and "not signed in since" in dormant.detail


def test_reviewing_user_managers_clears_the_officer_finding(ctx, world) -> None:
    DirectoryUpkeep(ctx).confirm_user_managers(world["changed"], "called the new superintendent")
    rules = {f.rule for f in ComplianceService(ctx).report().findings}
    assert "officer_changed" not in rules


def test_draft_2356_for_a_finding(ctx, world) -> None:
    service = ComplianceService(ctx)
    changed = next(f for f in service.report().findings if f.rule == "officer_changed")
    drafted = service.draft_user_manager_form(changed)
    assert drafted.recipients == ("new.supt@changed.k12.mo.us",)
    message = email.message_from_bytes(open(drafted.eml_path, "rb").read())
    assert message["X-Unsent"] == "1" and "2356" in message["Subject"]
    pdf = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert pdf and pdf[0].get_payload(decode=True).startswith(b"%PDF")
    import pymupdf

    with pymupdf.open(drafted.pdf_path) as doc:
        values = {w.field_name: w.field_value for page in doc for w in page.widgets()}
    assert "Changed R-II" in values.values() and "003-092" in values.values()
    assert "New Supt" in values.values()
    removed = next(f for f in service.report().findings if f.rule == "user_manager_removed")
    with pymupdf.open(service.draft_user_manager_form(removed).pdf_path) as doc:
        values = {w.field_name: w.field_value for page in doc for w in page.widgets()}
    assert values["um_username"] == "gone" and values["um_action"] == "remove"
    with ctx.store.read() as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
    assert actions.count("compliance.draft_2356") == 2
    # each draft carries a registered request token recording the removal it asks for
    from desk_app.models.submissions import RequestToken
    from desk_app.pdf.read import read_form

    token = read_form(open(service.draft_user_manager_form(removed).pdf_path, "rb").read()).token
    with ctx.store.read() as s:
        row = s.execute(select(RequestToken).where(RequestToken.token == token)).scalar_one()
        assert (row.values["um_action"], row.values["um_username"]) == ("remove", "gone")


def test_permissions(make_ctx, world) -> None:
    with pytest.raises(PermissionDenied):
        ComplianceService(make_ctx("certification_specialist", "cs")).report()
    auditor = ComplianceService(make_ctx("auditor", "audrey"))
    finding = auditor.report().findings[0]
    with pytest.raises(PermissionDenied):
        auditor.draft_user_manager_form(finding)
