"""One person, one username: likely duplicates found by blocks, merged with every grant and
designation moved and audited, and un-merged while not yet synced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk_app.errors import ConflictError, ValidationError
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.base import utcnow
from desk_app.models.entities import EducationalEntity
from desk_app.models.sync_state import OutboxEntry
from desk_app.services.access.duplicates import SearchCancelled, find_duplicates
from desk_app.services.access.merge import AccountMerge


@pytest.fixture
def people(ctx) -> dict[str, str]:
    with ctx.uow() as uow:
        s = uow.session
        lea = EducationalEntity(kind="lea", code="048-078", name="Kansas City")
        app = WebApplication(code="MOSIS", name="MOSIS")
        s.add_all([lea, app])
        s.flush()
        view = ApplicationRole(application_id=app.id, code="V", name="View", level=1)
        entry = ApplicationRole(application_id=app.id, code="E", name="Entry", level=2)
        s.add_all([view, entry])
        ids = {}
        for username, first, last, email in (
            ("jsmith", "Jane", "Smith", "jane.smith@kc.example"),
            ("jsmith2", "Jane", "Smith", "JANE.SMITH@kc.example"),
            ("janesmith", "Jane", "Smyth", "jane.smith@gmail.example"),
            ("bbrown", "Bob", "Brown", "bob@kc.example"),
            ("bbrown7", "Robert", "Green", "rgreen@kc.example"),
        ):
            a = UserAccount(
                username=username,
                first_name=first,
                last_name=last,
                email=email,
                entity_id=lea.id,
                last_login_at=utcnow(),
            )
            s.add(a)
            s.flush()
            ids[username] = str(a.id)
        s.flush()
        keep, dup = (uuid_of(ids["jsmith"]), uuid_of(ids["jsmith2"]))
        s.add_all(
            [
                RoleGrant(
                    user_account_id=keep, role_id=view.id, entity_id=lea.id, granted_at=utcnow()
                ),
                RoleGrant(
                    user_account_id=dup, role_id=view.id, entity_id=lea.id, granted_at=utcnow()
                ),
                RoleGrant(
                    user_account_id=dup, role_id=entry.id, entity_id=lea.id, granted_at=utcnow()
                ),
                UserManagerDesignation(entity_id=lea.id, user_account_id=dup, start_at=utcnow()),
            ]
        )
        uow.commit()
    return ids


def uuid_of(text: str):
    import uuid

    return uuid.UUID(text)


def test_likely_duplicates_found_with_reasons(ctx, people) -> None:
    ticks = []
    found = find_duplicates(ctx, progress=lambda d, t: ticks.append((d, t)))
    pairs = {frozenset((d.first.username, d.second.username)): d for d in found}
    assert frozenset(("jsmith", "jsmith2")) in pairs
    assert "same e-mail" in pairs[frozenset(("jsmith", "jsmith2"))].reasons
    assert frozenset(("jsmith", "janesmith")) in pairs  # mailbox and name alike
    assert not any("bbrown" in p for p in pairs)  # different people
    assert found[0].score == 100 and ticks and ticks[-1][0] == ticks[-1][1]
    with pytest.raises(SearchCancelled):
        find_duplicates(ctx, cancelled=lambda: True)


def _grants_of(ctx, username: str) -> set[str]:
    with ctx.store.read() as s:
        return set(
            s.execute(
                select(ApplicationRole.code)
                .join(RoleGrant, RoleGrant.role_id == ApplicationRole.id)
                .join(UserAccount, UserAccount.id == RoleGrant.user_account_id)
                .where(UserAccount.username == username, RoleGrant.revoked_at.is_(None))
            ).scalars()
        )


def test_merge_moves_everything_and_unmerge_puts_it_back(ctx, people) -> None:
    merger = AccountMerge(ctx)
    with pytest.raises(ValidationError):
        merger.merge(people["jsmith"], people["jsmith2"], "")
    merged = merger.merge(people["jsmith"], people["jsmith2"], "same person, two usernames")
    assert (merged.moved_grants, merged.moved_designations, merged.duplicate_grants_revoked) == (
        1,
        1,
        1,
    )
    assert _grants_of(ctx, "jsmith") == {"V", "E"} and _grants_of(ctx, "jsmith2") == set()
    with ctx.store.read() as s:
        dup = s.get(UserAccount, uuid_of(people["jsmith2"]))
        assert dup.status == "disabled" and dup.deleted_at is None
    with pytest.raises(ConflictError):
        merger.merge(people["jsmith"], people["jsmith2"], "again, by mistake")
    merger.unmerge(merged.event_id)
    assert _grants_of(ctx, "jsmith") == {"V"} and _grants_of(ctx, "jsmith2") == {"V", "E"}
    with ctx.store.read() as s:
        assert s.get(UserAccount, uuid_of(people["jsmith2"])).status == "active"


def test_a_synced_merge_stands(ctx, people) -> None:
    merged = AccountMerge(ctx).merge(people["jsmith"], people["jsmith2"], "same person")
    with ctx.uow() as uow:  # what a push leaves: the outbox emptied
        for entry in uow.session.execute(select(OutboxEntry)).scalars():
            uow.session.delete(entry)
        uow.commit()
    with pytest.raises(ConflictError, match="synced"):
        AccountMerge(ctx).unmerge(merged.event_id)
