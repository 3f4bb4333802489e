"""The evidence on file, as the Evidence list shows it, and changing an item keyed wrongly.

Each item comes back with the entry it was keyed from (:class:`EvidenceEntry`), so the edit
dialog opens filled in, and with the label of its source document. A correction is audited with
what it was and what it became; the rules then weigh the item afresh (nothing is cached).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound
from desk_app.models import auditchain as audit
from desk_app.models.educators import AssessmentScore, RequirementEvidence, TranscriptRecord
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators.documents import check_document_ref, document_labels
from desk_app.services.educators.evidence import EvidenceEntry, check_entry, row_for

Row = RequirementEvidence | AssessmentScore | TranscriptRecord
RowT = TypeVar("RowT", RequirementEvidence, AssessmentScore, TranscriptRecord)
KIND_TITLES = {
    "experience": "Experience",
    "mentoring": "Mentoring",
    "professional_development": "Professional development",
    "evaluation": "Evaluation",
    "assessment": "Assessment score",
    "transcript": "Transcript received",
}
# what each row class keeps that an edit may change (the rest is bookkeeping)
_FIELDS = {
    RequirementEvidence: (
        "quantity",
        "unit",
        "description",
        "source",
        "evidence_date",
        "employer",
        "fte",
        "contracted",
        "start_date",
        "end_date",
        "document_ref",
    ),
    AssessmentScore: ("assessment", "score", "passing_score", "taken_on", "document_ref"),
    TranscriptRecord: ("institution", "degree", "received_on", "document_ref"),
}


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    kind: str
    on: date
    summary: str
    source: str  # the source document's label (or the words older entries named it by)
    entry: EvidenceEntry

    @property
    def kind_title(self) -> str:
        return KIND_TITLES.get(self.kind, self.kind)


def _entry(row: Row) -> tuple[EvidenceEntry, str]:
    if isinstance(row, AssessmentScore):
        entry = EvidenceEntry(
            "assessment",
            row.document_ref,
            row.taken_on,
            title=row.assessment,
            score=row.score,
            passing_score=row.passing_score,
        )
        return entry, f"{row.assessment}: {row.score} (qualifying {row.passing_score})"
    if isinstance(row, TranscriptRecord):
        entry = EvidenceEntry(
            "transcript",
            row.document_ref,
            row.received_on,
            title=row.institution,
            degree=row.degree,
        )
        return entry, f"{row.institution} {row.degree}".strip()
    quantity = float(row.quantity)
    if row.requirement == "experience":
        # older items kept only the years and the day they ended: the form opens on that span
        end = row.end_date or row.evidence_date
        start = row.start_date or end - timedelta(days=max(0, round(quantity * 365.25) - 1))
        entry = EvidenceEntry(
            "experience",
            row.document_ref,
            row.evidence_date,
            quantity,
            row.unit,
            employer=row.employer,
            setting=row.source,
            fte=None if row.fte is None else float(row.fte),
            contracted=row.contracted,
            start=start,
            end=end,
        )
        return entry, f"{row.employer or row.description} · {row.source} · {quantity:g} years"
    entry = EvidenceEntry(
        row.requirement,
        row.document_ref,
        row.evidence_date,
        quantity,
        row.unit,
        title=row.description,
    )
    unit = row.unit.replace("_", " ")
    return entry, (f"{quantity:g} {unit}" + (f" · {row.description}" if row.description else ""))


def list_evidence(ctx: ServiceContext, educator_id: str) -> tuple[EvidenceItem, ...]:
    """Every item on file for the educator, newest first, with its source document."""
    ctx.require(Perm.VIEW_EDUCATORS)
    try:
        key = uuid.UUID(str(educator_id))
    except ValueError:
        raise NotFound("no educator has that id") from None
    with ctx.store.read() as s:
        rows: list[Row] = []
        rows.extend(_of(s, RequirementEvidence, key))
        rows.extend(_of(s, AssessmentScore, key))
        rows.extend(_of(s, TranscriptRecord, key))
        labels = document_labels(s, {r.document_ref for r in rows})
        items = []
        for r in rows:
            entry, summary = _entry(r)
            on = entry.end or entry.on or date.min
            items.append(
                EvidenceItem(
                    str(r.id),
                    entry.kind,
                    on,
                    summary,
                    labels.get(r.document_ref, r.document_ref),
                    entry,
                )
            )
    return tuple(sorted(items, key=lambda i: (i.on, i.id), reverse=True))


def evidence_item(ctx: ServiceContext, item_id: str) -> tuple[str, EvidenceItem]:
    """One item on file and its educator's id (the CLI corrects items by their id)."""
    ctx.require(Perm.VIEW_EDUCATORS)
    with ctx.store.read() as s:
        educator_id = str(_find(s, item_id).educator_id)
    found = [i for i in list_evidence(ctx, educator_id) if i.id == str(uuid.UUID(item_id))]
    return educator_id, found[0]


def _of(s: Session, klass: type[RowT], educator_id: uuid.UUID) -> list[RowT]:
    return list(
        s.execute(
            select(klass).where(klass.educator_id == educator_id, klass.deleted_at.is_(None))
        ).scalars()
    )


def _find(s: Session, item_id: str) -> Row:
    try:
        key = uuid.UUID(str(item_id))
    except ValueError:
        raise NotFound("no evidence item has that id") from None
    found: Row | None = (
        s.get(RequirementEvidence, key)
        or s.get(AssessmentScore, key)
        or s.get(TranscriptRecord, key)
    )
    if found is None or found.deleted_at is not None:
        raise NotFound("that evidence item no longer exists")
    return found


def _value(fresh: Row, name: str) -> object:
    """A field of a row built but not inserted: a column left unset takes its default."""
    value = getattr(fresh, name)
    column = type(fresh).__table__.c[name]
    if value is None and not column.nullable and column.default is not None:
        return column.default.arg
    return value


def update_evidence(ctx: ServiceContext, item_id: str, entry: EvidenceEntry) -> Changes:
    """Correct an item keyed wrongly from its document; audited with the values before and after.

    Raises:
        KnownError: the correction changes the kind of evidence (remove and add it instead).
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    check_entry(entry)
    with ctx.uow() as uow:
        s = uow.session
        row = _find(s, item_id)
        before, _ = _entry(row)
        if before.kind != entry.kind:
            raise KnownError(
                f"this item is {KIND_TITLES[before.kind].lower()}; enter a new item instead"
            )
        check_document_ref(s, row.educator_id, entry.document_ref.strip())
        fresh = row_for(entry, row.educator_id, ctx.actor.username)
        wanted = {f: _value(fresh, f) for f in _FIELDS[type(row)]}
        changed = {
            f: (str(getattr(row, f)), str(v)) for f, v in wanted.items() if getattr(row, f) != v
        }
        for f in changed:
            setattr(row, f, wanted[f])
        audit.record(
            uow,
            f"educator.evidence.{entry.kind}.edit",
            record_type="educator",
            record_id=row.educator_id,
            summary=f"{KIND_TITLES[entry.kind].lower()} corrected: "
            + (", ".join(sorted(changed)) or "nothing changed"),
            details={"row": str(row.id), "changed": changed},
        )
        uow.commit()
        return Changes.of(Area.EDUCATORS, ids=(row.educator_id,))
