"""Direct grant changes: emergency revoke with a reason, end dates and expiry, a grant's history;
the commit-time invariants refuse a direct revoke that strips the last user manager's access."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

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
from desk_app.models.staff import Staff
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


def _account_id(ctx, username: str) -> str:
    with ctx.store.read() as s:
        return str(
            s.execute(select(UserAccount.id).where(UserAccount.username == username)).scalar_one()
        )


def test_a_direct_grant_and_a_role_change_are_audited(ctx, grants) -> None:
    with ctx.uow() as uow:
        app_id = uow.session.execute(select(WebApplication.id)).scalar_one()
        uow.session.add(
            ApplicationRole(application_id=app_id, code="MOSIS_ENTRY", name="Entry", level=2)
        )
        uow.commit()
    admin = GrantAdmin(ctx)
    clerk = _account_id(ctx, "clerk")
    with pytest.raises(ValidationError, match="reason"):
        admin.grant(clerk, "MOSIS_ENTRY", "048-078", "")
    with pytest.raises(ValidationError, match="entity"):
        admin.grant(clerk, "MOSIS_ENTRY", "999-999", "correction after the 2377 of May")
    with pytest.raises(ConflictError, match="already holds"):
        admin.grant(clerk, "MOSIS_VIEW", "048-078", "correction after the 2377 of May")
    ends = date.today() + timedelta(days=20)
    changes = admin.grant(
        clerk, "MOSIS_ENTRY", "048-078", "correction after the 2377 of May", ends_on=ends
    )
    [new_id] = changes.record_ids
    history = admin.history(new_id)
    assert (history.role_code, history.ends_on, history.form_number) == ("MOSIS_ENTRY", ends, "")
    assert [e.action for e in history.events] == ["access.grant_direct"]
    assert "correction after the 2377" in history.events[0].summary
    with pytest.raises(ValidationError, match="already is"):
        admin.change_role(grants["clerk"], "MOSIS_VIEW", "level was keyed wrong")
    admin.change_role(grants["clerk"], "MOSIS_ENTRY", "level was keyed wrong on the form")
    changed = admin.history(grants["clerk"])
    assert changed.role_code == "MOSIS_ENTRY"
    assert [e.action for e in changed.events] == ["access.change_direct"]
    assert "changed from MOSIS_VIEW" in changed.events[0].summary
    assert any(g.username == "clerk" and g.role_code == "MOSIS_ENTRY" for g in admin.expiring())


def test_no_operator_grants_their_own_account(make_ctx, ctx, grants) -> None:
    with ctx.uow() as uow:
        uow.session.add(Staff(username="alice", display_name="Alice Admin", role="security_admin"))
        lea_id = uow.session.execute(select(EducationalEntity.id)).scalar_one()
        uow.session.add(
            UserAccount(
                username="alice",
                first_name="Alice",
                last_name="Admin",
                email="alice@agency.example",
                entity_id=lea_id,
            )
        )
        uow.commit()
    alice = _account_id(ctx, "alice")
    with pytest.raises(KnownError, match="separation of duties"):
        GrantAdmin(ctx).grant(alice, "MOSIS_VIEW", "048-078", "I need it for the audit")
    with pytest.raises(PermissionDenied):
        GrantAdmin(make_ctx("auditor", "audrey")).grant(
            alice, "MOSIS_VIEW", "048-078", "an auditor may not grant"
        )
    assert (
        GrantAdmin(make_ctx(username="bob"))
        .grant(alice, "MOSIS_VIEW", "048-078", "another administrator grants it")
        .record_ids
    )
