"""Merging a duplicate account into the one kept, and undoing it until the change is synced.

Every active grant and current user-manager designation of the duplicate moves to the kept
account (a grant the kept account already holds is revoked on the duplicate instead); the
duplicate is disabled, not deleted, so its history stays readable. What moved is written in the
merge's audit event, which is how the un-merge puts it back; once the duplicate's change has
been pushed to the central database (no outbox entry left for it), the merge stands and a
correction is a new merge or a form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from desk_app.errors import ConflictError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.access import AccountStatus, RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.store import UnitOfWork
from desk_app.models.sync_state import OutboxEntry
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext


@dataclass(frozen=True)
class Merged:
    event_id: str
    moved_grants: int
    moved_designations: int
    duplicate_grants_revoked: int
    changes: Changes


def _account(uow: UnitOfWork, account_id: str) -> UserAccount:
    account = uow.session.get(UserAccount, uuid.UUID(account_id))
    if account is None or account.deleted_at is not None:
        raise NotFound("that account no longer exists")
    return account


def _move_grants(
    uow: UnitOfWork, keep: UserAccount, drop: UserAccount
) -> tuple[list[str], list[str]]:
    s = uow.session
    held = {
        (g.role_id, g.entity_id, g.building_id)
        for g in s.execute(
            select(RoleGrant).where(
                RoleGrant.user_account_id == keep.id, RoleGrant.revoked_at.is_(None)
            )
        ).scalars()
    }
    moved: list[str] = []
    revoked: list[str] = []
    for g in s.execute(
        select(RoleGrant).where(
            RoleGrant.user_account_id == drop.id,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.deleted_at.is_(None),
        )
    ).scalars():
        if (g.role_id, g.entity_id, g.building_id) in held:
            g.revoked_at = utcnow()
            revoked.append(str(g.id))
        else:
            g.user_account_id = keep.id
            moved.append(str(g.id))
    return moved, revoked


def _move_designations(uow: UnitOfWork, keep: UserAccount, drop: UserAccount) -> list[str]:
    moved = []
    for d in uow.session.execute(
        select(UserManagerDesignation).where(
            UserManagerDesignation.user_account_id == drop.id,
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
        )
    ).scalars():
        d.user_account_id = keep.id
        moved.append(str(d.id))
    return moved


class AccountMerge:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def merge(self, keep_id: str, duplicate_id: str, reason: str) -> Merged:
        self.ctx.require(Perm.MANAGE_ACCESS)
        if keep_id == duplicate_id:
            raise ValidationError("merge", "choose two different accounts")
        if len(reason.strip()) < 5:
            raise ValidationError("reason", "say why the two accounts are one person")
        with self.ctx.uow() as uow:
            keep, drop = _account(uow, keep_id), _account(uow, duplicate_id)
            if drop.status == AccountStatus.DISABLED.value:
                raise ConflictError(f"{drop.username} is disabled already (merged before?)")
            # designations first: the kept account is a user manager before the grants move
            designations = _move_designations(uow, keep, drop)
            grants, revoked = _move_grants(uow, keep, drop)
            previous = drop.status
            drop.status = AccountStatus.DISABLED.value
            event = audit.record(
                uow,
                "account.merge",
                record_type="user_account",
                record_id=drop.id,
                summary=f"{drop.username} merged into {keep.username}: {len(grants)} grants, "
                f"{len(designations)} designations moved ({reason.strip()})",
                details={
                    "keep": str(keep.id),
                    "duplicate": str(drop.id),
                    "grants": grants,
                    "revoked": revoked,
                    "designations": designations,
                    "previous_status": previous,
                },
            )
            uow.commit()
            event_id = str(event.id)
        ids = (keep_id, duplicate_id, *grants, *revoked)
        return Merged(
            event_id, len(grants), len(designations), len(revoked), Changes.of(Area.ACCESS, ids=ids)
        )

    def unmerge(self, event_id: str) -> Changes:
        """Put a merge back as it was, while the duplicate's change is not yet synced."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        with self.ctx.uow() as uow:
            s = uow.session
            event = s.get(AuditEvent, uuid.UUID(event_id))
            if event is None or event.action != "account.merge":
                raise NotFound("no such merge")
            d = event.details
            drop = _account(uow, d["duplicate"])
            if not s.execute(
                select(OutboxEntry.seq).where(
                    OutboxEntry.table_name == "user_account", OutboxEntry.row_id == drop.id.hex
                )
            ).first():
                raise ConflictError("this merge was already synced; it can no longer be undone")
            for gid in d["grants"]:
                s.get(RoleGrant, uuid.UUID(gid)).user_account_id = drop.id  # type: ignore[union-attr]
            for gid in d["revoked"]:
                s.get(RoleGrant, uuid.UUID(gid)).revoked_at = None  # type: ignore[union-attr]
            for did in d["designations"]:
                designation = s.get(UserManagerDesignation, uuid.UUID(did))
                designation.user_account_id = drop.id  # type: ignore[union-attr]
            drop.status = d["previous_status"]
            audit.record(
                uow,
                "account.unmerge",
                record_type="user_account",
                record_id=drop.id,
                summary=f"merge of {drop.username} undone",
                details={"merge_event": event_id},
            )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=(d["keep"], d["duplicate"]))
