"""Source documents of an educator's evidence: a scanned upload or a received PDF of the queue.

An upload is outside bytes: it is checked (a PDF) or converted to a PDF (a scan) by the sandbox
child, never opened in this process, and its original is kept sealed in the blob store by hash.
A queue document is already there; linking it records only which one. Evidence then names the
document by its id (``document_ref``), so the decision screen can show the page it came from.
Attaching is audited; so is every opening of a document (it shows personal records).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError, NotFound, ValidationError
from desk_app.intake.analyse import media_type, normalise, sniff
from desk_app.models import auditchain as audit
from desk_app.models.educators import Educator, EducatorDocument
from desk_app.models.submissions import FormSubmission, SubmissionDocument
from desk_app.received import Received, received
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext


@dataclass(frozen=True)
class SourceDocument:
    """A document evidence was entered from (no bytes: they are asked for when shown)."""

    id: str
    filename: str
    media_type: str
    size: int
    page_count: int
    origin: str  # upload / submission
    submission_id: str = ""

    @property
    def label(self) -> str:
        where = "queue document" if self.origin == "submission" else "upload"
        return f"{self.filename} ({where}, {self.page_count} p.)"


@dataclass(frozen=True)
class Attached:
    document: SourceDocument
    changes: Changes


def _dto(d: EducatorDocument) -> SourceDocument:
    return SourceDocument(
        str(d.id),
        d.filename,
        d.media_type,
        d.size,
        d.page_count,
        d.origin,
        str(d.submission_id or ""),
    )


def _educator(s: Session, educator_id: str) -> Educator:
    try:
        educator = s.get(Educator, uuid.UUID(str(educator_id)))
    except ValueError:
        raise NotFound("no educator has that id") from None
    if educator is None or educator.deleted_at is not None:
        raise NotFound("that educator no longer exists")
    return educator


def attach_upload(
    ctx: ServiceContext, educator_id: str, data: Received | bytes, filename: str
) -> Attached:
    """Keep a scanned or PDF upload as a source document of the educator's evidence.

    Raises:
        PdfRejected: the sandbox child refused the file (active content, a bomb, not a document).
        ValidationError: the file is empty.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    item = received(data, filename)
    if not len(item):
        raise ValidationError("source document", "the file is empty")
    kind = sniff(item)
    view = normalise(item, kind)  # the child checks a PDF, or turns a scan into one
    blobs = ctx.blobs()
    sha = blobs.put_received(item)
    view_sha = sha if kind == "pdf" else blobs.put(view.pdf)
    pages = view.page_count or len(view.scans) or 1
    name = PurePath(filename).name[:260] or "upload"
    with ctx.uow() as uow:
        educator = _educator(uow.session, educator_id)
        doc = EducatorDocument(
            educator_id=educator.id,
            sha256=sha,
            view_sha256=view_sha,
            filename=name,
            media_type=media_type(kind),
            size=len(item),
            page_count=pages,
            origin="upload",
        )
        uow.session.add(doc)
        uow.session.flush()
        audit.record(
            uow,
            "educator.document.upload",
            record_type="educator",
            record_id=educator.id,
            summary=f"source document {name} uploaded ({pages} page(s), checked in the sandbox)",
            details={"document": str(doc.id), "sha256": sha},
        )
        dto, changed = _dto(doc), Changes.of(Area.EDUCATORS, ids=(educator.id,))
        uow.commit()
        return Attached(dto, changed)


def attach_submission(ctx: ServiceContext, educator_id: str, submission_id: str) -> Attached:
    """Link a received PDF of the work queue as a source document (its bytes are in the store).

    Raises:
        NotFound: no such submission, or it has no stored document.
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    with ctx.uow() as uow:
        s = uow.session
        educator = _educator(s, educator_id)
        try:
            key = uuid.UUID(str(submission_id).strip())
        except ValueError:
            raise NotFound(f"{submission_id} is not a submission id") from None
        sub = s.get(FormSubmission, key)
        if sub is None or sub.deleted_at is not None:
            raise NotFound("no received document has that id")
        docs = (
            s.execute(
                select(SubmissionDocument).where(
                    SubmissionDocument.submission_id == key,
                    SubmissionDocument.deleted_at.is_(None),
                )
            )
            .scalars()
            .all()
        )
        # the PDF the queue shows: the normalised one of a fax, else the original
        shown = next((d for d in docs if d.role == "normalised"), None) or next(
            (d for d in docs if d.role == "original"), None
        )
        if shown is None:
            raise NotFound("that submission has no stored document")
        original = next((d for d in docs if d.role == "original"), shown)
        name = shown.filename or f"submission-{str(key)[:8]}.pdf"
        doc = EducatorDocument(
            educator_id=educator.id,
            sha256=original.sha256,
            view_sha256=shown.sha256,
            filename=name[:260],
            media_type=shown.media_type,
            size=shown.size,
            page_count=shown.page_count or sub.page_count or 1,
            origin="submission",
            submission_id=key,
        )
        s.add(doc)
        s.flush()
        audit.record(
            uow,
            "educator.document.link",
            record_type="educator",
            record_id=educator.id,
            summary=f"received document {name} (queue {str(key)[:8]}) linked as a source document",
            details={"document": str(doc.id), "submission": str(key)},
        )
        dto, changed = _dto(doc), Changes.of(Area.EDUCATORS, ids=(educator.id,))
        uow.commit()
        return Attached(dto, changed)


def documents_of(ctx: ServiceContext, educator_id: str) -> tuple[SourceDocument, ...]:
    """The educator's source documents, newest first."""
    ctx.require(Perm.VIEW_EDUCATORS)
    with ctx.store.read() as s:
        educator = _educator(s, educator_id)
        rows = s.execute(
            select(EducatorDocument)
            .where(
                EducatorDocument.educator_id == educator.id, EducatorDocument.deleted_at.is_(None)
            )
            .order_by(EducatorDocument.created_at.desc())
        ).scalars()
        return tuple(_dto(d) for d in rows)


def document_for_viewing(ctx: ServiceContext, document_id: str) -> tuple[SourceDocument, Received]:
    """The PDF of a source document (from outside: the viewer renders it in the sandbox child).

    Audited: a source document shows personal records.
    """
    ctx.require(Perm.VIEW_EDUCATORS)
    with ctx.uow() as uow:
        doc = _document(uow.session, document_id)
        audit.record(
            uow,
            "educator.document.view",
            record_type="educator",
            record_id=doc.educator_id,
            summary=f"source document {doc.filename} opened",
            details={"document": str(doc.id)},
        )
        uow.commit()
        dto, sha = _dto(doc), doc.view_sha256
    return dto, ctx.blobs().get(sha)


def _document(s: Session, document_id: str) -> EducatorDocument:
    try:
        doc = s.get(EducatorDocument, uuid.UUID(str(document_id)))
    except ValueError:
        raise NotFound("no source document has that id") from None
    if doc is None or doc.deleted_at is not None:
        raise NotFound("that source document no longer exists")
    return doc


def document_labels(s: Session, refs: set[str]) -> dict[str, str]:
    """Labels of the document ids among ``refs`` (older evidence names its source in words)."""
    ids = []
    for ref in refs:
        try:
            ids.append(uuid.UUID(ref))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = s.execute(select(EducatorDocument).where(EducatorDocument.id.in_(ids))).scalars()
    return {str(d.id): _dto(d).label for d in rows}


def check_document_ref(s: Session, educator_id: uuid.UUID, ref: str) -> None:
    """A ``document_ref`` that is a document id must be one of this educator's documents."""
    try:
        key = uuid.UUID(ref)
    except ValueError:
        return  # a document named in words (older entries, the CLI's --document)
    doc = s.get(EducatorDocument, key)
    if doc is None or doc.deleted_at is not None or doc.educator_id != educator_id:
        raise KnownError("the source document is not one of this educator's documents")
