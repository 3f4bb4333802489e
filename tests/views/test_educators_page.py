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


def test_new_profile_dialog_masks_closed_fields_and_never_duplicates(
    qtbot, seeded, make_ctx
) -> None:
    from datetime import date

    from desk_app.qt import QLineEdit
    from desk_app.services.educators.editing import NewProfile
    from desk_app.views.pages.educator_forms import NewProfileDialog

    dialog = NewProfileDialog()
    qtbot.addWidget(dialog)
    for field in (dialog.ssn, dialog.born):
        assert field.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit
    dialog.born.setText("12/04/1985")
    dialog.on_accept()
    assert "YYYY-MM-DD" in dialog.error.text() and dialog.entered is None
    ctx = make_ctx(role="certification_specialist", username="carol")
    page = _page(ctx, qtbot)
    assert page.new_profile.isVisible()
    entered = NewProfile("123-45-6780", date(1985, 4, 12), "Maria", "Qelgado", "mq@example.org")
    page.create_or_find(entered)
    qtbot.waitUntil(lambda: page.profile.closed.text() == "Profile created.", timeout=5000)
    assert page.profile.profile.row.last_name == "Qelgado"
    page.create_or_find(entered)
    qtbot.waitUntil(lambda: "already has a profile" in page.profile.closed.text(), timeout=5000)
    assert "6780" not in page.profile.text.toPlainText()
    ops.wait_for_all()


def test_watch_panel_counts_and_computes_off_the_gui_thread(qtbot, seeded, make_ctx) -> None:
    page = _page(make_ctx(role="certification_specialist", username="carol"), qtbot)
    panel = page.watch
    page.tabs.setCurrentWidget(panel)  # the tab loads its lists when first shown
    qtbot.waitUntil(lambda: "Expiring:" in panel.counts.text(), timeout=5000)
    assert "not computed yet" in panel.counts.text()
    panel.compute.click()
    qtbot.waitUntil(lambda: panel.running_out is not None, timeout=10000)
    qtbot.waitUntil(lambda: "not computed" not in panel.counts.text(), timeout=5000)
    assert f"{len(panel.running_out.rows):,}" in panel.counts.text()
    assert panel.compute.isEnabled() and not panel.stop.isEnabled()
    ops.wait_for_all()


def test_security_admin_cannot_create_profiles(qtbot, seeded) -> None:
    page = _page(seeded, qtbot)
    assert not page.new_profile.isVisible()
    ops.wait_for_all()
