"""Educators, their certificates, applications, scores, transcripts and requirement evidence.

An educator is keyed by SSN and date of birth. Neither is stored in plaintext: each is encrypted
(AES-GCM, key in the keyring) and a keyed hash of both (``identity_hash``, HMAC-SHA256) finds the
profile without decrypting anything. See :mod:`desk_app.crypto`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin
from desk_app.rules.codes import email_problem


class Educator(SyncMixin, Base):
    __tablename__ = "educator"
    # each search form and sort of the Educators page has its index (desk_app.services.educators.profiles);
    # the trailing id makes the sort order total, so paging never needs a temporary sort
    __table_args__ = (
        Index(
            "ix_educator_last_first", "last_name_search", "first_name_search", "id", "deleted_at"
        ),
        # tiny partial index: counting the live profiles reads it instead of a wide one (a plain
        # index on deleted_at would tempt the planner away from the sorted indexes below)
        Index(
            "ix_educator_live",
            "row_version",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_educator_username", "username", "id"),
        Index("ix_educator_email", "email", "id"),
        Index(
            "ix_educator_fingerprint_name",
            "fingerprint_status",
            "last_name_search",
            "first_name_search",
            "id",
        ),
    )

    identity_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ssn_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    dob_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    first_name: Mapped[str] = mapped_column(String(80))
    middle_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    first_name_search: Mapped[str] = mapped_column(String(80), default="")
    last_name_search: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64), default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    fingerprint_status: Mapped[str] = mapped_column(String(24), default="none")
    fingerprint_date: Mapped[date | None] = mapped_column(Date, default=None)
    # 0006_edu: the background check beside the fingerprints, and the documents both came from
    fingerprint_document: Mapped[str] = mapped_column(String(200), default="", server_default="")
    background_status: Mapped[str] = mapped_column(
        String(24), default="none", server_default="none"
    )
    background_date: Mapped[date | None] = mapped_column(Date, default=None)
    background_document: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # 0007_edu: marked when the account went unused for 12 months: the username is closed and
    # the person registers a new one (linking it clears the mark)
    reregistration_marked_at: Mapped[datetime | None] = mapped_column(default=None)

    certificates: Mapped[list[Certificate]] = relationship(back_populates="educator")

    @validates("first_name", "last_name")
    def _check_name(self, key: str, value: str) -> str:
        value = (value or "").strip()
        if not value:
            raise ValidationError(key.replace("_", " "), "is required (legal name)")
        setattr(self, f"{key}_search", value.lower())
        return value

    @validates("email")
    def _check_email(self, key: str, value: str) -> str:
        problem = email_problem(value)
        if problem:
            raise ValidationError(
                "email", f"{problem} (required: all correspondence goes by email)"
            )
        return value


class CertificateClassification(SyncMixin, Base):
    """A certificate classification and its rules, as data (ISS, CSS, IPC, CCPC, ...)."""

    __tablename__ = "certificate_classification"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    track: Mapped[str] = mapped_column(String(32))
    validity_years: Mapped[int] = mapped_column(Integer)
    upgrade_to: Mapped[str] = mapped_column(String(16), default="")
    # requirement code -> {"quantity": n, "unit": "...", "title": "..."}
    requirements: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Certificate(SyncMixin, Base):
    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_number", "number"),
        # the Educators page's classification filter
        Index("ix_certificate_class_holder", "classification_id", "status", "educator_id"),
        # 0006_edu: the watch lists (expiring soon, running out) read certificates by date
        Index("ix_certificate_status_expiry", "status", "expiration_date"),
    )

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    classification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("certificate_classification.id")
    )
    number: Mapped[str] = mapped_column(String(24))
    subject_area: Mapped[str] = mapped_column(String(120), default="")
    effective_date: Mapped[date] = mapped_column(Date)
    expiration_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    printed_at: Mapped[datetime | None] = mapped_column(default=None)

    educator: Mapped[Educator] = relationship(back_populates="certificates")
    classification: Mapped[CertificateClassification] = relationship(lazy="joined")


class CertificateApplication(SyncMixin, Base):
    """A pending (or decided) application: substitute, initial professional, upgrade..."""

    __tablename__ = "certificate_application"

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    classification_code: Mapped[str] = mapped_column(String(16))
    # received (the seed's older "pending" means the same), waiting (on the educator), ready, decided
    status: Mapped[str] = mapped_column(String(16), default="received")
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    # 0006_edu: the queue discipline (claim, decide) and what the decision issued
    kind: Mapped[str] = mapped_column(String(24), default="", server_default="")
    claimed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    decision: Mapped[str] = mapped_column(String(16), default="", server_default="")
    decision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("certificate.id"), default=None
    )


class AssessmentScore(SyncMixin, Base):
    __tablename__ = "assessment_score"

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    assessment: Mapped[str] = mapped_column(String(120))
    score: Mapped[int] = mapped_column(Integer)
    passing_score: Mapped[int] = mapped_column(Integer)
    taken_on: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str] = mapped_column(String(200), default="", server_default="")


class TranscriptRecord(SyncMixin, Base):
    __tablename__ = "transcript_record"

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    institution: Mapped[str] = mapped_column(String(200))
    degree: Mapped[str] = mapped_column(String(120), default="")
    received_on: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str] = mapped_column(String(200), default="", server_default="")


class RequirementEvidence(SyncMixin, Base):
    """Evidence toward an upgrade requirement (years of experience, mentoring, PD hours, ...)."""

    __tablename__ = "requirement_evidence"

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    requirement: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[float] = mapped_column(
        Numeric(8, 2).with_variant(Numeric(8, 2, asdecimal=False), "sqlite")
    )
    unit: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(120), default="")
    verified_by: Mapped[str] = mapped_column(String(64), default="")
    evidence_date: Mapped[date] = mapped_column(Date)
    # 0006_edu: experience as entered from its document (``source`` holds the setting)
    employer: Mapped[str] = mapped_column(String(200), default="", server_default="")
    fte: Mapped[float | None] = mapped_column(
        Numeric(4, 2).with_variant(Numeric(4, 2, asdecimal=False), "sqlite"), default=None
    )
    contracted: Mapped[bool | None] = mapped_column(Boolean, default=None)
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    document_ref: Mapped[str] = mapped_column(String(200), default="", server_default="")


class EducatorDocument(SyncMixin, Base):
    """A source document evidence was entered from: a received PDF of the queue or a scanned
    upload. The bytes live in the blob store under ``sha256`` (the original, never parsed here);
    ``view_sha256`` is the PDF the viewer shows (the original for a PDF, the sandbox child's
    conversion for an image)."""

    __tablename__ = "educator_document"

    educator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("educator.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    view_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(260))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(16))  # upload / submission
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("form_submission.id"), default=None
    )
