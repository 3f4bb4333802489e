"""Whether each decision can be taken on a submission now, and why not, so the review pane
enables only the buttons that can succeed and says what stands in the way.

The answers follow the same rules the decisions enforce (the queue's transitions, "only the
holder decides", the role's permissions), read from the row the operator is looking at; the
decision itself still checks everything again in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from desk_app.models.submissions import QueueState
from desk_app.rules.permissions import Perm
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.queue.dto import STATE_TITLES, QueueRow
from desk_app.services.queue.service import HOLDER_ONLY, TRANSITIONS, QueueService
from desk_app.services.review import decisions

S = QueueState
# a decision -> the state it moves the submission to
GOALS = {"approve": S.APPROVED, "reject": S.REJECTED, "wait": S.WAITING_ON_REQUESTER}
_PERMS = {"approve": Perm.MANAGE_ACCESS, "reject": Perm.MANAGE_ACCESS, "wait": Perm.WORK_QUEUE}


@dataclass(frozen=True)
class Readiness:
    """For one decision: can it be taken, does it claim the submission first, and why not."""

    decision: str
    allowed: bool
    claims_first: bool = False
    reason: str = ""


def readiness(ctx: ServiceContext, row: QueueRow) -> dict[str, Readiness]:
    """Each decision's :class:`Readiness` on ``row`` for the acting operator."""
    return {name: _one(ctx, row, name) for name in GOALS}


def _one(ctx: ServiceContext, row: QueueRow, decision: str) -> Readiness:
    me, state = ctx.actor.username, S(row.state)
    goal = GOALS[decision]
    if not ctx.can(_PERMS[decision]):
        return Readiness(decision, False, reason="your role may not take this decision")
    if row.assigned_to and row.assigned_to != me and goal in HOLDER_ONLY:
        return Readiness(decision, False, reason=f"held by {row.assigned_to}; only they decide")
    if goal in TRANSITIONS.get(state, frozenset()):
        if goal in HOLDER_ONLY and row.assigned_to != me:
            return Readiness(decision, True, claims_first=True, reason="claims it for you first")
        return Readiness(decision, True)
    # "Ready for review" becomes "In review" on a claim; then the decision is allowed
    if state is S.READY_FOR_REVIEW and goal in TRANSITIONS[S.IN_REVIEW]:
        return Readiness(decision, True, claims_first=True, reason="claims it for you first")
    return Readiness(
        decision, False, reason=f"a submission in {STATE_TITLES[row.state]} cannot be decided"
    )


def claim_then_approve(
    ctx: ServiceContext, submission_id: str, override_reason: str = "", expected_changes: str = ""
) -> decisions.DecisionResult:
    """Claim the submission, then approve it: "Approve" in one step for the operator. The claim
    and the approval are two audited transactions; a failed approval leaves it claimed."""
    claimed = QueueService(ctx).claim(submission_id)
    result = decisions.approve(
        ctx, submission_id, override_reason, expected_changes=expected_changes
    )
    return _with(result, claimed)


def claim_then_reject(
    ctx: ServiceContext, submission_id: str, codes: list[str], note: str
) -> decisions.DecisionResult:
    """Claim the submission, then reject it (see :func:`claim_then_approve`)."""
    claimed = QueueService(ctx).claim(submission_id)
    return _with(decisions.reject(ctx, submission_id, codes, note), claimed)


def _with(result: decisions.DecisionResult, more: Changes) -> decisions.DecisionResult:
    return replace(result, changes=result.changes | more)
