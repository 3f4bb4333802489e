"""The Audit page's list source and the chain check, behind the Auditor's permission."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select

from desk_app.models.audit import AuditEvent
from desk_app.rules.permissions import Perm
from desk_app.services.audit import ChainReport, verify_chain
from desk_app.services.context import ServiceContext
from desk_app.services.dto import AuditRow
from desk_app.services.listing import ListQuery

SORTS = {"time": AuditEvent.occurred_at, "actor": AuditEvent.actor, "action": AuditEvent.action}


def _filtered(stmt: Select[Any], query: ListQuery) -> Select[Any]:
    for key, column in (("actor", AuditEvent.actor), ("action", AuditEvent.action),
                        ("workstation", AuditEvent.workstation_id), ("record_type", AuditEvent.record_type)):
        if query.filter(key):
            stmt = stmt.where(column == query.filter(key))
    if query.filter("record_id"):
        stmt = stmt.where(AuditEvent.record_id == uuid.UUID(query.filter("record_id")))
    text = query.text.strip()
    if text:
        stmt = stmt.where(or_(AuditEvent.action.startswith(text), AuditEvent.actor.startswith(text.lower()),
                              AuditEvent.summary.contains(text)))
    return stmt


class AuditLogService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_AUDIT)
        with self.ctx.store.read() as s:
            return int(s.execute(_filtered(select(func.count()).select_from(AuditEvent), query)).scalar_one())

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[AuditRow]:
        self.ctx.require(Perm.VIEW_AUDIT)
        order = SORTS.get(query.sort, AuditEvent.occurred_at)
        descending = query.descending if query.sort else True
        stmt = select(AuditEvent).order_by(order.desc() if descending else order, AuditEvent.id)
        with self.ctx.store.read() as s:
            events = s.execute(_filtered(stmt, query).offset(offset).limit(limit)).scalars()
            return [AuditRow(str(e.id), e.seq, e.occurred_at, e.actor, e.workstation_id, e.action,
                             e.record_type, str(e.record_id or ""), e.summary) for e in events]

    def actions(self) -> list[str]:
        with self.ctx.store.read() as s:
            return list(s.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())

    def verify(self) -> ChainReport:
        self.ctx.require(Perm.VIEW_AUDIT)
        with self.ctx.store.read() as s:
            return verify_chain(s)
