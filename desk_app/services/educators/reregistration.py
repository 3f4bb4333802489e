"""Accounts not used for 12 months, marked for re-registration.

The agency's rule (the seed): an educator who has not logged in for over 12 months registers a
new username to restore access. Marking records that the old username is closed: the profile
shows it, the account leaves the "to register again" list, and linking the new username later
needs no "replace" confirmation (the old one is known to be closed) and clears the mark.

Each account is marked through the ORM (so the row is stamped and captured for sync) with its
own audit event, in transactions of :data:`BATCH` accounts, so a long run can be stopped between
batches and a crash leaves whole batches done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, select

from desk_app.models import auditchain as audit
from desk_app.models.base import utcnow
from desk_app.models.educators import Educator
from desk_app.rules import certification as rules
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.educators.watch import Cancelled, _reregistration_where

BATCH = 500


@dataclass(frozen=True)
class Marked:
    count: int
    changes: Changes


def mark_for_reregistration(
    ctx: ServiceContext,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Marked:
    """Mark every account (or the first ``limit``) not used for 12 months; returns how many.

    Raises:
        Cancelled: ``cancelled()`` turned true between two batches (the batches done stay done).
    """
    ctx.require(Perm.EDIT_EDUCATORS)
    now = utcnow()
    oldest = rules.oldest_login_in_time(now.date())
    where = _reregistration_where(datetime.combine(oldest, time(), tzinfo=UTC))
    with ctx.store.read() as s:
        total = int(s.execute(select(func.count()).select_from(Educator).where(where)).scalar_one())
    if limit is not None:
        total = min(total, limit)
    done, ids = 0, []
    while done < total:
        if cancelled is not None and cancelled():
            raise Cancelled(f"stopped after {done:,} accounts were marked")
        with ctx.uow() as uow:
            batch = (
                uow.session.execute(
                    select(Educator)
                    .where(where)
                    .order_by(Educator.id)
                    .limit(min(BATCH, total - done))
                )
                .scalars()
                .all()
            )
            if not batch:
                break
            for educator in batch:
                educator.reregistration_marked_at = now
                since = educator.last_login_at.date() if educator.last_login_at else "never"
                audit.record(
                    uow,
                    "educator.reregistration_marked",
                    record_type="educator",
                    record_id=educator.id,
                    summary=f"username {educator.username} not used since {since}: marked for "
                    "re-registration (the educator registers a new username)",
                )
                ids.append(educator.id)
            uow.commit()
        done += len(batch)
        if progress is not None:
            progress(done, total)
    # the ids of a big run would make the change bus carry a million strings: say the area only
    changes = Changes.of(Area.EDUCATORS, ids=tuple(ids) if len(ids) <= 1000 else ())
    return Marked(done, changes)
