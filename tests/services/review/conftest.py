"""A small world for verification tests: an LEA with officers, buildings, apps, accounts, staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from desk_app.models.access import (
    ApplicationRole,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.entities import Building, County, EducationalEntity
from desk_app.models.people import EntityOfficer, Person
from desk_app.models.staff import Staff
from desk_app.models.store import Actor, Store
from desk_app.pdf.applications import WEB_APPLICATIONS


@dataclass
class World:
    lea_id: str = ""
    consultant_id: str = ""
    public_id: str = ""
    superintendent_id: str = ""
    rep_id: str = ""
    former_rep_id: str = ""
    um_account_id: str = ""
    buildings: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)


def build_world(store: Store) -> World:
    w = World()
    with store.uow(Actor("seed", "ws-seed", "security_admin")) as uow:
        s = uow.session
        for spec in WEB_APPLICATIONS.values():
            app = WebApplication(
                code=spec.code,
                name=spec.name,
                building_scope=spec.building_scope,
                entity_kinds=",".join(spec.entity_kinds),
            )
            s.add(app)
            s.flush()
            for r in spec.roles:
                role = ApplicationRole(
                    application_id=app.id, code=r.code, name=r.name, level=r.level
                )
                s.add(role)
                s.flush()
                w.roles[r.code] = str(role.id)
        county = County(code="048", name="Jackson")
        s.add(county)
        s.flush()
        lea = EducationalEntity(
            kind="lea",
            code="048-078",
            name="Blue Springs R-IV",
            county_id=county.id,
            address="1801 NW Vesper St",
            city="Blue Springs",
        )
        consultant = EducationalEntity(
            kind="consultant", code="C00042", name="Regional PD Center", agency_contact="carol"
        )
        public = EducationalEntity(kind="public", code="P01234", name="Jackson County Clerk")
        s.add_all([lea, consultant, public])
        s.flush()
        for code, name in (("1050", "Central High"), ("2010", "Lakeview Elementary")):
            b = Building(entity_id=lea.id, code=code, name=name)
            s.add(b)
            s.flush()
            w.buildings[code] = str(b.id)
        jane = Person(first_name="Jane", last_name="Doe", title="Superintendent")
        rob = Person(first_name="Robert", last_name="Smith", title="Assistant Superintendent")
        old = Person(first_name="Harold", last_name="Finch", title="Director")
        s.add_all([jane, rob, old])
        s.flush()
        s.add_all(
            [
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
                EntityOfficer(
                    entity_id=lea.id,
                    person_id=old.id,
                    role="authorized_representative",
                    start_date=date(2015, 1, 1),
                    end_date=date(2021, 6, 30),
                ),
            ]
        )
        um = UserAccount(
            username="kmiller",
            first_name="Kate",
            last_name="Miller",
            email="kmiller@bluesprings.k12.mo.us",
            entity_id=lea.id,
        )
        s.add(um)
        s.flush()
        s.add(
            UserManagerDesignation(
                entity_id=lea.id, user_account_id=um.id, start_at=datetime(2023, 1, 1, tzinfo=UTC)
            )
        )
        s.add_all(
            [
                Staff(username="alice", display_name="Alice Admin", role="security_admin"),
                Staff(username="bob", display_name="Bob Reviewer", role="security_admin"),
                Staff(
                    username="carol",
                    display_name="Carol Contact",
                    role="certification_specialist",
                    email="carol@dese.mo.gov",
                ),
            ]
        )
        uow.commit()
        w.lea_id, w.consultant_id, w.public_id = str(lea.id), str(consultant.id), str(public.id)
        w.superintendent_id, w.rep_id, w.former_rep_id = str(jane.id), str(rob.id), str(old.id)
        w.um_account_id = str(um.id)
    return w


@pytest.fixture
def world(store: Store) -> World:
    return build_world(store)


def uid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


LEA_VALUES = {
    "entity_name": "Blue Springs R-IV",
    "entity_code": "048-078",
    "requester_email": "office@bluesprings.k12.mo.us",
    "signer_name": "Jane Doe",
    "signer_title": "Superintendent",
    "signed_date": "11/02/2026",
}


def submit(
    ctx,
    form_number: str,
    values: dict,
    pdf: bytes | None = None,
    *,
    sender: str = "",
    channel: str = "email",
    holder: str = "alice",
) -> str:
    """Queue a submission in "In review" held by ``holder``; the PDF goes into the blob store."""
    from desk_app.models.submissions import FormSubmission, SubmissionDocument
    from desk_app.pdf.generate import generate_form
    from desk_app.services.sealing import seal_pin

    pdf = pdf if pdf is not None else generate_form(form_number, values)
    sha = ctx.blobs().put(pdf)
    with ctx.uow() as uow:
        sub = FormSubmission(
            form_number=form_number,
            channel=channel,
            state="in_review",
            received_at=datetime.now(UTC),
            sender=sender or values.get("requester_email", ""),
            entity_code=values.get("entity_code", values.get("org_code", "")),
            entity_name=values.get("entity_name", ""),
            values=seal_pin(ctx.cipher, values),
            assigned_to=holder,
            sha256=sha,
            requester_name=values.get("signer_name", ""),
        )
        uow.session.add(sub)
        uow.session.flush()
        uow.session.add(
            SubmissionDocument(
                submission_id=sub.id, sha256=sha, role="original", size=len(pdf), page_count=1
            )
        )
        uow.commit()
        return str(sub.id)


def letter_pin(letter: bytes) -> str:
    import pymupdf

    text = pymupdf.open(stream=letter, filetype="pdf")[0].get_text()
    line = next(
        x
        for x in text.splitlines()
        if x.replace(" ", "").isdigit() and len(x.replace(" ", "")) >= 6
    )
    return line.replace(" ", "")
