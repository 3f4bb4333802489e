"""The queue side of the intake pipeline: a batch of read items becomes submissions.

:func:`enqueue_batch` is the pipeline's last step: in ONE transaction it links each draft to its
entity by code, flags duplicates (same bytes; or same entity, form and requested changes within
``duplicate_window_days``), creates the submissions and their documents with an audit event
each, and closes the items' ledger rows. Duplicates are flagged and shown, never dropped. One
message, one set of submissions whatever the door: an item whose bytes (or, for a mail, whose
Message-ID) were taken in before queues nothing new; its ledger row is linked to the earlier
submissions and the arrival is audited.

Why a batch: SQLite with ``synchronous=FULL`` fsyncs at every commit, and each item used to
cost three of them plus a dozen small queries. The look-ups a batch needs (its ledger rows, the
submissions already holding its bytes or business keys, its entities) are made once per batch,
and what the batch itself creates is remembered in :class:`_Batch`, so an item sees the items
before it exactly as it did when each had its own transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.crypto import FieldCipher
from desk_app.intake.drafts import SubmissionDraft
from desk_app.intake.pipeline import Hook, no_hook
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity, entities_by_codes
from desk_app.models.intake import ItemStatus, SourceItem
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, SubmissionDocument
from desk_app.pdf.catalogue import find_form
from desk_app.services.context import ServiceContext
from desk_app.services.sealing import seal_pin

Items = list[tuple[int, list[SubmissionDraft]]]


class _Batch:
    """What one batch needs to know about earlier submissions, looked up once, and what it
    has created so far (not yet flushed)."""

    def __init__(self, s: Session, items: Items, window_days: int) -> None:
        self.s = s
        self.window = timedelta(days=window_days)
        self.window_days = window_days
        ids = [item_id for item_id, _drafts in items]
        rows = s.execute(select(SourceItem).where(SourceItem.id.in_(ids))).scalars()
        self.items = {row.id: row for row in rows}
        live = FormSubmission.deleted_at.is_(None)
        item_shas = {row.sha256 for row in self.items.values()}
        self.by_document: dict[str, list[FormSubmission]] = defaultdict(list)
        for sub, sha in s.execute(
            select(FormSubmission, SubmissionDocument.sha256)
            .join(SubmissionDocument, SubmissionDocument.submission_id == FormSubmission.id)
            .where(live, SubmissionDocument.sha256.in_(item_shas))
            .order_by(FormSubmission.received_at)
        ):
            if sub not in self.by_document[sha]:
                self.by_document[sha].append(sub)
        drafts = [d for _id, ds in items for d in ds]
        # the earliest earlier submission per bytes / per request: one indexed look-up each
        # (limit 1), never every submission that shares a busy entity's request
        self.by_sha: dict[str, FormSubmission] = {}
        self.by_key: dict[str, list[FormSubmission]] = defaultdict(list)
        with s.no_autoflush:
            for sha in {d.sha256 for d in drafts if d.sha256}:
                first = s.execute(
                    select(FormSubmission)
                    .where(live, FormSubmission.sha256 == sha)
                    .order_by(FormSubmission.received_at)
                    .limit(1)
                ).scalar_one_or_none()
                if first is not None:
                    self.by_sha[sha] = first
            for key, received in {
                (d.business_key, d.received_at) for d in drafts if d.business_key
            }:
                first = s.execute(
                    select(FormSubmission)
                    .where(
                        live,
                        FormSubmission.business_key == key,
                        FormSubmission.received_at >= received - self.window,
                    )
                    .order_by(FormSubmission.received_at)
                    .limit(1)
                ).scalar_one_or_none()
                if first is not None and first not in self.by_key[key]:
                    self.by_key[key].append(first)
                    self.by_key[key].sort(key=lambda x: x.received_at)
        self.entities = entities_by_codes(s, (d.entity_code for d in drafts))

    def entity(self, draft: SubmissionDraft) -> EducationalEntity | None:
        if not draft.entity_code:
            return None
        found = self.entities.get(draft.entity_code.strip().upper(), [])
        spec = find_form(draft.form_number) if draft.form_number else None
        if spec is not None and len(found) > 1:
            found = [e for e in found if e.kind in spec.entity_kinds] or found
        return found[0] if found else None

    def duplicate_of(self, draft: SubmissionDraft) -> tuple[FormSubmission | None, str]:
        same = self.by_sha.get(draft.sha256) if draft.sha256 else None
        if same is not None:
            return same, "the same document was received before"
        if draft.business_key:
            since = draft.received_at - self.window
            for sub in self.by_key.get(draft.business_key, ()):
                if sub.received_at >= since:
                    return sub, (
                        f"the same request for this entity arrived within {self.window_days} days"
                    )
        return None, ""

    def created(self, sub: FormSubmission, documents: list[SubmissionDocument]) -> None:
        """Remember ``sub`` for the items after it in this batch."""
        if sub.sha256:
            self.by_sha.setdefault(sub.sha256, sub)
        if sub.business_key:
            self.by_key[sub.business_key].append(sub)
            self.by_key[sub.business_key].sort(key=lambda x: x.received_at)
        for doc in documents:
            if sub not in self.by_document[doc.sha256]:
                self.by_document[doc.sha256].append(sub)

    def taken_before(self, item: SourceItem) -> tuple[list[FormSubmission], str]:
        """The submissions an earlier arrival of the same message or file made, and why it is
        the same: the same bytes (any door, any workstation: the documents sync) or, for a
        mail, the same Message-ID (saved again, or taken from the mailbox and then a folder)."""
        by_bytes = self.by_document.get(item.sha256)
        if by_bytes:
            return list(by_bytes), "the same file (same content) was taken in before"
        if not item.message_id:
            return [], ""
        s = self.s
        earlier = (
            s.execute(
                select(SourceItem.sha256).where(
                    SourceItem.message_id == item.message_id,
                    SourceItem.id != item.id,
                    SourceItem.status == ItemStatus.DONE.value,
                )
            )
            .scalars()
            .all()
        )
        if not earlier:
            return [], ""
        live = FormSubmission.deleted_at.is_(None)
        subs = (
            s.execute(
                select(FormSubmission)
                .join(SubmissionDocument, SubmissionDocument.submission_id == FormSubmission.id)
                .where(live, SubmissionDocument.sha256.in_(earlier))
                .order_by(FormSubmission.received_at)
            )
            .scalars()
            .unique()
            .all()
        )
        return list(subs), f"the same mail (Message-ID {item.message_id}) was taken in before"


def enqueue(
    ctx: ServiceContext, item_id: int, drafts: list[SubmissionDraft], hook: Hook = no_hook
) -> int:
    """Create the submissions of one ledger item and mark the item done, in one transaction.

    Returns:
        How many submissions were created (0 when another run already did it).
    """
    return enqueue_batch(ctx, [(item_id, drafts)], hook)


def enqueue_batch(ctx: ServiceContext, items: Items, hook: Hook = no_hook) -> int:
    """Create the submissions of several ledger items and mark each done, all in ONE
    transaction (one commit, one journal fsync). A crash before the commit leaves every item of
    the batch ``stored``, to be resumed by the next run.

    Returns:
        How many submissions were created (items another run already did count 0).
    """
    created = 0
    with ctx.uow() as uow:
        batch = _Batch(uow.session, items, ctx.settings["duplicate_window_days"])
        for item_id, drafts in items:
            created += _enqueue_item(uow, batch, ctx.cipher, item_id, drafts, hook)
        uow.commit()
    return created


def _enqueue_item(
    uow: UnitOfWork,
    batch: _Batch,
    cipher: FieldCipher,
    item_id: int,
    drafts: list[SubmissionDraft],
    hook: Hook,
) -> int:
    item = batch.items.get(item_id)
    if item is None or item.status == ItemStatus.DONE.value:
        return 0
    item.message_id = next((d.message_id for d in drafts if d.message_id), "")[:300]
    if _link_if_taken_before(uow, batch, item):
        hook("enqueue")
        return 0
    for draft in drafts:
        _create(uow, batch, draft, hook, cipher)
    item.status, item.done_at, item.submissions = ItemStatus.DONE.value, utcnow(), len(drafts)
    hook("enqueue")
    return len(drafts)


def _link_if_taken_before(uow: UnitOfWork, batch: _Batch, item: SourceItem) -> bool:
    """Close the ledger row of an item already taken in, linked to what it made; no new
    submission is queued. Audited, so the second arrival is not silently dropped."""
    subs, why = batch.taken_before(item)
    if not subs:
        return False
    ids = [str(sub.id) for sub in subs]
    item.status, item.done_at, item.submissions = ItemStatus.DONE.value, utcnow(), 0
    item.note = f"{why}: linked to submission(s) {', '.join(ids)}; not queued again"[:2000]
    audit.record(
        uow,
        "intake.already_taken",
        record_type="form_submission",
        record_id=subs[0].id,
        summary=f"{item.filename or 'an item'} from {item.sender or 'unknown sender'}: {why}; "
        "linked, not queued again",
        details={"sha256": item.sha256, "message_id": item.message_id, "linked": ids},
    )
    return True


def _create(
    uow: UnitOfWork, batch: _Batch, draft: SubmissionDraft, hook: Hook, cipher: FieldCipher
) -> FormSubmission:
    entity = batch.entity(draft)
    hook("link")
    earlier, why = batch.duplicate_of(draft)
    hook("dedupe")
    values = seal_pin(cipher, draft.values)  # a PIN read from the form is never stored in clear
    if why:
        values["_duplicate_reason"] = why
    sub = FormSubmission(
        id=uuid.uuid4(),  # known now: the audit event names it without a flush
        form_number=draft.form_number,
        edition=draft.edition,
        channel=draft.channel,
        state=draft.state,
        received_at=draft.received_at,
        sender=draft.sender[:200],
        subject=draft.subject[:300],
        entity_id=entity.id if entity else None,
        entity_code=draft.entity_code[:16],
        entity_name=(entity.name if entity else draft.entity_name)[:200],
        requester_name=draft.requester_name[:200],
        sha256=draft.sha256,
        token=draft.token[:64],
        page_count=draft.page_count,
        values=values,
        business_key=draft.business_key,
        duplicate_of_id=earlier.id if earlier else None,
        quarantine_reason=draft.quarantine_reason,
    )
    documents = [
        SubmissionDocument(
            submission_id=sub.id,
            sha256=d.sha256,
            role=d.role,
            filename=d.filename[:260],
            media_type=d.media_type[:100],
            size=d.size,
            first_page=d.first_page,
            page_count=d.page_count,
        )
        for d in draft.documents
    ]
    uow.session.add(sub)
    uow.session.add_all(documents)
    batch.created(sub, documents)
    what = draft.form_number or "unidentified document"
    audit.record(
        uow,
        "intake.receive",
        record_type="form_submission",
        record_id=sub.id,
        summary=f"received {what} by {draft.channel} from {draft.sender or 'unknown sender'}"
        f" -> {draft.state}",
        details={
            "channel": draft.channel,
            "state": draft.state,
            "sha256": draft.sha256,
            "identified_by": draft.identified_by,
            "values_from": draft.values_from,
            "duplicate_of": str(earlier.id) if earlier else "",
            "quarantine_reason": draft.quarantine_reason[:300],
        },
    )
    return sub
