"""Invariants hold after every commit, whatever path made the change (form, direct edit, bulk)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from desk_app.models.access import RoleGrant, UserAccount, UserManagerDesignation
from desk_app.models.invariants import InvariantViolation, managers_holding_access
from desk_app.models.people import Person
from desk_app.models.staff import Staff
from desk_app.models.store import Actor
from desk_app.models.submissions import FormSubmission
from desk_app.pdf.generate import generate_form
from desk_app.services.review import decisions
from tests.services.review.conftest import LEA_VALUES, submit
from tests.services.review.signing import make_certificate, sign_pdf


@pytest.fixture(scope="module")
def jane_cert():
    return make_certificate("Jane Doe")


def _give(ctx, world, username: str, role: str) -> None:
    with ctx.uow() as uow:
        acc = uow.session.execute(
            select(UserAccount).where(UserAccount.username == username)
        ).scalar_one()
        uow.session.add(
            RoleGrant(
                user_account_id=acc.id,
                role_id=uuid.UUID(world.roles[role]),
                entity_id=uuid.UUID(world.lea_id),
                granted_at=datetime.now(UTC),
            )
        )
        uow.commit()


def _live_grants(store) -> list[str]:
    with store.read() as s:
        return sorted(
            str(g.role.code)
            for g in s.execute(select(RoleGrant).where(RoleGrant.revoked_at.is_(None))).scalars()
        )


def _delete_form(role: str) -> dict[str, str]:
    return dict(
        LEA_VALUES,
        user_1_first_name="Kate",
        user_1_last_name="Miller",
        user_1_email="kmiller@bluesprings.k12.mo.us",
        user_1_username="kmiller",
        role_1_user="1",
        role_1_app="ECS",
        role_1_role=role,
        role_1_action="delete",
    )


def test_a_3209_delete_of_the_only_user_managers_access_is_refused(ctx, world, jane_cert) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    values = _delete_form("ECS_VIEW")
    sid = submit(
        ctx, "MO 500-3209", values, sign_pdf(generate_form("MO 500-3209", values), jane_cert)
    )
    with pytest.raises(InvariantViolation) as raised:
        decisions.approve(ctx, sid)
    message = str(raised.value)
    assert "Blue Springs R-IV (048-078)" in message
    assert "without a user manager holding access" in message and "kmiller" in message
    assert _live_grants(ctx.store) == ["ECS_VIEW"]  # nothing changed
    with ctx.store.read() as s:
        assert s.get(FormSubmission, uuid.UUID(sid)).state == "in_review"


def test_a_delete_that_leaves_another_grant_goes_through(ctx, world, jane_cert) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    _give(ctx, world, "kmiller", "CORE_DATA_VIEW")
    values = _delete_form("ECS_VIEW")
    decisions.approve(
        ctx,
        submit(
            ctx, "MO 500-3209", values, sign_pdf(generate_form("MO 500-3209", values), jane_cert)
        ),
    )
    assert _live_grants(ctx.store) == ["CORE_DATA_VIEW"]


@pytest.mark.parametrize("edit", ["revoke", "end_designation", "disable_account", "delete_account"])
def test_direct_edits_cannot_strip_the_last_user_manager(ctx, world, edit) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    with ctx.uow() as uow:
        s = uow.session
        account = s.get(UserAccount, uuid.UUID(world.um_account_id))
        if edit == "revoke":
            for g in s.execute(select(RoleGrant)).scalars():
                g.revoked_at = datetime.now(UTC)
        elif edit == "end_designation":
            for d in s.execute(select(UserManagerDesignation)).scalars():
                d.end_at = datetime.now(UTC)
        elif edit == "disable_account":
            account.status = "disabled"
        else:
            account.soft_delete()
        with pytest.raises(InvariantViolation, match="048-078"):
            uow.commit()
    with ctx.store.read() as s:
        assert managers_holding_access(s, uuid.UUID(world.lea_id)) == ["kmiller"]


def test_a_replacement_in_the_same_transaction_keeps_the_entity_covered(ctx, world) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    with ctx.uow() as uow:
        s = uow.session
        lee = UserAccount(username="lpark", first_name="Lee", last_name="Park", email="lpark@x.org")
        s.add(lee)
        s.flush()
        now = datetime.now(UTC)
        s.add(
            UserManagerDesignation(
                entity_id=uuid.UUID(world.lea_id), user_account_id=lee.id, start_at=now
            )
        )
        s.add(
            RoleGrant(
                user_account_id=lee.id,
                role_id=uuid.UUID(world.roles["ECS_VIEW"]),
                entity_id=uuid.UUID(world.lea_id),
                granted_at=now,
            )
        )
        for d in s.execute(
            select(UserManagerDesignation).where(
                UserManagerDesignation.user_account_id == uuid.UUID(world.um_account_id)
            )
        ).scalars():
            d.end_at = now
        uow.commit()
    with ctx.store.read() as s:
        assert managers_holding_access(s, uuid.UUID(world.lea_id)) == ["lpark"]


def test_one_person_one_username_on_every_path(ctx, world) -> None:
    with ctx.uow() as uow:
        person = Person(first_name="Kate", last_name="Miller")
        uow.session.add(person)
        uow.session.flush()
        uow.session.get(UserAccount, uuid.UUID(world.um_account_id)).person_id = person.id
        uow.commit()
        person_id = person.id
    with ctx.uow() as uow:
        uow.session.add(
            UserAccount(
                username="kmiller2",
                first_name="Kate",
                last_name="Miller",
                email="kate@x.org",
                person_id=person_id,
            )
        )
        with pytest.raises(
            InvariantViolation, match=r"one person, one username.*kmiller, kmiller2"
        ):
            uow.commit()
    with ctx.store.read() as s:
        assert (
            s.execute(
                select(UserAccount.username).where(UserAccount.username == "kmiller2")
            ).first()
            is None
        )


def test_no_operator_gives_access_to_their_own_account(ctx, world) -> None:
    with ctx.uow() as uow:
        uow.session.execute(
            select(Staff).where(Staff.username == "alice")
        ).scalar_one().email = "alice@dese.mo.gov"
        uow.session.add(
            UserAccount(
                username="aadmin", first_name="Alice", last_name="Admin", email="alice@dese.mo.gov"
            )
        )
        uow.commit()
    with pytest.raises(InvariantViolation, match="separation of duties: alice.*aadmin"):
        _give(ctx, world, "aadmin", "ECS_VIEW")
    assert _live_grants(ctx.store) == []


def test_sync_pull_is_not_refused_locally(ctx, world) -> None:
    _give(ctx, world, "kmiller", "ECS_VIEW")
    with ctx.store.uow(Actor("sync", "ws-test")) as uow:
        uow.session.info["applying_remote"] = True
        for g in uow.session.execute(select(RoleGrant)).scalars():
            g.revoked_at = datetime.now(UTC)
        uow.commit()
    assert _live_grants(ctx.store) == []
