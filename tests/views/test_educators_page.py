"""The Educators page: search, profile, audited closed-data reveal by role, certificate printing."""

from __future__ import annotations

import re

import pymupdf
import pytest

from desk_app.services.directory.staff import OperatorDTO
from desk_app.services.educators import signing
from desk_app.services.listing import ListQuery
from desk_app.services.records.audit_log import AuditLogService
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.base import PageContext
from desk_app.views.pages.educators import Page


@pytest.fixture
def seeded(ctx):
    from desk_app.seed import seed_database

    seed_database(ctx, scale=0.005)
    return ctx


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(
        ctx.actor.username, "Op", ctx.actor.role, ctx.actor.role, ctx.actor.workstation_id
    )
    page = Page(PageContext(ctx, operator, Settings(None)))
    page.setProperty("headless", True)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.on_activated()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=5000)
    return page


def _select_educator_with_certificate(page: Page, qtbot) -> None:
    page.classification.setCurrentIndex(page.classification.findData("IPC"))
    qtbot.waitUntil(
        lambda: (
            page.model.rowCount() > 0
            and page.count_label.text().endswith(("educators", "educator"))
        ),
        timeout=5000,
    )
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.profile.profile is not None, timeout=5000)


def test_specialist_sees_closed_data_and_prints(qtbot, seeded, make_ctx, secrets) -> None:
    signing.enrol_new_key(secrets)
    ctx = make_ctx(role="certification_specialist", username="carol")
    page = _page(ctx, qtbot)
    _select_educator_with_certificate(page, qtbot)
    assert "Certificates" in page.profile.text.toPlainText()
    assert page.profile.reveal.isVisible() and page.profile.reveal.isEnabled()
    page.profile.reveal.click()
    qtbot.waitUntil(lambda: "view recorded" in page.profile.closed.text(), timeout=5000)
    # the role may see closed data: the whole SSN and the date of birth, not the masked SSN
    assert re.search(r"SSN \d{3}-\d{2}-\d{4} · born \d{2}/\d{2}/\d{4}", page.profile.closed.text())
    assert "valid through" in page.profile.text.toPlainText()
    page.profile.print_button.click()
    qtbot.waitUntil(lambda: page.last_pdf is not None, timeout=5000)
    doc = pymupdf.open(stream=page.last_pdf, filetype="pdf")
    assert page.profile.profile.row.last_name in doc[0].get_text()
    ops.wait_for_all()
    events = AuditLogService(make_ctx(role="auditor")).fetch(
        ListQuery().with_filter("record_type", "educator"), 0, 50
    )
    assert any(
        e.action == "educator.view_closed" and e.actor == "carol" and "full" in e.summary
        for e in events
    )


def test_security_admin_has_no_reveal_or_print(qtbot, seeded) -> None:
    page = _page(seeded, qtbot)
    assert not page.profile.reveal.isVisible()
    assert not page.profile.print_button.isVisible()
    prefix = page.model.row_at(0).last_name[:3].lower()
    qtbot.keyClicks(page.search, prefix)
    qtbot.waitUntil(
        lambda: (
            page.model.query.text == prefix
            and page.count_label.text().endswith(("educators", "educator"))
        ),
        timeout=5000,
    )
    assert page.model.rowCount() > 0
    assert all(r.last_name.lower().startswith(page.search.text()) for r in page.model.rows())
    ops.wait_for_all()
