"""Accounts not used for 12 months: found, flagged or disabled by the setting, notices drafted."""

from __future__ import annotations

import email
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.errors import PermissionDenied
from desk_app.models.access import UserAccount
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.services.access.dormant import DormantAccounts


@pytest.fixture
def accounts(ctx) -> None:
    now = utcnow()
    with ctx.uow() as uow:
        for username, login in (
            ("fresh", now - timedelta(days=30)),
            ("sleepy", now - timedelta(days=400)),
            ("never", None),
        ):
            uow.session.add(
                UserAccount(
                    username=username,
                    first_name="A",
                    last_name=username,
                    email=f"{username}@example.org",
                    last_login_at=login,
                    created_at=now - timedelta(days=800),
                )
            )
        uow.commit()


def _status(ctx) -> dict[str, str]:
    with ctx.store.read() as s:
        return dict(s.execute(select(UserAccount.username, UserAccount.status)).all())


def test_found_then_flagged_with_notices(ctx, accounts) -> None:
    service = DormantAccounts(ctx)
    assert [a.username for a in service.find()] == ["never", "sleepy"]
    done = service.apply()
    assert (done.action, done.accounts) == ("flag", 2)
    assert _status(ctx) == {
        "fresh": "active",
        "sleepy": "needs_registration",
        "never": "needs_registration",
    }
    notice = email.message_from_bytes((Path(done.notices_folder) / "sleepy.eml").read_bytes())
    assert (
        notice["To"] == "sleepy@example.org"
        and "registered again" in notice.get_payload(decode=True).decode()
    )
    with ctx.store.read() as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
    assert actions == ["account.dormant_flag"] * 2
    assert service.find() == [] and service.apply().accounts == 0


def test_disabled_when_the_setting_says_so(ctx, accounts) -> None:
    ctx.settings["dormant_action"] = "disable"
    assert DormantAccounts(ctx).apply().accounts == 2
    assert _status(ctx)["sleepy"] == "disabled"


def test_only_managers_apply(make_ctx, accounts) -> None:
    auditor = DormantAccounts(make_ctx("auditor", "audrey"))
    assert len(auditor.find()) == 2
    with pytest.raises(PermissionDenied):
        auditor.apply()
