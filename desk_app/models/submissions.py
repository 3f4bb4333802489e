"""Form submissions (one received form), their documents, and verification results."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin


class QueueState(StrEnum):
    NEW = "new"
    NEEDS_KEYING = "needs_keying"
    READY_FOR_REVIEW = "ready_for_review"
    IN_REVIEW = "in_review"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    CLOSED = "closed"
    QUARANTINE = "quarantine"


class Channel(StrEnum):
    EMAIL = "email"
    FAX = "fax"
    FILE = "file"  # dropped on the window or placed in a folder
    COUNTER = "counter"  # keyed in by an operator


class FormSubmission(SyncMixin, Base):
    """One form received by fax, email or file drop, as it moves through the work queue."""

    __tablename__ = "form_submission"
    __table_args__ = (
        Index("ix_submission_state_received", "state", "received_at"),
        Index("ix_submission_entity", "entity_id"),
        Index("ix_submission_business_key", "business_key"),
        Index("ix_submission_sha256", "sha256"),
        # the work queue's counts per state skip soft-deleted rows without reading the table
        Index("ix_submission_state_deleted", "state", "deleted_at"),
        Index("ix_submission_entity_code", "entity_code"),
    )

    form_number: Mapped[str] = mapped_column(String(32), default="")  # "" = unidentified
    edition: Mapped[str] = mapped_column(String(16), default="")
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24), default=QueueState.NEW.value)
    received_at: Mapped[datetime]
    sender: Mapped[str] = mapped_column(String(200), default="")  # email address or fax number
    subject: Mapped[str] = mapped_column(String(300), default="")
    entity_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("educational_entity.id"))
    entity_code: Mapped[str] = mapped_column(String(16), default="")
    entity_name: Mapped[str] = mapped_column(String(200), default="")
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    assigned_to: Mapped[str] = mapped_column(String(64), default="")  # staff username
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sha256: Mapped[str] = mapped_column(String(64), default="")  # of the original bytes
    token: Mapped[str] = mapped_column(
        String(64), default=""
    )  # links a returned form to its request
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # entity + form + requested changes, for duplicate detection within a window
    business_key: Mapped[str] = mapped_column(String(64), default="")
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))
    quarantine_reason: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(24), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    documents: Mapped[list[SubmissionDocument]] = relationship(back_populates="submission")

    @validates("state")
    def _check_state(self, key: str, value: str) -> str:
        try:
            return QueueState(value).value
        except ValueError:
            raise ValidationError("state", f"unknown queue state {value!r}") from None

    @validates("channel")
    def _check_channel(self, key: str, value: str) -> str:
        try:
            return Channel(value).value
        except ValueError:
            raise ValidationError("channel", f"unknown channel {value!r}") from None


class SubmissionDocument(SyncMixin, Base):
    """A file belonging to a submission; the bytes live in the content-addressed blob store."""

    __tablename__ = "submission_document"

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_submission.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(
        String(24), default="original"
    )  # original / normalised / archive
    filename: Mapped[str] = mapped_column(String(260), default="")
    media_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    size: Mapped[int] = mapped_column(Integer, default=0)
    first_page: Mapped[int] = mapped_column(Integer, default=0)  # pages of a split fax
    page_count: Mapped[int] = mapped_column(Integer, default=0)

    submission: Mapped[FormSubmission] = relationship(back_populates="documents")


class CheckOutcome(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class VerificationResult(SyncMixin, Base):
    """One check of a verification run (PIN, signer authority, signature, codes, duties...)."""

    __tablename__ = "verification_result"

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_submission.id"), index=True)
    run_id: Mapped[uuid.UUID] = mapped_column(index=True)
    check: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(8))
    blocking: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[datetime]
    run_by: Mapped[str] = mapped_column(String(64), default="")


class RequestToken(SyncMixin, Base):
    """A form generated for an entity, found again by the token printed in every page's QR.

    It records what the form was generated with (the form, the entity, the values prefilled -
    entity, signer, user rows - never a PIN), who made it and when, so that a form coming back by
    fax is keyed only for what a person wrote on it. Synced, so a form generated on one
    workstation is recognised on any other.
    """

    __tablename__ = "request_token"

    token: Mapped[str] = mapped_column(String(64), unique=True)
    form_number: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("educational_entity.id"), index=True
    )
    entity_code: Mapped[str] = mapped_column(String(16), default="")
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_rows: Mapped[int] = mapped_column(Integer, default=0)  # user rows prefilled
    generated_by: Mapped[str] = mapped_column(String(64), default="")
    generated_at: Mapped[datetime]
