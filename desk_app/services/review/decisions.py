"""Decisions on a reviewed submission: approve (and apply), reject with reasons, wait on requester.

Approving re-runs the verification first, so a decision is never taken on a stale report. Every
blocking check must pass, or a Security Administrator overrides with a written reason (audited).
Separation of duties is never overridable. The approval, the changes it applies, the registered
certificates and specimens, the audit events and the states Approved -> Applied commit in one
transaction. A rejection for signature mismatch needs a second reviewer's confirmation first.
Each decision comes back with its reply drafts (.eml for Outlook and a printable letter).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from desk_app.errors import ConflictError, KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.rules.permissions import Perm
from desk_app.rules.verification import REJECTION_REASONS, SIGNER_SLOTS
from desk_app.sandbox.api import read_digital_signatures
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.review import replies, verification
from desk_app.services.review.apply import Applied, apply_request
from desk_app.services.review.dto import (
    ReplyDraft,
    VerificationReport,
    parse_form_date,
    requested_changes,
)
from desk_app.services.review.specimens import capture_from_verified, mismatch_confirmed

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
    """The one call that changes a submission's queue state (the queue service's state machine)."""
    from desk_app.services.queue.service import HOLDER_ONLY, QueueService, check_transition

    check_transition(sub.state, goal.value)
    if goal in HOLDER_ONLY and sub.assigned_to != ctx.actor.username:
        raise ConflictError(
            f"only the operator holding it may decide (held by {sub.assigned_to or 'nobody'})"
        )
    QueueService(ctx)._apply(uow, sub, goal, reason)


def _submission(uow: UnitOfWork, submission_id: str) -> FormSubmission:
    sub = uow.session.get(FormSubmission, uuid.UUID(str(submission_id)))
    if sub is None or sub.deleted_at is not None:
        raise NotFound("that submission no longer exists")
    return sub


def _entity(uow: UnitOfWork, sub: FormSubmission, report: VerificationReport) -> EducationalEntity:
    entity = uow.session.get(EducationalEntity, sub.entity_id) if sub.entity_id else None
    if entity is None and report.entity_code:
        entity = (
            uow.session.execute(
                select(EducationalEntity).where(
                    EducationalEntity.code == report.entity_code,
                    EducationalEntity.deleted_at.is_(None),
                )
            )
            .scalars()
            .first()
        )
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


def approve(ctx: ServiceContext, submission_id: str, override_reason: str = "") -> DecisionResult:
    """Approve a submission held by the operator and apply what it asks, in one transaction.

    Raises:
        ConflictError: a blocking check fails (without override), separation of duties fails,
            the operator does not hold the submission, or its state does not allow approval.
        PermissionDenied: an override by someone who is not a Security Administrator.
        KnownError: the request cannot be applied as written (e.g. the last user manager).
    """
    ctx.require(Perm.MANAGE_ACCESS)
    report = verification.verify_submission(ctx, submission_id)
    overridden = _gate(ctx, report, override_reason)
    with ctx.uow() as uow:
        sub = _submission(uow, submission_id)
        entity = _entity(uow, sub, report)
        if sub.entity_id is None:
            sub.entity_id = (
                entity.id
            )  # the form's code resolved: link it for the queue and the sync
        now = utcnow()
        move(
            ctx,
            uow,
            sub,
            QueueState.APPROVED,
            override_reason.strip() or "all blocking checks pass",
        )
        if overridden:
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
        applied = apply_request(uow, entity, sub.id, requested_changes(sub.values or {}), now)
        captured = _capture(ctx, uow, sub, report)
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
            },
        )
        reply = replies.for_approval(ctx, uow.session, sub, entity, applied)
        uow.commit()
    return DecisionResult(
        Changes.of(Area.QUEUE, Area.ACCESS, Area.ENTITIES, ids=(submission_id, *applied.ids)),
        QueueState.APPLIED.value,
        reply,
        tuple(applied.lines),
    )


def forget_keyed_pin(sub: FormSubmission) -> None:
    """Blank the PIN keyed from the form once a final decision is taken: the database keeps no
    readable PIN (the original document stays in the blob store as evidence)."""
    values = dict(sub.values or {})
    if values.get("pin"):
        values["pin"] = ""
        sub.values = values


def _capture(
    ctx: ServiceContext, uow: UnitOfWork, sub: FormSubmission, report: VerificationReport
) -> int:
    pdf = verification.submission_pdf(ctx, uow.session, sub)
    digital = {f.field_name: f for f in read_digital_signatures(pdf)} if pdf else {}
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
) -> DecisionResult:
    """Reject with reason codes; signature mismatch needs a second reviewer's confirmation.

    Raises:
        ConflictError: a signature mismatch not yet confirmed by a different operator, or the
            state / holder does not allow it.
        ValidationError: no reason, an unknown reason, or "other" without a note.
    """
    ctx.require(Perm.MANAGE_ACCESS)
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
        reply = replies.for_refusal(ctx, uow.session, sub, codes, note, waiting=False)
        uow.commit()
    return DecisionResult(
        Changes.of(Area.QUEUE, ids=(submission_id,)), QueueState.REJECTED.value, reply
    )


def wait_on_requester(
    ctx: ServiceContext,
    submission_id: str,
    reason_codes: tuple[str, ...] | list[str],
    note: str = "",
) -> DecisionResult:
    """Send a submission back to the requester for a correction (PIN missing, incomplete...)."""
    ctx.require(Perm.WORK_QUEUE)
    codes = _codes(reason_codes, note)
    with ctx.uow() as uow:
        sub = _submission(uow, submission_id)
        move(ctx, uow, sub, QueueState.WAITING_ON_REQUESTER, reason_text(codes, note))
        reply = replies.for_refusal(ctx, uow.session, sub, codes, note, waiting=True)
        uow.commit()
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
    "approve",
    "move",
    "reject",
    "save_replies",
    "wait_on_requester",
]
