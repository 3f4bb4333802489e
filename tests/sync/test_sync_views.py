"""The Sync page, its Conflicts view and the status-bar widget with background sync and backoff."""

from __future__ import annotations

import re
import socket

from desk_app.models.entities import EducationalEntity
from desk_app.services.directory.dto import OperatorDTO
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.sync import Page
from desk_app.views.widgets.sync_status import SyncScheduler, SyncStatusWidget
from tests.sync.conftest import CERTS
from tests.sync.helpers import add_entity, edit, get


def _page_context(ws) -> PageContext:
    operator = OperatorDTO(
        ws.actor.username,
        ws.actor.username.title(),
        "security_admin",
        "Security Administrator",
        ws.name,
    )
    return PageContext(ws.ctx, operator, ws.ctx.settings)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_background_sync_reports_state_and_retries_after_failure(qtbot, ws_a, server_url) -> None:
    ws_a.ctx.settings["sync_url"] = server_url
    add_entity(ws_a, "048-078", "Cedar Valley R-II")
    scheduler = SyncScheduler(ws_a.ctx)
    widget = SyncStatusWidget(scheduler)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(scheduler.sync_finished, timeout=30000):
        scheduler.sync_now()
    qtbot.waitUntil(
        lambda: "online" in widget.label.text() and "no changes waiting" in widget.label.text()
    )
    assert scheduler._timer.isActive() and scheduler.next_delay_ms() == 300_000
    ws_a.ctx.settings["sync_url"] = f"postgresql://nobody@127.0.0.1:{_closed_port()}/central"
    edit(ws_a, EducationalEntity, _first_entity(ws_a), city="Ozark")
    with qtbot.waitSignal(scheduler.sync_failed, timeout=30000) as failed:
        scheduler.sync_now()
    assert "cannot reach the central database" in failed.args[0]
    # retried on its own with backoff, no local edit needed
    assert scheduler.failures == 1 and scheduler._timer.isActive()
    assert scheduler.next_delay_ms() == 5000
    qtbot.waitUntil(
        lambda: (
            "offline" in widget.label.text()
            and re.search(r"· [1-9][\d,]* changes? waiting", widget.label.text()) is not None
        )
    )
    ws_a.ctx.settings["sync_url"] = server_url
    with qtbot.waitSignal(scheduler.sync_finished, timeout=30000):
        scheduler._timer.setInterval(10)  # the scheduled retry, brought forward
        scheduler._timer.start()
    assert scheduler.failures == 0
    scheduler.stop()
    ops.wait_for_all()


def _first_entity(ws):
    from sqlalchemy import select

    with ws.store.read() as s:
        return s.scalars(select(EducationalEntity.id)).first()


def test_conflicts_view_shows_both_versions_and_merges_ticked_fields(
    qtbot, ws_a, ws_b, pg, central_db
) -> None:
    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync(), ws_b.sync()
    edit(ws_a, EducationalEntity, eid, city="Ozark")
    edit(ws_b, EducationalEntity, eid, city="Nixa", phone="417-555-0100")
    ws_a.sync(), ws_b.sync()
    ws_b.ctx.settings["sync_url"] = pg.url(central_db, "bob")  # ws-b is enrolled to bob
    page = Page(_page_context(ws_b))
    qtbot.addWidget(page)
    page.on_activated()
    view = page.conflicts
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    qtbot.waitUntil(lambda: "(1)" in page.tabs.tabText(1))
    view.table.selectRow(0)
    assert view.current is not None
    rows = {
        view.fields.topLevelItem(i).text(0).lstrip("✎ "): view.fields.topLevelItem(i)
        for i in range(view.fields.topLevelItemCount())
    }
    assert rows["city"].text(1) == "Nixa" and rows["city"].text(2).startswith("Ozark")
    from desk_app.qt import Qt

    rows["city"].setCheckState(0, Qt.CheckState.Unchecked)  # theirs for the city
    rows["phone"].setCheckState(0, Qt.CheckState.Checked)  # mine for the phone
    view.merge.click()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    row = get(ws_b, EducationalEntity, eid)
    assert (row.city, row.phone) == ("Ozark", "417-555-0100")
    with qtbot.waitSignal(page.scheduler.sync_finished, timeout=30000):
        page.sync_button.click()
    qtbot.waitUntil(lambda: page.history.rowCount() >= 1)
    assert page.history.display(page.history.row_at(0), 1) == "ok"
    page.scheduler.stop()
    ops.wait_for_all()


def test_one_scheduler_per_session_until_it_is_stopped(qtbot, ws_a) -> None:
    from desk_app.views.widgets import sync_status

    first = sync_status.scheduler_for(ws_a.ctx)
    assert sync_status.scheduler_for(ws_a.ctx) is first  # the status bar and the Sync page share it
    first.stop()  # the window closed
    assert all(s is not first for s in sync_status._schedulers.values())
    second = sync_status.scheduler_for(ws_a.ctx)
    assert second is not first
    second.stop()
    first.deleteLater()
    second.deleteLater()


def test_a_refused_row_is_listed_on_the_sync_page_and_the_rest_synced(
    qtbot, ws_a, ws_carol, pg, central_db, owner
) -> None:
    from tests.sync.helpers import add_educator, add_grant

    eid = add_entity(ws_a, "048-078", "Cedar Valley R-II")
    ws_a.sync()
    ws_carol.sync()
    add_grant(ws_carol, eid)  # a Certification Specialist may not grant access
    educator = add_educator(ws_carol)  # but keeps educator records
    ws_carol.ctx.settings["sync_url"] = pg.url(central_db, "carol", cert=CERTS["carol"])
    page = Page(_page_context(ws_carol))
    qtbot.addWidget(page)
    page.on_activated()
    with qtbot.waitSignal(page.scheduler.sync_finished, timeout=30000):
        page.sync_button.click()
    view = page.conflicts
    # the application, its role, the account and the grant: each refused, with the reason
    qtbot.waitUntil(lambda: view.model.rowCount() == 4)
    shown = {
        view.model.display(view.model.row_at(i), 0): view.model.display(view.model.row_at(i), 1)
        for i in range(4)
    }
    assert "a certification specialist may not change role grant" in shown["Role grant"]
    qtbot.waitUntil(lambda: page.history.rowCount() >= 1)
    assert page.history.display(page.history.row_at(0), 1) == "ok"  # not blocked
    assert owner.row("educator", educator.hex) is not None  # the rest went in
    with owner.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM role_grant").scalar() == 0


def test_a_running_sync_shows_progress_and_stops_between_batches(ws_a) -> None:
    import pytest

    from desk_app.services.sync.service import SyncService, SyncStopped

    for n in range(30):
        add_entity(ws_a, f"1{n:02d}-100", f"Stop Test District {n}")
    service = SyncService(ws_a.ctx)
    before = service.status().pending
    steps: list[tuple[int, int, str]] = []
    ws_a.push_batch = 5  # several batches, so there is a "between"
    engine = ws_a.engine()
    engine.progress = lambda d, t, w: steps.append((d, t, w))
    engine.stopped = lambda: bool(steps)  # the operator pressed Stop at the first step
    with pytest.raises(SyncStopped) as stopped:
        engine.run()
    assert str(stopped.value).startswith(f"sync stopped by the operator after {steps[0][0]:,} of ")
    assert steps[0][1] == before and steps[0][2].startswith("Pushed ")
    after = service.status()
    assert 0 < before - after.pending < before  # some went, the rest waits
    assert service.history()[0].status == "stopped" and after.online is True
    assert ws_a.sync().pending == 0  # the next sync takes the rest


def test_the_sync_page_shows_a_running_sync_with_stop(qtbot, ws_a, server_url) -> None:
    ws_a.ctx.settings["sync_url"] = server_url
    page = Page(_page_context(ws_a))
    qtbot.addWidget(page)
    page.show()
    stopped: list[bool] = []
    page.scheduler.sync_started.connect(lambda: stopped.append(page.progress.isVisible()))
    with qtbot.waitSignal(page.scheduler.sync_finished, timeout=30000):
        page.sync_button.click()
    assert stopped == [True]  # shown with its Stop button while the sync ran
    assert not page.progress.isVisible() and page.sync_button.isEnabled()
    page.scheduler.stop()
    ops.wait_for_all()
