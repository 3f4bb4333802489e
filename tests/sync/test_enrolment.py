"""The workstation is never taken from the payload: the central database knows which operator
each workstation name is enrolled to, and stamps rows from that, on the real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.entities import EducationalEntity
from desk_app.models.store import Actor
from desk_app.models.sync_state import SyncConflict
from desk_app.sync.push import select_batch
from tests.sync.helpers import add_entity, edit


def _enrolments(owner) -> list[tuple[str, str]]:
    with owner.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT workstation_id, operator FROM sync_workstation ORDER BY 1"
            )
        ]


def test_a_first_sync_enrols_the_workstation_for_its_operator(ws_a, ws_b, owner) -> None:
    ws_a.sync()
    ws_b.sync()
    ws_a.sync()  # again: already its operator's
    assert _enrolments(owner) == [("ws-a", "alice"), ("ws-b", "bob")]


def test_a_workstation_name_another_operator_holds_is_refused(ws_a, ws_b, owner) -> None:
    ws_a.sync()
    ws_b.ctx = replace(ws_b.ctx, actor=Actor("bob", "ws-a", "security_admin"))
    add_entity(ws_b, "048-078", "Cedar Valley R-II")
    with pytest.raises(KnownError, match="workstation ws-a is enrolled to alice, not to bob"):
        ws_b.sync()
    assert owner.row("educational_entity", "0" * 32) is None
    with owner.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM educational_entity").scalar() == 0
    assert _enrolments(owner) == [("ws-a", "alice")]


@pytest.mark.parametrize(
    ("claimed", "reason"),
    [
        ("ws-b", "workstation ws-b is enrolled to bob, not to alice"),
        ("ws-z", "ws-z is not enrolled"),
    ],
)
def test_a_push_naming_a_workstation_not_enrolled_to_its_login_is_refused(
    ws_a, ws_b, owner, claimed, reason
) -> None:
    ws_b.sync()
    ws_a.sync()
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    with ws_a.store.engine.connect() as conn:
        groups = select_batch(conn, 100)
    with pytest.raises(KnownError, match=reason):  # the apply function itself checks
        ws_a.server.push_batch(groups, claimed)
    with pytest.raises(DBAPIError, match=reason.split(" is ")[0]):  # and so does the anchor
        ws_a.server.anchor(claimed, 1, "0" * 64)
    with owner.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM educational_entity").scalar() == 0


def test_a_forged_workstation_in_the_rows_is_replaced_by_the_enrolled_one(
    ws_a, ws_b, owner
) -> None:
    ws_b.sync()
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    with ws_a.store.engine.begin() as conn:  # the attacker edits the local file
        conn.execute(text("UPDATE educational_entity SET workstation_id = 'ws-b'"))
        conn.execute(text("UPDATE county SET workstation_id = 'ws-b'"))
    ws_a.sync()
    assert owner.row("educational_entity", eid.hex)[1]["workstation_id"] == "ws-a"
    with owner.engine.connect() as conn:
        logged = conn.exec_driver_sql(
            "SELECT DISTINCT workstation, operator FROM sync_change WHERE table_name IN "
            "('county', 'educational_entity')"
        ).all()
        assert logged == [("ws-a", "alice")]
        assert conn.exec_driver_sql("SELECT DISTINCT workstation_id FROM county").all() == [
            ("ws-a",)
        ]


def test_audit_events_of_another_workstation_are_refused_the_rest_goes_on(
    ws_a, ws_b, owner
) -> None:
    ws_b.sync()
    # events written in ws-a's file under ws-b's name (a chain of ws-b's own, from seq 1)
    with ws_a.store.uow(Actor("alice", "ws-b", "security_admin")) as uow:
        audit.record(uow, "entity.create", summary="written as if on ws-b")
        uow.commit()
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    summary = ws_a.sync()
    assert summary.conflicts >= 1
    with ws_a.store.read() as s:
        reasons = [
            c.reason
            for c in s.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None)))
        ]
    assert any("of workstation ws-b was sent from workstation ws-a" in r for r in reasons)
    assert owner.row("educational_entity", eid.hex) is not None  # the rest was applied
    with owner.engine.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM audit_event WHERE summary = 'written as if on ws-b'"
            ).scalar()
            == 0
        )
    edit(ws_a, EducationalEntity, eid, name="Cedar Valley R-II School District")
    assert ws_a.sync().pushed >= 1  # and later syncs go on as well


def test_an_upgrade_enrols_each_workstation_to_whoever_last_pushed_from_it(pg) -> None:
    from desk_app.models.migrations import run_upgrade
    from desk_app.models.store import make_engine

    name = pg.create_database()
    engine = make_engine(pg.url(name))
    try:
        run_upgrade(engine, "0006_gov")
        with engine.begin() as conn:
            for seq, workstation, operator in (
                (1, "server", "desk_deploy"),  # server init's own entries: no workstation
                (2, "pc-114", "alice"),
                (3, "pc-114", "bob"),  # alice's PC went to bob
                (4, "pc-200", "carol"),
                (5, "pc-300", ""),  # pushed before logins were recorded: nobody's yet
            ):
                conn.exec_driver_sql(
                    "INSERT INTO sync_change (seq, table_name, row_id, row_version, op, columns, "
                    "change_id, change_ids, base_version, workstation, operator) VALUES "
                    "(%(s)s, 'county', gen_random_uuid(), 1, 'insert', '{}', gen_random_uuid(), "
                    "'{}', 0, %(w)s, %(o)s)",
                    {"s": seq, "w": workstation, "o": operator},
                )
        run_upgrade(engine)
        with engine.connect() as conn:
            enrolled = conn.exec_driver_sql(
                "SELECT workstation_id, operator FROM sync_workstation ORDER BY 1"
            ).all()
        assert [tuple(r) for r in enrolled] == [("pc-114", "bob"), ("pc-200", "carol")]
    finally:
        engine.dispose()
        pg.drop_database(name)
