"""Educational entities (LEAs, IHEs, public entities, nonpublic schools, consultant organisations),
the counties they sit in, and the buildings of an LEA."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin
from desk_app.rules.codes import (
    COUNTY_CODE,
    EntityKind,
    building_code_problem,
    code_problem,
    email_problem,
)


class EntityStatus(StrEnum):
    """Whether an entity is open; a closed entity keeps its history and its dates."""

    OPEN = "open"
    CLOSED = "closed"


class County(SyncMixin, Base):
    __tablename__ = "county"

    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(80))

    @validates("code")
    def _check_code(self, key: str, value: str) -> str:
        if not COUNTY_CODE.fullmatch(value or ""):
            raise ValidationError("county code", "must be 3 digits, e.g. 048")
        return value


class EducationalEntity(SyncMixin, Base):
    """An LEA, IHE, public entity, nonpublic school or consultant organisation."""

    __tablename__ = "educational_entity"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_entity_kind_code"),
        Index("ix_entity_name_nocase", "name_search"),
        Index("ix_entity_code", "code"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    # lower-cased name kept for an index-backed prefix search (SQLite and PostgreSQL alike)
    name_search: Mapped[str] = mapped_column(String(200), default="")
    county_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("county.id"))
    city: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    fax: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # open / closed with the dates (``active`` follows the status, for the existing readers)
    # (a server default too: bulk writers such as the demo seeder leave the column out)
    status: Mapped[str] = mapped_column(
        String(16), default=EntityStatus.OPEN.value, server_default=EntityStatus.OPEN.value
    )
    opened_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    # the day a Security Administrator last confirmed the user managers after an officer change
    designations_reviewed_on: Mapped[date | None] = mapped_column(Date, default=None)
    # the agency contact (staff username) for consultant organisations
    agency_contact: Mapped[str] = mapped_column(String(64), default="")
    # security PIN: Argon2id hash with a pepper kept in the keyring (never the PIN itself)
    pin_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    pin_issued_at: Mapped[datetime | None] = mapped_column(default=None)
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_at: Mapped[datetime | None] = mapped_column(default=None)

    county: Mapped[County | None] = relationship(lazy="joined")
    buildings: Mapped[list[Building]] = relationship(back_populates="entity")

    @validates("kind")
    def _check_kind(self, key: str, value: str) -> str:
        try:
            kind = EntityKind(value).value
        except ValueError:
            raise ValidationError("kind", f"unknown entity kind {value!r}") from None
        if self.code is not None and not self.__dict__.get("_recoding"):  # code before kind
            problem = code_problem(kind, self.code)
            if problem:
                raise ValidationError("code", problem)
        return kind

    def recode(self, kind: str, code: str) -> None:
        """Change kind and code together (each alone would be checked against the other's old
        value): the pair is checked once, against the new kind."""
        self.__dict__["_recoding"] = True
        try:
            self.kind = kind
        finally:
            self.__dict__.pop("_recoding", None)
        self.code = code

    @validates("code")
    def _check_code(self, key: str, value: str) -> str:
        if self.kind is not None:
            problem = code_problem(self.kind, value)
            if problem:
                raise ValidationError("code", problem)
        return value

    @validates("name")
    def _check_name(self, key: str, value: str) -> str:
        value = (value or "").strip()
        if not value:
            raise ValidationError("name", "is required")
        self.name_search = value.lower()
        return value

    @validates("email")
    def _check_email(self, key: str, value: str) -> str:
        if value and email_problem(value):
            raise ValidationError("email", "not a valid email address")
        return value

    @validates("status")
    def _check_status(self, key: str, value: str) -> str:
        try:
            status = EntityStatus(value).value
        except ValueError:
            raise ValidationError("status", f"unknown status {value!r}") from None
        self.active = status == EntityStatus.OPEN.value
        return status


class Building(SyncMixin, Base):
    """A school building inside an LEA; its 4-digit code is unique within the LEA."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("entity_id", "code", name="uq_building_entity_code"),)

    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educational_entity.id"), index=True)
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(200))
    grades: Mapped[str] = mapped_column(String(16), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    entity: Mapped[EducationalEntity] = relationship(back_populates="buildings")

    @validates("code")
    def _check_code(self, key: str, value: str) -> str:
        problem = building_code_problem(value)
        if problem:
            raise ValidationError("building code", problem)
        return value


def entities_by_code(session: Session, code: str) -> list[EducationalEntity]:
    """The live entities with ``code`` (upper-cased, trimmed), oldest first.

    A code is unique per kind, so an LEA and a consultant organisation could in principle share
    one; callers that know the kinds they serve pick among them. The one place that says what
    "the entity with this code" means (not deleted), instead of a copy in every service.
    """
    wanted = (code or "").strip().upper()
    if not wanted:
        return []
    stmt = (
        select(EducationalEntity)
        .where(EducationalEntity.code == wanted, EducationalEntity.deleted_at.is_(None))
        .order_by(EducationalEntity.created_at)
    )
    return list(session.execute(stmt).scalars())


def entities_by_codes(session: Session, codes: Iterable[str]) -> dict[str, list[EducationalEntity]]:
    """:func:`entities_by_code` for many codes in one query (intake looks up a batch at once);
    every code asked for is a key, with ``[]`` when no live entity has it."""
    wanted = {(code or "").strip().upper() for code in codes} - {""}
    found: dict[str, list[EducationalEntity]] = {code: [] for code in wanted}
    if wanted:
        stmt = (
            select(EducationalEntity)
            .where(EducationalEntity.code.in_(wanted), EducationalEntity.deleted_at.is_(None))
            .order_by(EducationalEntity.created_at)
        )
        for entity in session.execute(stmt).scalars():
            found[entity.code].append(entity)
    return found


def entity_by_code(session: Session, code: str) -> EducationalEntity | None:
    """The live entity with ``code``, or ``None`` (see :func:`entities_by_code`)."""
    found = entities_by_code(session, code)
    return found[0] if found else None
