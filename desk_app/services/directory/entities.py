"""Educational entities: the searchable list, one entity's detail, and edits."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.access import UserManagerDesignation
from desk_app.models.entities import Building, County, EducationalEntity
from desk_app.models.people import EntityOfficer
from desk_app.rules.codes import KIND_RULES, EntityKind
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.directory.dto import (
    BuildingDTO,
    EntityDetail,
    EntityRow,
    OfficerDTO,
    UserManagerDTO,
)
from desk_app.services.listing import ListQuery, page_params, paged, prefix_upper_bound

SORTS = {
    "code": EducationalEntity.code,
    "name": EducationalEntity.name_search,
    "kind": EducationalEntity.kind,
    "county": County.name,
    "city": EducationalEntity.city,
}
EDITABLE = ("name", "city", "address", "phone", "fax", "email", "active", "agency_contact")


def _um_count() -> Any:
    return (
        select(func.count())
        .where(
            UserManagerDesignation.entity_id == EducationalEntity.id,
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
        )
        .correlate(EducationalEntity)
        .scalar_subquery()
    )


def _filtered(stmt: Select[Any], kind: bool, county: bool, text: bool) -> Select[Any]:
    """``stmt`` narrowed by the filters that are set, each value a bound parameter."""
    stmt = stmt.where(EducationalEntity.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(EducationalEntity.kind == bindparam("kind"))
    if county:
        stmt = stmt.where(County.code == bindparam("county"))
    if text:
        stmt = stmt.where(
            or_(
                and_(
                    EducationalEntity.name_search >= bindparam("text"),
                    EducationalEntity.name_search < bindparam("text_upper"),
                ),
                EducationalEntity.code.startswith(bindparam("code_prefix")),
                EducationalEntity.name_search.contains(bindparam("text")),
            )
        )
    return stmt


def _params(query: ListQuery) -> tuple[tuple[bool, bool, bool], dict[str, Any]]:
    """The statement shape of ``query`` and the values to bind into it."""
    text = query.text.strip().lower()
    params: dict[str, Any] = {"kind": query.filter("kind"), "county": query.filter("county")}
    if text:
        params.update(
            text=text, text_upper=prefix_upper_bound(text), code_prefix=query.text.strip().upper()
        )
    return (bool(params["kind"]), bool(params["county"]), bool(text)), params


# Statements are built once per shape and kept: SQLAlchemy then reuses their compiled SQL without
# rebuilding or re-keying them on each keystroke (most of a small page's cost otherwise).
@lru_cache(maxsize=64)
def _count_statement(shape: tuple[bool, bool, bool]) -> Select[Any]:
    return _filtered(select(func.count()).select_from(EducationalEntity).outerjoin(County), *shape)


@lru_cache(maxsize=256)
def _page_statement(shape: tuple[bool, bool, bool], sort: str, descending: bool) -> Select[Any]:
    order = SORTS.get(sort, EducationalEntity.name_search)
    stmt = (
        select(*ROW_COLUMNS, _um_count())
        .outerjoin(County, EducationalEntity.county_id == County.id)
        .order_by(order.desc() if descending else order, EducationalEntity.id)
    )
    return paged(_filtered(stmt, *shape))


class EntityService:
    """List source for the Entities page, plus detail and edits."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_ENTITIES)
        shape, params = _params(query)
        return int(self.ctx.store.read_rows(_count_statement(shape), params)[0][0])

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[EntityRow]:
        self.ctx.require(Perm.VIEW_ENTITIES)
        shape, params = _params(query)
        stmt = _page_statement(shape, query.sort, query.descending)
        rows = self.ctx.store.read_rows(stmt, page_params(params, offset, limit))
        return [_row_from(values) for values in rows]

    def detail(self, entity_id: str) -> EntityDetail:
        self.ctx.require(Perm.VIEW_ENTITIES)
        with self.ctx.store.read() as s:
            return _detail(s, _get(s, entity_id))

    def update(self, entity_id: str, expected_version: int, **fields: Any) -> Changes:
        """Change descriptive fields; refuses if someone else changed the row meanwhile."""
        self.ctx.require(Perm.EDIT_ENTITIES)
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
        with self.ctx.uow() as uow:
            entity = _get(uow.session, entity_id)
            if entity.row_version != expected_version:
                raise ConflictError(
                    "this entity was changed by someone else; reopen it to see the change"
                )
            before = {k: getattr(entity, k) for k in fields}
            for key, value in fields.items():
                setattr(entity, key, value)
            changed = sorted(k for k in fields if before[k] != getattr(entity, k))
            audit.record(
                uow,
                "entity.update",
                record_type="educational_entity",
                record_id=entity.id,
                summary=f"{entity.code} {entity.name}: changed {', '.join(changed) or 'nothing'}",
                details={"fields": changed},
            )
            uow.commit()
        return Changes.of(Area.ENTITIES, ids=(entity_id,))


def _get(session: Session, entity_id: str) -> EducationalEntity:
    entity = session.get(EducationalEntity, uuid.UUID(str(entity_id)))
    if entity is None or entity.deleted_at is not None:
        raise NotFound("that entity no longer exists")
    return entity


ROW_COLUMNS = (
    EducationalEntity.id,
    EducationalEntity.kind,
    EducationalEntity.code,
    EducationalEntity.name,
    County.name,
    EducationalEntity.city,
    EducationalEntity.pin_hash.is_not(None),
    EducationalEntity.pin_locked_at.is_not(None),
    EducationalEntity.active,
)


def _row_from(v: Any) -> EntityRow:
    """A list row from the tuple ROW_COLUMNS + user-manager count selects (no ORM entity)."""
    return EntityRow(
        id=str(v[0]),
        kind=v[1],
        kind_title=KIND_RULES[EntityKind(v[1])].title,
        code=v[2],
        name=v[3],
        county=v[4] or "",
        city=v[5],
        user_managers=int(v[9] or 0),
        has_pin=bool(v[6]),
        pin_locked=bool(v[7]),
        active=bool(v[8]),
    )


def _row(e: EducationalEntity, county: str, user_managers: int) -> EntityRow:
    return EntityRow(
        id=str(e.id),
        kind=e.kind,
        kind_title=KIND_RULES[EntityKind(e.kind)].title,
        code=e.code,
        name=e.name,
        county=county,
        city=e.city,
        user_managers=int(user_managers or 0),
        has_pin=e.pin_hash is not None,
        pin_locked=e.pin_locked_at is not None,
        active=e.active,
    )


def _detail(s: Session, e: EducationalEntity) -> EntityDetail:
    officers = (
        s.execute(
            select(EntityOfficer)
            .where(EntityOfficer.entity_id == e.id, EntityOfficer.deleted_at.is_(None))
            .order_by(EntityOfficer.end_date.is_not(None), EntityOfficer.start_date.desc())
        )
        .scalars()
        .all()
    )
    buildings = (
        s.execute(
            select(Building)
            .where(Building.entity_id == e.id, Building.deleted_at.is_(None))
            .order_by(Building.code)
        )
        .scalars()
        .all()
    )
    designations = (
        s.execute(
            select(UserManagerDesignation).where(
                UserManagerDesignation.entity_id == e.id,
                UserManagerDesignation.end_at.is_(None),
                UserManagerDesignation.deleted_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    return EntityDetail(
        row=_row(e, e.county.name if e.county else "", len(designations)),
        address=e.address,
        phone=e.phone,
        fax=e.fax,
        email=e.email,
        agency_contact=e.agency_contact,
        pin_issued_at=e.pin_issued_at,
        officers=tuple(
            OfficerDTO(
                str(o.person_id),
                o.person.full_name,
                o.role,
                o.person.title,
                o.person.email,
                o.start_date,
                o.end_date,
                str(o.id),
            )
            for o in officers
        ),
        buildings=tuple(
            BuildingDTO(str(b.id), b.code, b.name, b.grades, b.active) for b in buildings
        ),
        user_managers=tuple(
            UserManagerDTO(
                str(d.id),
                d.user_account.username,
                f"{d.user_account.first_name} {d.user_account.last_name}",
                d.user_account.email,
                d.start_at,
            )
            for d in designations
        ),
        row_version=e.row_version,
        updated_at=e.updated_at,
        updated_by=e.updated_by,
        county_code=e.county.code if e.county else "",
        status=e.status,
        opened_on=e.opened_on,
        closed_on=e.closed_on,
    )
