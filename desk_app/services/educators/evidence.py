"""Evidence as a Certification Specialist enters it from documents: experience, mentoring,
professional development, evaluations, assessment scores, transcripts received.

Each item names its source document (a received document's number in the queue, or the file name
of a scanned upload). What is entered is what the document says; whether it counts toward an
upgrade is the rules' decision (:func:`desk_app.rules.certification.evaluate_upgrade`), so an
unapproved setting or a quarter-time post is kept, and shown as not counted with the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from desk_app.errors import NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import (
    AssessmentScore,
    Educator,
    RequirementEvidence,
    TranscriptRecord,
)
from desk_app.models.store import UnitOfWork
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators.documents import check_document_ref

KINDS = (
    "experience",
    "mentoring",
    "professional_development",
    "evaluation",
    "assessment",
    "transcript",
)
PD_UNITS = ("contact_hours", "semester_hours")


@dataclass(frozen=True)
class EvidenceEntry:
    """One item as keyed from its document. Which fields matter depends on ``kind``:

    * experience: employer, setting, fte, contracted, start, end (years computed from the dates)
    * mentoring: quantity (years), on (the program's last day)
    * professional_development: quantity, unit (contact or semester hours), on
    * evaluation: on
    * assessment: title (the assessment), score, passing_score, on
    * transcript: title (institution), degree, on (received)
    """

    kind: str
    document_ref: str
    on: date | None = None
    quantity: float = 0.0
    unit: str = ""
    employer: str = ""
    setting: str = ""
    fte: float | None = None
    contracted: bool | None = None
    start: date | None = None
    end: date | None = None
    title: str = ""
    degree: str = ""
    score: int = 0
    passing_score: int = 0


def experience_years(start: date, end: date) -> float:
    """Years between two dates of a post, to the hundredth (a school year of 9 months and more
    counts as the document states it: the specialist enters the contract's dates)."""
    return round(((end - start).days + 1) / 365.25, 2)


def check_entry(entry: EvidenceEntry) -> None:
    if entry.kind not in KINDS:
        raise ValidationError("evidence", f"is one of {', '.join(KINDS)}")
    if not entry.document_ref.strip():
        raise ValidationError("source document", "is required: name the document it came from")
    today = utcnow().date()
    if entry.kind == "experience":
        if not (entry.employer.strip() and entry.setting.strip()):
            raise ValidationError("experience", "needs the employer and its setting")
        if entry.start is None or entry.end is None or entry.end < entry.start:
            raise ValidationError("experience", "needs a start date and an end date after it")
        if entry.end > today:
            raise ValidationError("experience", "cannot end in the future")
        if entry.fte is None or not 0 < entry.fte <= 1:
            raise ValidationError("FTE", "is the share of full time, over 0 and at most 1")
        return
    if entry.on is None or entry.on > today:
        raise ValidationError("date", "is required and cannot be in the future")
    if entry.kind == "professional_development" and entry.unit not in PD_UNITS:
        raise ValidationError("unit", "is contact hours or semester hours")
    if entry.kind in ("mentoring", "professional_development") and entry.quantity <= 0:
        raise ValidationError("amount", "must be more than 0")
    if entry.kind in ("assessment", "transcript") and not entry.title.strip():
        raise ValidationError(entry.kind, "needs its name (assessment or institution)")


def add_evidence(
    ctx: ServiceContext, educator_id: str, entry: EvidenceEntry
) -> tuple[str, Changes]:
    """Record one item from a document; audited with its source. Returns the new row's id."""
    ctx.require(Perm.EDIT_EDUCATORS)
    check_entry(entry)
    with ctx.uow() as uow:
        try:
            key = uuid.UUID(str(educator_id))
        except ValueError:
            raise NotFound("no educator has that id") from None
        educator = uow.session.get(Educator, key)
        if educator is None or educator.deleted_at is not None:
            raise NotFound("that educator no longer exists")
        check_document_ref(uow.session, key, entry.document_ref.strip())
        row = row_for(entry, key, ctx.actor.username)
        uow.session.add(row)
        uow.session.flush()
        _audit(uow, entry, educator, row.id)
        uow.commit()
        return str(row.id), Changes.of(Area.EDUCATORS, ids=(key,))


def row_for(
    entry: EvidenceEntry, educator_id: uuid.UUID, operator: str
) -> RequirementEvidence | AssessmentScore | TranscriptRecord:
    ref = entry.document_ref.strip()
    if entry.kind == "assessment":
        return AssessmentScore(
            educator_id=educator_id,
            assessment=entry.title.strip(),
            score=entry.score,
            passing_score=entry.passing_score,
            taken_on=entry.on,
            document_ref=ref,
        )
    if entry.kind == "transcript":
        return TranscriptRecord(
            educator_id=educator_id,
            institution=entry.title.strip(),
            degree=entry.degree.strip(),
            received_on=entry.on,
            document_ref=ref,
        )
    common = {"educator_id": educator_id, "verified_by": operator, "document_ref": ref}
    if entry.kind == "experience":
        assert entry.start is not None and entry.end is not None  # checked
        return RequirementEvidence(
            requirement="experience",
            quantity=experience_years(entry.start, entry.end),
            unit="years",
            description=f"{entry.employer.strip()}, {entry.fte:g} FTE"
            + (", contracted" if entry.contracted else ", not contracted"),
            source=entry.setting.strip(),
            evidence_date=entry.end,
            employer=entry.employer.strip(),
            fte=entry.fte,
            contracted=bool(entry.contracted),
            start_date=entry.start,
            end_date=entry.end,
            **common,
        )
    unit = {"mentoring": "years", "evaluation": "evaluations"}.get(entry.kind, entry.unit)
    quantity = 1.0 if entry.kind == "evaluation" else entry.quantity
    return RequirementEvidence(
        requirement=entry.kind,
        quantity=quantity,
        unit=unit,
        description=entry.title.strip(),
        source="",
        evidence_date=entry.on,
        **common,
    )


def _audit(uow: UnitOfWork, entry: EvidenceEntry, educator: Educator, row_id: uuid.UUID) -> None:
    audit.record(
        uow,
        f"educator.evidence.{entry.kind}",
        record_type="educator",
        record_id=educator.id,
        summary=f"{entry.kind.replace('_', ' ')} entered from {entry.document_ref.strip()} "
        f"for {educator.last_name}, {educator.first_name}",
        details={"row": str(row_id), "document": entry.document_ref.strip()},
    )
