"""Direct changes to grants by a Security Administrator, for what forms do not cover: an
emergency revoke, a correction, a last day for temporary access. Each needs a reason and is
audited; the rules that hold after every commit (last user manager with access, separation of
duties: :mod:`desk_app.models.invariants`) judge these changes as they judge decisions.

A grant's history reads the audit events written for it (by the decision that granted it, by a
direct change, by an access review) beside the form it came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from desk_app.errors import ConflictError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, WebApplication
from desk_app.models.audit import AuditEvent
from desk_app.models.base import utcnow
from desk_app.models.entities import Building, EducationalEntity, entity_by_code
from desk_app.models.store import UnitOfWork
from desk_app.models.submissions import FormSubmission
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext

EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class GrantEvent:
    occurred_at: datetime
    actor: str
    action: str
    summary: str


@dataclass(frozen=True)
class GrantHistory:
    grant_id: str
    username: str
    role_code: str
    entity_code: str
    granted_at: datetime
    revoked_at: datetime | None
    ends_on: date | None
    form_number: str  # the form it came from ("" when made directly)
    form_received_at: datetime | None
    decided_by: str
    events: tuple[GrantEvent, ...]
    decision: str = ""  # the decision on that form ("approved"), "" when made directly
    decided_at: datetime | None = None
    form_id: str = ""


@dataclass(frozen=True)
class ExpiringGrant:
    grant_id: str
    username: str
    role_code: str
    entity_code: str
    ends_on: date


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise ValidationError("reason", "say why (at least a few words): it goes in the audit log")
    return reason


def _grant(uow: UnitOfWork, grant_id: str) -> RoleGrant:
    try:
        grant = uow.session.get(RoleGrant, uuid.UUID(grant_id))
    except ValueError:
        grant = None
    if grant is None or grant.deleted_at is not None:
        raise NotFound("that grant no longer exists")
    return grant


def _role(uow: UnitOfWork, role_code: str) -> ApplicationRole:
    role = uow.session.execute(
        select(ApplicationRole).where(
            ApplicationRole.code == role_code, ApplicationRole.deleted_at.is_(None)
        )
    ).scalar_one_or_none()
    if role is None:
        raise ValidationError("role", f"{role_code!r} is not a role of any web application")
    return role


def _scope(
    uow: UnitOfWork, role: ApplicationRole, entity_code: str, building_code: str
) -> tuple[EducationalEntity, Building | None]:
    entity = entity_by_code(uow.session, entity_code.strip())
    if entity is None:
        raise ValidationError("entity", f"no entity has the code {entity_code!r}")
    if not building_code.strip():
        return entity, None
    application = uow.session.get(WebApplication, role.application_id)
    if application is None or not application.building_scope:
        raise ValidationError("building", "this application grants access to whole entities only")
    building = uow.session.execute(
        select(Building).where(
            Building.entity_id == entity.id,
            Building.code == building_code.strip(),
            Building.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if building is None:
        raise ValidationError("building", f"{entity.code} has no building {building_code!r}")
    return entity, building


def _label(uow: UnitOfWork, grant: RoleGrant) -> str:
    account = uow.session.get(UserAccount, grant.user_account_id)
    entity = uow.session.get(EducationalEntity, grant.entity_id)
    return f"{account.username if account else '?'}: {grant.role.code} at {entity.code if entity else '?'}"


class GrantAdmin:
    """Direct grant changes, end dates and expiry, and a grant's history."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def account_id(self, username: str) -> str:
        """The id of the live account ``username`` (for the console, which names accounts)."""
        self.ctx.require(Perm.VIEW_ACCESS)
        with self.ctx.store.read() as s:
            found = s.execute(
                select(UserAccount.id).where(
                    UserAccount.username == username.strip(), UserAccount.deleted_at.is_(None)
                )
            ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"no account has the username {username!r}")
        return str(found)

    def grant(
        self,
        account_id: str,
        role_code: str,
        entity_code: str,
        reason: str,
        *,
        building_code: str = "",
        ends_on: date | None = None,
    ) -> Changes:
        """Give an account a role directly (a correction, access a form cannot carry).

        The invariants judge the commit as they judge a decision: an operator cannot give
        access to their own account (separation of duties).
        """
        self.ctx.require(Perm.MANAGE_ACCESS)
        why = _reason(reason)
        if ends_on is not None and ends_on < date.today():
            raise ValidationError("end date", "is in the past")
        with self.ctx.uow() as uow:
            try:
                account = uow.session.get(UserAccount, uuid.UUID(account_id))
            except ValueError:
                account = None
            if account is None or account.deleted_at is not None:
                raise NotFound("that account no longer exists")
            role = _role(uow, role_code)
            entity, building = _scope(uow, role, entity_code, building_code)
            same_place = (
                RoleGrant.building_id == building.id
                if building
                else RoleGrant.building_id.is_(None)
            )
            twin = uow.session.execute(
                select(RoleGrant.id).where(
                    RoleGrant.user_account_id == account.id,
                    RoleGrant.role_id == role.id,
                    RoleGrant.entity_id == entity.id,
                    same_place,
                    RoleGrant.revoked_at.is_(None),
                    RoleGrant.deleted_at.is_(None),
                )
            ).first()
            if twin is not None:
                raise ConflictError(f"{account.username} already holds {role.code} there")
            grant = RoleGrant(
                user_account_id=account.id,
                role_id=role.id,
                entity_id=entity.id,
                building_id=building.id if building else None,
                granted_at=utcnow(),
                ends_on=ends_on,
            )
            uow.session.add(grant)
            uow.session.flush()
            scope = entity.code + (f" / building {building.code}" if building else "")
            audit.record(
                uow,
                "access.grant_direct",
                record_type="role_grant",
                record_id=grant.id,
                summary=f"{account.username}: {role.code} at {scope} granted directly"
                + (f", last day {ends_on}" if ends_on else "")
                + f": {why}",
                details={"reason": why},
            )
            uow.commit()
            return Changes.of(Area.ACCESS, ids=(str(grant.id),))

    def change_role(self, grant_id: str, role_code: str, reason: str) -> Changes:
        """Correct a grant's role (another level of the same application), kept as one grant
        so its history stays whole."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        why = _reason(reason)
        with self.ctx.uow() as uow:
            grant = _grant(uow, grant_id)
            if grant.revoked_at is not None:
                raise ConflictError("that grant was revoked; grant the role anew instead")
            role = _role(uow, role_code)
            before = grant.role
            if role.application_id != before.application_id:
                raise ValidationError("role", "must be a role of the same web application")
            if role.id == before.id:
                raise ValidationError("role", f"the grant already is {role.code}")
            grant.role_id = role.id
            grant.role = role
            audit.record(
                uow,
                "access.change_direct",
                record_type="role_grant",
                record_id=grant.id,
                summary=f"{_label(uow, grant)}: changed from {before.code} directly: {why}",
                details={"reason": why, "from": before.code, "to": role.code},
            )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=(grant_id,))

    def revoke(self, grant_id: str, reason: str) -> Changes:
        """Emergency revoke (or a correction) with its reason."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        why = _reason(reason)
        with self.ctx.uow() as uow:
            grant = _grant(uow, grant_id)
            if grant.revoked_at is not None:
                raise ConflictError("that grant was already revoked")
            grant.revoked_at = utcnow()
            audit.record(
                uow,
                "access.revoke_direct",
                record_type="role_grant",
                record_id=grant.id,
                summary=f"{_label(uow, grant)} revoked directly: {why}",
                details={"reason": why},
            )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=(grant_id,))

    def set_end_date(self, grant_id: str, ends_on: date | None, reason: str) -> Changes:
        """Give a grant a last day (temporary access), or take it away."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        why = _reason(reason)
        if ends_on is not None and ends_on < date.today():
            raise ValidationError("end date", "is in the past; revoke the grant instead")
        with self.ctx.uow() as uow:
            grant = _grant(uow, grant_id)
            before = grant.ends_on
            grant.ends_on = ends_on
            audit.record(
                uow,
                "access.end_date",
                record_type="role_grant",
                record_id=grant.id,
                summary=f"{_label(uow, grant)}: last day {before or 'none'} -> "
                f"{ends_on or 'none'} ({why})",
                details={"reason": why},
            )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=(grant_id,))

    def expiring(self, today: date | None = None) -> list[ExpiringGrant]:
        """Active grants whose last day is within the warning window (or past)."""
        self.ctx.require(Perm.VIEW_ACCESS)
        until = (today or date.today()) + EXPIRY_WARNING
        stmt = (
            select(
                RoleGrant.id,
                UserAccount.username,
                ApplicationRole.code,
                EducationalEntity.code,
                RoleGrant.ends_on,
            )
            .join(UserAccount, UserAccount.id == RoleGrant.user_account_id)
            .join(ApplicationRole, ApplicationRole.id == RoleGrant.role_id)
            .join(EducationalEntity, EducationalEntity.id == RoleGrant.entity_id)
            .where(
                RoleGrant.ends_on.is_not(None),
                RoleGrant.ends_on <= until,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.deleted_at.is_(None),
            )
            .order_by(RoleGrant.ends_on)
        )
        with self.ctx.store.read() as s:
            return [ExpiringGrant(str(g), u, r, e, d) for g, u, r, e, d in s.execute(stmt) if d]

    def expire(self, today: date | None = None) -> Changes:
        """Revoke every grant past its last day, one audit event each."""
        self.ctx.require(Perm.MANAGE_ACCESS)
        today = today or date.today()
        ids: list[str] = []
        with self.ctx.uow() as uow:
            grants = uow.session.execute(
                select(RoleGrant).where(
                    RoleGrant.ends_on < today,
                    RoleGrant.revoked_at.is_(None),
                    RoleGrant.deleted_at.is_(None),
                )
            ).scalars()
            for grant in grants:
                grant.revoked_at = utcnow()
                ids.append(str(grant.id))
                audit.record(
                    uow,
                    "access.expired",
                    record_type="role_grant",
                    record_id=grant.id,
                    summary=f"{_label(uow, grant)}: last day {grant.ends_on} passed; revoked",
                )
            uow.commit()
        return Changes.of(Area.ACCESS, ids=tuple(ids))

    def history(self, grant_id: str) -> GrantHistory:
        """Which form, which decision, who and when, for one grant."""
        self.ctx.require(Perm.VIEW_ACCESS)
        with self.ctx.store.read() as s:
            grant = s.get(RoleGrant, uuid.UUID(grant_id))
            if grant is None:
                raise NotFound("that grant does not exist")
            account = s.get(UserAccount, grant.user_account_id)
            entity = s.get(EducationalEntity, grant.entity_id)
            form = (
                s.get(FormSubmission, grant.source_submission_id)
                if grant.source_submission_id
                else None
            )
            events = s.execute(
                select(
                    AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action, AuditEvent.summary
                )
                .where(AuditEvent.record_id == grant.id)
                .order_by(AuditEvent.occurred_at, AuditEvent.seq)
            ).all()
            return GrantHistory(
                str(grant.id),
                account.username if account else "",
                grant.role.code,
                entity.code if entity else "",
                grant.granted_at,
                grant.revoked_at,
                grant.ends_on,
                form.form_number if form else "",
                form.received_at if form else None,
                form.decided_by if form else "",
                tuple(GrantEvent(*e) for e in events),
                (form.decision or "") if form else "",
                form.decided_at if form else None,
                str(form.id) if form else "",
            )
