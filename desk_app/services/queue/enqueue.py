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
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.crypto import FieldCipher
from desk_app.intake.drafts import SubmissionDraft
from desk_app.intake.pipeline import Hook, no_hook
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity, entities_by_codes
from desk_app.models.intake import ItemStatus, SourceItem
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, RequestToken, SubmissionDocument
from desk_app.pdf.catalogue import find_form
from desk_app.services.context import ServiceContext
from desk_app.services.sealing import seal_pin

Items = list[tuple[int, list[SubmissionDraft]]]


Earlier = tuple[uuid.UUID, datetime]  # an earlier submission: its id and when it arrived


class _Batch:
    """What one batch needs to know about earlier submissions, looked up once (ids and arrival
    times only: Core rows, no ORM objects), and what it has created so far (not yet flushed)."""

    def __init__(self, s: Session, items: Items, window_days: int) -> None:
        self.s = s
        self.window = timedelta(days=window_days)
        self.window_days = window_days
        ids = [item_id for item_id, _drafts in items]
        rows = s.execute(select(SourceItem).where(SourceItem.id.in_(ids))).scalars()
        self.items = {row.id: row for row in rows}
        drafts = [d for _id, ds in items for d in ds]
        sub, doc = FormSubmission, SubmissionDocument  # columns only: rows, not ORM objects
        live = sub.deleted_at.is_(None)
        with s.no_autoflush:
            self.by_document = _grouped(
                s.execute(
                    select(doc.sha256, sub.id, sub.received_at)
                    .join(sub, doc.submission_id == sub.id)
                    .where(live, doc.sha256.in_({r.sha256 for r in self.items.values()}))
                )
            )
            self.by_sha = _grouped(
                s.execute(
                    select(sub.sha256, sub.id, sub.received_at).where(
                        live, sub.sha256.in_({d.sha256 for d in drafts if d.sha256})
                    )
                )
            )
            keyed = [d for d in drafts if d.business_key]
            self.by_key = _grouped(
                s.execute(
                    select(sub.business_key, sub.id, sub.received_at).where(
                        live,
                        sub.business_key.in_({d.business_key for d in keyed}),
                        sub.received_at >= min(d.received_at for d in keyed) - self.window,
                    )
                )
                if keyed
                else []
            )
        self.entities = entities_by_codes(s, (d.entity_code for d in drafts))
        # forms generated here carry a request token in their page QR: a fax whose entity code
        # nobody has keyed yet is linked by the entity its token was registered for
        tokens = {d.token[:64] for d in drafts if d.token}
        self.requested: dict[tuple[str, str], uuid.UUID] = (
            {
                (t.token, t.form_number): t.entity_id
                for t in s.execute(
                    select(RequestToken).where(
                        RequestToken.token.in_(tokens), RequestToken.deleted_at.is_(None)
                    )
                ).scalars()
                if t.entity_id is not None
            }
            if tokens
            else {}
        )

    def entity(self, draft: SubmissionDraft) -> EducationalEntity | None:
        if not draft.entity_code:
            requested = self.requested.get((draft.token[:64], draft.form_number))
            return self.s.get(EducationalEntity, requested) if requested else None
        found = self.entities.get(draft.entity_code.strip().upper(), [])
        spec = find_form(draft.form_number) if draft.form_number else None
        if spec is not None and len(found) > 1:
            found = [e for e in found if e.kind in spec.entity_kinds] or found
        return found[0] if found else None

    def duplicate_of(self, draft: SubmissionDraft) -> tuple[uuid.UUID | None, str]:
        """The earliest submission this draft repeats, and why (``None, ""`` when none)."""
        same = self.by_sha.get(draft.sha256) if draft.sha256 else None
        if same:
            return same[0][0], "the same document was received before"
        if draft.business_key:
            since = draft.received_at - self.window
            for sub_id, received in self.by_key.get(draft.business_key, ()):
                if received >= since:
                    why = f"the same request for this entity arrived within {self.window_days} days"
                    return sub_id, why
        return None, ""

    def created(self, sub: FormSubmission, documents: list[SubmissionDocument]) -> None:
        """Remember ``sub`` for the items after it in this batch."""
        made = (sub.id, sub.received_at)
        if sub.sha256:
            _insert(self.by_sha, sub.sha256, made)
        if sub.business_key:
            _insert(self.by_key, sub.business_key, made)
        for doc in documents:
            _insert(self.by_document, doc.sha256, made)

    def taken_before(self, item: SourceItem) -> tuple[list[uuid.UUID], str]:
        """The submissions an earlier arrival of the same message or file made, and why it is
        the same: the same bytes (any door, any workstation: the documents sync) or, for a
        mail, the same Message-ID (saved again, or taken from the mailbox and then a folder)."""
        by_bytes = self.by_document.get(item.sha256)
        if by_bytes:
            return [i for i, _r in by_bytes], "the same file (same content) was taken in before"
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
                select(FormSubmission.id)
                .join(SubmissionDocument, SubmissionDocument.submission_id == FormSubmission.id)
                .where(live, SubmissionDocument.sha256.in_(earlier))
                .group_by(FormSubmission.id)
                .order_by(func.min(FormSubmission.received_at))
            )
            .scalars()
            .all()
        )
        return list(subs), f"the same mail (Message-ID {item.message_id}) was taken in before"


def _grouped(rows: Iterable[Any]) -> dict[str, list[Earlier]]:
    """(key, id, received_at) rows as key -> [(id, received_at)], oldest first, each id once."""
    out: dict[str, list[Earlier]] = defaultdict(list)
    for key, sub_id, received in rows:
        _insert(out, key, (sub_id, received))
    return out


def _insert(groups: dict[str, list[Earlier]], key: str, earlier: Earlier) -> None:
    group = groups.setdefault(key, [])
    if all(sub_id != earlier[0] for sub_id, _r in group):
        group.append(earlier)
        group.sort(key=lambda e: e[1])


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
    ids = [str(sub_id) for sub_id in subs]
    item.status, item.done_at, item.submissions = ItemStatus.DONE.value, utcnow(), 0
    item.note = f"{why}: linked to submission(s) {', '.join(ids)}; not queued again"[:2000]
    audit.record(
        uow,
        "intake.already_taken",
        record_type="form_submission",
        record_id=subs[0],
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
        entity_code=(draft.entity_code or (entity.code if entity else ""))[:16],
        entity_name=(entity.name if entity else draft.entity_name)[:200],
        requester_name=draft.requester_name[:200],
        sha256=draft.sha256,
        token=draft.token[:64],
        page_count=draft.page_count,
        values=values,
        business_key=draft.business_key,
        duplicate_of_id=earlier,
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
            "duplicate_of": str(earlier) if earlier else "",
            "quarantine_reason": draft.quarantine_reason[:300],
        },
    )
    return sub
