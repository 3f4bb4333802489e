"""The Audit page's list source and the chain check, behind the Auditor's permission."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, String, bindparam, func, or_, select, type_coerce

from desk_app.models.audit import AuditEvent
from desk_app.models.auditchain import (
    ChainReport as ChainReport,  # re-exported: the Audit page shows it
)
from desk_app.models.auditchain import verify_chain
from desk_app.models.auditkey import chain_keys, chain_scope
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import ListQuery, like_escaped, page_params, paged, row_id
from desk_app.services.records.dto import AuditRow

SORTS = {
    "time": AuditEvent.__table__.c.occurred_at,
    "actor": AuditEvent.__table__.c.actor,
    "action": AuditEvent.__table__.c.action,
}


E = AuditEvent.__table__.c
EQUAL_FILTERS = (
    ("actor", E.actor),
    ("action", E.action),
    ("workstation", E.workstation_id),
    ("record_type", E.record_type),
)
# ids read as text and formatted once (see listing.row_id)
ROW_COLUMNS = (
    type_coerce(E.id, String).label("id"),
    E.seq,
    E.occurred_at,
    E.actor,
    E.workstation_id,
    E.action,
    E.record_type,
    type_coerce(E.record_id, String).label("record_id"),
    E.summary,
)
# The filters set (and whether there is search text) make a statement's shape; the values are
# bound. Built once per shape, statements run on the store's read path like the other lists.
Shape = tuple[tuple[str, ...], bool, bool]


def _plan(query: ListQuery) -> tuple[Shape, dict[str, Any]]:
    params: dict[str, Any] = {
        key: query.filter(key) for key, _column in EQUAL_FILTERS if query.filter(key)
    }
    if query.filter("record_id"):
        params["record_id"] = uuid.UUID(query.filter("record_id"))
    text = query.text.strip()
    if text:
        params.update(
            action_prefix=like_escaped(text) + "%",
            actor_prefix=like_escaped(text.lower()) + "%",
            summary_part="%" + like_escaped(text) + "%",
        )
    equal = tuple(key for key, _column in EQUAL_FILTERS if key in params)
    return (equal, "record_id" in params, bool(text)), params


def _where(stmt: Select[Any], shape: Shape) -> Select[Any]:
    equal, record, text = shape
    columns = dict(EQUAL_FILTERS)
    for key in equal:
        stmt = stmt.where(columns[key] == bindparam(key))
    if record:
        stmt = stmt.where(E.record_id == bindparam("record_id"))
    if text:
        stmt = stmt.where(
            or_(
                E.action.like(bindparam("action_prefix"), escape="\\"),
                E.actor.like(bindparam("actor_prefix"), escape="\\"),
                E.summary.like(bindparam("summary_part"), escape="\\"),
            )
        )
    return stmt


@lru_cache(maxsize=128)
def _count_statement(shape: Shape) -> Select[Any]:
    return _where(select(func.count()).select_from(AuditEvent.__table__), shape)


@lru_cache(maxsize=256)
def _page_statement(shape: Shape, sort: str, descending: bool) -> Select[Any]:
    order = SORTS.get(sort, E.occurred_at)
    return paged(
        _where(select(*ROW_COLUMNS), shape).order_by(order.desc() if descending else order, E.id)
    )


class AuditLogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_AUDIT)
        shape, params = _plan(query)
        return int(self.ctx.store.read_rows(_count_statement(shape), params)[0][0])

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[AuditRow]:
        self.ctx.require(Perm.VIEW_AUDIT)
        shape, params = _plan(query)
        descending = query.descending if query.sort else True  # newest first unless sorted
        stmt = _page_statement(shape, query.sort, descending)
        rows = self.ctx.store.read_rows(stmt, page_params(params, offset, limit))
        return [
            AuditRow(
                row_id(i), seq, at, actor, ws, action, rtype, row_id(rid) if rid else "", summary
            )
            for i, seq, at, actor, ws, action, rtype, rid, summary in rows
        ]

    def actions(self) -> list[str]:
        with self.ctx.store.read() as s:
            return list(
                s.execute(
                    select(AuditEvent.action).distinct().order_by(AuditEvent.action)
                ).scalars()
            )

    def verify(self) -> ChainReport:
        self.ctx.require(Perm.VIEW_AUDIT)
        keys = chain_keys(
            self.ctx.secrets, chain_scope(self.ctx.paths.data_dir if self.ctx.paths else None)
        )
        with self.ctx.store.read() as s:
            return verify_chain(s, keys=keys)
