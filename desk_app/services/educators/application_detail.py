"""What the decision screen shows of one application, and where the educator's e-mail draft goes.

The tracker is :func:`desk_app.services.educators.applications.tracker`'s (the rules as data); the
detail adds who the educator is (no closed data), the application's own facts, the evidence
that counts toward each requirement (with its source document) and, once decided, the outcome.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Certificate, CertificateApplication, Educator
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.educators.applications import Decision, _kind_of, _state, _tracker
from desk_app.services.educators.dto import RequirementDTO
from desk_app.services.educators.evidence_items import EvidenceItem, list_evidence

# which kinds of evidence count toward each requirement of the tracker
EVIDENCE_FOR = {
    "experience": ("experience",),
    "mentoring": ("mentoring",),
    "professional_development": ("professional_development",),
    "evaluation": ("evaluation",),
    "transcript": ("transcript",),
    "assessment": ("assessment",),
}


@dataclass(frozen=True)
class ApplicationDetail:
    id: str
    educator_id: str
    educator_name: str
    educator_email: str
    kind: str
    classification: str
    state: str
    submitted_at: datetime
    claimed_by: str
    decision: str
    decision_note: str
    decided_by: str
    certificate_number: str
    row_version: int
    tracker: tuple[RequirementDTO, ...]
    evidence: tuple[EvidenceItem, ...]

    @property
    def ready_to_approve(self) -> bool:
        return all(r.met for r in self.tracker)

    def evidence_for(self, requirement: str) -> tuple[EvidenceItem, ...]:
        kinds = EVIDENCE_FOR.get(requirement, ())
        return tuple(e for e in self.evidence if e.kind in kinds)


def _get(s: Session, application_id: str) -> CertificateApplication:
    try:
        row = s.get(CertificateApplication, uuid.UUID(str(application_id)))
    except ValueError:
        raise NotFound("no application has that id") from None
    if row is None or row.deleted_at is not None:
        raise NotFound("that application no longer exists")
    return row


def application_detail(ctx: ServiceContext, application_id: str) -> ApplicationDetail:
    """The application, its requirement tracker and the evidence on file."""
    ctx.require(Perm.VIEW_EDUCATORS)
    with ctx.store.read() as s:
        app = _get(s, application_id)
        educator = s.get(Educator, app.educator_id)
        assert educator is not None
        cert = s.get(Certificate, app.certificate_id) if app.certificate_id else None
        tracker = _tracker(s, app, utcnow().date())
        detail = (
            str(app.id),
            str(educator.id),
            f"{educator.last_name}, {educator.first_name}",
            educator.email,
            app.kind or _kind_of(app),
            app.classification_code,
            _state(app.status),
            app.submitted_at,
            app.claimed_by,
            app.decision,
            app.decision_note,
            app.decided_by,
            cert.number if cert is not None else "",
            app.row_version,
        )
    return ApplicationDetail(*detail, tracker, list_evidence(ctx, detail[1]))


def save_draft(ctx: ServiceContext, decision: Decision) -> Path:
    """Write the educator's e-mail draft (.eml, Outlook opens it unsent) to the drafts folder.

    Raises:
        KnownError: no data folder, or the file cannot be written.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    if ctx.paths is None:
        raise KnownError("no data folder: the e-mail draft cannot be kept")
    folder = ctx.paths.data_dir / "drafts" / "certification"
    outcome = "approved" if decision.approved else "rejected"
    path = folder / f"application-{decision.application_id[:8]}-{outcome}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(decision.eml)
    except OSError as exc:
        raise KnownError(f"cannot write the e-mail draft: {exc.strerror}") from None
    with ctx.uow() as uow:
        audit.record(
            uow,
            "application.draft_email",
            record_type="certificate_application",
            record_id=uuid.UUID(decision.application_id),
            summary=f"e-mail to the educator drafted ({outcome})",
        )
        uow.commit()
    return path
