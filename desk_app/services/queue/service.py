"""The work queue's state machine, enforced here: transitions, claims, assignment, keying.

Allowed transitions are data (:data:`TRANSITIONS`); every change of state, holder or keyed values
writes an audit event in the same transaction. "In review" always has exactly one holder: a claim
is won by a conditional ``UPDATE`` (first statement of its transaction), so when two operators
claim the same submission one wins and the other gets a :class:`ConflictError` naming the holder.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from desk_app.errors import ConflictError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission, QueueState
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.queue.dto import STATE_TITLES
from desk_app.services.queue.list_fields import update_list_fields
from desk_app.services.sealing import merge_keyed

S = QueueState
TRANSITIONS: dict[QueueState, frozenset[QueueState]] = {
    S.NEW: frozenset(
        {S.NEEDS_KEYING, S.READY_FOR_REVIEW, S.WAITING_ON_REQUESTER, S.QUARANTINE, S.CLOSED}
    ),
    S.NEEDS_KEYING: frozenset({S.READY_FOR_REVIEW, S.WAITING_ON_REQUESTER, S.QUARANTINE, S.CLOSED}),
    S.READY_FOR_REVIEW: frozenset({S.IN_REVIEW, S.NEEDS_KEYING, S.WAITING_ON_REQUESTER, S.CLOSED}),
    S.IN_REVIEW: frozenset(
        {S.APPROVED, S.REJECTED, S.WAITING_ON_REQUESTER, S.READY_FOR_REVIEW, S.NEEDS_KEYING}
    ),
    S.WAITING_ON_REQUESTER: frozenset({S.READY_FOR_REVIEW, S.NEEDS_KEYING, S.CLOSED}),
    S.APPROVED: frozenset({S.APPLIED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.APPLIED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.QUARANTINE: frozenset({S.NEW, S.CLOSED}),
}
# Decisions are taken by the operator holding the submission, never on someone else's claim.
HOLDER_ONLY = frozenset({S.APPROVED, S.REJECTED})
# A claim puts "Ready for review" into "In review"; elsewhere it only makes the claimant the holder.
CLAIMABLE = frozenset(
    {S.NEW, S.NEEDS_KEYING, S.READY_FOR_REVIEW, S.IN_REVIEW, S.WAITING_ON_REQUESTER, S.QUARANTINE}
)
OPEN_STATES = frozenset(CLAIMABLE | {S.APPROVED})
DONE_STATES = frozenset({S.APPLIED, S.REJECTED, S.CLOSED})
REASON_REQUIRED = frozenset({S.REJECTED, S.WAITING_ON_REQUESTER, S.QUARANTINE, S.CLOSED})


def allowed_next(state: str) -> tuple[str, ...]:
    """The states a submission in ``state`` may move to, in queue order."""
    nexts = TRANSITIONS.get(QueueState(state), frozenset())
    return tuple(s.value for s in QueueState if s in nexts)


def check_transition(current: str, target: str) -> None:
    """Raise :class:`ConflictError` unless ``current`` -> ``target`` is an allowed transition."""
    if QueueState(target) not in TRANSITIONS.get(QueueState(current), frozenset()):
        raise ConflictError(
            f"a submission in {STATE_TITLES[current]} cannot move to {STATE_TITLES[target]}"
        )


def _uuid(value: str | uuid.UUID) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"no submission {value!r}") from None


def get_submission(session: Session, submission_id: str | uuid.UUID) -> FormSubmission:
    sub = session.get(FormSubmission, _uuid(submission_id))
    if sub is None or sub.deleted_at is not None:
        raise NotFound("that submission no longer exists")
    return sub


def _label(sub: FormSubmission) -> str:
    return f"{sub.form_number or 'unidentified form'} from {sub.channel}"


class QueueService:
    """Actions on the work queue (the list itself is :class:`~desk_app.services.queue.listing.QueueList`)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def me(self) -> str:
        return self.ctx.actor.username

    def transition(
        self, submission_id: str, target: str, reason: str = "", expected_version: int | None = None
    ) -> Changes:
        """Move a submission to ``target`` if the state machine allows it.

        Raises:
            ConflictError: the transition is not allowed, the row changed meanwhile, or another
                operator holds the submission.
            ValidationError: a reason is required for this target and none was given.
        """
        self.ctx.require(Perm.WORK_QUEUE)
        try:
            goal = QueueState(target)
        except ValueError:
            raise ValidationError("state", f"unknown queue state {target!r}") from None
        if goal in REASON_REQUIRED and not reason.strip():
            raise ValidationError("reason", f"say why the submission goes to {STATE_TITLES[goal]}")
        with self.ctx.uow() as uow:
            sub = get_submission(uow.session, submission_id)
            self.move(uow, sub, goal, reason, expected_version)
            uow.commit()
        return Changes.of(Area.QUEUE, ids=(submission_id,))

    def move(
        self,
        uow: UnitOfWork,
        sub: FormSubmission,
        goal: QueueState,
        reason: str,
        expected_version: int | None = None,
    ) -> None:
        """The one transition every caller uses, inside the caller's unit of work: the state
        machine, the holder rule for decisions, the optimistic version check, the audit event.

        Raises:
            ConflictError: the transition is not allowed, the row changed since
                ``expected_version``, or a decision by someone not holding the submission.
        """
        if expected_version is not None and sub.row_version != expected_version:
            raise ConflictError("this submission was changed by someone else; reopen it")
        check_transition(sub.state, goal)
        if goal in HOLDER_ONLY and sub.assigned_to != self.me:
            holder = sub.assigned_to or "nobody"
            raise ConflictError(f"only the operator holding it may decide (held by {holder})")
        self._apply(uow, sub, goal, reason)

    def _apply(self, uow: UnitOfWork, sub: FormSubmission, goal: QueueState, reason: str) -> None:
        before = sub.state
        now = utcnow()
        sub.state = goal.value
        if goal in (S.APPROVED, S.REJECTED):
            sub.decision, sub.decision_reason = goal.value, reason
            sub.decided_by, sub.decided_at = self.me, now
        if goal is S.QUARANTINE:
            sub.quarantine_reason = reason
        if goal in (S.READY_FOR_REVIEW, S.CLOSED, S.QUARANTINE) and before == S.IN_REVIEW.value:
            sub.assigned_to, sub.claimed_at = "", None
        if goal in DONE_STATES:
            sub.closed_at = sub.closed_at or now
        audit.record(
            uow,
            "queue.transition",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"{_label(sub)}: {STATE_TITLES[before]} -> {STATE_TITLES[goal]}",
            details={"from": before, "to": goal.value, "reason": reason[:500]},
        )

    def reopen_undone(self, uow: UnitOfWork, sub: FormSubmission) -> None:
        """An applied approval was undone (review.undo, which restored the grants in ``uow``): the
        submission is "In review" again, held by the operator, with no decision. Not a transition
        of the table: no bare move may reopen an applied approval without undoing what it did."""
        if sub.state != S.APPLIED.value:
            raise ConflictError(f"a {STATE_TITLES[sub.state]} submission has no approval to undo")
        now = utcnow()
        sub.state = S.IN_REVIEW.value
        sub.assigned_to, sub.claimed_at = self.me, now
        sub.decision = sub.decision_reason = sub.decided_by = ""
        sub.decided_at = sub.closed_at = None
        audit.record(
            uow,
            "queue.transition",
            record_type="form_submission",
            record_id=sub.id,
            summary=f"{_label(sub)}: {STATE_TITLES[S.APPLIED]} -> {STATE_TITLES[S.IN_REVIEW]} "
            "(approval undone)",
            details={"from": S.APPLIED.value, "to": S.IN_REVIEW.value, "reason": "approval undone"},
        )

    def claim(self, submission_id: str) -> Changes:
        """Make the operator the holder; "Ready for review" becomes "In review".

        Raises:
            ConflictError: another operator holds it, or its state cannot be claimed.
        """
        self.ctx.require(Perm.WORK_QUEUE)
        sid = _uuid(submission_id)
        with self.ctx.uow() as uow:
            won = cast(
                CursorResult[Any],
                uow.session.execute(
                    update(FormSubmission)
                    .where(
                        FormSubmission.id == sid,
                        FormSubmission.deleted_at.is_(None),
                        FormSubmission.assigned_to.in_(("", self.me)),
                        FormSubmission.state.in_([s.value for s in CLAIMABLE]),
                    )
                    .values(assigned_to=self.me)
                    .execution_options(synchronize_session=False)
                ),
            ).rowcount
            sub = get_submission(uow.session, sid)
            uow.session.refresh(sub)
            if not won:
                if sub.assigned_to and sub.assigned_to != self.me:
                    raise ConflictError(f"already claimed by {sub.assigned_to}")
                raise ConflictError(f"a submission in {STATE_TITLES[sub.state]} cannot be claimed")
            sub.claimed_at = utcnow()
            before = sub.state
            if sub.state == S.READY_FOR_REVIEW.value:
                sub.state = S.IN_REVIEW.value
            audit.record(
                uow,
                "queue.claim",
                record_type="form_submission",
                record_id=sub.id,
                summary=f"{_label(sub)} claimed by {self.me}",
                details={"from": before, "to": sub.state},
            )
            uow.commit()
        return Changes.of(Area.QUEUE, ids=(submission_id,))

    def release(self, submission_id: str) -> Changes:
        """Give a submission back: "In review" returns to "Ready for review"."""
        self.ctx.require(Perm.WORK_QUEUE)
        with self.ctx.uow() as uow:
            sub = get_submission(uow.session, submission_id)
            if sub.assigned_to != self.me and not self.ctx.can(Perm.MANAGE_ACCESS):
                raise ConflictError(
                    f"held by {sub.assigned_to or 'nobody'}; only they may release it"
                )
            holder, before = sub.assigned_to, sub.state
            sub.assigned_to, sub.claimed_at = "", None
            if sub.state == S.IN_REVIEW.value:
                sub.state = S.READY_FOR_REVIEW.value
            audit.record(
                uow,
                "queue.release",
                record_type="form_submission",
                record_id=sub.id,
                summary=f"{_label(sub)} released (was held by {holder or 'nobody'})",
                details={"holder": holder, "from": before, "to": sub.state},
            )
            uow.commit()
        return Changes.of(Area.QUEUE, ids=(submission_id,))

    def assign(self, submission_ids: Iterable[str], username: str) -> Changes:
        """Assign one or many submissions to ``username`` (bulk assign); audited per submission."""
        self.ctx.require(Perm.WORK_QUEUE)
        ids = [str(i) for i in submission_ids]
        with self.ctx.uow() as uow:
            for sid in ids:
                sub = get_submission(uow.session, sid)
                if QueueState(sub.state) in DONE_STATES:
                    raise ConflictError(
                        f"a {STATE_TITLES[sub.state]} submission cannot be assigned"
                    )
                holder = sub.assigned_to
                sub.assigned_to = username
                sub.claimed_at = utcnow() if username else None
                if not username and sub.state == S.IN_REVIEW.value:
                    sub.state = S.READY_FOR_REVIEW.value
                audit.record(
                    uow,
                    "queue.assign",
                    record_type="form_submission",
                    record_id=sub.id,
                    summary=f"{_label(sub)} assigned to {username or 'nobody'}",
                    details={"from": holder, "to": username},
                )
            uow.commit()
        return Changes.of(Area.QUEUE, ids=tuple(ids))

    def save_keyed_values(
        self,
        submission_id: str,
        values: Mapping[str, Any],
        *,
        complete: bool = False,
        expected_version: int | None = None,
    ) -> Changes:
        """Store values keyed from a faxed page; ``complete`` moves it on to "Ready for review".

        Only field names are audited, never the values (they may carry a PIN or a birth date).
        """
        self.ctx.require(Perm.WORK_QUEUE)
        with self.ctx.uow() as uow:
            sub = get_submission(uow.session, submission_id)
            if expected_version is not None and sub.row_version != expected_version:
                raise ConflictError("this submission was changed by someone else; reopen it")
            if sub.assigned_to and sub.assigned_to != self.me:
                raise ConflictError(f"held by {sub.assigned_to}; claim it before keying")
            if QueueState(sub.state) not in (S.NEW, S.NEEDS_KEYING, S.IN_REVIEW):
                raise ConflictError(
                    f"a {STATE_TITLES[sub.state]} submission is not open for keying"
                )
            sub.values = merge_keyed(self.ctx.cipher, sub.values or {}, values)  # PIN sealed
            update_list_fields(uow.session, sub, values)  # entity and requester reach the row
            audit.record(
                uow,
                "queue.key_values",
                record_type="form_submission",
                record_id=sub.id,
                summary=f"{_label(sub)}: {len(values)} value(s) keyed",
                details={"fields": sorted(values)},
            )
            if complete and sub.state != S.IN_REVIEW.value:
                if sub.state == S.NEW.value and not sub.form_number:
                    raise ValidationError("form", "choose the form before sending it to review")
                self._apply(uow, sub, S.READY_FOR_REVIEW, "")
            uow.commit()
        return Changes.of(Area.QUEUE, ids=(submission_id,))

    def identify(self, submission_id: str, form_number: str) -> Changes:
        """Name the form of an unidentified submission (triage); it then needs keying."""
        self.ctx.require(Perm.WORK_QUEUE)
        with self.ctx.uow() as uow:
            sub = get_submission(uow.session, submission_id)
            before = sub.form_number
            sub.form_number = form_number
            audit.record(
                uow,
                "queue.identify",
                record_type="form_submission",
                record_id=sub.id,
                summary=f"form set to {form_number} (was {before or 'unidentified'})",
                details={"from": before, "to": form_number},
            )
            if sub.state == S.NEW.value:
                self._apply(uow, sub, S.NEEDS_KEYING, "")
            uow.commit()
        return Changes.of(Area.QUEUE, ids=(submission_id,))
