"""Officers of an entity: recording a change of superintendent.

An appointment keeps its history (``models.people``): a new superintendent ends the current
appointment the day before theirs starts, so a form signed last spring is still judged against who
was in office then. Used by the GUI and by ``desk-app entities officer``.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from desk_app.errors import ConflictError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.entities import entity_by_code
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext


def _split_name(name: str) -> tuple[str, str]:
    words = " ".join((name or "").split())
    first, _, last = words.rpartition(" ")
    if not first or not last:
        raise ValidationError("superintendent", "give the first and last name")
    return first, last


def appoint_superintendent(
    ctx: ServiceContext, entity_code: str, name: str, start: date, title: str = "Superintendent"
) -> Changes:
    """Record ``name`` as the entity's superintendent from ``start``; the one in office before
    is ended the day before. Audited.

    Raises:
        NotFound: no live entity with that code.
        ConflictError: the same person already holds the office, or the current superintendent
            started on or after ``start`` (a correction, not a change of office).
    """
    ctx.require(Perm.EDIT_ENTITIES)
    first, last = _split_name(name)
    with ctx.uow() as uow:
        s = uow.session
        entity = entity_by_code(s, entity_code)
        if entity is None:
            raise NotFound(f"no entity with code {entity_code.strip().upper()}")
        current = list(
            s.execute(
                select(EntityOfficer).where(
                    EntityOfficer.entity_id == entity.id,
                    EntityOfficer.role == OfficerRole.SUPERINTENDENT.value,
                    EntityOfficer.deleted_at.is_(None),
                    (EntityOfficer.end_date.is_(None)) | (EntityOfficer.end_date >= start),
                )
            ).scalars()
        )
        for o in current:
            if o.person.full_name.lower() == f"{first} {last}".lower():
                raise ConflictError(
                    f"{o.person.full_name} is already superintendent of {entity.code}"
                )
            if o.start_date >= start:
                raise ConflictError(
                    f"{o.person.full_name} has been superintendent of {entity.code} since "
                    f"{o.start_date:%m/%d/%Y}, not before {start:%m/%d/%Y}",
                    hint="correct the earlier appointment on the Entities page",
                )
        person = Person(first_name=first, last_name=last, title=title)
        s.add(person)
        s.flush()
        ended = []
        for o in current:
            o.end_date = start - timedelta(days=1)
            ended.append(o.person.full_name)
        officer = EntityOfficer(
            entity_id=entity.id,
            person_id=person.id,
            role=OfficerRole.SUPERINTENDENT.value,
            start_date=start,
        )
        s.add(officer)
        s.flush()
        before = f" (after {', '.join(ended)})" if ended else ""
        audit.record(
            uow,
            "directory.officer_appoint",
            record_type="entity_officer",
            record_id=officer.id,
            summary=f"{person.full_name} superintendent of {entity.code} from "
            f"{start:%m/%d/%Y}{before}",
            details={"entity": entity.code, "ended": ended},
        )
        uow.commit()
        return Changes.of(Area.ENTITIES, ids=(str(entity.id), str(officer.id)))
