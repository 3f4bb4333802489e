"""The work queue as a list source: filters and search pushed into SQL, counts, detail, figures.

Every list is one state's list (``state`` filter, default "Ready for review"), so the first page
is an index range scan on ``(state, received_at)`` however many submissions the table holds.
Filters: ``state``, ``form``, ``channel``, ``entity`` (code or id), ``assignee`` (a username,
``me`` or ``none``), ``age`` (``overdue`` against the SLA, or ``<n>d`` for older than n days) and
``duplicate`` (``yes``). Text search matches the start of the sender, entity name or code, and
requester name, case-insensitively.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)

from desk_app.errors import NotFound
from desk_app.models.base import utcnow
from desk_app.models.submissions import FormSubmission, QueueState, SubmissionDocument
from desk_app.received import Received
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import like_escaped, page_params, paged, row_id
from desk_app.services.queue.dto import (
    CHANNEL_TITLES,
    STATE_TITLES,
    DayCount,
    DocumentDTO,
    QueueDetail,
    QueueRow,
    QueueStats,
    StateCount,
    business_cutoff,
)
from desk_app.services.queue.service import DONE_STATES, OPEN_STATES, allowed_next, get_submission
from desk_app.services.sealing import masked

F = FormSubmission
AnySelect = Select[*tuple[Any, ...]]
SORTS: dict[str, Any] = {
    "received": F.received_at,
    "form": F.form_number,
    "channel": F.channel,
    "sender": F.sender,
    "entity": F.entity_name,
    "requester": F.requester_name,
    "assignee": F.assigned_to,
    "state": F.state,
}
ROW_COLUMNS = (
    F.id,
    F.state,
    F.form_number,
    F.channel,
    F.received_at,
    F.sender,
    F.entity_code,
    F.entity_name,
    F.requester_name,
    F.assigned_to,
    F.page_count,
    F.duplicate_of_id,
    F.quarantine_reason,
    F.row_version,
)
# the same for a list page, read cheaply: the id as text, "is a duplicate" as a flag
PAGE_COLUMNS = (
    type_coerce(F.id, String).label("id"),
    *ROW_COLUMNS[1:11],
    F.duplicate_of_id.is_not(None).label("duplicate"),
    *ROW_COLUMNS[12:],
)
DEFAULT_STATE = QueueState.READY_FOR_REVIEW.value


# A list's statement depends only on which filters are set (its shape); the values are bound.
# Built once per shape and kept, a statement runs on the store's read path (compiled once, bare
# DBAPI cursor), like the Entities and Educators lists.
Shape = tuple[str, bool, bool, str, bool, bool, bool, bool]


def _where(stmt: AnySelect, shape: Shape) -> AnySelect:
    state, form, channel, entity, assignee, older, duplicate, text = shape
    p = bindparam
    stmt = stmt.where(F.deleted_at.is_(None))
    if state == "open":  # the states written into the SQL: a fixed list, not a parameter
        stmt = stmt.where(F.state.in_([literal_column(f"'{s.value}'") for s in OPEN_STATES]))
    elif state == "one":
        stmt = stmt.where(F.state == p("state"))
    if form:
        stmt = stmt.where(F.form_number == p("form"))
    if channel:
        stmt = stmt.where(F.channel == p("channel"))
    if entity == "id":
        stmt = stmt.where(F.entity_id == p("entity_id"))
    elif entity == "code":
        stmt = stmt.where(F.entity_code == p("entity_code"))
    if assignee:
        stmt = stmt.where(F.assigned_to == p("assignee"))
    if older:
        stmt = stmt.where(F.received_at < p("received_before"))
    if duplicate:
        stmt = stmt.where(F.duplicate_of_id.is_not(None))
    if text:
        stmt = stmt.where(
            or_(
                F.sender.ilike(p("pattern"), escape="\\"),
                F.entity_name.ilike(p("pattern"), escape="\\"),
                F.requester_name.ilike(p("pattern"), escape="\\"),
                F.entity_code.like(p("code_pattern"), escape="\\"),
            )
        )
    return stmt


@lru_cache(maxsize=256)
def _count_statement(shape: Shape) -> AnySelect:
    return _where(select(func.count()).select_from(F), shape)


@lru_cache(maxsize=512)
def _page_statement(shape: Shape, sort: str, descending: bool) -> AnySelect:
    order = SORTS.get(sort, F.received_at)
    return paged(
        _where(select(*PAGE_COLUMNS), shape).order_by(order.desc() if descending else order, F.id)
    )


class QueueList:
    """List source for the Work queue page, plus state counts, detail, documents and figures."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- filtering -------------------------------------------------------------------------------
    def _plan(self, query: Any) -> tuple[Shape, dict[str, Any]]:
        """The statement shape of ``query``'s filters and search, and the values to bind."""
        params: dict[str, Any] = {}
        state = query.filter("state") or DEFAULT_STATE
        if state not in ("open", "all"):
            params["state"] = state
        form = query.filter("form")
        if form:
            params["form"] = "" if form == "unidentified" else form
        if query.filter("channel"):
            params["channel"] = query.filter("channel")
        entity, entity_kind = query.filter("entity"), ""
        if entity:
            try:
                params["entity_id"], entity_kind = uuid.UUID(entity), "id"
            except ValueError:
                params["entity_code"], entity_kind = entity, "code"
        assignee = query.filter("assignee")
        if assignee:
            params["assignee"] = {"me": self.ctx.actor.username, "none": ""}.get(assignee, assignee)
        before = self._received_before(query.filter("age"))
        if before is not None:
            params["received_before"] = before
        text = query.text.strip()
        if text:
            params["pattern"], params["code_pattern"] = (
                like_escaped(text) + "%",
                like_escaped(text.upper()) + "%",
            )
        shape: Shape = (
            state if state in ("open", "all") else "one",
            bool(form),
            "channel" in params,
            entity_kind,
            bool(assignee),
            before is not None,
            query.filter("duplicate") == "yes",
            bool(text),
        )
        return shape, params

    def _received_before(self, age: str) -> datetime | None:
        """The age filter as a cut-off: ``overdue`` against the SLA, or ``<n>d``."""
        now = utcnow()
        if age == "overdue":
            return business_cutoff(now, self.ctx.settings["sla_business_days"])
        if age.endswith("d") and age[:-1].isdigit():
            return now - timedelta(days=int(age[:-1]))
        return None

    # --- ListSource ------------------------------------------------------------------------------
    def count(self, query: Any) -> int:
        """How many submissions match (the header's total)."""
        self.ctx.require(Perm.WORK_QUEUE)
        shape, params = self._plan(query)
        return int(self.ctx.store.read_rows(_count_statement(shape), params)[0][0])

    def fetch(self, query: Any, offset: int, limit: int) -> list[QueueRow]:
        """One page of rows, oldest first unless another sort is asked for."""
        self.ctx.require(Perm.WORK_QUEUE)
        shape, params = self._plan(query)
        stmt = _page_statement(shape, query.sort, query.descending)
        rows = self.ctx.store.read_rows(stmt, page_params(params, offset, limit))
        return [_page_row(r) for r in rows]

    def state_counts(self, include_done: bool = False) -> tuple[StateCount, ...]:
        """Submissions per state (deleted rows excluded), every state listed, in queue order.

        The finished states (Applied, Rejected, Closed) hold most of a year's rows and nobody
        works them, so they are counted only when asked (``count`` is ``None`` otherwise); the
        open states are counted from the (state, deleted_at) index alone.
        """
        self.ctx.require(Perm.WORK_QUEUE)
        wanted = [st.value for st in QueueState if include_done or st not in DONE_STATES]
        with self.ctx.store.read() as s:
            got = dict(
                s.execute(
                    select(F.state, func.count())
                    .where(F.state.in_(wanted), F.deleted_at.is_(None))
                    .group_by(F.state)
                ).all()
            )
        return tuple(
            StateCount(
                st.value,
                STATE_TITLES[st.value],
                int(got.get(st.value, 0)) if st.value in wanted else None,
            )
            for st in QueueState
        )

    # --- one submission --------------------------------------------------------------------------
    def detail(self, submission_id: str) -> QueueDetail:
        self.ctx.require(Perm.WORK_QUEUE)
        with self.ctx.store.read() as s:
            sub = get_submission(s, submission_id)
            docs = (
                s.execute(
                    select(SubmissionDocument)
                    .where(
                        SubmissionDocument.submission_id == sub.id,
                        SubmissionDocument.deleted_at.is_(None),
                    )
                    .order_by(SubmissionDocument.created_at)
                )
                .scalars()
                .all()
            )
            return QueueDetail(
                row=_row(tuple(getattr(sub, c.key) for c in ROW_COLUMNS)),
                subject=sub.subject,
                token=sub.token,
                edition=sub.edition,
                values=masked(sub.values or {}),  # a keyed PIN shows as dots
                documents=tuple(
                    DocumentDTO(
                        str(d.id),
                        d.sha256,
                        d.role,
                        d.filename,
                        d.media_type,
                        d.size,
                        d.first_page,
                        d.page_count,
                    )
                    for d in docs
                ),
                duplicate_of=str(sub.duplicate_of_id or ""),
                duplicate_reason=str((sub.values or {}).get("_duplicate_reason", "")),
                allowed_states=allowed_next(sub.state),
                decision=sub.decision,
                decision_reason=sub.decision_reason,
            )

    def document_bytes(self, document_id: str) -> Received:
        """The stored bytes of one document, checked against their hash (received: the viewer
        shows them through the sandbox)."""
        self.ctx.require(Perm.WORK_QUEUE)
        if self.ctx.paths is None:
            raise NotFound("no data folder: the blob store is not available")
        with self.ctx.store.read() as s:
            doc = s.get(SubmissionDocument, uuid.UUID(document_id))
            if doc is None:
                raise NotFound("that document no longer exists")
            sha = doc.sha256
        return self.ctx.blobs().get(sha)

    # --- dashboard -------------------------------------------------------------------------------
    def stats(self, days: int = 14) -> QueueStats:
        """Arrivals and completions per day, aging of open work, and arrivals per channel."""
        self.ctx.require(Perm.WORK_QUEUE)
        now = utcnow()
        since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.ctx.store.read() as s:
            arrivals = _per_day(s, F.received_at, since, [])
            completions = _per_day(
                s, F.closed_at, since, [F.state.in_([st.value for st in DONE_STATES])]
            )
            channels = s.execute(
                select(F.channel, func.count())
                .where(F.deleted_at.is_(None), F.received_at >= since)
                .group_by(F.channel)
            ).all()
            open_times = [
                t
                for (t,) in s.execute(
                    select(F.received_at)
                    .where(F.deleted_at.is_(None), F.state.in_([st.value for st in OPEN_STATES]))
                    .limit(200_000)
                )
            ]
        day_list = tuple(
            DayCount(
                (since + timedelta(days=i)).date(),
                arrivals.get((since + timedelta(days=i)).date().isoformat(), 0),
                completions.get((since + timedelta(days=i)).date().isoformat(), 0),
            )
            for i in range(days)
        )
        sla = self.ctx.settings["sla_business_days"]
        return QueueStats(
            days=day_list,
            aging=_aging(open_times, now),
            channels=tuple((CHANNEL_TITLES.get(c, c), int(n)) for c, n in channels),
            open_total=len(open_times),
            overdue=sum(1 for t in open_times if t < business_cutoff(now, sla)),
        )


def _per_day(s: Any, column: Any, since: datetime, extra: list[Any]) -> dict[str, int]:
    day = func.date(column)
    rows = s.execute(
        select(day, func.count())
        .where(F.deleted_at.is_(None), column >= since, and_(*extra) if extra else true())
        .group_by(day)
    )
    return {str(d): int(n) for d, n in rows}


AGING_BUCKETS = (
    (1, "under 1 day"),
    (2, "1-2 days"),
    (5, "2-5 days"),
    (10, "5-10 days"),
    (10_000, "over 10 days"),
)


def _aging(times: list[datetime], now: datetime) -> tuple[tuple[str, int], ...]:
    counts = dict.fromkeys((title for _, title in AGING_BUCKETS), 0)
    for t in times:
        age = (now - t).total_seconds() / 86400
        title = next(title for limit, title in AGING_BUCKETS if age < limit)
        counts[title] += 1
    return tuple(counts.items())


def _page_row(r: Any) -> QueueRow:
    """A list row from the tuple PAGE_COLUMNS selects."""
    (
        sid,
        state,
        form,
        channel,
        received,
        sender,
        code,
        ename,
        requester,
        assignee,
        pages,
        duplicate,
        reason,
        version,
    ) = r
    return QueueRow(
        row_id(sid),
        state,
        form,
        channel,
        received,
        sender,
        code,
        ename,
        requester,
        assignee,
        int(pages or 0),
        bool(duplicate),
        reason,
        int(version),
    )


def _row(r: Any) -> QueueRow:
    (
        sid,
        state,
        form,
        channel,
        received,
        sender,
        code,
        ename,
        requester,
        assignee,
        pages,
        dup,
        reason,
        version,
    ) = tuple(r)
    return QueueRow(
        str(sid),
        state,
        form,
        channel,
        received,
        sender,
        code,
        ename,
        requester,
        assignee,
        int(pages or 0),
        dup is not None,
        reason,
        int(version),
    )
