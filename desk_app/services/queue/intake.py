"""Intake use cases for the GUI and the CLI, and the queue side of the pipeline (enqueue).

:func:`enqueue` is the pipeline's last step: in ONE transaction it links each draft to its entity
by code, flags duplicates (same bytes; or same entity, form and requested changes within
``duplicate_window_days``), creates the submissions and their documents with an audit event each,
and closes the ledger row. Duplicates are flagged and shown, never dropped. One message, one set
of submissions whatever the door: an item whose bytes (or, for a mail, whose Message-ID) were
taken in before queues nothing new; its ledger row is linked to the earlier submissions and the
arrival is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.crypto import FieldCipher
from desk_app.errors import KnownError
from desk_app.intake.drafts import SubmissionDraft
from desk_app.intake.imap import ImapMailbox, ImapSettings
from desk_app.intake.ledger import Ledger
from desk_app.intake.pipeline import Cancelled, Hook, IntakeReport, Pipeline, Progress, no_hook
from desk_app.intake.sources import FileList, SourceUnreachable, fax_folder, mail_folder
from desk_app.intake.sources import Source as Source  # re-exported: the views name sources by it
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity, entities_by_code
from desk_app.models.intake import ItemStatus, SourceItem
from desk_app.models.submissions import FormSubmission, RequestToken, SubmissionDocument
from desk_app.pdf.catalogue import find_form
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.sealing import seal_pin

log = logging.getLogger(__name__)

IMAP_PASSWORD = "imap-password"
FOLDER_SETTLE_SECONDS = 5.0  # leave files younger than this: the fax server may still be writing


def _link_entity(s: Session, draft: SubmissionDraft) -> EducationalEntity | None:
    if not draft.entity_code:
        return None
    found = entities_by_code(s, draft.entity_code)
    spec = find_form(draft.form_number) if draft.form_number else None
    if spec is not None and len(found) > 1:
        found = [e for e in found if e.kind in spec.entity_kinds] or found
    return found[0] if found else None


def _requested(s: Session, draft: SubmissionDraft) -> RequestToken | None:
    """The form this one was generated as, by the token in its page QR (same form number)."""
    if not draft.token:
        return None
    return s.execute(
        select(RequestToken).where(
            RequestToken.token == draft.token[:64],
            RequestToken.form_number == draft.form_number,
            RequestToken.deleted_at.is_(None),
        )
    ).scalar_one_or_none()


def _duplicate_of(
    s: Session, draft: SubmissionDraft, window_days: int
) -> tuple[FormSubmission | None, str]:
    live = FormSubmission.deleted_at.is_(None)
    if draft.sha256:
        same = s.execute(
            select(FormSubmission)
            .where(live, FormSubmission.sha256 == draft.sha256)
            .order_by(FormSubmission.received_at)
            .limit(1)
        ).scalar_one_or_none()
        if same is not None:
            return same, "the same document was received before"
    if draft.business_key:
        since = draft.received_at - timedelta(days=window_days)
        same = s.execute(
            select(FormSubmission)
            .where(
                live,
                FormSubmission.business_key == draft.business_key,
                FormSubmission.received_at >= since,
            )
            .order_by(FormSubmission.received_at)
            .limit(1)
        ).scalar_one_or_none()
        if same is not None:
            return same, f"the same request for this entity arrived within {window_days} days"
    return None, ""


def _taken_before(s: Session, item: SourceItem) -> tuple[list[FormSubmission], str]:
    """The submissions an earlier arrival of the same message or file made, and why it is the
    same: the same bytes (any door, any workstation: the documents sync) or, for a mail, the
    same Message-ID (saved again, or taken from the mailbox and then from a folder)."""
    live = FormSubmission.deleted_at.is_(None)
    by_bytes = (
        s.execute(
            select(FormSubmission)
            .join(SubmissionDocument, SubmissionDocument.submission_id == FormSubmission.id)
            .where(live, SubmissionDocument.sha256 == item.sha256)
            .order_by(FormSubmission.received_at)
        )
        .scalars()
        .unique()
        .all()
    )
    if by_bytes:
        return list(by_bytes), "the same file (same content) was taken in before"
    if not item.message_id:
        return [], ""
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


def _link_if_taken_before(uow: object, item: SourceItem) -> bool:
    """Close the ledger row of an item already taken in, linked to what it made; no new
    submission is queued. Audited, so the second arrival is not silently dropped."""
    s: Session = uow.session  # type: ignore[attr-defined]
    subs, why = _taken_before(s, item)
    if not subs:
        return False
    ids = [str(sub.id) for sub in subs]
    item.status, item.done_at, item.submissions = ItemStatus.DONE.value, utcnow(), 0
    item.note = f"{why}: linked to submission(s) {', '.join(ids)}; not queued again"[:2000]
    audit.record(
        uow,  # type: ignore[arg-type]
        "intake.already_taken",
        record_type="form_submission",
        record_id=subs[0].id,
        summary=f"{item.filename or 'an item'} from {item.sender or 'unknown sender'}: {why}; "
        "linked, not queued again",
        details={"sha256": item.sha256, "message_id": item.message_id, "linked": ids},
    )
    return True


def enqueue(
    ctx: ServiceContext, item_id: int, drafts: list[SubmissionDraft], hook: Hook = no_hook
) -> int:
    """Create the submissions of one ledger item and mark the item done, all in one transaction.

    Returns:
        How many submissions were created (0 when another run already did it).
    """
    window = ctx.settings["duplicate_window_days"]
    with ctx.uow() as uow:
        s = uow.session
        item = s.get(SourceItem, item_id)
        if item is None or item.status == ItemStatus.DONE.value:
            return 0
        item.message_id = next((d.message_id for d in drafts if d.message_id), "")[:300]
        if _link_if_taken_before(uow, item):
            hook("enqueue")
            uow.commit()
            return 0
        for draft in drafts:
            _create(uow, draft, window, hook, ctx.cipher)
        item.status, item.done_at, item.submissions = ItemStatus.DONE.value, utcnow(), len(drafts)
        hook("enqueue")
        uow.commit()
    return len(drafts)


def _create(
    uow: object, draft: SubmissionDraft, window: int, hook: Hook, cipher: FieldCipher
) -> FormSubmission:
    s: Session = uow.session  # type: ignore[attr-defined]
    entity = _link_entity(s, draft)
    requested = _requested(s, draft)
    if entity is None and requested is not None and requested.entity_id is not None:
        entity = s.get(EducationalEntity, requested.entity_id)  # a fax: its token names it
    hook("link")
    earlier, why = _duplicate_of(s, draft, window)
    hook("dedupe")
    values = seal_pin(cipher, draft.values)  # a PIN read from the form is never stored in clear
    if why:
        values["_duplicate_reason"] = why
    sub = FormSubmission(
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
        duplicate_of_id=earlier.id if earlier else None,
        quarantine_reason=draft.quarantine_reason,
    )
    s.add(sub)
    s.flush()
    for d in draft.documents:
        s.add(
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
        )
    what = draft.form_number or "unidentified document"
    audit.record(
        uow,  # type: ignore[arg-type]
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
    s.flush()  # the next draft of the same item sees this one when looking for duplicates
    return sub


class IntakeService:
    """Runs the pipeline over the configured sources (CLI, scheduler, GUI buttons, drops)."""

    def __init__(self, ctx: ServiceContext, hook: Hook = no_hook) -> None:
        self.ctx = ctx
        self.hook = hook

    def pipeline(self) -> Pipeline:
        if self.ctx.paths is None:
            raise KnownError("no data folder: intake needs the blob store")
        return Pipeline(
            Ledger(self.ctx.store),
            self.ctx.blobs(),
            lambda item, drafts, hook: enqueue(self.ctx, item, drafts, hook),
            self.hook,
        )

    def run(
        self,
        sources: Iterable[Source],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> IntakeReport:
        """Take everything the sources offer (and resume anything interrupted before); with
        ``cancelled``, stop between items when asked (see :meth:`Pipeline.run`)."""
        self.ctx.require(Perm.WORK_QUEUE)
        return self.pipeline().run(sources, progress, cancelled)

    def run_changes(
        self,
        sources: Iterable[Source],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> tuple[IntakeReport, Changes]:
        report = self.run(sources, progress, cancelled)
        return report, Changes.of(Area.QUEUE) if report.submissions or report.resumed else Changes()

    # --- sources from settings -------------------------------------------------------------------
    def imap_source(self) -> ImapMailbox:
        st = self.ctx.settings
        if not st["imap_host"]:
            raise SourceUnreachable(
                "no IMAP server is configured", hint="set it in Settings > Intake"
            )
        password = self.ctx.secrets.get(IMAP_PASSWORD)
        if password is None:
            raise SourceUnreachable(
                "no IMAP password is stored", hint="enter it in Settings > Intake"
            )
        return ImapMailbox(
            ImapSettings(
                st["imap_host"],
                st["imap_port"],
                st["imap_security"],
                st["imap_user"],
                st["imap_folder"],
                st["imap_processed_folder"],
            ),
            password,
        )

    def fax_source(
        self, folder: str | Path | None = None, settle: float = FOLDER_SETTLE_SECONDS
    ) -> Source:
        path = folder or self.ctx.settings["fax_folder"]
        if not path:
            raise SourceUnreachable(
                "no fax folder is configured", hint="set it in Settings > Intake"
            )
        return fax_folder(Path(path), self.ctx.settings["fax_number_pattern"], settle)

    def mail_folder_source(
        self, folder: str | Path | None = None, settle: float = FOLDER_SETTLE_SECONDS
    ) -> Source:
        path = folder or self.ctx.settings["mail_folder"]
        if not path:
            raise SourceUnreachable(
                "no mail folder is configured", hint="set it in Settings > Intake"
            )
        return mail_folder(Path(path), settle)

    def ingest_files(
        self,
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> Changes:
        """Files dropped on the window (.msg, .eml, .pdf, .tif...): taken where they are (with
        ``cancelled``, the files not yet taken when it turns true are left alone)."""
        report = self.run([FileList(Path(p) for p in paths)], progress, cancelled)
        if report.unreachable:
            raise SourceUnreachable("; ".join(report.unreachable))
        return Changes.of(Area.QUEUE) if report.submissions else Changes()

    def set_imap_password(self, password: str) -> None:
        """Keep the mailbox password in the OS keyring (never in settings)."""
        self.ctx.require(Perm.SETTINGS)
        self.ctx.secrets.set(IMAP_PASSWORD, password)
