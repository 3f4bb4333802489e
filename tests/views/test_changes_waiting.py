"""The count of changes waiting to be pushed (the sync outbox) on the status bar and the Sync
page, refreshed from the change bus: with or without a central database configured."""

from __future__ import annotations

from desk_app.services.directory.dto import OperatorDTO
from desk_app.services.directory.staff import add_staff
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.sync import Page
from desk_app.views.widgets.sync_status import SyncScheduler, SyncStatusWidget, waiting_text


def test_waiting_text_counts_in_words() -> None:
    assert waiting_text(0) == "no changes waiting"
    assert waiting_text(1) == "1 change waiting"
    assert waiting_text(12_345) == "12,345 changes waiting"


def _waiting(ctx) -> int:
    from desk_app.services.sync.service import SyncService

    return SyncService(ctx).status().pending


def test_status_bar_and_sync_page_count_the_outbox_and_follow_the_bus(qtbot, ctx, drain) -> None:
    assert not ctx.settings["sync_url"]  # nothing to sync with: changes wait, and it says so
    scheduler = SyncScheduler(ctx)
    widget = SyncStatusWidget(scheduler)
    qtbot.addWidget(widget)
    operator = OperatorDTO("alice", "Alice", "security_admin", "Security Administrator", "ws")
    page = Page(PageContext(ctx, operator, ctx.settings))
    page.scheduler = scheduler  # the page and the status bar share the session's scheduler
    scheduler.status_changed.connect(page.on_status_changed)
    qtbot.addWidget(page)
    before = _waiting(ctx)
    scheduler.refresh_status()
    expected = waiting_text(before)
    qtbot.waitUntil(lambda: expected in widget.label.text())
    assert widget.label.text() == f"Sync: not configured · {expected}"
    assert page.waiting.text() == f"{expected.capitalize()} to be pushed ·"
    # a change made through an operation reaches the bus; nobody refreshes by hand
    ops.op(add_staff, ctx, "dave", "Dave Reyes", "auditor").run("writer")
    drain()
    after = _waiting(ctx)
    assert after > before
    qtbot.waitUntil(lambda: waiting_text(after) in widget.label.text())
    qtbot.waitUntil(lambda: page.waiting.text().startswith(waiting_text(after).capitalize()))
    assert "waiting" not in page.state.text()  # said once on the page, in bold, not twice
    scheduler.stop()
