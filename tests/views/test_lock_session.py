"""The lock's service side: who may unlock, and that every lock and unlock attempt is audited."""

from __future__ import annotations

from desk_app.services import session
from desk_app.services.context import Area
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService


def _actions(ctx) -> list[str]:
    return [r.action for r in AuditLogService(ctx).fetch(ListQuery(), 0, 50)]


def test_unlock_accepts_the_operator_with_or_without_domain(make_ctx) -> None:
    ctx = make_ctx(username="agency\\alice")
    assert session.confirm_and_unlock(ctx, "alice")
    assert session.confirm_and_unlock(ctx, "  AGENCY\\Alice ")
    assert _actions(ctx).count("session.unlock") == 2


def test_unlock_refuses_anyone_else_and_records_it_without_the_typed_name(make_ctx) -> None:
    ctx = make_ctx(username="alice")
    assert not session.confirm_and_unlock(ctx, "mallory")
    assert not session.confirm_and_unlock(ctx, "")
    refused = [
        r
        for r in AuditLogService(ctx).fetch(ListQuery(), 0, 50)
        if r.action == "session.unlock_refused"
    ]
    assert len(refused) == 2
    assert all("mallory" not in r.summary for r in refused)


def test_lock_is_audited_with_its_reason(ctx) -> None:
    changes = session.record_lock(ctx, "idle")
    assert changes.touches(Area.AUDIT)
    row = AuditLogService(ctx).fetch(ListQuery().with_filter("action", "session.lock"), 0, 1)[0]
    assert row.summary.endswith("(idle)") and row.workstation_id == "ws-test"
    assert AuditLogService(ctx).verify().ok
