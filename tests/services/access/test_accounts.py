"""Users & access read side: list, search, filters, detail; and its table model."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk_app.errors import PermissionDenied
from desk_app.models.access import (
    ApplicationRole,
    RoleGrant,
    UserAccount,
    UserManagerDesignation,
    WebApplication,
)
from desk_app.models.base import utcnow
from desk_app.models.entities import Building, EducationalEntity
from desk_app.services.access.accounts import AccessService
from desk_app.services.listing import ListQuery


@pytest.fixture
def access_data(ctx):
    now = utcnow()
    with ctx.uow() as uow:
        s = uow.session
        lea = EducationalEntity(kind="lea", code="048-078", name="Kirksville R-III")
        s.add(lea)
        s.flush()
        school = Building(entity_id=lea.id, code="1050", name="Ray Miller Elementary")
        mosis = WebApplication(code="MOSIS", name="MOSIS", building_scope=True, entity_kinds="lea")
        ecs = WebApplication(
            code="ECS", name="Educator Certification System", entity_kinds="lea,ihe"
        )
        s.add_all([school, mosis, ecs])
        s.flush()
        view = ApplicationRole(application_id=mosis.id, code="MOSIS_VIEW", name="View", level=1)
        entry = ApplicationRole(application_id=ecs.id, code="ECS_ENTRY", name="Data entry", level=2)
        s.add_all([view, entry])
        accounts = [
            UserAccount(
                username="jsmith",
                first_name="Jane",
                last_name="Smith",
                email="jsmith@kirksville.k12.mo.us",
                entity_id=lea.id,
                last_login_at=now,
            ),
            UserAccount(
                username="jsmith2",
                first_name="Jane",
                last_name="Smith",
                email="JSmith@kirksville.k12.mo.us",
                entity_id=lea.id,
            ),
            UserAccount(
                username="bbrown",
                first_name="Bob",
                last_name="Brown",
                email="bbrown@kirksville.k12.mo.us",
                entity_id=lea.id,
                status="needs_registration",
            ),
        ]
        s.add_all(accounts)
        s.flush()
        s.add_all(
            [
                RoleGrant(
                    user_account_id=accounts[0].id,
                    role_id=view.id,
                    entity_id=lea.id,
                    building_id=school.id,
                    granted_at=now - timedelta(days=30),
                ),
                RoleGrant(
                    user_account_id=accounts[0].id,
                    role_id=entry.id,
                    entity_id=lea.id,
                    granted_at=now,
                    revoked_at=now,
                ),
                RoleGrant(
                    user_account_id=accounts[2].id,
                    role_id=entry.id,
                    entity_id=lea.id,
                    granted_at=now,
                ),
                UserManagerDesignation(
                    entity_id=lea.id, user_account_id=accounts[0].id, start_at=now
                ),
            ]
        )
        uow.commit()
    return accounts


def test_list_search_and_filters(ctx, access_data) -> None:
    svc = AccessService(ctx)
    assert svc.count(ListQuery()) == 3
    assert [r.username for r in svc.fetch(ListQuery("jsm"), 0, 10)] == ["jsmith", "jsmith2"]
    assert [r.username for r in svc.fetch(ListQuery("brown"), 0, 10)] == ["bbrown"]
    assert [
        r.username for r in svc.fetch(ListQuery().with_filter("application", "MOSIS"), 0, 10)
    ] == ["jsmith"]
    assert [
        r.username for r in svc.fetch(ListQuery().with_filter("user_managers", "1"), 0, 10)
    ] == ["jsmith"]
    assert [
        r.username
        for r in svc.fetch(ListQuery().with_filter("status", "needs_registration"), 0, 10)
    ] == ["bbrown"]
    first = svc.fetch(ListQuery(), 0, 10)[1]
    assert (first.username, first.active_grants, first.is_user_manager) == ("jsmith", 1, True)
    desc = svc.fetch(ListQuery(sort="username", descending=True), 0, 10)
    assert [r.username for r in desc] == ["jsmith2", "jsmith", "bbrown"]
    assert svc.count(ListQuery().with_filter("entity", "048-078")) == 3
    assert svc.count(ListQuery().with_filter("entity", "048-079")) == 0
    assert [
        r.username for r in svc.fetch(ListQuery("jsmith2@kirksville.k12.mo.us"), 0, 10)
    ] == []  # nobody has that address
    assert [r.username for r in svc.fetch(ListQuery("bbrown@kirksville.k12.mo.us"), 0, 10)] == [
        "bbrown"
    ]
    row = svc.fetch(ListQuery("bbrown"), 0, 1)[0]
    assert (
        row.id == str(access_data[2].id)
        and row.entity_code == "048-078"
        and row.name == "Bob Brown"
    )


def test_detail_shows_grants_designations_and_duplicate_usernames(ctx, access_data) -> None:
    detail = AccessService(ctx).detail(str(access_data[0].id))
    assert [(g.application_code, g.building_code, g.revoked_at is None) for g in detail.grants] == [
        ("MOSIS", "1050", True),
        ("ECS", "", False),
    ]
    assert len(detail.designations) == 1 and detail.designations[0].end_at is None
    assert detail.other_usernames_same_email == ("jsmith2",)


def test_certification_specialist_cannot_list_access(make_ctx, access_data) -> None:
    with pytest.raises(PermissionDenied):
        AccessService(make_ctx(role="certification_specialist")).count(ListQuery())


def test_account_table_model(qtmodeltester, ctx, access_data) -> None:
    from desk_app.qt import Qt
    from desk_app.views.tablemodels.accounts import COL_GRANTS, COL_USERNAME, AccountTableModel
    from desk_app.views.tablemodels.lazy import ROW_ROLE

    model = AccountTableModel(AccessService(ctx))
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.index(1, COL_USERNAME).data() == "jsmith"
    assert model.index(1, COL_GRANTS).data() == "1"
    assert model.index(0, 0).data(ROW_ROLE).username == "bbrown"
    model.sort(COL_USERNAME, Qt.SortOrder.DescendingOrder)
    assert model.index(0, COL_USERNAME).data() == "jsmith2"
