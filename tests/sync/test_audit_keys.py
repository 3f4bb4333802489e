"""The keyed audit chain and the central database (issue 11 item 6), on the real server.

The workstation's public audit key is registered at its first sync and never replaced; from its
keyed era on, an unsigned event (a history rewritten without the workstation's key) is refused.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.auditkey import (
    AuditSigner,
    ChainKey,
    chain_keys,
    chain_scope,
    sign_new_events,
)
from desk_app.models.sync_state import SyncConflict
from desk_app.secrets import MemorySecrets
from desk_app.sync.engine import SyncEngine
from tests.sync.helpers import add_entity


def _signing(ws) -> None:
    sign_new_events(
        ws.store.session_factory, AuditSigner(ws.ctx.secrets, chain_scope(ws.paths.data_dir))
    )


def _engine(ws, key: ChainKey | None) -> SyncEngine:
    return SyncEngine(ws.store, ws.actor, ws.server, "central", ws.paths.blobs, audit_key=key)


def test_the_public_key_is_registered_once_and_unsigned_events_are_refused(ws_a, owner) -> None:
    _signing(ws_a)
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    key = chain_keys(ws_a.ctx.secrets, chain_scope(ws_a.paths.data_dir))["ws-a"]
    _engine(ws_a, key).run()
    with owner.engine.connect() as conn:
        held = conn.exec_driver_sql(
            "SELECT public_key, from_seq FROM sync_audit_key WHERE workstation = 'ws-a'"
        ).one()
        signed = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_event WHERE workstation_id = 'ws-a' "
            "AND length(signature) = 128"
        ).scalar_one()
    assert tuple(held) == (key.public_hex, 1) and signed >= 1
    # an event whose signature was dropped (a rewrite without the key) is refused centrally
    with ws_a.ctx.uow() as uow:
        audit.record(uow, "entity.view", summary="seen")
        uow.commit()
    with ws_a.store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_event SET signature = '' WHERE seq = "
                "(SELECT max(seq) FROM audit_event WHERE workstation_id = 'ws-a')"
            )
        )
    _engine(ws_a, key).push()
    with ws_a.store.read() as s:
        reasons = [c.reason for c in s.scalars(select(SyncConflict))]
    assert any("not signed with the workstation's registered key" in r for r in reasons), reasons


def test_another_key_for_a_registered_workstation_is_refused(ws_a) -> None:
    _signing(ws_a)
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    _engine(ws_a, chain_keys(ws_a.ctx.secrets, chain_scope(ws_a.paths.data_dir))["ws-a"]).run()
    stranger = MemorySecrets()
    AuditSigner(stranger).sign("ws-a", 1, "0" * 64)  # a new key, as a copied folder would make
    with pytest.raises(KnownError, match="holds another audit key"):
        _engine(ws_a, chain_keys(stranger)["ws-a"]).run()


def test_the_central_history_is_checked_with_the_registered_keys(ws_a, server_url) -> None:
    from desk_app.services.sync.central_audit import central_chain_report

    _signing(ws_a)
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    key = chain_keys(ws_a.ctx.secrets, chain_scope(ws_a.paths.data_dir))["ws-a"]
    _engine(ws_a, key).run()
    report = central_chain_report(ws_a.ctx, server_url)
    assert report.ok and report.events_checked >= 1
    # a signature of the right form that does not hold gets past SQL, not past this check
    with ws_a.ctx.uow() as uow:
        audit.record(uow, "entity.view", summary="seen")
        uow.commit()
    with ws_a.store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE audit_event SET signature = :forged WHERE seq = "
                "(SELECT max(seq) FROM audit_event WHERE workstation_id = 'ws-a')"
            ),
            {"forged": "ab" * 64},
        )
    _engine(ws_a, key).run()
    report = central_chain_report(ws_a.ctx, server_url)
    assert not report.ok and report.first_break is not None
    assert report.first_break.workstation_id == "ws-a"
    assert "signature does not match" in report.first_break.reason


def test_revision_0007_audit_goes_down_and_up_again_on_postgresql(pg) -> None:
    from alembic import command

    from desk_app.models.migrations import alembic_config, run_upgrade
    from desk_app.models.store import make_engine

    name = pg.create_database()
    engine = make_engine(pg.url(name))
    try:
        run_upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0006_gov")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT to_regclass('sync_audit_key')").scalar() is None
            source = conn.exec_driver_sql(
                "SELECT prosrc FROM pg_proc WHERE proname = 'desk_check_audit_stage'"
            ).scalar_one()
            assert "sync_audit_key" not in source  # the check as 0006_auth wrote it
        run_upgrade(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT to_regclass('sync_audit_key')").scalar()
    finally:
        engine.dispose()
        pg.drop_database(name)
