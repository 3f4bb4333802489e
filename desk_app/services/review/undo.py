"""Undoing an approval until the next sync: a compensating decision, audited like any other.

An approval's audit event keeps the ids of the rows it created or changed (accounts, grants,
designations). Until those changes have been pushed to the central database - while the outbox
still holds an entry for every one of them - the operator may undo: grants added are revoked,
grants revoked are restored, designations added are ended, designations ended run again, accounts
created are removed (tombstoned; a later approval brings the same username back), the specimens
and signer certificates the approval registered from the form are withdrawn, and the submission
returns to "In review", held by the operator. The rules that hold after every commit
are checked on the undo as on any change. Once the change has been sent, other workstations may
already act on it: undo is refused with the reason, and a new request (or a direct change) is
the way back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, KnownError
from desk_app.models import auditchain as audit
from desk_app.models.access import RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.models.sync_state import OutboxEntry
from desk_app.models.verification import SignatureSpecimen, SignerCertificate
from desk_app.pdf.catalogue import find_form
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.service import QueueService, get_submission
from desk_app.services.review.apply import UNDO_REMOVAL

# kind of applied row -> (model, table)
_KINDS: dict[str, type[Any]] = {
    "accounts_created": UserAccount,
    "grants_added": RoleGrant,
    "grants_revoked": RoleGrant,
    "designations_added": UserManagerDesignation,
    "designations_ended": UserManagerDesignation,
}


@dataclass(frozen=True)
class UndoState:
    """Whether the approval of a submission can be undone now, and why not."""

    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class UndoResult:
    """What the undo restored (one line per row) and what the operator must do before deciding."""

    changes: Changes
    lines: tuple[str, ...]
    todo: str = ""


def _approval(session: Session, sub: FormSubmission) -> dict[str, list[str]]:
    event = session.execute(
        select(AuditEvent)
        .where(AuditEvent.record_id == sub.id, AuditEvent.action == "decision.approve")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    applied = (event.details or {}).get("applied") if event is not None else None
    if not isinstance(applied, dict):
        raise ConflictError("there is no record of what this approval applied")
    return {k: [str(i) for i in applied.get(k, [])] for k in _KINDS}


def _pending(session: Session, table: str, ids: list[str]) -> set[str]:
    hexes = [uuid.UUID(i).hex for i in ids]
    if not hexes:
        return set()
    rows = session.execute(
        select(OutboxEntry.row_id).where(
            OutboxEntry.table_name == table, OutboxEntry.row_id.in_(hexes)
        )
    ).scalars()
    return set(rows)


def _refusal(session: Session, sub: FormSubmission) -> tuple[str, dict[str, list[str]]]:
    """Why the approval cannot be undone ("" when it can), and what it applied."""
    if sub.state != QueueState.APPLIED.value:
        return f"only an applied approval can be undone (this one is {sub.state})", {}
    try:
        applied = _approval(session, sub)
    except KnownError as exc:
        return exc.message, {}
    for kind, ids in applied.items():
        model = _KINDS[kind]
        if len(_pending(session, model.__tablename__, ids)) < len(set(ids)):
            return (
                "the change was sent to the central database at the last sync; undo is possible "
                "only until then (ask for a new form, or change the grants directly)",
                applied,
            )
    return _changed_since(session, applied), applied


def _changed_since(session: Session, applied: dict[str, list[str]]) -> str:
    """A row the approval left that has changed since (revoked by hand, ended...)."""
    for i in applied["grants_added"]:
        g = session.get(RoleGrant, uuid.UUID(i))
        if g is None or g.revoked_at is not None or g.deleted_at is not None:
            return "a grant this approval added has changed since; undo it by hand"
    for i in applied["grants_revoked"]:
        g = session.get(RoleGrant, uuid.UUID(i))
        if g is None or g.revoked_at is None:
            return "a grant this approval revoked has changed since; undo it by hand"
    for i in applied["designations_added"]:
        d = session.get(UserManagerDesignation, uuid.UUID(i))
        if d is None or d.end_at is not None:
            return "a user-manager designation this approval made has ended since"
    for i in applied["designations_ended"]:
        d = session.get(UserManagerDesignation, uuid.UUID(i))
        if d is None or d.end_at is None:
            return "a user-manager designation this approval ended has changed since"
    return ""


def undo_state(ctx: ServiceContext, submission_id: str) -> UndoState:
    """Whether :func:`undo_approval` would succeed now (read only), with the reason if not."""
    if not ctx.can(Perm.MANAGE_ACCESS):
        return UndoState(False, "your role may not change access")
    with ctx.store.read() as s:
        reason, _ = _refusal(s, get_submission(s, submission_id))
    return UndoState(not reason, reason)


def undo_approval(ctx: ServiceContext, submission_id: str, note: str = "") -> UndoResult:
    """Restore the grants and designations as they were before the approval; the submission goes
    back to "In review", held by the operator. One transaction, audited.

    Raises:
        ConflictError: not an applied approval, already synced, or changed since.
        InvariantViolation: the undo would break a rule (e.g. leave an entity without a user
            manager holding access); nothing is changed.
    """
    ctx.require(Perm.MANAGE_ACCESS)
    with ctx.uow() as uow:
        sub = get_submission(uow.session, submission_id)
        reason, applied = _refusal(uow.session, sub)
        if reason:
            raise ConflictError(f"cannot undo: {reason}")
        lines = _compensate(uow, sub, applied, utcnow())
        spec = find_form(sub.form_number)
        # the approval forgot the PIN keyed or read from the form (no readable PIN is kept)
        todo = (
            "key the PIN from the document again, then verify before deciding"
            if spec is not None and spec.pin_policy != "none" and not (sub.values or {}).get("pin")
            else "verify it again before deciding"
        )
        QueueService(ctx).reopen_undone(uow, sub)
        audit.record(
            uow,
            "decision.undo",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"{sub.form_number} {sub.entity_code}: approval undone ({len(lines)} change(s))",
            details={"restored": applied, "note": note.strip()[:500]},
        )
        uow.commit()
    ids = tuple(i for group in applied.values() for i in group)
    return UndoResult(
        Changes.of(Area.QUEUE, Area.ACCESS, Area.ENTITIES, ids=(submission_id, *ids)),
        tuple(lines),
        todo,
    )


def _compensate(
    uow: UnitOfWork, sub: FormSubmission, applied: dict[str, list[str]], now: datetime
) -> list[str]:
    s, lines = uow.session, []

    def note(action: str, record_type: str, row_id: uuid.UUID, text: str) -> None:
        lines.append(text)
        audit.record(
            uow,
            action,
            record_type=record_type,
            record_id=row_id,
            summary=f"{text} (approval of {sub.form_number} undone)",
            details={"submission_id": str(sub.id), "undo": True},
        )

    for i in applied["grants_added"]:
        g = s.get(RoleGrant, uuid.UUID(i))
        assert g is not None
        g.revoked_at = now
        note(
            "access.revoke", "role_grant", g.id, f"{g.user_account.username}: {g.role.code} revoked"
        )
    for i in applied["grants_revoked"]:
        g = s.get(RoleGrant, uuid.UUID(i))
        assert g is not None
        g.revoked_at = None
        note(
            "access.grant", "role_grant", g.id, f"{g.user_account.username}: {g.role.code} restored"
        )
    for i in applied["designations_added"]:
        d = s.get(UserManagerDesignation, uuid.UUID(i))
        assert d is not None
        d.end_at = now
        note(
            "access.um_end",
            "user_manager_designation",
            d.id,
            f"{d.user_account.username} no longer user manager",
        )
    for i in applied["designations_ended"]:
        d = s.get(UserManagerDesignation, uuid.UUID(i))
        assert d is not None
        d.end_at = None
        note(
            "access.um_add",
            "user_manager_designation",
            d.id,
            f"{d.user_account.username} user manager again",
        )
    # what the approved form's signatures registered is no evidence once the approval is undone
    specimens = s.execute(
        select(SignatureSpecimen).where(
            SignatureSpecimen.source_submission_id == sub.id, SignatureSpecimen.deleted_at.is_(None)
        )
    ).scalars()
    certificates = s.execute(
        select(SignerCertificate).where(
            SignerCertificate.source_submission_id == sub.id, SignerCertificate.deleted_at.is_(None)
        )
    ).scalars()
    withdrawn: list[tuple[SignatureSpecimen | SignerCertificate, str]] = [
        *((r, "specimen") for r in specimens),
        *((r, "signer certificate") for r in certificates),
    ]
    for row, what in withdrawn:
        row.deleted_at = now
        note("signature.withdraw", row.__tablename__, row.id, f"{what} from this form withdrawn")
    for i in applied["accounts_created"]:
        a = s.get(UserAccount, uuid.UUID(i))
        if a is not None and a.deleted_at is None:
            a.deleted_at = now
            note(UNDO_REMOVAL, "user_account", a.id, f"account {a.username} removed")
    return lines
