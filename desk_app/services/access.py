"""Users & access: user accounts, their role grants and user-manager designations (read side).

Grants and designations are created, changed and revoked by approving a form (services.decisions);
this module lists and explains them. Each row is built in SQL (grant counts, user-manager flag)
so the list stays one query per page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from desk_app.errors import NotFound
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.entities import Building, EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.context import ServiceContext
from desk_app.services.listing import ListQuery, prefix_upper_bound


@dataclass(frozen=True)
class AccountRow:
    id: str
    username: str
    name: str
    email: str
    entity_code: str
    entity_name: str
    status: str
    last_login_at: datetime | None
    active_grants: int
    is_user_manager: bool


@dataclass(frozen=True)
class GrantDTO:
    id: str
    application_code: str
    application_name: str
    role_code: str
    role_name: str
    level: int
    entity_code: str
    entity_name: str
    building_code: str
    building_name: str
    granted_at: datetime
    revoked_at: datetime | None
    source_submission_id: str


@dataclass(frozen=True)
class DesignationDTO:
    id: str
    entity_code: str
    entity_name: str
    start_at: datetime
    end_at: datetime | None


@dataclass(frozen=True)
class AccountDetail:
    row: AccountRow
    grants: tuple[GrantDTO, ...]
    designations: tuple[DesignationDTO, ...]
    other_usernames_same_email: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationDTO:
    code: str
    name: str
    building_scope: bool
    entity_kinds: tuple[str, ...]
    roles: tuple[tuple[str, str, int], ...]  # (code, name, level)


SORTS = {
    "username": UserAccount.username,
    "name": UserAccount.last_name_search,
    "email": UserAccount.email,
    "status": UserAccount.status,
    "last_login": UserAccount.last_login_at,
}


def _grant_count() -> Any:
    return (
        select(func.count()).where(RoleGrant.user_account_id == UserAccount.id,
                                   RoleGrant.revoked_at.is_(None), RoleGrant.deleted_at.is_(None))
        .correlate(UserAccount).scalar_subquery()
    )


def _is_um() -> Any:
    return exists().where(UserManagerDesignation.user_account_id == UserAccount.id,
                          UserManagerDesignation.end_at.is_(None),
                          UserManagerDesignation.deleted_at.is_(None)).correlate(UserAccount)


def _filtered(stmt: Select[Any], query: ListQuery) -> Select[Any]:
    stmt = stmt.where(UserAccount.deleted_at.is_(None))
    if query.filter("entity"):
        stmt = stmt.where(EducationalEntity.code == query.filter("entity"))
    if query.filter("status"):
        stmt = stmt.where(UserAccount.status == query.filter("status"))
    if query.filter("application"):
        stmt = stmt.where(exists().where(
            RoleGrant.user_account_id == UserAccount.id, RoleGrant.revoked_at.is_(None),
            RoleGrant.role_id == ApplicationRole.id, ApplicationRole.application_id == WebApplication.id,
            WebApplication.code == query.filter("application")).correlate(UserAccount))
    if query.filter("user_managers") == "1":
        stmt = stmt.where(_is_um())
    text = query.text.strip().lower()
    if text:
        upper = prefix_upper_bound(text)
        stmt = stmt.where(or_(
            and_(UserAccount.username >= text, UserAccount.username < upper),
            and_(UserAccount.last_name_search >= text, UserAccount.last_name_search < upper),
            UserAccount.email == text,
        ))
    return stmt


class AccessService:
    """List source for the Users & access page, plus account detail and the application catalogue."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_ACCESS)
        stmt = select(func.count()).select_from(UserAccount).outerjoin(
            EducationalEntity, UserAccount.entity_id == EducationalEntity.id)
        with self.ctx.store.read() as s:
            return int(s.execute(_filtered(stmt, query)).scalar_one())

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[AccountRow]:
        self.ctx.require(Perm.VIEW_ACCESS)
        order = SORTS.get(query.sort, UserAccount.username)
        stmt = (
            select(UserAccount, EducationalEntity.code, EducationalEntity.name, _grant_count(), _is_um())
            .outerjoin(EducationalEntity, UserAccount.entity_id == EducationalEntity.id)
            .order_by(order.desc() if query.descending else order, UserAccount.id)
            .offset(offset).limit(limit)
        )
        with self.ctx.store.read() as s:
            return [_row(u, code, name, grants, um) for u, code, name, grants, um
                    in s.execute(_filtered(stmt, query))]

    def detail(self, account_id: str) -> AccountDetail:
        self.ctx.require(Perm.VIEW_ACCESS)
        with self.ctx.store.read() as s:
            account = s.get(UserAccount, uuid.UUID(account_id))
            if account is None or account.deleted_at is not None:
                raise NotFound("that user account no longer exists")
            entity = s.get(EducationalEntity, account.entity_id) if account.entity_id else None
            grants = _grants(s, account.id)
            designations = _designations(s, account.id)
            others = tuple(s.execute(
                select(UserAccount.username).where(func.lower(UserAccount.email) == account.email.lower(),
                                                   UserAccount.id != account.id,
                                                   UserAccount.deleted_at.is_(None))).scalars())
            row = _row(account, entity.code if entity else "", entity.name if entity else "",
                       sum(1 for g in grants if g.revoked_at is None),
                       any(d.end_at is None for d in designations))
            return AccountDetail(row, grants, designations, others)

    def applications(self) -> list[ApplicationDTO]:
        """The web applications and their roles (levels), for filters and editors."""
        with self.ctx.store.read() as s:
            apps = s.execute(select(WebApplication).where(WebApplication.deleted_at.is_(None))
                             .order_by(WebApplication.name)).unique().scalars().all()
            return [ApplicationDTO(a.code, a.name, a.building_scope, tuple(a.entity_kinds.split(",")),
                                   tuple((r.code, r.name, r.level) for r in a.roles)) for a in apps]


def _row(u: UserAccount, entity_code: str | None, entity_name: str | None, grants: int, um: bool) -> AccountRow:
    return AccountRow(str(u.id), u.username, f"{u.first_name} {u.last_name}", u.email, entity_code or "",
                      entity_name or "", u.status, u.last_login_at, int(grants or 0), bool(um))


def _grants(s: Session, account_id: uuid.UUID) -> tuple[GrantDTO, ...]:
    rows = s.execute(
        select(RoleGrant, ApplicationRole, WebApplication, EducationalEntity, Building)
        .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
        .join(WebApplication, ApplicationRole.application_id == WebApplication.id)
        .join(EducationalEntity, RoleGrant.entity_id == EducationalEntity.id)
        .outerjoin(Building, RoleGrant.building_id == Building.id)
        .where(RoleGrant.user_account_id == account_id, RoleGrant.deleted_at.is_(None))
        .order_by(RoleGrant.revoked_at.is_not(None), WebApplication.name, ApplicationRole.level)
    ).unique().all()
    return tuple(
        GrantDTO(str(g.id), app.code, app.name, role.code, role.name, role.level, ent.code, ent.name,
                 b.code if b else "", b.name if b else "", g.granted_at, g.revoked_at,
                 str(g.source_submission_id or ""))
        for g, role, app, ent, b in rows
    )


def _designations(s: Session, account_id: uuid.UUID) -> tuple[DesignationDTO, ...]:
    rows = s.execute(
        select(UserManagerDesignation, EducationalEntity)
        .join(EducationalEntity, UserManagerDesignation.entity_id == EducationalEntity.id)
        .where(UserManagerDesignation.user_account_id == account_id,
               UserManagerDesignation.deleted_at.is_(None))
        .order_by(UserManagerDesignation.start_at.desc())
    ).unique().all()
    return tuple(DesignationDTO(str(d.id), e.code, e.name, d.start_at, d.end_at) for d, e in rows)
