"""Directory upkeep: entities, buildings, officers with dates, specimens; audited, permission-checked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError, PermissionDenied, ValidationError
from desk_app.models.audit import AuditEvent
from desk_app.models.entities import Building, County, EducationalEntity
from desk_app.models.people import EntityOfficer
from desk_app.models.verification import SignatureSpecimen
from desk_app.services.directory.entities import EntityService
from desk_app.services.directory.upkeep import DirectoryUpkeep


def _id(changes) -> str:
    (only,) = changes.record_ids
    return only


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


@pytest.fixture
def upkeep(ctx) -> DirectoryUpkeep:
    with ctx.uow() as uow:
        uow.session.add_all([County(code="010", name="Boone"), County(code="048", name="Jackson")])
        uow.commit()
    return DirectoryUpkeep(ctx)


def _actions(ctx) -> list[str]:
    with ctx.store.read() as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


def test_create_edit_close_entity_is_audited(ctx, upkeep) -> None:
    eid = _id(
        upkeep.create_entity(
            "lea", "010-093", "Columbia Public Schools", county="010", opened_on=date(1990, 7, 1)
        )
    )
    detail = EntityService(ctx).detail(eid)
    assert detail.row.county == "Boone" and detail.row.active
    upkeep.edit_entity(eid, detail.row_version, name="Columbia 93", county="048")
    detail = EntityService(ctx).detail(eid)
    assert detail.row.name == "Columbia 93" and detail.row.county == "Jackson"
    upkeep.close_entity(eid, detail.row_version, date(2026, 6, 30))
    with ctx.store.read() as s:
        e = s.get(EducationalEntity, __import__("uuid").UUID(eid))
        assert e.status == "closed" and e.closed_on == date(2026, 6, 30) and not e.active
        assert e.opened_on == date(1990, 7, 1)
    assert upkeep.create_entity("ihe", "002516", "College")  # opened today by default
    assert _actions(ctx) == ["entity.create", "entity.update", "entity.update", "entity.create"]


def test_stale_version_and_bad_dates_refused(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("lea", "010-093", "Columbia", opened_on=date(2020, 7, 1)))
    with pytest.raises(ConflictError):
        upkeep.edit_entity(eid, 99, name="X")
    version = EntityService(ctx).detail(eid).row_version
    with pytest.raises(ValidationError, match="before the opening"):
        upkeep.edit_entity(eid, version, status="closed", closed_on=date(2019, 1, 1))
    with pytest.raises(ValidationError):
        upkeep.edit_entity(eid, version, code="12345")  # not a county-district code
    with pytest.raises(ConflictError):
        upkeep.create_entity("lea", "010-093", "Again")


def test_kind_and_code_change_together(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("nonpublic", "N04567", "St. Mary Academy"))
    version = EntityService(ctx).detail(eid).row_version
    upkeep.edit_entity(eid, version, kind="public", code="P04567")
    row = EntityService(ctx).detail(eid).row
    assert (row.kind, row.code) == ("public", "P04567")


def test_buildings(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("lea", "010-093", "Columbia"))
    bid = _id(upkeep.add_building(eid, "1050", "Rock Bridge High", "9-12"))
    with pytest.raises(ConflictError):
        upkeep.add_building(eid, "1050", "Twice")
    upkeep.edit_building(bid, name="Rock Bridge High School", active=False)
    with ctx.store.read() as s:
        b = s.execute(select(Building)).scalar_one()
        assert b.name == "Rock Bridge High School" and not b.active
    ihe = _id(upkeep.create_entity("ihe", "002516", "Boone Valley College"))
    with pytest.raises(ValidationError, match="only a local"):
        upkeep.add_building(ihe, "0001", "Hall")


def test_new_superintendent_ends_the_previous_one(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("lea", "010-093", "Columbia"))
    first = _id(
        upkeep.appoint_officer(
            eid, "superintendent", date(2019, 7, 1), first_name="Ann", last_name="Lee"
        )
    )
    upkeep.appoint_officer(
        eid, "superintendent", date(2025, 7, 1), first_name="Raj", last_name="Patel"
    )
    upkeep.appoint_officer(
        eid, "authorized_representative", date(2025, 1, 1), first_name="Kim", last_name="Ho"
    )
    with ctx.store.read() as s:
        old = s.get(EntityOfficer, __import__("uuid").UUID(first))
        assert old.end_date == date(2025, 6, 30)
        assert old.in_office(date(2024, 3, 1)) and not old.in_office(date(2025, 8, 1))
    officers = EntityService(ctx).detail(eid).officers
    assert {(o.name, o.end_date) for o in officers} == {
        ("Ann Lee", date(2025, 6, 30)),
        ("Raj Patel", None),
        ("Kim Ho", None),
    }
    with pytest.raises(ValidationError):
        upkeep.appoint_officer(
            eid, "superintendent", date(2025, 1, 1), first_name="X", last_name="Y"
        )
    with pytest.raises(ValidationError):
        upkeep.appoint_officer(eid, "janitor", date(2025, 1, 1), first_name="X", last_name="Y")


def test_officer_dates_corrected_and_agency_contact(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("consultant", "C00012", "Regional PD Center"))
    oid = _id(
        upkeep.appoint_officer(
            eid, "agency_contact", date(2024, 1, 1), first_name="Dee", last_name="Staff"
        )
    )
    upkeep.set_officer_dates(oid, date(2023, 9, 1), date(2026, 1, 31))
    officer = EntityService(ctx).detail(eid).officers[0]
    assert (officer.role, officer.start_date, officer.end_date) == (
        "agency_contact",
        date(2023, 9, 1),
        date(2026, 1, 31),
    )
    with pytest.raises(ValidationError):
        upkeep.set_officer_dates(oid, date(2024, 1, 1), date(2023, 1, 1))


def test_specimens_filed_and_retired(ctx, upkeep) -> None:
    eid = _id(upkeep.create_entity("lea", "010-093", "Columbia"))
    upkeep.appoint_officer(eid, "superintendent", date(2024, 7, 1), first_name="A", last_name="B")
    person_id = EntityService(ctx).detail(eid).officers[0].person_id
    with pytest.raises(ValidationError):
        upkeep.add_specimen(person_id, b"GIF89a", date(2024, 7, 2))
    sid = _id(upkeep.add_specimen(person_id, PNG, date(2024, 7, 2)))
    with pytest.raises(ValidationError):
        upkeep.retire_specimen(sid, " ")
    upkeep.retire_specimen(sid, "scanned upside down")
    with ctx.store.read() as s:
        assert s.execute(select(SignatureSpecimen.deleted_at)).scalar_one() is not None
    assert _actions(ctx)[-2:] == ["specimen.add", "specimen.retire"]


def test_only_a_security_administrator_may_change_the_directory(make_ctx, upkeep) -> None:
    auditor = DirectoryUpkeep(make_ctx("auditor", "audrey"))
    with pytest.raises(PermissionDenied):
        auditor.create_entity("lea", "010-093", "Columbia")
    with pytest.raises(PermissionDenied):
        DirectoryUpkeep(make_ctx("certification_specialist", "cs")).add_specimen(
            "00000000-0000-0000-0000-000000000000", PNG, date.today()
        )
