"""Decisions on a reviewed submission: approve (and apply), reject with reasons, wait on requester.

Approving applies a report only while it is current: the one the operator was shown, if its
submission row version and document hash are unchanged, else a verification run just now; the
signatures it read are reused, never parsed again, and the reply letter is built after the commit.
A failed decision keeps or releases the operator's claim as they chose, and says which. Every
blocking check must pass, or a Security Administrator overrides with a written reason (audited).
Separation of duties is never overridable. The approval, the changes it applies, the registered
certificates and specimens, the audit events and the states Approved -> Applied commit in one
transaction. A rejection for signature mismatch needs a second reviewer's confirmation first.
Each decision comes back with its reply drafts (.eml for Outlook and a printable letter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, KnownError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.entities import EducationalEntity, entity_by_code
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.rules.permissions import Perm
from desk_app.rules.verification import REJECTION_REASONS, SIGNER_SLOTS
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.service import QueueService, get_submission
from desk_app.services.review import replies, verification
from desk_app.services.review.apply import Applied
from desk_app.services.review.approval import apply_approval
from desk_app.services.review.dto import (
    ReplyDraft,
    VerificationReport,
    changes_fingerprint,
    merge_changes,
    parse_form_date,
)
from desk_app.services.review.specimens import capture_from_verified, mismatch_confirmed

T = TypeVar("T")
MIN_OVERRIDE_REASON = 15  # characters: a written reason, not "ok"


@dataclass(frozen=True)
class DecisionResult:
    """What a decision changed, and the replies drafted for it."""

    changes: Changes
    state: str
    reply: ReplyDraft
    summary: tuple[str, ...] = ()


def move(
    ctx: ServiceContext, uow: UnitOfWork, sub: FormSubmission, goal: QueueState, reason: str
) -> None:
    """A decision's change of queue state: the queue's one public transition, in ``uow``."""
    QueueService(ctx).move(uow, sub, goal, reason)


def _submission(uow: UnitOfWork, submission_id: str) -> FormSubmission:
    return get_submission(uow.session, submission_id)


def _entity(uow: UnitOfWork, sub: FormSubmission, report: VerificationReport) -> EducationalEntity:
    entity = uow.session.get(EducationalEntity, sub.entity_id) if sub.entity_id else None
    if entity is None and report.entity_code:
        entity = entity_by_code(uow.session, report.entity_code)
    if entity is None:
        raise KnownError("the submission names no known entity")
    return entity


def _gate(ctx: ServiceContext, report: VerificationReport, override_reason: str) -> tuple[str, ...]:
    """Refuse an approval the checks do not allow; returns the codes an override set aside."""
    duties = report.check("separation_of_duties")
    if duties is not None and duties.outcome == "fail":
        raise ConflictError(f"{duties.reason}; this cannot be overridden")
    blocking = tuple(c for c in report.blocking_failures if c.code != "separation_of_duties")
    if not blocking:
        return ()
    if not override_reason.strip():
        names = "; ".join(f"{c.title}: {c.reason}" for c in blocking)
        raise ConflictError(
            f"cannot approve: {names}",
            hint="reject, wait on the requester, or override with a written reason",
        )
    ctx.require(Perm.OVERRIDE_CHECKS)
    if len(override_reason.strip()) < MIN_OVERRIDE_REASON:
        raise ValidationError("override reason", f"write at least {MIN_OVERRIDE_REASON} characters")
    return tuple(c.code for c in blocking)


class OnFailure(StrEnum):
    """What happens to the operator's claim when a decision fails (the operator chooses)."""

    KEEP = "keep"  # stay the holder, to correct something and decide again
    RELEASE = "release"  # give it back to the queue for someone else


def _deciding(
    ctx: ServiceContext, submission_id: str, on_failure: OnFailure, decide: Callable[[], T]
) -> T:
    """Run ``decide``; on a refusal, keep or release the claim as chosen and say which."""
    try:
        return decide()
    except KnownError as exc:
        note = _claim_after_failure(ctx, submission_id, OnFailure(on_failure))
        if note:
            exc.hint = f"{exc.hint}; {note}" if exc.hint else note
        raise


def _claim_after_failure(ctx: ServiceContext, submission_id: str, choice: OnFailure) -> str:
    """Keep or release the operator's own claim; never someone else's ("" when there is no
    submission to speak of: the original error says why)."""
    try:
        with ctx.store.read() as s:
            holder = get_submission(s, submission_id).assigned_to
    except KnownError:
        return ""
    if holder != ctx.actor.username:
        return f"the claim is not yours (held by {holder or 'nobody'}) and was left as it is"
    if choice is OnFailure.KEEP:
        return "you still hold the submission"
    try:
        QueueService(ctx).release(submission_id)
    except KnownError as why:
        return f"the claim could not be released ({why.message})"
    return "the claim was released to the queue"


def _still_current(session: Session, sub: FormSubmission, report: VerificationReport) -> None:
    """Apply only what the report judged: the same row version and the same document."""
    if report.submission_version and sub.row_version != report.submission_version:
        raise ConflictError(
            "the submission changed after it was verified", hint="verify it again, then decide"
        )
    doc = verification.examined_document(session, sub)
    if (doc.sha256 if doc is not None else "") != report.document_sha256:
        raise ConflictError(
            "the submission's document changed after it was verified",
            hint="verify it again, then decide",
        )


def approve(
    ctx: ServiceContext,
    submission_id: str,
    override_reason: str = "",
    *,
    shown: VerificationReport | None = None,
    on_failure: OnFailure = OnFailure.KEEP,
    expected_changes: str = "",
) -> DecisionResult:
    """Approve a submission held by the operator and apply what it asks, in one transaction.

    ``shown`` is the report the operator looked at; it is applied only while it is current (row
    version and document hash), else the submission is verified now. Its signatures are not read
    again. The reply letter is built after the commit. ``expected_changes`` is the fingerprint of
    the diff the operator confirmed (:func:`~desk_app.services.review.preview.preview_approval`):
    when given, the approval applies only if it changes exactly that.

    Raises:
        ConflictError: a blocking check fails (without override), separation of duties fails,
            the operator does not hold the submission, its state does not allow approval, or it
            changed since it was verified.
        PermissionDenied: an override by someone who is not a Security Administrator.
        KnownError: the request cannot be applied as written (e.g. the last user manager);
            :class:`~desk_app.models.invariants.InvariantViolation` when a rule that must
            always hold would break.
    """
    ctx.require(Perm.MANAGE_ACCESS)
    return _deciding(
        ctx,
        submission_id,
        on_failure,
        lambda: _approve(ctx, submission_id, override_reason, shown, expected_changes),
    )


def _approve(
    ctx: ServiceContext,
    submission_id: str,
    override_reason: str,
    shown: VerificationReport | None,
    expected_changes: str = "",
) -> DecisionResult:
    report = shown if shown is not None else verification.verify_submission(ctx, submission_id)
    overridden = _gate(ctx, report, override_reason)
    with ctx.uow() as uow:
        sub = _submission(uow, submission_id)
        _still_current(uow.session, sub, report)
        entity = _entity(uow, sub, report)
        if sub.entity_id is None:
            sub.entity_id = entity.id  # the form's code resolved: link it for queue and sync
        move(
            ctx,
            uow,
            sub,
            QueueState.APPROVED,
            override_reason.strip() or "all blocking checks pass",
        )
        if overridden:
            _record_override(uow, sub, entity, report, overridden, override_reason)
        applied = apply_approval(ctx, uow, sub, entity)
        if (
            expected_changes
            and changes_fingerprint(merge_changes(applied.diff)) != expected_changes
        ):
            raise ConflictError(
                "the directory changed since you saw what approving changes",
                hint="look at the changes again, then approve",
            )
        captured = _capture(uow, sub, report)
        move(ctx, uow, sub, QueueState.APPLIED, f"{len(applied.ids)} change(s) applied")
        forget_keyed_pin(sub)
        audit.record(
            uow,
            "decision.approve",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"{sub.form_number} {entity.code}: approved and applied "
            f"({len(applied.grants_added)} granted, {len(applied.grants_revoked)} revoked, "
            f"{len(applied.designations_added)} UM added, "
            f"{len(applied.designations_ended)} UM ended)",
            details={
                "run_id": report.run_id,
                "overridden": list(overridden),
                "specimens_and_certificates": captured,
                # what an undo restores (review.undo), until the next sync sends it on
                "applied": applied_ids(applied),
            },
        )
        uow.commit()
        # the letter and the mails are drafted after the commit: no write lock held meanwhile
        reply = replies.for_approval(ctx, uow.session, sub, entity, applied)
    return DecisionResult(
        Changes.of(Area.QUEUE, Area.ACCESS, Area.ENTITIES, ids=(submission_id, *applied.ids)),
        QueueState.APPLIED.value,
        reply,
        tuple(applied.lines),
    )


def applied_ids(applied: Applied) -> dict[str, list[str]]:
    """The rows an approval created or changed, by kind, as kept in its audit event."""
    return {
        "accounts_created": list(applied.accounts_created),
        "grants_added": list(applied.grants_added),
        "grants_revoked": list(applied.grants_revoked),
        "designations_added": list(applied.designations_added),
        "designations_ended": list(applied.designations_ended),
    }


def _record_override(
    uow: UnitOfWork,
    sub: FormSubmission,
    entity: EducationalEntity,
    report: VerificationReport,
    overridden: tuple[str, ...],
    override_reason: str,
) -> None:
    audit.record(
        uow,
        "decision.override",
        record_type="form_submission",
        record_id=sub.id,
        summary=f"{sub.form_number} {entity.code}: approved over failed checks "
        f"({', '.join(overridden)})",
        details={
            "checks": list(overridden),
            "reason": override_reason.strip()[:1000],
            "run_id": report.run_id,
        },
    )


def forget_keyed_pin(sub: FormSubmission) -> None:
    """Blank the PIN keyed from the form once a final decision is taken: the database keeps no
    readable PIN (the original document stays in the blob store as evidence)."""
    values = dict(sub.values or {})
    if values.get("pin"):
        values["pin"] = ""
        sub.values = values


def _capture(uow: UnitOfWork, sub: FormSubmission, report: VerificationReport) -> int:
    """Register what the approved form's signatures proved (read once, by the verification)."""
    digital = {f.field_name: f for f in report.digital}
    values = sub.values or {}
    dates = {
        slot.signature_field: parse_form_date(str(values.get(slot.date_field) or ""))
        for slot in SIGNER_SLOTS.values()
    }
    return capture_from_verified(uow, sub.id, report.signatures, digital, dates)


def _codes(reason_codes: tuple[str, ...] | list[str], note: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c.strip() for c in reason_codes if c.strip()))
    if not codes:
        raise ValidationError("reason", "choose at least one reason")
    unknown = [c for c in codes if c not in REJECTION_REASONS]
    if unknown:
        raise ValidationError("reason", f"unknown reason code(s): {', '.join(unknown)}")
    if "other" in codes and not note.strip():
        raise ValidationError("note", "say what the other reason is")
    return codes


def reason_text(codes: tuple[str, ...], note: str) -> str:
    """How a decision's reasons are stored on the submission: ``code, code: note``."""
    return f"{', '.join(codes)}: {note.strip()}" if note.strip() else ", ".join(codes)


def reject(
    ctx: ServiceContext,
    submission_id: str,
    reason_codes: tuple[str, ...] | list[str],
    note: str = "",
    *,
    on_failure: OnFailure = OnFailure.KEEP,
) -> DecisionResult:
    """Reject with reason codes; signature mismatch needs a second reviewer's confirmation.

    Raises:
        ConflictError: a signature mismatch not yet confirmed by a different operator, or the
            state / holder does not allow it.
        ValidationError: no reason, an unknown reason, or "other" without a note.
    """
    ctx.require(Perm.MANAGE_ACCESS)
    return _deciding(
        ctx, submission_id, on_failure, lambda: _reject(ctx, submission_id, reason_codes, note)
    )


def _reject(
    ctx: ServiceContext, submission_id: str, reason_codes: tuple[str, ...] | list[str], note: str
) -> DecisionResult:
    codes = _codes(reason_codes, note)
    with ctx.uow() as uow:
        sub = _submission(uow, submission_id)
        if any(REJECTION_REASONS[c].needs_second_review for c in codes) and not mismatch_confirmed(
            uow.session, str(sub.id)
        ):
            raise ConflictError(
                "a rejection for signature mismatch needs a second reviewer",
                hint="ask another operator to compare the signature and attest",
            )
        move(ctx, uow, sub, QueueState.REJECTED, reason_text(codes, note))
        forget_keyed_pin(sub)
        audit.record(
            uow,
            "decision.reject",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"{sub.form_number} {sub.entity_code}: rejected ({', '.join(codes)})",
            details={"codes": list(codes)},
        )
        uow.commit()
        reply = replies.for_refusal(ctx, uow.session, sub, codes, note, waiting=False)
    return DecisionResult(
        Changes.of(Area.QUEUE, ids=(submission_id,)), QueueState.REJECTED.value, reply
    )


def wait_on_requester(
    ctx: ServiceContext,
    submission_id: str,
    reason_codes: tuple[str, ...] | list[str],
    note: str = "",
    *,
    on_failure: OnFailure = OnFailure.KEEP,
) -> DecisionResult:
    """Send a submission back to the requester for a correction (PIN missing, incomplete...)."""
    ctx.require(Perm.WORK_QUEUE)
    return _deciding(
        ctx, submission_id, on_failure, lambda: _wait(ctx, submission_id, reason_codes, note)
    )


def _wait(
    ctx: ServiceContext, submission_id: str, reason_codes: tuple[str, ...] | list[str], note: str
) -> DecisionResult:
    codes = _codes(reason_codes, note)
    with ctx.uow() as uow:
        sub = _submission(uow, submission_id)
        move(ctx, uow, sub, QueueState.WAITING_ON_REQUESTER, reason_text(codes, note))
        uow.commit()
        reply = replies.for_refusal(ctx, uow.session, sub, codes, note, waiting=True)
    return DecisionResult(
        Changes.of(Area.QUEUE, ids=(submission_id,)), QueueState.WAITING_ON_REQUESTER.value, reply
    )


def save_replies(ctx: ServiceContext, submission_id: str, reply: ReplyDraft) -> tuple[str, ...]:
    """Write a decision's drafts to the data folder's ``replies`` folder; returns the file paths.

    Outlook opens a saved ``.eml`` as an unsent message; the letter PDF is for printing.
    """
    if ctx.paths is None:
        raise KnownError("no data folder to save the replies in")
    folder = ctx.paths.data_dir / "replies"
    folder.mkdir(parents=True, exist_ok=True)
    stem = str(submission_id)[:8]
    files = [
        (f"{stem}-requester.eml", reply.requester_eml),
        (f"{stem}-user-managers.eml", reply.user_manager_eml),
        (f"{stem}-letter.pdf", reply.letter_pdf),
    ]
    written = []
    for name, data in files:
        if data:
            (folder / name).write_bytes(data)
            written.append(str(folder / name))
    return tuple(written)


__all__ = [
    "Applied",
    "DecisionResult",
    "OnFailure",
    "approve",
    "move",
    "reject",
    "save_replies",
    "wait_on_requester",
]
