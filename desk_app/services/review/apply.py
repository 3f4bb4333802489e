"""Applying an approved request: accounts, role grants and user-manager designations.

Runs inside the decision's unit of work, so the grants, the designations, their audit events and
the queue state change commit together or not at all. Nothing is hard-deleted: a revoked grant
gets ``revoked_at``, an ended designation ``end_at``. An entity's last user manager is never
removed unless the same request names a replacement.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.audit import AuditEvent
from desk_app.models.entities import Building, EducationalEntity
from desk_app.models.store import UnitOfWork
from desk_app.services.review.dto import (
    AccessChange,
    RequestedChanges,
    RequestedRole,
    RequestedUserManager,
)

UNDO_REMOVAL = "access.account_undo"  # the audit action of an account removed by an undo


@dataclass
class Applied:
    """What applying a request changed (ids as strings), for the audit summary and the reply."""

    accounts_created: list[str] = field(default_factory=list)
    grants_added: list[str] = field(default_factory=list)
    grants_revoked: list[str] = field(default_factory=list)
    designations_added: list[str] = field(default_factory=list)
    designations_ended: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # human sentences for the reply
    # the same changes as data, for the diff shown before approving (see review.preview)
    diff: list[AccessChange] = field(default_factory=list)
    new_usernames: set[str] = field(default_factory=set)

    @property
    def ids(self) -> tuple[str, ...]:
        return (
            *self.accounts_created,
            *self.grants_added,
            *self.grants_revoked,
            *self.designations_added,
            *self.designations_ended,
        )


@dataclass
class _Apply:
    uow: UnitOfWork
    entity: EducationalEntity
    submission_id: uuid.UUID
    now: datetime
    out: Applied = field(default_factory=Applied)

    @property
    def session(self) -> Session:
        return self.uow.session


def _note(
    job: _Apply, kind: str, subject: str, account: UserAccount, app: str, before: str, after: str
) -> None:
    job.out.diff.append(
        AccessChange(
            kind,
            subject,
            account.username,
            f"{account.first_name} {account.last_name}".strip(),
            app,
            before,
            after,
            account.username in job.out.new_usernames,
        )
    )


def _revived(job: _Apply, username: str, email: str) -> UserAccount | None:
    """The account (by username, else email) that an undone approval removed: it lives again, so
    approving once more gives the person the same username. Only undo's removals come back (a
    merged-away duplicate stays gone)."""
    which = UserAccount.username == username if username else func.lower(UserAccount.email) == email
    gone = (
        job.session.execute(
            select(UserAccount)
            .join(AuditEvent, AuditEvent.record_id == UserAccount.id)
            .where(which, UserAccount.deleted_at.is_not(None), AuditEvent.action == UNDO_REMOVAL)
            .order_by(UserAccount.deleted_at.desc())
        )
        .scalars()
        .first()
    )
    if gone is None:
        return None
    gone.deleted_at = None
    job.out.accounts_created.append(str(gone.id))
    job.out.new_usernames.add(gone.username)
    audit.record(
        job.uow,
        "access.account_create",
        record_type="user_account",
        record_id=gone.id,
        summary=f"account {gone.username} restored for {job.entity.code}",
        details={"submission_id": str(job.submission_id)},
    )
    return gone


def _new_username(session: Session, first: str, last: str) -> str:
    base = re.sub(r"[^a-z0-9]", "", (first[:1] + last).lower()) or "user"
    candidate, n = base, 1
    while session.execute(select(UserAccount.id).where(UserAccount.username == candidate)).first():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _account(job: _Apply, first: str, last: str, email: str, username: str) -> UserAccount:
    """The person's one account: by username, else by email, else a new one."""
    s = job.session
    found = None
    if username:
        found = s.execute(
            select(UserAccount).where(
                UserAccount.username == username, UserAccount.deleted_at.is_(None)
            )
        ).scalar_one_or_none()
    if found is None and email:
        found = (
            s.execute(
                select(UserAccount)
                .where(func.lower(UserAccount.email) == email, UserAccount.deleted_at.is_(None))
                .order_by(UserAccount.created_at)
            )
            .scalars()
            .first()
        )
    if found is None and (username or email):
        found = _revived(job, username, email)
    if found is not None:
        return found
    if not (first and last and email):
        raise KnownError(
            f"cannot create an account for {first} {last}: name and email are required"
        )
    account = UserAccount(
        username=username or _new_username(s, first, last),
        first_name=first,
        last_name=last,
        email=email,
        entity_id=job.entity.id,
    )
    s.add(account)
    s.flush()
    job.out.accounts_created.append(str(account.id))
    job.out.new_usernames.add(account.username)
    audit.record(
        job.uow,
        "access.account_create",
        record_type="user_account",
        record_id=account.id,
        summary=f"account {account.username} created for {first} {last} ({job.entity.code})",
        details={"submission_id": str(job.submission_id)},
    )
    return account


def _role(job: _Apply, r: RequestedRole) -> ApplicationRole:
    role = job.session.execute(
        select(ApplicationRole)
        .join(WebApplication, ApplicationRole.application_id == WebApplication.id)
        .where(
            WebApplication.code == r.app,
            ApplicationRole.code == r.role,
            ApplicationRole.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if role is None:
        raise KnownError(f"row {r.row}: {r.app} has no role {r.role}")
    return role


def _building(job: _Apply, r: RequestedRole) -> Building | None:
    if not r.building:
        return None
    b = job.session.execute(
        select(Building).where(
            Building.entity_id == job.entity.id,
            Building.code == r.building,
            Building.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if b is None:
        raise KnownError(
            f"row {r.row}: building {r.building} is not a building of {job.entity.code}"
        )
    return b


def _active_grants(job: _Apply, account: UserAccount, app_id: uuid.UUID) -> list[RoleGrant]:
    return list(
        job.session.execute(
            select(RoleGrant)
            .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
            .where(
                RoleGrant.user_account_id == account.id,
                RoleGrant.entity_id == job.entity.id,
                ApplicationRole.application_id == app_id,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.deleted_at.is_(None),
            )
        ).scalars()
    )


def _revoke(job: _Apply, grant: RoleGrant, account: UserAccount, why: str) -> None:
    grant.revoked_at = job.now
    job.out.grants_revoked.append(str(grant.id))
    where = (
        f" building {grant.building_id and _code_of(job, grant.building_id)}"
        if grant.building_id
        else ""
    )
    job.out.lines.append(f"{account.username}: {grant.role.code}{where} removed")
    _note(
        job, "removed", "grant", account, grant.role.application.code, grant.role.code + where, ""
    )
    audit.record(
        job.uow,
        "access.revoke",
        record_type="role_grant",
        record_id=grant.id,
        summary=f"{account.username}: {grant.role.code} at {job.entity.code}{where} revoked ({why})",
        details={"submission_id": str(job.submission_id), "role": grant.role.code},
    )


def _code_of(job: _Apply, building_id: uuid.UUID) -> str:
    b = job.session.get(Building, building_id)
    return b.code if b else "?"


def _grant(
    job: _Apply, account: UserAccount, role: ApplicationRole, building: Building | None
) -> None:
    for g in _active_grants(job, account, role.application_id):
        if g.role_id == role.id and g.building_id == (building.id if building else None):
            job.out.lines.append(f"{account.username}: {role.code} already held")
            return
    g = RoleGrant(
        user_account_id=account.id,
        role_id=role.id,
        entity_id=job.entity.id,
        building_id=building.id if building else None,
        granted_at=job.now,
        source_submission_id=job.submission_id,
    )
    job.session.add(g)
    job.session.flush()
    where = f" building {building.code}" if building else ""
    job.out.grants_added.append(str(g.id))
    job.out.lines.append(f"{account.username}: {role.code} ({role.name}){where} added")
    _note(job, "added", "grant", account, role.application.code, "", role.code + where)
    audit.record(
        job.uow,
        "access.grant",
        record_type="role_grant",
        record_id=g.id,
        summary=f"{account.username}: {role.code} at {job.entity.code}{where} granted",
        details={"submission_id": str(job.submission_id), "role": role.code},
    )


def _apply_role(job: _Apply, requested: RequestedChanges, r: RequestedRole) -> None:
    user = requested.user(r.user_row)
    if user is None:
        raise KnownError(f"row {r.row}: no user in row {r.user_row}")
    account = _account(job, user.first_name, user.last_name, user.email, user.username)
    role = _role(job, r)
    building = _building(job, r)
    held = _active_grants(job, account, role.application_id)
    if r.action == "add":
        _grant(job, account, role, building)
    elif r.action == "modify":
        for g in held:
            if not (g.role_id == role.id and g.building_id == (building.id if building else None)):
                _revoke(job, g, account, "modified")
        _grant(job, account, role, building)
    elif r.action == "delete":
        matching = [
            g
            for g in held
            if g.role_id == role.id and (building is None or g.building_id == building.id)
        ]
        if not matching:
            raise KnownError(
                f"row {r.row}: {account.username} holds no {r.role} at {job.entity.code}"
            )
        for g in matching:
            _revoke(job, g, account, "deleted on request")
    else:
        raise KnownError(f"row {r.row}: unknown action {r.action!r}")


def _active_designations(job: _Apply) -> list[UserManagerDesignation]:
    return list(
        job.session.execute(
            select(UserManagerDesignation).where(
                UserManagerDesignation.entity_id == job.entity.id,
                UserManagerDesignation.end_at.is_(None),
                UserManagerDesignation.deleted_at.is_(None),
            )
        ).scalars()
    )


def _apply_user_manager(job: _Apply, um: RequestedUserManager) -> None:
    account = _account(job, um.first_name, um.last_name, um.email, um.username)
    current = _active_designations(job)
    mine = [d for d in current if d.user_account_id == account.id]
    if um.action == "add":
        if mine:
            job.out.lines.append(f"{account.username} is already a user manager")
            return
        d = UserManagerDesignation(
            entity_id=job.entity.id,
            user_account_id=account.id,
            start_at=job.now,
            source_submission_id=job.submission_id,
        )
        job.session.add(d)
        job.session.flush()
        job.out.designations_added.append(str(d.id))
        job.out.lines.append(f"{account.username} designated user manager of {job.entity.code}")
        _note(job, "added", "user manager", account, "", "", job.entity.code)
        audit.record(
            job.uow,
            "access.um_add",
            record_type="user_manager_designation",
            record_id=d.id,
            summary=f"{account.username} designated user manager of {job.entity.code}",
            details={"submission_id": str(job.submission_id)},
        )
    elif um.action == "remove":
        if not mine:
            raise KnownError(f"{account.username} is not a user manager of {job.entity.code}")
        if len(current) - len(mine) < 1:
            raise KnownError(
                f"{account.username} is the last user manager of {job.entity.code}",
                hint="the entity must name a replacement user manager first",
            )
        for d in mine:
            d.end_at = job.now
            job.out.designations_ended.append(str(d.id))
            audit.record(
                job.uow,
                "access.um_end",
                record_type="user_manager_designation",
                record_id=d.id,
                summary=f"{account.username} no longer user manager of {job.entity.code}",
                details={"submission_id": str(job.submission_id)},
            )
        job.out.lines.append(f"{account.username} removed as user manager of {job.entity.code}")
        _note(job, "removed", "user manager", account, "", job.entity.code, "")
    else:
        raise KnownError(f"user manager: say add or remove (not {um.action!r})")


def apply_request(
    uow: UnitOfWork,
    entity: EducationalEntity,
    submission_id: uuid.UUID,
    requested: RequestedChanges,
    now: datetime,
) -> Applied:
    """Create, change or revoke exactly what the form asks, in ``uow``'s transaction.

    Raises:
        KnownError: the request cannot be applied as written (unknown role or building, nothing to
            delete, removing the last user manager); the caller rolls everything back.
    """
    if requested.empty:
        raise KnownError("the form asks for no change")
    job = _Apply(uow, entity, submission_id, now)
    if requested.user_manager is not None:
        _apply_user_manager(job, requested.user_manager)
    for r in requested.roles:
        _apply_role(job, requested, r)
    return job.out
