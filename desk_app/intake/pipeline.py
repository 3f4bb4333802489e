"""The intake pipeline: store -> acknowledge -> normalise -> split -> identify -> extract -> enqueue.

For each arrival: the original bytes go into the blob store (fsync-ed) and a ledger row is
committed; only then is the source acknowledged (the fax file moved, the mail moved or flagged).
The document is then normalised to PDF, split at its page QRs, each form identified and read,
and the resulting drafts handed to ``enqueue``, which links the entity, flags duplicates and
creates the submissions in one transaction that also closes the ledger row.

Arrivals go through these steps a batch at a time (:func:`batches`): every original of a batch
is stored before any ledger row is committed, and every ledger row before the source hears of
any of them, so the order holds for each item while the fsyncs and commits are paid once per
batch (with ``synchronous=FULL`` each commit is a journal fsync: three per item held intake to
a fraction of what reading the files costs). The batch's items are read by the sandbox children
side by side, and their drafts enqueued in one transaction.

A crash anywhere loses nothing (the blob and the ledger row exist before the source forgets the
item) and a re-run creates no duplicate (the ledger row is found by source key; a row left
``stored`` is resumed from its blob). Bad input never stops the run: it becomes a submission in
Quarantine with its reason, its original bytes kept.

``hook(step)`` is called after each step with the step's name (:data:`STEPS`); tests use it to
simulate a crash at that point.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

from desk_app import collector
from desk_app.intake import analyse
from desk_app.intake.blobstore import BlobStore, sha256_hex
from desk_app.intake.drafts import DocumentDraft, SubmissionDraft, business_key
from desk_app.intake.ledger import Ledger, LedgerEntry
from desk_app.intake.mail import MailUnreadable, is_msg, parse_mail
from desk_app.intake.sources import MAIL_SUFFIXES, Arrival, Source, SourceUnreachable
from desk_app.models.submissions import QueueState
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.read import FormReading
from desk_app.received import Received, received
from desk_app.sandbox.api import default_sandbox

log = logging.getLogger(__name__)

STEPS = (
    "fetch",
    "store",
    "record",
    "acknowledge",
    "normalise",
    "split",
    "identify",
    "extract",
    "link",
    "dedupe",
    "enqueue",
)
BATCH_ITEMS = 32  # arrivals stored, recorded and acknowledged together (one commit each step)
BATCH_BYTES = 64 * 2**20  # ... and never more than this much of them held in memory at once
# batches whose reads are queued while the oldest is enqueued: the children always have the
# next batch to read while this thread stores one batch and enqueues another
BATCHES_READ_AHEAD = 2
Hook = Callable[[str], None]
Progress = Callable[[int, int, str], None]  # done, total (0: unknown), what is being taken
Cancelled = Callable[[], bool]
Enqueue = Callable[[list[tuple[int, list[SubmissionDraft]]], Hook], int]
Reading = tuple[LedgerEntry, "Future[list[SubmissionDraft]]"]


def no_hook(step: str) -> None:
    """The production hook: nothing happens between steps."""


@dataclass
class IntakeReport:
    """What one run did, for the CLI summary and the GUI's status line."""

    taken: int = 0
    resumed: int = 0
    already: int = 0
    submissions: int = 0
    quarantined: int = 0
    unreachable: list[str] = field(default_factory=list)
    ack_failures: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)  # over a limit, still at the source
    settling: list[str] = field(default_factory=list)  # files left because they were too new
    settle_seconds: float = 0.0
    stopped: bool = False  # the operator cancelled: the rest stays at the source

    def summary(self) -> str:
        parts = [
            f"{self.taken} item(s) taken",
            f"{self.submissions} submission(s) queued",
            f"{self.quarantined} quarantined",
        ]
        if self.resumed:
            parts.append(f"{self.resumed} resumed after an interrupted run")
        if self.already:
            parts.append(f"{self.already} already taken")
        text = ", ".join(parts)
        if self.stopped:
            text += "; stopped by the operator (the rest stays at the source for the next run)"
        if self.settling:
            text += (
                f"\n{len(self.settling)} file(s) left for now: changed less than "
                f"{self.settle_seconds:g} s ago, so the fax server may still be writing them; "
                "they are taken at the next run (--settle 0 takes them at once)"
            )
        for line in self.unreachable:
            text += f"\nunreachable: {line}"
        for line in self.ack_failures:
            text += f"\nnot yet moved/flagged (kept, retried next run): {line}"
        for line in self.left_behind:
            text += f"\nnot taken: {line}"
        return text


def _is_mail(entry: LedgerEntry) -> bool:
    return entry.source_kind == "imap" or PurePath(entry.filename).suffix.lower() in MAIL_SUFFIXES


def _key(arrival: Arrival) -> tuple[str, str]:
    return arrival.source_kind, arrival.source_key


def batches(arrivals: Iterable[Arrival], items: int = BATCH_ITEMS) -> Iterator[list[Arrival]]:
    """``arrivals`` in groups of at most ``items`` items and :data:`BATCH_BYTES`."""
    batch: list[Arrival] = []
    size = 0
    for arrival in arrivals:
        if batch and (len(batch) >= items or size + len(arrival.data) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(arrival)
        size += len(arrival.data)
    if batch:
        yield batch


class Pipeline:
    """Takes arrivals from sources into the blob store, the ledger and the queue.

    Args:
        readers: items read at once (default: one per sandbox child, each read being a job).
    """

    def __init__(
        self,
        ledger: Ledger,
        blobs: BlobStore,
        enqueue: Enqueue,
        hook: Hook = no_hook,
        readers: int = 0,
    ) -> None:
        self.ledger = ledger
        self.blobs = blobs
        self.enqueue = enqueue
        self.hook = hook
        self.readers = readers or default_sandbox().size

    def run(
        self,
        sources: Iterable[Source],
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> IntakeReport:
        """Resume interrupted items, then take everything each source offers.

        Args:
            progress: told after each batch taken (the total is not known ahead).
            cancelled: checked before each new batch; once true, nothing more is taken (what
                was taken is finished and queued; the rest stays at the source). An operator
                who may stop gets batches of one item, so a stop comes between items.
        """
        report = IntakeReport()
        self.blobs.sweep_temporaries()
        self.resume(report)
        for source in sources:
            if cancelled is not None and cancelled():
                report.stopped = True
                break
            self.drain(source, report, progress, cancelled)
        return report

    def resume(self, report: IntakeReport) -> None:
        for entry in self.ledger.pending():
            self.process(entry, report)
            report.resumed += 1

    def drain(
        self,
        source: Source,
        report: IntakeReport,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> None:
        """Take everything ``source`` offers, a batch at a time.

        Each batch is stored (all fsync-ed), recorded (one commit) and only then acknowledged;
        its items are then read by the sandbox children, side by side, while the next batch is
        stored and an earlier one is enqueued (one transaction). At most
        ``BATCHES_READ_AHEAD + 1`` batches are between "stored" and "queued", each item safe in
        the ledger.
        """
        pending: deque[list[Reading]] = deque()
        # a batch's ORM rows, drafts and replies are freed by reference counting; the cyclic
        # collector's passes over the old generation (the whole GUI's heap) held the GIL for
        # 100-300 ms while the GUI thread waited: paused, with a young pass per batch
        with (
            collector.paused(),
            ThreadPoolExecutor(self.readers, thread_name_prefix="intake-read") as readers,
        ):
            try:
                size = 1 if cancelled is not None else BATCH_ITEMS
                for batch in batches(source.arrivals(), size):
                    if cancelled is not None and cancelled():
                        report.stopped = True  # a safe point: nothing of this batch is taken
                        break
                    taken = self.take_batch(source, batch, report)
                    if progress is not None:
                        what = batch[0].filename if len(batch) == 1 else ""
                        progress(report.taken, 0, f"Took {what or f'{len(batch)} item(s)'}")
                    pending.append(
                        [(entry, readers.submit(self.drafts, entry, data)) for entry, data in taken]
                    )
                    while len(pending) > BATCHES_READ_AHEAD:
                        self._finish(pending.popleft(), report)
            except SourceUnreachable as exc:
                log.warning("intake source unreachable: %s", exc)
                report.unreachable.append(f"{source.description}: {exc}")
            except BaseException:
                for batch_readings in pending:  # a crash: whatever was not queued stays "stored"
                    for _entry, future in batch_readings:
                        future.cancel()
                raise
            finally:
                # a source may leave items where they are (a mail over the size limit)
                report.left_behind += getattr(source, "left_behind", [])
                waiting = list(getattr(source, "settling", ()))
                if waiting:
                    report.settling.extend(waiting)
                    report.settle_seconds = max(
                        report.settle_seconds, float(getattr(source, "min_age", 0.0))
                    )
                source.close()
            while pending:
                self._finish(pending.popleft(), report)

    def _finish(self, readings: list[Reading], report: IntakeReport) -> None:
        self._enqueue([(entry, future.result()) for entry, future in readings], report)
        collector.collect_young()

    def take_batch(
        self, source: Source, arrivals: list[Arrival], report: IntakeReport
    ) -> list[tuple[LedgerEntry, Received]]:
        """Store, record and acknowledge a batch of arrivals, in that order for all of them.

        Returns:
            The ledger entries still to be processed, each with its bytes (items an earlier
            run already queued are acknowledged again and left out).
        """
        for _arrival in arrivals:
            self.hook("fetch")
        known = self.ledger.find_many(arrivals)
        fresh: dict[tuple[str, str], Arrival] = {}
        for arrival in arrivals:
            key = _key(arrival)
            entry = known.get(key)
            if entry is not None and entry.done:
                report.already += 1  # acknowledged again below: an earlier move/flag failed
            elif key not in fresh:
                fresh[key] = arrival
        items = list(fresh.values())
        shas = self.blobs.put_many([a.data for a in items])
        for _arrival in items:
            self.hook("store")
        unrecorded = [(a, sha) for a, sha in zip(items, shas, strict=True) if _key(a) not in known]
        if unrecorded:
            for entry in self.ledger.record_many(unrecorded):
                known[(entry.source_kind, entry.source_key)] = entry
                self.hook("record")
        report.taken += len(items)
        self._acknowledge(source, [(a, known[_key(a)]) for a in arrivals], report)
        for _arrival in items:
            self.hook("acknowledge")
        return [(known[_key(a)], received(a.data, a.filename)) for a in items]

    def _acknowledge(
        self, source: Source, items: list[tuple[Arrival, LedgerEntry]], report: IntakeReport
    ) -> None:
        acknowledged = []
        for arrival, entry in items:
            try:
                source.acknowledge(arrival)
            except Exception as exc:  # noqa: BLE001 - the item is safe; the move is retried next run
                log.warning("could not acknowledge %s: %s", arrival.filename, exc)
                report.ack_failures.append(f"{arrival.filename}: {exc}")
                continue
            acknowledged.append(entry.id)
        self.ledger.mark_acknowledged(*acknowledged)

    def process(self, entry: LedgerEntry, report: IntakeReport) -> None:
        """Turn a stored item into submissions (quarantined ones included) in one transaction."""
        data = received(self.blobs.get(entry.sha256), entry.filename)
        self._enqueue([(entry, self.drafts(entry, data))], report)

    def drafts(self, entry: LedgerEntry, data: Received) -> list[SubmissionDraft]:
        """The drafts of a stored item; a defect quarantines the item instead of losing it."""
        try:
            return [_without_nul(d) for d in self.analyse(entry, data)]
        except Exception as exc:  # a defect must not lose the item or stop the run
            log.exception("intake could not process %s", entry.filename)
            return [
                self._quarantine(
                    entry,
                    f"could not be processed ({type(exc).__name__}: {exc})",
                    self._original(entry, data),
                )
            ]

    def _enqueue(
        self, items: list[tuple[LedgerEntry, list[SubmissionDraft]]], report: IntakeReport
    ) -> None:
        report.submissions += self.enqueue([(e.id, drafts) for e, drafts in items], self.hook)
        report.quarantined += sum(1 for _e, drafts in items for d in drafts if d.quarantined)

    # --- analysis --------------------------------------------------------------------------------
    def _original(self, entry: LedgerEntry, data: Received) -> DocumentDraft:
        kind = analyse.sniff(data)
        media = analyse.media_type(kind) if kind else "application/octet-stream"
        return DocumentDraft(entry.sha256, "original", entry.filename, media, len(data))

    def _base(self, entry: LedgerEntry, **changes: Any) -> SubmissionDraft:
        draft = SubmissionDraft(
            channel=entry.channel,
            received_at=entry.received_at,
            state=QueueState.NEW.value,
            sender=entry.sender,
            subject=entry.subject,
            sha256=entry.sha256,
        )
        return replace(draft, **changes)

    def _quarantine(
        self,
        entry: LedgerEntry,
        reason: str,
        *docs: DocumentDraft,
        base: SubmissionDraft | None = None,
        sha: str = "",
    ) -> SubmissionDraft:
        draft = base or self._base(entry)
        return replace(
            draft,
            state=QueueState.QUARANTINE.value,
            quarantine_reason=reason,
            sha256=sha or draft.sha256,
            documents=tuple(docs),
        )

    def analyse(self, entry: LedgerEntry, data: Received) -> list[SubmissionDraft]:
        """The drafts for one stored item (mail: one per attachment; file: one per form)."""
        if not _is_mail(entry):
            return self.document(entry, self._base(entry), entry.filename, data, None)
        envelope = DocumentDraft(
            entry.sha256,
            "envelope",
            entry.filename,
            "application/vnd.ms-outlook" if is_msg(data) else "message/rfc822",
            len(data),
        )
        try:
            mail = parse_mail(data)
        except MailUnreadable as exc:
            return [self._quarantine(entry, str(exc), envelope)]
        base = self._base(
            entry,
            sender=entry.sender or mail.sender,
            subject=entry.subject or mail.subject,
            message_id=mail.message_id,
        )
        if not mail.attachments:
            return [
                self._quarantine(
                    entry, "the mail has no attachment: no form to read", envelope, base=base
                )
            ]
        drafts: list[SubmissionDraft] = []
        for att in mail.attachments:
            if att.left_out:  # over a mail limit: its bytes stay in the kept mail only
                reason = f"{att.filename}: {att.left_out}"
                drafts.append(self._quarantine(entry, reason, envelope, base=base))
                continue
            drafts += self.document(
                entry, base, att.filename, received(att.data, att.filename), envelope
            )
        return drafts

    def document(
        self,
        entry: LedgerEntry,
        base: SubmissionDraft,
        filename: str,
        data: Received,
        envelope: DocumentDraft | None,
    ) -> list[SubmissionDraft]:
        """Normalise, split, identify and read one received file."""
        sha = self.blobs.put(data) if envelope is not None else entry.sha256
        kind = analyse.sniff(data)
        original = DocumentDraft(sha, "original", filename, analyse.media_type(kind), len(data))
        extra = (envelope,) if envelope else ()
        base = replace(base, sha256=sha)
        if not data:
            return [
                self._quarantine(
                    entry,
                    f"{filename}: the attachment is empty",
                    original,
                    *extra,
                    base=base,
                    sha=sha,
                )
            ]
        if not kind:
            return [
                self._quarantine(
                    entry,
                    f"{filename} is not a form: only PDF, TIFF, PNG and JPEG files are read",
                    original,
                    *extra,
                    base=base,
                    sha=sha,
                )
            ]
        try:
            return self._forms(base, filename, data, kind, original, extra)
        except PdfRejected as exc:
            return [
                self._quarantine(
                    entry, f"{filename}: {exc.reason}", original, *extra, base=base, sha=sha
                )
            ]

    def _forms(
        self,
        base: SubmissionDraft,
        filename: str,
        data: Received,
        kind: str,
        original: DocumentDraft,
        extra: tuple[DocumentDraft, ...],
    ) -> list[SubmissionDraft]:
        normalised = analyse.normalise(data, kind)
        pdf = normalised.pdf
        self.hook("normalise")
        parts = analyse.split(normalised)
        self.hook("split")
        total = sum(p.page_count for p in parts)
        drafts = []
        for part in parts:
            part_bytes = analyse.part_pdf(pdf, part, total)
            reading = analyse.read(normalised, part, part_bytes)
            self.hook("identify")
            docs = [original, *extra]
            if part_bytes is not data:  # an image made PDF, or a part of a faxed stack
                stem = PurePath(filename).stem
                suffix = (
                    f"-p{part.first_page + 1}-{part.first_page + part.page_count}"
                    if len(parts) > 1
                    else ""
                )
                docs.append(
                    DocumentDraft(
                        self.blobs.put(part_bytes),
                        "normalised",
                        f"{stem}{suffix}.pdf",
                        "application/pdf",
                        len(part_bytes),
                        part.first_page,
                        part.page_count,
                    )
                )
            sha = (
                original.sha256
                if len(parts) == 1
                else sha256_hex(f"{original.sha256}:{part.first_page}:{part.page_count}".encode())
            )
            drafts.append(_form_draft(base, reading, sha, docs))
            self.hook("extract")
        return drafts


def _form_draft(
    base: SubmissionDraft, reading: FormReading, sha: str, docs: list[DocumentDraft]
) -> SubmissionDraft:
    """Decide the queue state from what was read: unidentified -> New; nothing machine-readable
    -> Needs keying; values from fields or the data barcode -> Ready for review."""
    values = dict(reading.values)
    has_values = reading.source in ("fields", "barcode") and any(values.values())
    if not reading.form_number:
        state = QueueState.NEW
    else:
        state = QueueState.READY_FOR_REVIEW if has_values else QueueState.NEEDS_KEYING
    code = values.get("entity_code") or values.get("org_code", "")
    name = values.get("entity_name") or values.get("org_name", "")
    identified_by = (
        "qr"
        if reading.page_marks
        else "fields"
        if reading.source == "fields"
        else "text"
        if reading.form_number
        else ""
    )
    return replace(
        base,
        state=state.value,
        form_number=reading.form_number,
        edition=reading.edition,
        token=reading.token,
        page_count=reading.page_count,
        values=values if reading.form_number else {},
        entity_code=code.strip().upper(),
        entity_name=name.strip(),
        requester_name=values.get("signer_name", "").strip(),
        sha256=sha,
        business_key=business_key(code, reading.form_number, values) if has_values else "",
        identified_by=identified_by,
        values_from=reading.source if has_values else "",
        documents=tuple(docs),
    )


def _without_nul(draft: SubmissionDraft) -> SubmissionDraft:
    """A draft whose texts hold a NUL character is quarantined with the reason, the NULs
    dropped (PostgreSQL stores no NUL, and the model refuses one: such a mail must neither
    fail intake nor block every later sync). Added by the auth helper (issue 11 item 8)."""
    texts = {"subject": draft.subject, "sender": draft.sender, **draft.values}
    found = sorted(k for k, v in texts.items() if "\x00" in v)
    if not found:
        return draft
    return replace(
        draft,
        subject=draft.subject.replace("\x00", ""),
        sender=draft.sender.replace("\x00", ""),
        values={k: v.replace("\x00", "") for k, v in draft.values.items()},
        state=QueueState.QUARANTINE.value,
        quarantine_reason=f"the mail's {', '.join(found)} contains a NUL character",
    )
