"""Documents for the demo submissions, made when one is first opened.

The seeder writes 2,000 submissions in a few seconds; drawing and filling 2,000 forms would add a
minute or more to every first start. So a seeded submission gets its document the first time
someone opens it: the catalogue form of its number, filled with the submission's own values (a
faxed or counter one printed: flattened, with its data barcode, as a fax machine would see it),
stored sealed in the blob store and linked as the submission's original, exactly as intake stores
a received document, with an audit event. From then on it is an ordinary stored document.

Only a database that holds the seeder's demo data gets them, and only for a submission without
any document; an unidentified or quarantined demo item keeps none (:func:`why_none` says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from desk_app.models import auditchain as audit
from desk_app.models.audit import AuditEvent
from desk_app.models.submissions import Channel, FormSubmission, QueueState, SubmissionDocument
from desk_app.pdf.catalogue import get_form
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.service import get_submission

DEMO_SEED_ACTION = "seed.demo_data"  # written once by desk_app.seed.run
PRINTED_CHANNELS = (Channel.FAX.value, Channel.COUNTER.value)


@dataclass(frozen=True)
class DemoDocument:
    """The stored document of a demo submission, and what changed."""

    document_id: str
    sha256: str
    changes: Changes


def why_none(state: str, form_number: str, quarantine_reason: str) -> str:
    """Why a submission has no document to show, in the operator's words."""
    if state == QueueState.QUARANTINE.value:
        why = quarantine_reason or "it could not be read safely"
        return (
            f"Nothing to show: this item is in Quarantine ({why}). Its original is kept in the "
            "quarantine folder and is never opened in Desk App."
        )
    if not form_number:  # intake always stores what it receives: only demo items lack one
        return (
            "Nothing to show: this demo item was never identified as one of the agency's forms, "
            "so no document was generated for it."
        )
    return (
        "No document is stored for this submission: it was recorded without a file "
        "(for example keyed from a paper form handed in at the counter)."
    )


def _holds_demo_data(session: Any) -> bool:
    found = session.execute(
        select(AuditEvent.id).where(AuditEvent.action == DEMO_SEED_ACTION).limit(1)
    ).first()
    return found is not None


def _draw(sub: FormSubmission) -> bytes:
    """The form of ``sub`` filled with its values (printed, for a fax or the counter)."""
    from desk_app.pdf.fill import add_data_barcode, flatten
    from desk_app.pdf.generate import TOKEN, generate_form

    values = {k: v for k, v in (sub.values or {}).items() if not k.startswith("_")}
    token = sub.token if TOKEN.fullmatch(sub.token or "") else None
    pdf = generate_form(sub.form_number, values, token=token)
    if sub.channel in PRINTED_CHANNELS:
        pdf = flatten(add_data_barcode(pdf))
    return pdf


def make_demo_document(ctx: ServiceContext, submission_id: str) -> DemoDocument | None:
    """Give a seeded demo submission its generated document (None when it gets none: not demo
    data, already has a document, or unidentified / quarantined)."""
    ctx.require(Perm.WORK_QUEUE)
    with ctx.uow() as uow:
        sub = get_submission(uow.session, submission_id)
        has_document = uow.session.execute(
            select(SubmissionDocument.id)
            .where(
                SubmissionDocument.submission_id == sub.id,
                SubmissionDocument.deleted_at.is_(None),
            )
            .limit(1)
        ).first()
        if (
            has_document is not None
            or not sub.form_number
            or sub.state == QueueState.QUARANTINE.value
            or not _holds_demo_data(uow.session)
        ):
            return None
        pdf = _draw(sub)
        sha = ctx.blobs().put(pdf)  # durable before the row that points at it
        # drawn here from the catalogue, so its page count is the form's (nothing to parse)
        pages = get_form(sub.form_number).page_count
        doc = SubmissionDocument(
            submission_id=sub.id,
            sha256=sha,
            role="original",
            filename=f"demo-{sub.form_number.replace(' ', '_')}.pdf",
            media_type="application/pdf",
            size=len(pdf),
            page_count=pages,
        )
        uow.session.add(doc)
        sub.sha256 = sha
        sub.page_count = pages
        uow.session.flush()
        audit.record(
            uow,
            "demo.document",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"demo document generated for {sub.form_number} from its values",
            details={"sha256": sha, "channel": sub.channel},
        )
        uow.commit()
        return DemoDocument(str(doc.id), sha, Changes.of(Area.QUEUE, ids=(sub.id,)))
