"""Prefill for an entity from the store: name, code, the superintendent in office."""

from __future__ import annotations

from datetime import date

import pytest

from desk_app.errors import NotFound, PermissionDenied, ValidationError
from desk_app.models.entities import EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.models.staff import Staff
from desk_app.pdf.read import read_form
from desk_app.services.context import ServiceContext
from desk_app.services.directory.forms import entity_prefill, generate_for_entity


@pytest.fixture
def entities(ctx: ServiceContext) -> ServiceContext:
    with ctx.uow() as uow:
        s = uow.session
        lea = EducationalEntity(kind="lea", code="048-078", name="Blue Springs R-IV")
        pd = EducationalEntity(
            kind="consultant", code="C00042", name="Regional PD Center", agency_contact="carol"
        )
        s.add_all(
            [
                lea,
                pd,
                Staff(
                    username="carol", display_name="Carol Contact", role="certification_specialist"
                ),
            ]
        )
        s.flush()
        old = Person(first_name="Harold", last_name="Finch", title="Superintendent")
        jane = Person(first_name="Jane", last_name="Doe", title="")
        rob = Person(first_name="Robert", last_name="Smith", title="Assistant Superintendent")
        s.add_all([old, jane, rob])
        s.flush()
        s.add_all(
            [
                EntityOfficer(
                    entity_id=lea.id,
                    person_id=old.id,
                    role="superintendent",
                    start_date=date(2012, 7, 1),
                    end_date=date(2020, 6, 30),
                ),
                EntityOfficer(
                    entity_id=lea.id,
                    person_id=jane.id,
                    role="superintendent",
                    start_date=date(2020, 7, 1),
                ),
                EntityOfficer(
                    entity_id=lea.id,
                    person_id=rob.id,
                    role="authorized_representative",
                    start_date=date(2022, 1, 1),
                ),
            ]
        )
        uow.commit()
    return ctx


def test_prefill_names_the_superintendent_in_office(entities: ServiceContext) -> None:
    prefill = entity_prefill(entities, "MO 500-2356", "048-078", on=date(2026, 11, 1))
    assert prefill.values == {
        "entity_name": "Blue Springs R-IV",
        "entity_code": "048-078",
        "signer_name": "Jane Doe",
        "signer_title": "Superintendent",
    }
    earlier = entity_prefill(entities, "MO 500-2356", "048-078", on=date(2019, 1, 1))
    assert earlier.values["signer_name"] == "Harold Finch"


def test_consultant_form_names_the_agency_contact(entities: ServiceContext) -> None:
    prefill = entity_prefill(entities, "consultant_request", "c00042")
    assert prefill.values == {
        "org_name": "Regional PD Center",
        "org_code": "C00042",
        "contact_name": "Carol Contact",
    }


def test_wrong_kind_unknown_code_and_permission(entities: ServiceContext, make_ctx) -> None:
    with pytest.raises(ValidationError, match="MO 500-2377 is for: public entity"):
        entity_prefill(entities, "MO 500-2377", "048-078")
    with pytest.raises(NotFound):
        entity_prefill(entities, "MO 500-2356", "999-999")
    with pytest.raises(PermissionDenied):
        entity_prefill(make_ctx(role="nobody"), "MO 500-2356", "048-078")


def test_generated_pdf_is_prefilled(entities: ServiceContext) -> None:
    reading = read_form(generate_for_entity(entities, "MO 500-2356", "048-078", token="R-1"))
    assert reading.values["entity_name"] == "Blue Springs R-IV"
    assert reading.values["signer_name"] == "Jane Doe"
    assert reading.token == "R-1"
