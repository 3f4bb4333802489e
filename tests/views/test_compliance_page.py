"""The Compliance page: findings load off the GUI thread, filter by rule, draft the 2356, and
"user managers reviewed" clears an officer-change finding."""

from __future__ import annotations

from pathlib import Path

from desk_app.qt import QDesktopServices
from desk_app.services.directory.staff import OperatorDTO
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.compliance import Page
from tests.services.directory.test_compliance import world  # noqa: F401  (fixture)
from tests.views.test_open_draft import _MailProgram


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(
        ctx.actor.username, "Alice", ctx.actor.role, "Security Administrator", "ws"
    )
    page = Page(PageContext(ctx, operator, Settings(None)))
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    return page


def test_findings_filter_draft_and_review(qtbot, ctx, world) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    qtbot.waitUntil(lambda: page.model.rowCount() == 6)
    assert "6 finding(s)" in page.summary.text()
    page.rule.setCurrentIndex(page.rule.findData("officer_changed"))
    assert page.model.rowCount() == 1
    page.table.selectRow(0)
    assert page.reviewed_button.isEnabled() and page.draft_button.isEnabled()
    page.draft_button.click()
    qtbot.waitUntil(lambda: "Draft saved" in page.status.text())
    drafts = list((Path(ctx.paths.data_dir) / "drafts" / "compliance").glob("*.eml"))
    assert drafts and str(drafts[0]) in page.status.text()  # where it is, said at once
    program = _MailProgram()
    QDesktopServices.setUrlHandler("file", program, "open")
    try:
        page.status.linkActivated.emit(page.last_draft)  # "open in the mail program"
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert program.opened == [str(drafts[0])]
    assert page.status.text() == f"Opened {drafts[0].name} in the mail program."
    page.reviewed_button.click()
    qtbot.waitUntil(lambda: page.report is not None and len(page.report.findings) == 5)
    assert page.model.rowCount() == 0
    page.rule.setCurrentIndex(0)
    page.export_to(Path(ctx.paths.data_dir) / "findings.csv")
    qtbot.waitUntil(lambda: "Compliance findings: 5 rows exported" in page.status.text())
    ops.wait_for_all()


def test_an_auditor_sees_findings_without_remedies(qtbot, make_ctx, world) -> None:  # noqa: F811
    page = _page(make_ctx("auditor", "audrey"), qtbot)
    page.on_activated()
    qtbot.waitUntil(lambda: page.model.rowCount() == 6)
    assert not page.draft_button.isVisible() and not page.reviewed_button.isVisible()
    ops.wait_for_all()
