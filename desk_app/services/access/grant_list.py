"""The grants of the accounts a Users & access query selects, as rows for an export.

The accounts are read through the page's own list source (same filters, same order), a page
at a time, and each page's grants in one statement: an export of every grant is as filtered as
the list the operator was looking at.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from desk_app.models.access import ApplicationRole, RoleGrant, UserAccount, WebApplication
from desk_app.models.entities import Building, EducationalEntity
from desk_app.rules.permissions import Perm
from desk_app.services.access.accounts import AccessService
from desk_app.services.listing import ListQuery

PAGE = 2000


@dataclass(frozen=True)
class GrantExportRow:
    username: str
    name: str
    application: str
    role: str
    level: int
    entity_code: str
    building_code: str
    granted_at: datetime
    ends_on: date | None
    revoked_at: datetime | None
    source: str  # "form" or "direct"


def grant_rows(service: AccessService, query: ListQuery) -> Iterator[GrantExportRow]:
    """Every grant (revoked ones too, with the date) of the accounts ``query`` selects."""
    service.ctx.require(Perm.VIEW_ACCESS)
    offset = 0
    while True:
        accounts = service.fetch(query, offset, PAGE)
        if accounts:
            yield from _grants_of(service, [uuid.UUID(a.id) for a in accounts])
        if len(accounts) < PAGE:
            return
        offset += PAGE


def _grants_of(service: AccessService, ids: list[uuid.UUID]) -> list[GrantExportRow]:
    order = {account: n for n, account in enumerate(ids)}
    stmt = (
        select(
            RoleGrant.user_account_id,
            UserAccount.username,
            UserAccount.first_name,
            UserAccount.last_name,
            WebApplication.name,
            ApplicationRole.name,
            ApplicationRole.level,
            EducationalEntity.code,
            Building.code,
            RoleGrant.granted_at,
            RoleGrant.ends_on,
            RoleGrant.revoked_at,
            RoleGrant.source_submission_id,
        )
        .join(UserAccount, UserAccount.id == RoleGrant.user_account_id)
        .join(ApplicationRole, ApplicationRole.id == RoleGrant.role_id)
        .join(WebApplication, WebApplication.id == ApplicationRole.application_id)
        .join(EducationalEntity, EducationalEntity.id == RoleGrant.entity_id)
        .outerjoin(Building, Building.id == RoleGrant.building_id)
        .where(RoleGrant.user_account_id.in_(ids), RoleGrant.deleted_at.is_(None))
    )
    with service.ctx.store.read() as s:
        rows = sorted(s.execute(stmt).all(), key=lambda r: (order[r[0]], r[4], r[6]))
    return [
        GrantExportRow(
            username,
            f"{first} {last}",
            app,
            role,
            level,
            entity,
            building or "",
            granted,
            ends,
            revoked,
            "form" if source else "direct",
        )
        for _a, username, first, last, app, role, level, entity, building, granted, ends, revoked, source in rows
    ]
