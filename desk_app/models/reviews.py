"""Access reviews (recertification): a campaign and, per entity, what was sent and what came back.

A campaign names its scope (entity kinds, applications), a due date and a default for entities
that do not answer (keep or revoke). Each entity's item keeps the lines printed on its
attestation (one per grant, with where its boxes are on the page) so the returned fax is read
against exactly what was sent, even if grants changed meanwhile.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin


class DefaultAction(StrEnum):
    KEEP = "keep"
    REVOKE = "revoke"


class ItemOutcome(StrEnum):
    PENDING = "pending"  # generated, not yet sent
    SENT = "sent"
    RETURNED = "returned"  # the signed attestation came back and was applied
    DEFAULTED = "defaulted"  # past the due date: the campaign's default was applied


class AccessReviewCampaign(SyncMixin, Base):
    __tablename__ = "access_review_campaign"

    name: Mapped[str] = mapped_column(String(120))
    token: Mapped[str] = mapped_column(String(16), unique=True)  # prefix of every item's token
    entity_kinds: Mapped[str] = mapped_column(String(100))  # comma-separated EntityKind values
    applications: Mapped[str] = mapped_column(String(400), default="")  # "" = every application
    due_on: Mapped[date] = mapped_column(Date)
    default_action: Mapped[str] = mapped_column(String(8), default=DefaultAction.KEEP.value)
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    @validates("default_action")
    def _check_default(self, key: str, value: str) -> str:
        try:
            return DefaultAction(value).value
        except ValueError:
            raise ValidationError("default action", "is keep or revoke") from None


class AccessReviewItem(SyncMixin, Base):
    """One entity's attestation in a campaign."""

    __tablename__ = "access_review_item"
    __table_args__ = (UniqueConstraint("campaign_id", "entity_id", name="uq_review_item_entity"),)

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_review_campaign.id"))
    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educational_entity.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    reviewer_name: Mapped[str] = mapped_column(String(120), default="")
    reviewer_role: Mapped[str] = mapped_column(String(32), default="")
    reviewer_email: Mapped[str] = mapped_column(String(200), default="")
    # [{"grant_id", "line", "page", "remove_box": [x0, y0, x1, y1] (points, top-left origin)}]
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(12), default=ItemOutcome.PENDING.value)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    returned_at: Mapped[datetime | None] = mapped_column(default=None)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))
    removed: Mapped[int] = mapped_column(Integer, default=0)  # grants removed by the answer
