"""What arrived in the work queue since the operator last looked: for the "3 new items in New"
notice.

An arrival is a new submission row, whoever made it: intake in this window, intake run by Task
Scheduler in another process, or a pull from the central database. The workstation database is
SQLite, whose rowid grows with every insert, so "rows after the last mark" finds all three
cheaply (a range scan of the table's own key), where a timestamp would miss a pulled row that was
received elsewhere before the last local arrival.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.sql.elements import ColumnClause

from desk_app.models.submissions import FormSubmission
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.queue.dto import STATE_TITLES

ROWID: ColumnClause[int] = literal_column("form_submission.rowid")


@dataclass(frozen=True)
class Arrivals:
    """New submissions per queue state since ``since_mark``, and the mark to ask from next."""

    mark: int
    by_state: tuple[tuple[str, int], ...] = ()  # (state title, count), in queue order

    @property
    def total(self) -> int:
        return sum(n for _title, n in self.by_state)

    def text(self) -> str:
        """ "3 new items in New", "3 new items: 2 in New, 1 in Quarantine" ("" for none)."""
        n = self.total
        if not n:
            return ""
        head = f"{n} new item{'s' if n != 1 else ''}"
        if len(self.by_state) == 1:
            return f"{head} in {self.by_state[0][0]}"
        return head + ": " + ", ".join(f"{k} in {title}" for title, k in self.by_state)


def arrivals_since(ctx: ServiceContext, since_mark: int | None) -> Arrivals:
    """The submissions added after ``since_mark`` (None: just take the mark, count nothing)."""
    ctx.require(Perm.WORK_QUEUE)
    with ctx.store.read() as s:
        mark = int(
            s.execute(
                select(func.coalesce(func.max(ROWID), 0)).select_from(FormSubmission)
            ).scalar_one()
        )
        if since_mark is None or mark <= since_mark:
            return Arrivals(mark)
        got = dict(
            s.execute(
                select(FormSubmission.state, func.count())
                .where(ROWID > since_mark, FormSubmission.deleted_at.is_(None))
                .group_by(FormSubmission.state)
            ).all()
        )
    order = list(STATE_TITLES)
    by_state = tuple(
        (STATE_TITLES[state], int(got[state]))
        for state in sorted(got, key=lambda st: order.index(st) if st in order else len(order))
    )
    return Arrivals(mark, by_state)
