"""Users & access: user accounts, their role grants and user-manager designations (read side).

Grants and designations are created, changed and revoked by approving a form (services.decisions);
this module lists and explains them. Each row is built in SQL (grant counts, user-manager flag)
so the list stays one query per page.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
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
from desk_app.services.listing import ListQuery, page_params, paged, prefix_upper_bound, row_id


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
    ends_on: date | None = None  # the last day of temporary access


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
        select(func.count())
        .where(
            RoleGrant.user_account_id == UserAccount.id,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.deleted_at.is_(None),
        )
        .correlate(UserAccount)
        .scalar_subquery()
    )


def _is_um() -> Any:
    return (
        exists()
        .where(
            UserManagerDesignation.user_account_id == UserAccount.id,
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
        )
        .correlate(UserAccount)
    )


# A list statement's shape is which filters are set (and whether there is search text); the
# values are bound. Built once per shape, statements run on the store's read path.
Shape = tuple[bool, bool, bool, bool, bool]
PAGE_COLUMNS = (
    type_coerce(UserAccount.id, String).label("id"),
    UserAccount.username,
    UserAccount.first_name,
    UserAccount.last_name,
    UserAccount.email,
    EducationalEntity.code,
    EducationalEntity.name,
    UserAccount.status,
    UserAccount.last_login_at,
)


def _plan(query: ListQuery) -> tuple[Shape, dict[str, Any]]:
    params: dict[str, Any] = {
        key: query.filter(key) for key in ("entity", "status", "application") if query.filter(key)
    }
    text = query.text.strip().lower()
    if text:
        params.update(text=text, text_upper=prefix_upper_bound(text))
    shape = (
        "entity" in params,
        "status" in params,
        "application" in params,
        query.filter("user_managers") == "1",
        bool(text),
    )
    return shape, params


def _where(stmt: Select[Any], shape: Shape) -> Select[Any]:
    entity, status, application, user_managers, text = shape
    p = bindparam
    stmt = stmt.where(UserAccount.deleted_at.is_(None))
    if entity:
        stmt = stmt.where(EducationalEntity.code == p("entity"))
    if status:
        stmt = stmt.where(UserAccount.status == p("status"))
    if application:
        stmt = stmt.where(
            exists()
            .where(
                RoleGrant.user_account_id == UserAccount.id,
                RoleGrant.revoked_at.is_(None),
                RoleGrant.role_id == ApplicationRole.id,
                ApplicationRole.application_id == WebApplication.id,
                WebApplication.code == p("application"),
            )
            .correlate(UserAccount)
        )
    if user_managers:
        stmt = stmt.where(_is_um())
    if text:
        stmt = stmt.where(
            or_(
                and_(UserAccount.username >= p("text"), UserAccount.username < p("text_upper")),
                and_(
                    UserAccount.last_name_search >= p("text"),
                    UserAccount.last_name_search < p("text_upper"),
                ),
                UserAccount.email == p("text"),
            )
        )
    return stmt


@lru_cache(maxsize=64)
def _count_statement(shape: Shape) -> Select[Any]:
    return _where(
        select(func.count())
        .select_from(UserAccount)
        .outerjoin(EducationalEntity, UserAccount.entity_id == EducationalEntity.id),
        shape,
    )


@lru_cache(maxsize=256)
def _page_statement(shape: Shape, sort: str, descending: bool) -> Select[Any]:
    order = SORTS.get(sort, UserAccount.username)
    return paged(
        _where(
            select(*PAGE_COLUMNS, _grant_count(), _is_um())
            .outerjoin(EducationalEntity, UserAccount.entity_id == EducationalEntity.id)
            .order_by(order.desc() if descending else order, UserAccount.id),
            shape,
        )
    )


class AccessService:
    """List source for the Users & access page, plus account detail and the application catalogue."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        self.ctx.require(Perm.VIEW_ACCESS)
        shape, params = _plan(query)
        return int(self.ctx.store.read_rows(_count_statement(shape), params)[0][0])

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[AccountRow]:
        self.ctx.require(Perm.VIEW_ACCESS)
        shape, params = _plan(query)
        stmt = _page_statement(shape, query.sort, query.descending)
        rows = self.ctx.store.read_rows(stmt, page_params(params, offset, limit))
        return [
            AccountRow(
                row_id(i),
                username,
                f"{first} {last}",
                email,
                code or "",
                name or "",
                status,
                login,
                int(grants or 0),
                bool(um),
            )
            for i, username, first, last, email, code, name, status, login, grants, um in rows
        ]

    def detail(self, account_id: str) -> AccountDetail:
        self.ctx.require(Perm.VIEW_ACCESS)
        with self.ctx.store.read() as s:
            account = s.get(UserAccount, uuid.UUID(account_id))
            if account is None or account.deleted_at is not None:
                raise NotFound("that user account no longer exists")
            entity = s.get(EducationalEntity, account.entity_id) if account.entity_id else None
            grants = _grants(s, account.id)
            designations = _designations(s, account.id)
            others = tuple(
                s.execute(
                    select(UserAccount.username).where(
                        func.lower(UserAccount.email) == account.email.lower(),
                        UserAccount.id != account.id,
                        UserAccount.deleted_at.is_(None),
                    )
                ).scalars()
            )
            row = _row(
                account,
                entity.code if entity else "",
                entity.name if entity else "",
                sum(1 for g in grants if g.revoked_at is None),
                any(d.end_at is None for d in designations),
            )
            return AccountDetail(row, grants, designations, others)

    def applications(self) -> list[ApplicationDTO]:
        """The web applications and their roles (levels), for filters and editors."""
        with self.ctx.store.read() as s:
            apps = (
                s.execute(
                    select(WebApplication)
                    .where(WebApplication.deleted_at.is_(None))
                    .order_by(WebApplication.name)
                )
                .unique()
                .scalars()
                .all()
            )
            return [
                ApplicationDTO(
                    a.code,
                    a.name,
                    a.building_scope,
                    tuple(a.entity_kinds.split(",")),
                    tuple((r.code, r.name, r.level) for r in a.roles),
                )
                for a in apps
            ]


def _row(
    u: UserAccount, entity_code: str | None, entity_name: str | None, grants: int, um: bool
) -> AccountRow:
    return AccountRow(
        str(u.id),
        u.username,
        f"{u.first_name} {u.last_name}",
        u.email,
        entity_code or "",
        entity_name or "",
        u.status,
        u.last_login_at,
        int(grants or 0),
        bool(um),
    )


def _grants(s: Session, account_id: uuid.UUID) -> tuple[GrantDTO, ...]:
    rows = (
        s.execute(
            select(RoleGrant, ApplicationRole, WebApplication, EducationalEntity, Building)
            .join(ApplicationRole, RoleGrant.role_id == ApplicationRole.id)
            .join(WebApplication, ApplicationRole.application_id == WebApplication.id)
            .join(EducationalEntity, RoleGrant.entity_id == EducationalEntity.id)
            .outerjoin(Building, RoleGrant.building_id == Building.id)
            .where(RoleGrant.user_account_id == account_id, RoleGrant.deleted_at.is_(None))
            .order_by(RoleGrant.revoked_at.is_not(None), WebApplication.name, ApplicationRole.level)
        )
        .unique()
        .all()
    )
    return tuple(
        GrantDTO(
            str(g.id),
            app.code,
            app.name,
            role.code,
            role.name,
            role.level,
            ent.code,
            ent.name,
            b.code if b else "",
            b.name if b else "",
            g.granted_at,
            g.revoked_at,
            str(g.source_submission_id or ""),
            g.ends_on,
        )
        for g, role, app, ent, b in rows
    )


def _designations(s: Session, account_id: uuid.UUID) -> tuple[DesignationDTO, ...]:
    rows = (
        s.execute(
            select(UserManagerDesignation, EducationalEntity)
            .join(EducationalEntity, UserManagerDesignation.entity_id == EducationalEntity.id)
            .where(
                UserManagerDesignation.user_account_id == account_id,
                UserManagerDesignation.deleted_at.is_(None),
            )
            .order_by(UserManagerDesignation.start_at.desc())
        )
        .unique()
        .all()
    )
    return tuple(DesignationDTO(str(d.id), e.code, e.name, d.start_at, d.end_at) for d, e in rows)
