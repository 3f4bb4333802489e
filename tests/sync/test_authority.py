"""Each attack of issue 11, tried through the real central PostgreSQL, and refused there.

The attacker holds what a workstation holds: an operator's own login (SCRAM or a client
certificate, over TLS) and a local SQLite file they can edit at will.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.entities import EducationalEntity
from desk_app.models.staff import Staff
from desk_app.models.sync_state import SyncConflict
from desk_app.services.directory.staff import identify_operator, staff_id
from desk_app.services.sync.service import SyncService, link_for
from desk_app.sync.engine import RollbackDetected
from desk_app.sync.push import select_batch
from tests.sync.helpers import add_entity, add_grant, edit, get

WRITES = [
    "UPDATE educational_entity SET pin_hash = 'copied'",
    "INSERT INTO staff (id, row_version, created_at, updated_at, updated_by, workstation_id, "
    "username, display_name, role, email, active) VALUES (gen_random_uuid(), 1, now(), now(), "
    "'x', 'x', 'mallory', 'M', 'security_admin', '', true)",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "UPDATE sync_audit_anchor SET seq = 0",
    "INSERT INTO sync_change (table_name, row_id, row_version, op, columns, change_id, "
    "change_ids, base_version, workstation) VALUES ('staff', gen_random_uuid(), 1, 'insert', "
    "'{}', gen_random_uuid(), '{}', 0, 'x')",
    "CREATE TABLE mine (x int)",
    "ALTER TABLE staff ADD COLUMN x int",
    "INSERT INTO sync_table_right VALUES ('role_grant', 'auditor')",
    "INSERT INTO sync_workstation (workstation_id, operator) VALUES ('ws-b', 'alice')",
    "UPDATE sync_workstation SET operator = 'alice'",
    "UPDATE sync_closed_column SET readers = '{auditor}'",
    "INSERT INTO sync_key_check (name, check_value, set_by) VALUES ('data-key', 'x', 'alice')",
    "UPDATE staff SET role = 'security_admin'",
]


@pytest.mark.parametrize("statement", WRITES)
def test_an_operator_login_may_not_write_any_table_directly(pg, central_db, statement) -> None:
    engine = create_engine(pg.url(central_db, "alice"))
    try:
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            with engine.begin() as conn:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_no_role_writes_directly_neither_specialist_nor_auditor(
    ws_carol, enrol, make_workstation
) -> None:
    enrol("dave", "auditor")
    ws_d = make_workstation("ws-d", "dave", "auditor")
    for ws in (ws_carol, ws_d):
        for statement in WRITES:
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with ws.server.engine.begin() as conn:
                    conn.exec_driver_sql(statement)


def test_central_audit_history_is_append_only_even_for_the_schema_owner(ws_a, owner) -> None:
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    for statement in (
        "UPDATE audit_event SET summary = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with owner.engine.begin() as conn:
                conn.exec_driver_sql(statement)


def _refusals(ws) -> list[tuple[str, str]]:
    with ws.store.read() as s:
        return [
            (c.table_name, c.reason)
            for c in s.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None)))
        ]


def test_a_certification_specialist_pushing_a_grant_is_refused_visibly(
    ws_a, ws_carol, server
) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    ws_carol.sync()
    grant = add_grant(ws_carol, eid)
    summary = ws_carol.sync()  # the rest of the sync goes on
    assert summary.conflicts >= 1
    assert server.row("role_grant", grant.hex) is None
    reasons = dict(_refusals(ws_carol))
    assert "may not change role grant" in reasons["role_grant"]
    shown = SyncService(ws_carol.ctx).conflicts()  # the Sync page's list
    assert any(c.table == "role_grant" and "refused" in c.reason for c in shown)


def test_a_forged_updated_by_is_replaced_by_the_signed_in_operator(ws_a, owner) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    with ws_a.store.engine.begin() as conn:  # the attacker edits the local file
        conn.execute(text("UPDATE educational_entity SET updated_by = 'bob'"))
    ws_a.sync()
    assert owner.row("educational_entity", eid.hex)[1]["updated_by"] == "alice"
    with owner.engine.connect() as conn:
        who = conn.exec_driver_sql(
            "SELECT DISTINCT operator FROM sync_change WHERE workstation = 'ws-a'"
        ).all()
    assert who == [("alice",)]


def test_a_pin_hash_written_by_a_non_administrator_is_refused(ws_a, ws_carol, server) -> None:
    theirs = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    edit(ws_a, EducationalEntity, theirs, pin_hash="superintendent-mailed-pin")
    ws_a.sync()
    ws_carol.sync()
    edit(ws_carol, EducationalEntity, theirs, pin_hash="attacker-pin")
    ws_carol.sync()
    assert server.row("educational_entity", theirs.hex)[1]["pin_hash"] == (
        "superintendent-mailed-pin"
    )
    assert any("may not change educational entity" in r for _, r in _refusals(ws_carol))
    ws_a.sync()
    assert get(ws_a, EducationalEntity, theirs).pin_hash == "superintendent-mailed-pin"


def test_a_self_made_security_administrator_stays_local(pg, make_workstation, owner) -> None:
    pg.add_login("mallory", password="mallory-pw")  # a login, but no central staff row
    with owner.engine.begin() as conn:
        conn.exec_driver_sql("GRANT desk_operator TO mallory")
    ws_m = make_workstation("ws-m", "mallory")
    operator = identify_operator(ws_m.store, "mallory", "ws-m")  # a fresh folder's first user
    assert operator.role == "security_admin"
    with pytest.raises(KnownError, match="mallory is not an active operator"):
        ws_m.sync()
    assert owner.row("staff", staff_id("mallory").hex) is None
    assert get(ws_m, Staff, staff_id("mallory")).active is False  # switched off here too
    # pushed past that check, the server enrols no workstation for her
    with pytest.raises(KnownError, match="mallory is not an active operator"):
        ws_m.engine().push()
    # and handed straight to the apply function, her rows are refused as a whole
    with ws_m.store.engine.connect() as conn:
        groups = select_batch(conn, 100)
    with pytest.raises(KnownError, match="workstation ws-m is not enrolled"):
        ws_m.server.push_batch(groups, "ws-m")
    assert owner.row("staff", staff_id("mallory").hex) is None


def test_a_specialist_promoting_themselves_gets_the_servers_role_back(ws_carol, owner) -> None:
    ws_carol.sync()
    edit(ws_carol, Staff, staff_id("carol"), role="security_admin")
    ws_carol.sync()
    assert owner.row("staff", staff_id("carol").hex)[1]["role"] == "certification_specialist"
    assert get(ws_carol, Staff, staff_id("carol")).role == "certification_specialist"


def test_a_rewritten_audit_chain_is_refused_and_raises_the_alarm(ws_a, owner) -> None:
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    with owner.engine.connect() as conn:
        central = conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_event WHERE workstation_id = 'ws-a' ORDER BY seq"
        ).all()
    # the attacker rewrites the local history and recomputes every hash from the start
    with ws_a.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    with ws_a.ctx.uow() as uow:
        uow.session.info.pop("audit_head", None)
        audit.record(uow, "entity.create", summary="a different history")
        uow.commit()
    with pytest.raises(RollbackDetected):
        ws_a.sync()
    counts = ws_a.engine().push()  # even past the local alarm, the server refuses it
    assert counts["conflicts"] >= 1
    assert any("rewrites audit event 1" in r for _, r in _refusals(ws_a))
    with owner.engine.connect() as conn:
        after = conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_event WHERE workstation_id = 'ws-a' ORDER BY seq"
        ).all()
    assert after == central


def test_a_plain_text_connection_is_refused_with_a_clear_message(pg, central_db, ws_a) -> None:
    ws_a.ctx.settings["sync_url"] = pg.url(central_db, "alice", sslmode="require")
    with pytest.raises(KnownError, match="only over TLS"):
        SyncService(ws_a.ctx).run(pg.url(central_db, "alice", sslmode="disable"))
    with pytest.raises(KnownError, match="refused a connection without TLS"):
        link_for(pg.url(central_db, "alice", sslmode="disable"))


def test_a_workstation_never_migrates_the_central_database(pg) -> None:
    from desk_app.models.migrations import run_upgrade
    from desk_app.models.store import make_engine

    name = pg.create_database()
    engine = make_engine(pg.url(name))
    try:
        run_upgrade(engine, "0005")
        with pytest.raises(KnownError, match="server upgrade"):
            link_for(pg.url(name, "alice"))
        with engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0005"
            )
    finally:
        engine.dispose()
        pg.drop_database(name)


def test_a_workstation_with_keys_other_than_the_agencys_refuses_to_sync(
    pg, central_db, ws_a, ws_b
) -> None:
    from dataclasses import replace

    from desk_app.secrets import MemorySecrets

    ws_a.ctx.secrets.set("data-key", "the-agency-key")
    SyncService(ws_a.ctx).run(pg.url(central_db, "alice"))  # the administrator enrols it
    stray = replace(ws_b.ctx, secrets=MemorySecrets({"data-key": "minted-by-accident"}))
    with pytest.raises(KnownError, match="data-key is not the agency's"):
        SyncService(stray).run(pg.url(central_db, "bob"))
    good = replace(ws_b.ctx, secrets=MemorySecrets({"data-key": "the-agency-key"}))
    assert SyncService(good).run(pg.url(central_db, "bob")).pulled > 0
