"""Web applications, their roles, user accounts, user-manager designations and role grants.

A grant is user x application role x scope, the scope being an entity or, where the application
has building-level security (MOSIS), one building of that entity.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin
from desk_app.rules.codes import email_problem


class WebApplication(SyncMixin, Base):
    __tablename__ = "web_application"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500), default="")
    building_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    # comma-separated EntityKind values that may hold roles in this application
    entity_kinds: Mapped[str] = mapped_column(String(100), default="lea")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    roles: Mapped[list[ApplicationRole]] = relationship(
        back_populates="application", order_by="ApplicationRole.level"
    )

    def allows_kind(self, kind: str) -> bool:
        return kind in self.entity_kinds.split(",")


class ApplicationRole(SyncMixin, Base):
    __tablename__ = "application_role"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("web_application.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer, default=1)

    application: Mapped[WebApplication] = relationship(back_populates="roles", lazy="joined")


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    NEEDS_REGISTRATION = "needs_registration"  # not logged in for over 12 months


class UserAccount(SyncMixin, Base):
    """A username on the agency's web applications. One person, one username."""

    __tablename__ = "user_account"
    __table_args__ = (
        Index("ix_user_account_last_name", "last_name_search"),
        Index("ix_user_account_email", "email"),
    )

    username: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    last_name_search: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(200))
    entity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("educational_entity.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(24), default=AccountStatus.ACTIVE.value)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    @validates("username")
    def _check_username(self, key: str, value: str) -> str:
        value = (value or "").strip().lower()
        if not value or " " in value:
            raise ValidationError("username", "is required and has no spaces")
        return value

    @validates("email")
    def _check_email(self, key: str, value: str) -> str:
        problem = email_problem(value)
        if problem:
            raise ValidationError("email", f"{problem} (all correspondence goes by email)")
        return value

    @validates("last_name")
    def _check_last(self, key: str, value: str) -> str:
        self.last_name_search = (value or "").lower()
        return value


class UserManagerDesignation(SyncMixin, Base):
    """A user account designated as one of an entity's user managers (history kept)."""

    __tablename__ = "user_manager_designation"

    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educational_entity.id"), index=True)
    user_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime | None] = mapped_column(default=None)
    source_submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))

    user_account: Mapped[UserAccount] = relationship(lazy="joined")


class RoleGrant(SyncMixin, Base):
    """user x application role x scope (entity, or building when the application has building scope)."""

    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_user_role", "user_account_id", "role_id"),)

    user_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application_role.id"))
    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educational_entity.id"), index=True)
    building_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("building.id"))
    granted_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    source_submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))
    # optional last day of the grant (temporary access); warned about before, revoked after
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)

    role: Mapped[ApplicationRole] = relationship(lazy="joined")
    user_account: Mapped[UserAccount] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.deleted_at is None
