"""The app's own operators and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin


class StaffRole(StrEnum):
    SECURITY_ADMIN = "security_admin"
    CERTIFICATION_SPECIALIST = "certification_specialist"
    AUDITOR = "auditor"


class Staff(SyncMixin, Base):
    """An operator of desk_app, identified by the OS user name (``DOMAIN\\user`` lower-cased)."""

    __tablename__ = "staff"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)

    @validates("role")
    def _check_role(self, key: str, value: str) -> str:
        try:
            return StaffRole(value).value
        except ValueError:
            raise ValidationError("staff role", f"unknown role {value!r}") from None
