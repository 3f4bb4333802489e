"""Web applications and roles, user accounts, user-manager designations and role grants.

Every LEA and IHE gets at least one user manager: its current superintendent or authorized
representative, with a user account tied to the person; some entities have a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from typing import Any

from desk_app.models.access import (
    AccountStatus,
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.seed.bulk import ANCHOR, BulkWriter, Rng, stream
from desk_app.seed.organisations import EntityInfo, Organisations, person_name

ACCOUNTS_AT_SCALE_1 = 20_000
# share of ordinary accounts by entity kind
KIND_SHARE = (
    ("lea", 0.78),
    ("nonpublic", 0.10),
    ("ihe", 0.05),
    ("public", 0.05),
    ("consultant", 0.02),
)


@dataclass(frozen=True)
class RoleInfo:
    id: uuid.UUID
    app_code: str
    code: str
    building_scope: bool
    kinds: tuple[str, ...]


def _catalogue() -> list[Any]:
    """The forms catalogue's applications (:mod:`desk_app.pdf.catalogue`) when it is there, else
    the seed's own copy; either is plain data with the same attribute names."""
    try:
        from desk_app.pdf.catalogue import WEB_APPLICATIONS
    except ImportError:
        from desk_app.seed.catalogue_data import WEB_APPLICATIONS  # type: ignore[assignment]
    apps = WEB_APPLICATIONS.values() if isinstance(WEB_APPLICATIONS, dict) else WEB_APPLICATIONS
    return list(apps)


def _role_fields(role: Any) -> tuple[str, str, int]:
    return (role.code, role.name, role.level) if hasattr(role, "code") else tuple(role)


def seed_applications(bulk: BulkWriter) -> list[RoleInfo]:
    rng = stream("applications")
    apps, roles, infos = [], [], []
    for spec in _catalogue():
        app_id = rng.uuid4()
        kinds = tuple(spec.entity_kinds)
        apps.append(
            bulk.row(
                app_id,
                {
                    "code": spec.code,
                    "name": spec.name,
                    "description": getattr(spec, "description", ""),
                    "building_scope": spec.building_scope,
                    "entity_kinds": ",".join(kinds),
                    "active": True,
                },
            )
        )
        for code, name, level in map(_role_fields, spec.roles):
            role_id = rng.uuid4()
            roles.append(
                bulk.row(
                    role_id, {"application_id": app_id, "code": code, "name": name, "level": level}
                )
            )
            infos.append(RoleInfo(role_id, spec.code, code, spec.building_scope, kinds))
    bulk.write(WebApplication.__table__, apps)
    bulk.write(ApplicationRole.__table__, roles)
    return infos


class _Usernames:
    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def make(self, first: str, last: str) -> str:
        base = "".join(ch for ch in f"{first[0]}{last}".lower() if ch.isalnum())
        n = self.seen.get(base, 0) + 1
        self.seen[base] = n
        return base if n == 1 else f"{base}{n}"


def seed_accounts(
    bulk: BulkWriter, orgs: Organisations, roles: list[RoleInfo], scale: float
) -> None:
    """User accounts with grants, and user managers for every LEA and IHE."""
    rng = stream("accounts")
    names = _Usernames()
    managers = _user_managers(bulk, rng, orgs, roles, names)
    total = max(
        round(ACCOUNTS_AT_SCALE_1 * scale) - managers, round(ACCOUNTS_AT_SCALE_1 * scale / 2)
    )
    pools = {kind: orgs.of(kind) for kind, _ in KIND_SHARE}
    kinds = [k for k, _ in KIND_SHARE]
    kind_weights = list(accumulate(share for _, share in KIND_SHARE))
    # bigger districts (more buildings) have more users
    lea_weights = list(accumulate(max(1, len(e.buildings)) for e in pools["lea"]))
    usable_by_kind = {
        kind: [r for r in roles if kind in r.kinds and r.app_code != "USERMGR"] for kind in kinds
    }
    accounts, grants = [], []
    for _ in range(total):
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        entity = (
            rng.choices(pools["lea"], cum_weights=lea_weights)[0]
            if kind == "lea"
            else rng.choice(pools[kind])
        )
        account_id, row = _account(bulk, rng, names, entity, None)
        accounts.append(row)
        usable = usable_by_kind[kind]
        for role in rng.sample(usable, min(len(usable), rng.choice((1, 1, 2, 2, 3)))):
            grants.append(_grant(bulk, rng, account_id, role, entity))
        if len(accounts) >= 5000:
            bulk.write(UserAccount.__table__, accounts)
            bulk.write(RoleGrant.__table__, grants)
            accounts, grants = [], []
    bulk.write(UserAccount.__table__, accounts)
    bulk.write(RoleGrant.__table__, grants)


def _user_managers(
    bulk: BulkWriter, rng: Rng, orgs: Organisations, roles: list[RoleInfo], names: _Usernames
) -> int:
    # the User Manager application when the catalogue has one, else the entity's first role
    um_role = next((r for r in roles if r.app_code == "USERMGR"), None)
    accounts, designations, grants = [], [], []
    for entity in orgs.of("lea") + orgs.of("ihe"):
        holders = [entity.officer] + ([None] if rng.random() < 0.35 else [])
        for person in holders:
            account_id, row = _account(bulk, rng, names, entity, person)
            row["status"], row["last_login_at"] = (
                AccountStatus.ACTIVE.value,
                rng.moment(ANCHOR - timedelta(days=rng.randrange(60))),
            )
            accounts.append(row)
            since = rng.moment(
                person.since if person else ANCHOR - timedelta(days=rng.randrange(90, 2000))
            )
            designations.append(
                bulk.row(
                    rng.uuid4(),
                    {
                        "entity_id": entity.id,
                        "user_account_id": account_id,
                        "start_at": since,
                        "end_at": None,
                        "source_submission_id": None,
                    },
                )
            )
            role = um_role or next(r for r in roles if entity.kind in r.kinds)
            grants.append(_grant(bulk, rng, account_id, role, entity))
    bulk.write(UserAccount.__table__, accounts)
    bulk.write(UserManagerDesignation.__table__, designations)
    bulk.write(RoleGrant.__table__, grants)
    return len(accounts)


def _account(
    bulk: BulkWriter, rng: Rng, names: _Usernames, entity: EntityInfo, person: Any
) -> tuple[uuid.UUID, dict[str, Any]]:
    first, last = (person.first, person.last) if person else person_name(rng)
    username = names.make(first, last)
    roll = rng.random()
    if roll < 0.85:
        status, days = AccountStatus.ACTIVE.value, rng.randrange(0, 360)
    elif roll < 0.95:
        status, days = AccountStatus.NEEDS_REGISTRATION.value, rng.randrange(370, 1500)
    else:
        status, days = AccountStatus.DISABLED.value, rng.randrange(30, 1500)
    account_id = rng.uuid4()
    email = person.email if person else f"{username}@{entity.domain}"
    return account_id, bulk.row(
        account_id,
        {
            "username": username,
            "person_id": person.id if person else None,
            "first_name": first,
            "last_name": last,
            "last_name_search": last.lower(),
            "email": email,
            "entity_id": entity.id,
            "status": status,
            "last_login_at": rng.moment(ANCHOR - timedelta(days=days)),
        },
    )


def _grant(
    bulk: BulkWriter, rng: Rng, account_id: uuid.UUID, role: RoleInfo, entity: EntityInfo
) -> dict[str, Any]:
    # half the users of a building-scope application (MOSIS) are building-level users
    building_level = role.building_scope and entity.buildings and rng.random() < 0.5
    building = rng.choice(entity.buildings)[0] if building_level else None
    granted = rng.moment(ANCHOR - timedelta(days=rng.randrange(1, 2500)))
    revoked = granted + timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.04 else None
    return bulk.row(
        rng.uuid4(),
        {
            "user_account_id": account_id,
            "role_id": role.id,
            "entity_id": entity.id,
            "building_id": building,
            "granted_at": granted,
            "revoked_at": revoked,
            "source_submission_id": None,
        },
    )
