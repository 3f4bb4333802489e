"""Accounts not used for 12 months: found, flagged (must register again) or, by the
``dormant_action`` setting, disabled with a notice drafted to the account's owner.

Nothing is deleted: the account, its grants and designations stay, with the status change
audited, so its history remains readable (and the Compliance view shows a dormant user manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.access import AccountStatus, UserAccount
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext

DORMANT_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class DormantAccount:
    id: str
    username: str
    name: str
    email: str
    entity_code: str
    last_login_at: datetime | None


@dataclass(frozen=True)
class DormantApplied:
    action: str  # "flag" or "disable"
    accounts: int
    notices_folder: str
    changes: Changes


def _dormant_where(cutoff: datetime) -> Any:
    return and_(
        UserAccount.deleted_at.is_(None),
        UserAccount.status == AccountStatus.ACTIVE.value,
        or_(
            UserAccount.last_login_at < cutoff,
            and_(UserAccount.last_login_at.is_(None), UserAccount.created_at < cutoff),
        ),
    )


class DormantAccounts:
    """Find and act on accounts nobody used for a year."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def find(self, now: datetime | None = None) -> list[DormantAccount]:
        self.ctx.require(Perm.VIEW_ACCESS)
        cutoff = (now or utcnow()) - DORMANT_AFTER
        stmt = (
            select(
                UserAccount.id,
                UserAccount.username,
                UserAccount.first_name,
                UserAccount.last_name,
                UserAccount.email,
                EducationalEntity.code,
                UserAccount.last_login_at,
            )
            .outerjoin(EducationalEntity, EducationalEntity.id == UserAccount.entity_id)
            .where(_dormant_where(cutoff))
            .order_by(UserAccount.username)
        )
        with self.ctx.store.read() as s:
            return [
                DormantAccount(str(i), u, f"{f} {la}", e, c or "", login)
                for i, u, f, la, e, c, login in s.execute(stmt)
            ]

    def apply(self, now: datetime | None = None) -> DormantApplied:
        """Flag every dormant account (or disable it, as the setting says), one audit event each,
        and draft the notice to its owner."""
        from desk_app.pdf.replies import draft_eml

        self.ctx.require(Perm.MANAGE_ACCESS)
        if self.ctx.paths is None:
            raise KnownError("no data folder to save the notices in")
        action = str(self.ctx.settings["dormant_action"])
        status = AccountStatus.DISABLED if action == "disable" else AccountStatus.NEEDS_REGISTRATION
        cutoff = (now or utcnow()) - DORMANT_AFTER
        folder = self.ctx.paths.data_dir / "drafts" / "dormant"
        folder.mkdir(parents=True, exist_ok=True)
        ids: list[str] = []
        with self.ctx.uow() as uow:
            accounts = uow.session.execute(select(UserAccount).where(_dormant_where(cutoff)))
            for account in accounts.scalars():
                account.status = status.value
                ids.append(str(account.id))
                audit.record(
                    uow,
                    f"account.dormant_{action}",
                    record_type="user_account",
                    record_id=account.id,
                    summary=f"{account.username}: not used since "
                    f"{account.last_login_at.date() if account.last_login_at else 'ever'}; "
                    f"{status.value.replace('_', ' ')}",
                )
                (folder / f"{account.username}.eml").write_bytes(
                    draft_eml("", [account.email], _SUBJECT, _notice(account, status))
                )
            uow.commit()
        return DormantApplied(
            action, len(ids), str(folder), Changes.of(Area.ACCESS, ids=tuple(ids))
        )


_SUBJECT = "Your web systems account has not been used for a year"


def _notice(account: UserAccount, status: AccountStatus) -> str:
    what = (
        "has been disabled"
        if status is AccountStatus.DISABLED
        else "must be registered again before its next use"
    )
    return (
        f"Dear {account.first_name} {account.last_name}:\n\n"
        f"Your account {account.username} has not been used for over 12 months and {what}. "
        "Your access and records are kept. To use it again, ask your district's user manager "
        "or reply to this message.\n\nWeb Systems Security\n"
    )
