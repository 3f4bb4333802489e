"""What verification keeps: signature specimens, registered signer certificates, attestations.

A *specimen* is a crop of a person's signature taken from a submission that was verified, dated by
the day it was signed, so a reviewer compares a new signature with how that person signed before.
A *signer certificate* is the certificate a person used on a digitally signed form that was
verified; later forms signed with the same certificate are recognised, others are "identity
unknown". An *attestation* is a reviewer's judgement of one signature; a rejection for signature
mismatch needs a second one from a different operator.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from desk_app.errors import ValidationError
from desk_app.models.base import Base, SyncMixin


class SignatureSpecimen(SyncMixin, Base):
    """A dated crop of one person's wet-ink or image signature (PNG bytes, a few KB)."""

    __tablename__ = "signature_specimen"
    __table_args__ = (Index("ix_specimen_person_signed", "person_id", "signed_on"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    signed_on: Mapped[date] = mapped_column(Date)
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    source_submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))
    field_name: Mapped[str] = mapped_column(String(64), default="")


class SignerCertificate(SyncMixin, Base):
    """A signing certificate registered for a person from a verified, digitally signed form."""

    __tablename__ = "signer_certificate"
    __table_args__ = (Index("ix_signer_certificate_sha256", "sha256"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))  # fingerprint of the DER certificate
    subject: Mapped[str] = mapped_column(String(400), default="")
    issuer: Mapped[str] = mapped_column(String(400), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    source_submission_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_submission.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class AttestationStage(StrEnum):
    FIRST = "first"
    SECOND = "second"  # a different operator's second review


class AttestationVerdict(StrEnum):
    MATCHES = "matches"
    MISMATCH = "mismatch"
    UNSURE = "unsure"


class SignatureAttestation(SyncMixin, Base):
    """A reviewer's judgement of one signature on a submission against the specimens on file."""

    __tablename__ = "signature_attestation"

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_submission.id"), index=True)
    field_name: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    stage: Mapped[str] = mapped_column(String(8), default=AttestationStage.FIRST.value)
    verdict: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64))
    attested_at: Mapped[datetime]
    specimen_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated, as compared

    @validates("stage")
    def _check_stage(self, key: str, value: str) -> str:
        try:
            return AttestationStage(value).value
        except ValueError:
            raise ValidationError("stage", f"unknown stage {value!r}") from None

    @validates("verdict")
    def _check_verdict(self, key: str, value: str) -> str:
        try:
            return AttestationVerdict(value).value
        except ValueError:
            raise ValidationError("verdict", f"unknown verdict {value!r}") from None
