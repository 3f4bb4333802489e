"""Direct grant changes: emergency revoke with a reason, end dates and expiry, a grant's history;
the commit-time invariants refuse a direct revoke that strips the last user manager's access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from desk_app.errors import ConflictError, KnownError, PermissionDenied, ValidationError
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.services.access.grants import GrantAdmin


@pytest.fixture
def grants(ctx) -> dict[str, str]:
    with ctx.uow() as uow:
        s = uow.session
        lea = EducationalEntity(kind="lea", code="048-078", name="Kansas City")
        app = WebApplication(code="MOSIS", name="MOSIS")
        s.add_all([lea, app])
        s.flush()
        role = ApplicationRole(application_id=app.id, code="MOSIS_VIEW", name="View", level=1)
        s.add(role)
        out = {}
        for username in ("um", "clerk"):
            account = UserAccount(
                username=username,
                first_name="A",
                last_name=username,
                email=f"{username}@kc.example",
                entity_id=lea.id,
                last_login_at=utcnow(),
            )
            s.add(account)
            s.flush()
            grant = RoleGrant(
                user_account_id=account.id, role_id=role.id, entity_id=lea.id, granted_at=utcnow()
            )
            s.add(grant)
            s.flush()
            out[username] = str(grant.id)
            if username == "um":
                s.add(
                    UserManagerDesignation(
                        entity_id=lea.id, user_account_id=account.id, start_at=utcnow()
                    )
                )
        uow.commit()
    return out


def test_emergency_revoke_needs_a_reason_and_shows_in_history(ctx, grants) -> None:
    admin = GrantAdmin(ctx)
    with pytest.raises(ValidationError):
        admin.revoke(grants["clerk"], "no")
    admin.revoke(grants["clerk"], "account shared with a contractor, reported by the district")
    with pytest.raises(ConflictError):
        admin.revoke(grants["clerk"], "twice over, to be sure")
    history = admin.history(grants["clerk"])
    assert history.revoked_at is not None and history.form_number == ""
    assert [e.action for e in history.events] == ["access.revoke_direct"]
    assert "shared with a contractor" in history.events[0].summary


def test_the_last_user_managers_access_is_kept(ctx, grants) -> None:
    with pytest.raises(KnownError, match="user manager"):
        GrantAdmin(ctx).revoke(grants["um"], "emergency: suspected compromise")
    assert GrantAdmin(ctx).history(grants["um"]).revoked_at is None


def test_end_dates_warn_then_expire(ctx, grants) -> None:
    admin = GrantAdmin(ctx)
    soon = date.today() + timedelta(days=10)
    with pytest.raises(ValidationError):
        admin.set_end_date(grants["clerk"], date.today() - timedelta(days=1), "temporary help")
    admin.set_end_date(grants["clerk"], soon, "summer help desk cover")
    [warned] = admin.expiring()
    assert (warned.username, warned.ends_on) == ("clerk", soon)
    assert admin.expire().record_ids == frozenset()  # not yet
    expired = admin.expire(today=soon + timedelta(days=1))
    assert expired.record_ids == {grants["clerk"]}
    actions = [e.action for e in admin.history(grants["clerk"]).events]
    assert actions == ["access.end_date", "access.expired"]


def test_an_auditor_reads_history_only(make_ctx, grants) -> None:
    auditor = GrantAdmin(make_ctx("auditor", "audrey"))
    assert auditor.history(grants["um"]).username == "um"
    with pytest.raises(PermissionDenied):
        auditor.revoke(grants["clerk"], "should not be allowed")
