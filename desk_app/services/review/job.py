"""What one verification run looks at, shared by the report and its checks (no checks here)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.models.entities import EducationalEntity
from desk_app.models.staff import Staff
from desk_app.models.submissions import FormSubmission, VerificationResult
from desk_app.pdf.catalogue import FormSpec
from desk_app.pdf.signatures import DigitalSignatureFacts
from desk_app.received import Received
from desk_app.services.context import ServiceContext
from desk_app.services.review.dto import RequestedChanges, SignatureFinding
from desk_app.services.review.specimens import ExpectedSigner


@dataclass
class VerificationJob:
    """What one verification run looks at (lives on the worker thread only)."""

    ctx: ServiceContext
    session: Session
    spec: FormSpec | None
    values: Mapping[str, Any]
    pdf: Received | None  # the document from outside: only the sandbox opens it
    submission: FormSubmission | None
    entity: EducationalEntity | None
    operator: Staff | None
    requested: RequestedChanges
    now: datetime
    expected: list[ExpectedSigner] = field(default_factory=list)
    digital: dict[str, DigitalSignatureFacts] = field(default_factory=dict)
    signatures: tuple[SignatureFinding, ...] = ()
    # the reference layout of the signature boxes when it is not the catalogue's blank form (a
    # returned access-review attestation: its signature block moves with its number of lines)
    layout: bytes = b""

    @property
    def submission_id(self) -> str:
        return str(self.submission.id) if self.submission is not None else ""


def previous_pin_failure(
    session: Session, submission_id: str, pin_issued_at: datetime | None
) -> bool:
    """True when this submission's PIN already failed against the current PIN (counted once)."""
    if not submission_id:
        return False
    rows = session.execute(
        select(VerificationResult.details).where(
            VerificationResult.submission_id == uuid.UUID(submission_id),
            VerificationResult.check == "pin",
            VerificationResult.outcome == "fail",
        )
    ).all()
    stamp = pin_issued_at.isoformat() if pin_issued_at else ""
    return any(
        (d or {}).get("pin_issued_at") == stamp and (d or {}).get("counted") for (d,) in rows
    )
