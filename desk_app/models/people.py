"""People named on forms: superintendents, authorized representatives, agency contacts, users.

An officer appointment (superintendent or authorized representative of an entity) keeps its
history: a new superintendent ends the old appointment instead of overwriting it, so a form
signed last spring is judged against who was in office then.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin
from desk_app.rules.codes import email_problem


class OfficerRole(StrEnum):
    SUPERINTENDENT = "superintendent"
    AUTHORIZED_REPRESENTATIVE = "authorized_representative"
    # reviewer for an agency-managed entity (public, nonpublic, consultant): agency staff
    AGENCY_CONTACT = "agency_contact"


class Person(SyncMixin, Base):
    __tablename__ = "person"
    __table_args__ = (Index("ix_person_last_first", "last_name_search", "first_name"),)

    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    last_name_search: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")

    @validates("first_name", "last_name")
    def _check_name(self, key: str, value: str) -> str:
        value = (value or "").strip()
        if not value:
            raise ValidationError(key.replace("_", " "), "is required")
        if key == "last_name":
            self.last_name_search = value.lower()
        return value

    @validates("email")
    def _check_email(self, key: str, value: str) -> str:
        if value and email_problem(value):
            raise ValidationError("email", "not a valid email address")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class EntityOfficer(SyncMixin, Base):
    """A person's appointment as superintendent or authorized representative of an entity."""

    __tablename__ = "entity_officer"

    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educational_entity.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)

    person: Mapped[Person] = relationship(lazy="joined")

    @validates("role")
    def _check_role(self, key: str, value: str) -> str:
        try:
            return OfficerRole(value).value
        except ValueError:
            raise ValidationError("officer role", f"unknown role {value!r}") from None

    def in_office(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)
