"""The Access reviews page: start a campaign (progress shown), cancel one, the dashboard,
reminders, a returned fax applied, and the default."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from desk_app.qt import Qt
from desk_app.services.directory.staff import OperatorDTO
from desk_app.services.queue.intake import IntakeService
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.campaigns import Page
from tests.intake.makers import fax_tiff
from tests.services.reviews.test_campaigns import _mark_remove, directory  # noqa: F401
from tests.services.reviews.test_return_verification import signed, verified


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(
        ctx.actor.username, "Alice", ctx.actor.role, "Security Administrator", "ws"
    )
    page = Page(PageContext(ctx, operator, Settings(None)))
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    return page


def test_start_dashboard_and_a_returned_fax(qtbot, ctx, directory, tmp_path) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    qtbot.waitUntil(lambda: "No access review" in page.summary.text())
    dialog = page.on_start()
    dialog.kinds["ihe"].setChecked(False)
    dialog.accept()
    qtbot.waitUntil(lambda: "started" in page.result.text(), timeout=20000)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    assert "3 awaiting" in page.summary.text()
    token = page.status.token + "-048-078"
    folder = Path(ctx.paths.data_dir) / "drafts" / "reviews" / page.status.token
    marked = _mark_remove(folder / f"{token}.pdf", token, ctx, {1})
    (tmp_path / "a.tif").write_bytes(fax_tiff(signed(marked)))
    IntakeService(ctx).ingest_files([tmp_path / "a.tif"])
    [waiting] = page.returns.waiting()
    page.apply_return(waiting, "Dana Whitfield", date.today())  # not verified yet: refused
    qtbot.waitUntil(lambda: "not verified" in page.result.text(), timeout=20000)
    verified(ctx, waiting)
    page.apply_return(waiting, "Dana Whitfield", date.today())
    qtbot.waitUntil(lambda: "1 grant(s) removed, 4 kept" in page.result.text(), timeout=20000)
    qtbot.waitUntil(lambda: "1 returned" in page.summary.text())
    page.remind_button.click()
    qtbot.waitUntil(lambda: "2 reminder(s) drafted" in page.result.text(), timeout=10000)
    page.default_button.click()
    qtbot.waitUntil(lambda: "due date" in page.result.text(), timeout=10000)  # not yet due
    ops.wait_for_all()


def test_cancel_keeps_nothing(qtbot, ctx, directory) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    # Cancel as soon as the first attestation is written (of three): set on the writing thread
    # itself (a direct connection), as the Cancel button sets it, so the run cannot finish all
    # three before a queued click would reach the GUI thread
    page.progress.step.connect(lambda *_a: page._cancel.set(), Qt.ConnectionType.DirectConnection)
    dialog = page.on_start()
    page.start(dialog)
    assert page.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "cancelled" in page.result.text(), timeout=20000)
    assert page.status is None and page.start_button.isEnabled()
    ops.wait_for_all()
