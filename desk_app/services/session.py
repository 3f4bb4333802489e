"""The operator's session on this workstation: locking and unlocking, both audited.

The lock hides the workspace after idle minutes (or on Ctrl+L). Unlocking asks the operator to
confirm who they are. In this build that is re-entering the signed-in OS user name: it proves
attention, not identity, and the audit log says so. A real deployment leans on Windows' own
re-authentication (the workstation lock) for the identity part.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.models import auditchain as audit
from desk_app.services.context import Area, Changes, ServiceContext


def _matches(entered: str, username: str) -> bool:
    """``alice`` matches ``agency\\alice`` as well as ``alice``; case does not matter."""
    entered = entered.strip().lower()
    username = username.lower()
    return bool(entered) and entered in {username, username.split("\\")[-1]}


def record_lock(ctx: ServiceContext, reason: str) -> Changes:
    """Write ``session.lock`` (reason: ``idle`` or ``operator``).

    Args:
        ctx: the operator's service context.
        reason: why the session locked; shown in the audit log.

    Returns:
        Changes of the ``audit`` area.
    """
    with ctx.uow() as uow:
        audit.record(
            uow,
            "session.lock",
            record_type="staff",
            summary=f"{ctx.actor.username} locked on {ctx.actor.workstation_id} ({reason})",
            details={"reason": reason},
        )
        uow.commit()
    return Changes.of(Area.AUDIT)


def confirm_and_unlock(ctx: ServiceContext, entered_username: str) -> bool:
    """Check the operator's confirmation and audit the outcome.

    Args:
        ctx: the operator's service context.
        entered_username: what the person at the keyboard typed.

    Returns:
        True when it names the signed-in operator (``session.unlock`` recorded); False otherwise
        (``session.unlock_refused`` recorded, without what was typed).
    """
    ok = _matches(entered_username, ctx.actor.username)
    with ctx.uow() as uow:
        if ok:
            audit.record(
                uow,
                "session.unlock",
                record_type="staff",
                summary=f"{ctx.actor.username} unlocked on {ctx.actor.workstation_id}",
                details={"method": "os_username"},
            )
        else:
            audit.record(
                uow,
                "session.unlock_refused",
                record_type="staff",
                summary=f"unlock refused on {ctx.actor.workstation_id}: name did not match "
                "the signed-in operator",
            )
        uow.commit()
    return ok


@dataclass(frozen=True)
class UnlockOutcome:
    """The unlock check's answer and what it changed (both outcomes add an audit row)."""

    ok: bool
    changes: Changes


def unlock(ctx: ServiceContext, entered_username: str) -> UnlockOutcome:
    """:func:`confirm_and_unlock`, with the :class:`Changes` the change bus needs."""
    return UnlockOutcome(confirm_and_unlock(ctx, entered_username), Changes.of(Area.AUDIT))
