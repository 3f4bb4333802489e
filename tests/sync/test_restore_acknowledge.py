"""The rollback alarm and an audited acknowledge of a legitimate restore (issue 11 item 6)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from desk_app.app import open_workstation_store
from desk_app.cli import main
from desk_app.errors import KnownError, PermissionDenied
from desk_app.models.audit import AuditEvent
from desk_app.models.auditkey import AuditSigner, chain_scope, sign_new_events
from desk_app.models.entities import EducationalEntity
from desk_app.models.store import Actor, backup_sqlite
from desk_app.services.records.audit_log import AuditLogService
from desk_app.services.sync.restore import acknowledge_restore
from desk_app.services.sync.service import SyncService
from desk_app.sync.engine import RollbackDetected
from tests.sync.helpers import add_entity, edit


def _reopen(ws) -> None:
    ws.store = open_workstation_store(ws.paths.database)
    ws.ctx.store = ws.store
    sign_new_events(
        ws.store.session_factory, AuditSigner(ws.ctx.secrets, chain_scope(ws.paths.data_dir))
    )


def _restored(ws, server_url: str) -> None:
    """ws syncs, is backed up, works and syncs on, then its data folder is restored."""
    sign_new_events(
        ws.store.session_factory, AuditSigner(ws.ctx.secrets, chain_scope(ws.paths.data_dir))
    )
    eid = add_entity(ws, "048-078", "Cedar Valley R-II")
    SyncService(ws.ctx).run(server_url)
    saved = backup_sqlite(ws.paths.database, ws.paths.backups, "old")
    edit(ws, EducationalEntity, eid, city="Ozark")
    SyncService(ws.ctx).run(server_url)
    ws.store.dispose()
    saved.replace(ws.paths.database)
    for suffix in ("-wal", "-shm"):
        ws.paths.database.with_name(ws.paths.database.name + suffix).unlink(missing_ok=True)
    _reopen(ws)


def _central_chain(owner, ws: str) -> list[int]:
    with owner.engine.connect() as conn:
        return [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT seq FROM audit_event WHERE workstation_id = %(w)s ORDER BY seq", {"w": ws}
            )
        ]


def test_the_alarm_is_raised_on_the_restored_workstation_and_an_admin_acknowledges_it(
    ws_a, ws_b, server_url, pg, central_db, owner
) -> None:
    _restored(ws_a, server_url)
    with pytest.raises(RollbackDetected):
        SyncService(ws_a.ctx).run(server_url)
    ws_b.sync()  # the other workstation's history did not change: no alarm there
    assert SyncService(ws_a.ctx).status().last_status == "rollback"

    auditor = dataclasses.replace(ws_a.ctx, actor=Actor("alice", "ws-a", "auditor"))
    with pytest.raises(PermissionDenied, match="only a Security Administrator"):
        acknowledge_restore(auditor, "restored from backup", server_url)
    with pytest.raises(KnownError, match="say why"):
        acknowledge_restore(ws_a.ctx, "   ", server_url)

    done = acknowledge_restore(
        ws_a.ctx, "restored from the backup after a disk failure", server_url
    )
    assert done.taken_back >= 1 and done.rechained >= 1  # the alarm's own event was local only
    with ws_a.store.read() as s:
        ack = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.restore_acknowledged")
        ).one()
        assert ack.actor == "alice" and ack.details["reason"].startswith("restored from the")
        assert len(ack.signature) == 128
    assert AuditLogService(ws_a.ctx).verify().ok  # signatures hold after the re-chaining

    SyncService(ws_a.ctx).run(server_url)  # sync continues
    seqs = _central_chain(owner, "ws-a")
    assert seqs == list(range(1, len(seqs) + 1)) and done.event_seq in seqs
    with pytest.raises(KnownError, match="no restore to acknowledge"):
        acknowledge_restore(ws_a.ctx, "again", server_url)


def test_acknowledge_restore_command_refuses_other_roles_with_one_line(tmp_path, capsys) -> None:
    data = tmp_path / "ws"
    assert main(["--data-dir", str(data), "audit", "list"]) == 0  # the first user: an admin
    capsys.readouterr()
    assert main(["--data-dir", str(data), "audit", "acknowledge-restore", "--reason", "x"]) != 0
    err = capsys.readouterr().err
    assert "central database" in err and "not configured" in err and "Traceback" not in err
    store = open_workstation_store(next(data.rglob("*.sqlite3")))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE staff SET role = 'auditor'")
    store.dispose()
    assert main(["--data-dir", str(data), "audit", "acknowledge-restore", "--reason", "x"]) != 0
    assert "only a Security Administrator" in capsys.readouterr().err


def test_the_sync_page_shows_the_alarm_and_acknowledges_the_restore(
    qtbot, ws_a, server_url, tmp_path
) -> None:
    from desk_app.views import ops
    from desk_app.views.pages.base import PageContext
    from desk_app.views.pages.sync import Page
    from desk_app.views.widgets.sync_status import status_text
    from tests.sync.test_sync_views import _page_context

    _restored(ws_a, server_url)
    with pytest.raises(RollbackDetected):
        SyncService(ws_a.ctx).run(server_url)
    ws_a.ctx.settings["sync_url"] = server_url
    text, tip = status_text(SyncService(ws_a.ctx).status())
    assert "audit alarm" in text and "Sync page" in tip  # the status bar says so too
    auditor_ctx = dataclasses.replace(ws_a.ctx, actor=Actor("alice", "ws-a", "auditor"))
    base = _page_context(ws_a)
    watcher = Page(PageContext(auditor_ctx, base.operator, base.settings))
    qtbot.addWidget(watcher)
    watcher.refresh()
    qtbot.waitUntil(lambda: watcher.alarm.isVisibleTo(watcher))
    assert not watcher.alarm.button.isEnabled()  # only a Security Administrator acknowledges
    assert "Security Administrator" in watcher.alarm.button.toolTip()
    watcher.scheduler.stop()

    page = Page(base)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.refresh()
    qtbot.waitUntil(lambda: page.alarm.isVisible())
    page.grab().save(str(tmp_path / "sync-alarm.png"))
    qtbot.keyClicks(page.alarm.reason, "restored from the backup after a disk failure")
    with qtbot.waitSignal(page.scheduler.sync_finished, timeout=60000):
        page.alarm.button.click()
    assert "restore acknowledged" in page.alarm.message.text().lower()
    qtbot.waitUntil(lambda: not page.alarm.isVisible())
    with ws_a.store.read() as s:
        assert s.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.restore_acknowledged")
        ).one()
    page.scheduler.stop()
    ops.wait_for_all()


def test_acknowledge_restore_command_end_to_end(tmp_path, pg, central_db, enrol, capsys) -> None:
    """The CLI as the OS account: sync, a restore, the alarm, the acknowledgement, sync again."""
    from desk_app.paths import resolve
    from desk_app.services.directory.staff import os_username
    from desk_app.settings import Settings

    me = os_username()
    enrol(me, "security_admin")
    data = tmp_path / "ws"
    paths = resolve(data)
    paths.ensure()
    settings = Settings(paths.settings_file)
    settings["sync_url"] = pg.url(central_db, me)
    settings["workstation_name"] = "ws-cli"
    settings.save()

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--data-dir", str(data), *argv])
        out = capsys.readouterr()
        return code, out.out + out.err

    assert run("sync")[0] == 0
    saved = backup_sqlite(paths.database, paths.backups, "old")
    assert run("audit", "list")[0] == 0
    assert run("sync")[0] == 0
    saved.replace(paths.database)
    for suffix in ("-wal", "-shm"):
        paths.database.with_name(paths.database.name + suffix).unlink(missing_ok=True)
    code, out = run("sync")
    assert code != 0 and "rolled back" in out and "Traceback" not in out
    code, out = run("audit", "acknowledge-restore", "--reason", "restored from the backup")
    assert code == 0, out
    assert "restore acknowledged" in out and "sync ok" in out
    assert run("sync")[0] == 0
    code, out = run("audit", "verify")
    assert code == 0 and "intact" in out
