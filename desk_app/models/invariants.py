"""Rules that hold after every commit, whatever path made the change.

A per-form guard only protects the form it is written for (the "last user manager" guard once
lived on the 2356 path alone, so a 3209 delete could strip the only user manager's access). These
checks run once per transaction, hooked on the session by the :class:`~desk_app.models.store.Store`
itself, for the rows the transaction touched:

- **every LEA and IHE keeps a user manager holding access**: an entity that had at least one
  current user manager (designation not ended, account live and not disabled) with an active
  grant at the entity when the transaction first touched it still has one at commit. An entity
  that had none (a new entity, or one the agency manages) is not blocked by this rule;
- **separation of duties**: no operator grants access to, or designates as user manager, the
  account that is their own (same username or same e-mail as their staff record). Who may
  *decide* a request stays the review check ``separation_of_duties``; this is the net under it;
- **one person, one username**: a person is linked to at most one live account.

A violation raises :class:`InvariantViolation` from ``commit()``; the unit of work then rolls the
whole transaction back. Two writers are exempt, on purpose: the sync pull
(``session.info["applying_remote"]``) writes what the server already holds (refusing it locally
would only split the workstation from the server; the server's own rules judge it), and seeding
writes through Core bulk inserts that never pass the ORM flush (the seed builds valid data: every
designated user manager gets grants).

Changes made with Core ``update()``/``insert()`` statements bypass the flush and so these checks;
services write through the ORM.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, event, exists, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from desk_app.errors import KnownError
from desk_app.models.access import AccountStatus, RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.entities import EducationalEntity
from desk_app.models.staff import Staff
from desk_app.rules.codes import EntityKind

_KEY = "invariants"
_GUARDED_KINDS = (EntityKind.LEA.value, EntityKind.IHE.value)


class InvariantViolation(KnownError):
    """A change would break a rule that must always hold; nothing of it was saved."""


@dataclass
class _Touched:
    """What one transaction touched, and each guarded entity's user managers when first touched."""

    managers_before: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    # rows kept, not ids: a new row has no id until it is flushed
    accounts: list[UserAccount] = field(default_factory=list)
    grants: list[RoleGrant | UserManagerDesignation] = field(default_factory=list)  # new ones

    def account_ids(self) -> set[uuid.UUID]:
        return {a.id for a in self.accounts if a.id is not None}

    def granted_ids(self) -> set[uuid.UUID]:
        return {g.user_account_id for g in self.grants if g.user_account_id is not None}


def install(factory: sessionmaker[Session]) -> None:
    """Hang the checks on every session the factory makes (called by the Store)."""
    event.listen(factory, "before_flush", _track)
    event.listen(factory, "before_commit", _check)
    event.listen(factory, "after_commit", _forget)
    event.listen(factory, "after_rollback", _forget)


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def managers_holding_access(session: Session, entity_id: uuid.UUID) -> list[str]:
    """Usernames of the entity's current user managers that hold an active grant there."""
    live_grant = exists().where(
        RoleGrant.user_account_id == UserManagerDesignation.user_account_id,
        RoleGrant.entity_id == UserManagerDesignation.entity_id,
        RoleGrant.revoked_at.is_(None),
        RoleGrant.deleted_at.is_(None),
    )
    stmt = (
        select(UserAccount.username)
        .join(UserManagerDesignation, UserManagerDesignation.user_account_id == UserAccount.id)
        .where(
            UserManagerDesignation.entity_id == entity_id,
            UserManagerDesignation.end_at.is_(None),
            UserManagerDesignation.deleted_at.is_(None),
            UserAccount.deleted_at.is_(None),
            UserAccount.status != AccountStatus.DISABLED.value,
            live_grant,
        )
        .distinct()
        .order_by(UserAccount.username)
    )
    with session.no_autoflush:
        return list(session.execute(stmt).scalars())


def _entities_of(obj: Any, session: Session) -> set[uuid.UUID]:
    if isinstance(obj, (RoleGrant, UserManagerDesignation)) and obj.entity_id is not None:
        return {obj.entity_id}
    if isinstance(obj, UserAccount) and obj.id is not None:
        with session.no_autoflush:
            rows = session.execute(
                select(UserManagerDesignation.entity_id).where(
                    UserManagerDesignation.user_account_id == obj.id,
                    UserManagerDesignation.end_at.is_(None),
                )
            ).scalars()
            return set(rows)
    return set()


def _track(session: Session, _ctx: Any, _instances: Any) -> None:
    """before_flush: note touched rows; read a guarded entity's managers before its first change."""
    if session.info.get("applying_remote"):
        return
    touched: _Touched = session.info.setdefault(_KEY, _Touched())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, UserAccount):
            touched.accounts.append(obj)
        if isinstance(obj, (RoleGrant, UserManagerDesignation)) and obj in session.new:
            touched.grants.append(obj)
        for entity_id in _entities_of(obj, session) - touched.managers_before.keys():
            touched.managers_before[entity_id] = (
                managers_holding_access(session, entity_id) if _guarded(session, entity_id) else []
            )


def _guarded(session: Session, entity_id: uuid.UUID) -> bool:
    with session.no_autoflush:
        kind = session.execute(
            select(EducationalEntity.kind).where(EducationalEntity.id == entity_id)
        ).scalar_one_or_none()
    return kind in _GUARDED_KINDS


def _check(session: Session) -> None:
    """before_commit: every rule, for what the transaction touched."""
    if session.info.get("applying_remote"):
        return
    session.flush()
    touched: _Touched | None = session.info.get(_KEY)
    if touched is None:
        return
    problems = [
        *_lost_user_managers(session, touched),
        *_own_access(session, touched),
        *_people_with_two_usernames(session, touched),
    ]
    if problems:
        raise InvariantViolation("refused, nothing was changed: " + "; ".join(problems))


def _lost_user_managers(session: Session, touched: _Touched) -> list[str]:
    out = []
    for entity_id, before in touched.managers_before.items():
        if before and not managers_holding_access(session, entity_id):
            entity = session.get(EducationalEntity, entity_id)
            label = f"{entity.name} ({entity.code})" if entity else str(entity_id)
            out.append(
                f"{label} would be left without a user manager holding access "
                f"(now {', '.join(before)}); name and grant another user manager first"
            )
    return out


def _own_access(session: Session, touched: _Touched) -> list[str]:
    """Separation of duties: the acting operator never gives access to their own account."""
    actor = session.info.get("actor")
    username = str(getattr(actor, "username", "") or "").lower()
    granted = touched.granted_ids()
    if not username or not granted:
        return []
    staff = session.execute(
        select(Staff).where(func.lower(Staff.username) == username)
    ).scalar_one_or_none()
    if staff is None:
        return []
    short = username.split("\\")[-1]
    mine: list[ColumnElement[bool]] = [UserAccount.username.in_({username, short})]
    if staff.email:
        mine.append(func.lower(UserAccount.email) == staff.email.lower())
    own = session.execute(
        select(UserAccount.username).where(
            UserAccount.id.in_(granted), UserAccount.deleted_at.is_(None), or_(*mine)
        )
    ).scalars()
    return [
        f"separation of duties: {username} cannot give access to their own account {name}"
        for name in own
    ]


def _people_with_two_usernames(session: Session, touched: _Touched) -> list[str]:
    """One person, one username: a person is linked to at most one live account."""
    accounts = touched.account_ids()
    if not accounts:
        return []
    persons = select(UserAccount.person_id).where(
        UserAccount.id.in_(accounts), UserAccount.person_id.is_not(None)
    )
    rows = session.execute(
        select(UserAccount.person_id, func.count(), func.min(UserAccount.username))
        .where(
            UserAccount.person_id.in_(persons),
            UserAccount.deleted_at.is_(None),
            UserAccount.status != AccountStatus.DISABLED.value,
        )
        .group_by(UserAccount.person_id)
        .having(func.count() > 1)
    ).all()
    out = []
    for person_id, count, first in rows:
        names = session.execute(
            select(UserAccount.username).where(
                UserAccount.person_id == person_id, UserAccount.deleted_at.is_(None)
            )
        ).scalars()
        out.append(
            f"one person, one username: the same person would hold {count} usernames "
            f"({', '.join(sorted(names)) or first}); merge or disable the duplicate"
        )
    return out


def check_now(session: Session) -> None:
    """Run every rule on the pending transaction without committing it: a dry run (the diff
    shown before an approval) is refused for the same reasons its commit would be.

    Raises:
        InvariantViolation: a rule would break.
    """
    _check(session)
