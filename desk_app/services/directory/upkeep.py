"""Directory upkeep: a Security Administrator corrects entities, buildings, officers, specimens.

Forms change grants and user managers; the directory they rely on (who the superintendent is,
since when, which buildings an LEA has, whether it is still open) is kept here. Every change is
permission-checked, audited in its own transaction and synced like any row. Officer appointments
keep their history: a new superintendent ends the old appointment the day before, so signer
authority can always judge a form by who was in office on the day it was signed.
"""

from __future__ import annotations

import struct
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.entities import Building, County, EducationalEntity, EntityStatus
from desk_app.models.people import EntityOfficer, OfficerRole, Person
from desk_app.models.verification import SignatureSpecimen
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext

ENTITY_FIELDS = (
    "name",
    "kind",
    "code",
    "county",
    "city",
    "address",
    "phone",
    "fax",
    "email",
    "status",
    "opened_on",
    "closed_on",
    "agency_contact",
)
BUILDING_FIELDS = ("code", "name", "grades", "active")
# roles held by one person at a time: a new appointment ends the previous one
SINGLE_HOLDER = (OfficerRole.SUPERINTENDENT.value, OfficerRole.AGENCY_CONTACT.value)
SPECIMEN_MAX_BYTES = 512 * 1024


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"no {what} has the id {value!r}") from None


def _live(session: Session, cls: Any, row_id: str, what: str) -> Any:
    row = session.get(cls, _uuid(row_id, what))
    if row is None or row.deleted_at is not None:
        raise NotFound(f"that {what} no longer exists")
    return row


def _county(session: Session, code: str) -> County | None:
    if not code:
        return None
    county = session.execute(select(County).where(County.code == code)).scalar_one_or_none()
    if county is None:
        raise ValidationError("county", f"no county has the code {code!r}")
    return county


def _check_dates(opened: date | None, closed: date | None, what: str) -> None:
    if opened and closed and closed < opened:
        raise ValidationError(what, "the closing date is before the opening date")


class DirectoryUpkeep:
    """Changes to the directory the forms rely on (each one audited, one transaction each)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- entities -------------------------------------------------------------------------------
    def create_entity(self, kind: str, code: str, name: str, **fields: Any) -> Changes:
        """A new entity (opened today unless ``opened_on`` is given); its id is the change's."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        with self.ctx.uow() as uow:
            s = uow.session
            code = code.strip().upper()
            if s.execute(
                select(EducationalEntity.id).where(
                    EducationalEntity.kind == kind, EducationalEntity.code == code
                )
            ).first():
                raise ConflictError(f"an entity of that kind already has the code {code}")
            entity = EducationalEntity(kind=kind, code=code, name=name)
            entity.opened_on = fields.pop("opened_on", None) or date.today()
            s.add(entity)
            self._apply_entity_fields(s, entity, fields)
            s.flush()
            audit.record(
                uow,
                "entity.create",
                record_type="educational_entity",
                record_id=entity.id,
                summary=f"{entity.code} {entity.name}: created ({entity.kind})",
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(entity.id,))

    def edit_entity(self, entity_id: str, expected_version: int, **fields: Any) -> Changes:
        """Change any of :data:`ENTITY_FIELDS`; refuses a row someone else changed meanwhile."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        unknown = set(fields) - set(ENTITY_FIELDS)
        if unknown:
            raise ValidationError("fields", f"not editable: {', '.join(sorted(unknown))}")
        with self.ctx.uow() as uow:
            entity = _live(uow.session, EducationalEntity, entity_id, "entity")
            if entity.row_version != expected_version:
                raise ConflictError("this entity was changed by someone else; reopen it")
            before = _entity_values(entity)
            self._apply_entity_fields(uow.session, entity, fields)
            after = _entity_values(entity)
            changed = sorted(k for k in after if before[k] != after[k])
            audit.record(
                uow,
                "entity.update",
                record_type="educational_entity",
                record_id=entity.id,
                summary=f"{entity.code} {entity.name}: changed {', '.join(changed) or 'nothing'}",
                details={"fields": changed, "before": {k: str(before[k]) for k in changed}},
            )
            uow.commit()
        return Changes.of(Area.ENTITIES, ids=(entity_id,))

    def _apply_entity_fields(
        self, s: Session, entity: EducationalEntity, fields: dict[str, Any]
    ) -> None:
        fields = dict(fields)
        if "county" in fields:
            entity.county = _county(s, str(fields.pop("county") or ""))
        if "kind" in fields or "code" in fields:
            # code and kind are checked together: set the code first against the new kind
            kind, code = fields.pop("kind", entity.kind), fields.pop("code", entity.code)
            entity.recode(kind, str(code).strip().upper())
        for key, value in fields.items():
            setattr(entity, key, value)
        if entity.status == EntityStatus.CLOSED.value and entity.closed_on is None:
            entity.closed_on = date.today()
        if entity.status == EntityStatus.OPEN.value and "closed_on" not in fields:
            entity.closed_on = None
        _check_dates(entity.opened_on, entity.closed_on, "entity dates")

    def close_entity(self, entity_id: str, expected_version: int, on: date) -> Changes:
        return self.edit_entity(entity_id, expected_version, status="closed", closed_on=on)

    # --- buildings ------------------------------------------------------------------------------
    def add_building(self, entity_id: str, code: str, name: str, grades: str = "") -> Changes:
        self.ctx.require(Perm.EDIT_ENTITIES)
        with self.ctx.uow() as uow:
            entity = _live(uow.session, EducationalEntity, entity_id, "entity")
            if entity.kind != "lea":
                raise ValidationError("building", "only a local education agency has buildings")
            taken = uow.session.execute(
                select(Building.id).where(Building.entity_id == entity.id, Building.code == code)
            ).first()
            if taken:
                raise ConflictError(f"{entity.code} already has a building {code}")
            building = Building(entity_id=entity.id, code=code, name=name, grades=grades)
            uow.session.add(building)
            uow.session.flush()
            audit.record(
                uow,
                "building.create",
                record_type="building",
                record_id=building.id,
                summary=f"{entity.code} building {code} {name}: added",
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(building.id,))

    def edit_building(self, building_id: str, **fields: Any) -> Changes:
        self.ctx.require(Perm.EDIT_ENTITIES)
        unknown = set(fields) - set(BUILDING_FIELDS)
        if unknown:
            raise ValidationError("fields", f"not editable: {', '.join(sorted(unknown))}")
        with self.ctx.uow() as uow:
            building = _live(uow.session, Building, building_id, "building")
            changed = sorted(k for k, v in fields.items() if getattr(building, k) != v)
            for key, value in fields.items():
                setattr(building, key, value)
            audit.record(
                uow,
                "building.update",
                record_type="building",
                record_id=building.id,
                summary=f"building {building.code}: changed {', '.join(changed) or 'nothing'}",
                details={"fields": changed},
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(str(building.entity_id),))

    # --- officers -------------------------------------------------------------------------------
    def appoint_officer(
        self,
        entity_id: str,
        role: str,
        start_date: date,
        *,
        person_id: str = "",
        first_name: str = "",
        last_name: str = "",
        title: str = "",
        email: str = "",
    ) -> Changes:
        """Appoint a person (on file, or new) as an officer from ``start_date``.

        A superintendent or agency contact ends the current holder the day before; authorized
        representatives may be several at once. The change carries the appointment's id.
        """
        self.ctx.require(Perm.EDIT_ENTITIES)
        with self.ctx.uow() as uow:
            s = uow.session
            entity = _live(s, EducationalEntity, entity_id, "entity")
            if person_id:
                person = _live(s, Person, person_id, "person")
            else:
                person = Person(
                    first_name=first_name, last_name=last_name, title=title, email=email
                )
                s.add(person)
                s.flush()
            ended = self._end_previous(s, entity.id, role, start_date)
            officer = EntityOfficer(
                entity_id=entity.id, person_id=person.id, role=role, start_date=start_date
            )
            s.add(officer)
            s.flush()
            audit.record(
                uow,
                "officer.appoint",
                record_type="entity_officer",
                record_id=officer.id,
                summary=f"{entity.code}: {person.full_name} {role.replace('_', ' ')} "
                f"from {start_date.isoformat()}",
                details={"ended": ended},
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(officer.id,))

    def _end_previous(self, s: Session, entity_id: uuid.UUID, role: str, start: date) -> list[str]:
        if role not in SINGLE_HOLDER:
            return []
        current = s.execute(
            select(EntityOfficer).where(
                EntityOfficer.entity_id == entity_id,
                EntityOfficer.role == role,
                EntityOfficer.deleted_at.is_(None),
                EntityOfficer.end_date.is_(None),
            )
        ).scalars()
        ended = []
        for officer in current:
            if officer.start_date >= start:
                raise ValidationError(
                    "start date", "the current holder started on or after that day; correct it"
                )
            officer.end_date = start - timedelta(days=1)
            ended.append(str(officer.id))
        return ended

    def set_officer_dates(
        self, officer_id: str, start_date: date, end_date: date | None
    ) -> Changes:
        """Correct an appointment's effective dates (or end it)."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        _check_dates(start_date, end_date, "appointment dates")
        with self.ctx.uow() as uow:
            officer = _live(uow.session, EntityOfficer, officer_id, "appointment")
            before = (officer.start_date, officer.end_date)
            officer.start_date, officer.end_date = start_date, end_date
            audit.record(
                uow,
                "officer.dates",
                record_type="entity_officer",
                record_id=officer.id,
                summary=f"{officer.person.full_name} {officer.role.replace('_', ' ')}: "
                f"{_span(*before)} -> {_span(start_date, end_date)}",
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(str(officer.entity_id),))

    def confirm_user_managers(self, entity_id: str, note: str = "") -> Changes:
        """Record that the user managers were reviewed after an officer change (clears the
        Compliance view's "officer changed" finding)."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        with self.ctx.uow() as uow:
            entity = _live(uow.session, EducationalEntity, entity_id, "entity")
            entity.designations_reviewed_on = date.today()
            audit.record(
                uow,
                "entity.user_managers_reviewed",
                record_type="educational_entity",
                record_id=entity.id,
                summary=f"{entity.code}: user managers reviewed after an officer change",
                details={"note": note},
            )
            uow.commit()
        return Changes.of(Area.ENTITIES, Area.ACCESS, ids=(entity_id,))

    # --- specimens ------------------------------------------------------------------------------
    def add_specimen(self, person_id: str, image_png: bytes, signed_on: date) -> Changes:
        """File a signature specimen for an officer (e.g. from a signature card sent on paper)."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        if not image_png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValidationError("specimen", "must be a PNG image")
        if len(image_png) > SPECIMEN_MAX_BYTES:
            raise ValidationError("specimen", "is larger than 512 KB; crop it to the signature")
        with self.ctx.uow() as uow:
            person = _live(uow.session, Person, person_id, "person")
            width, height = struct.unpack(">II", image_png[16:24])
            specimen = SignatureSpecimen(
                person_id=person.id,
                signed_on=signed_on,
                image_png=image_png,
                field_name="card",
                width=width,
                height=height,
            )
            uow.session.add(specimen)
            uow.session.flush()
            audit.record(
                uow,
                "specimen.add",
                record_type="signature_specimen",
                record_id=specimen.id,
                summary=f"specimen of {person.full_name} signed {signed_on.isoformat()} filed",
            )
            uow.commit()
            return Changes.of(Area.ENTITIES, ids=(specimen.id,))

    def retire_specimen(self, specimen_id: str, reason: str) -> Changes:
        self.ctx.require(Perm.EDIT_ENTITIES)
        if not reason.strip():
            raise ValidationError("reason", "is required")
        with self.ctx.uow() as uow:
            specimen = _live(uow.session, SignatureSpecimen, specimen_id, "specimen")
            specimen.soft_delete()
            audit.record(
                uow,
                "specimen.retire",
                record_type="signature_specimen",
                record_id=specimen.id,
                summary=f"specimen signed {specimen.signed_on.isoformat()} retired",
                details={"reason": reason.strip()},
            )
            uow.commit()
        return Changes.of(Area.ENTITIES, ids=(specimen_id,))


def _entity_values(e: EducationalEntity) -> dict[str, Any]:
    values = {k: getattr(e, k) for k in ENTITY_FIELDS if k != "county"}
    values["county"] = e.county.code if e.county else ""
    return values


def _span(start: date, end: date | None) -> str:
    return f"{start.isoformat()}..{end.isoformat() if end else 'now'}"
