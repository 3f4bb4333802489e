"""Direct grant changes on the Users & access page: revoke, grant with a last day, change a
role, the history, refusals shown in the dialog, and the actions disabled for other roles."""

from __future__ import annotations

from datetime import date, timedelta

from desk_app.services.directory.staff import OperatorDTO
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.access import Page
from desk_app.views.pages.base import PageContext
from desk_app.views.tablemodels.grants import GrantTableModel
from tests.services.access.test_accounts import access_data  # noqa: F401  (fixture)


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(ctx.actor.username, "Alice", ctx.actor.role, "", "ws-test")
    page = Page(PageContext(ctx, operator, Settings(None)))
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    page.on_activated()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    qtbot.waitUntil(lambda: page.grants.applications != [], timeout=5000)
    return page


def _select(page: Page, qtbot, username: str) -> None:
    row = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).username == username)
    page.table.selectRow(row)
    qtbot.waitUntil(
        lambda: page.grants.detail is not None and page.grants.detail.row.username == username,
        timeout=5000,
    )
    page.grants.table.selectRow(0)


def test_revoke_needs_a_reason_and_the_last_user_manager_keeps_access(
    qtbot,
    ctx,
    access_data,  # noqa: F811
) -> None:
    page = _page(ctx, qtbot)
    _select(page, qtbot, "jsmith")  # the LEA's only user manager
    dialog = page.grants.open_revoke()
    dialog.reason.setPlainText("emergency: suspected compromise")
    dialog.on_ok()
    qtbot.waitUntil(lambda: "Refused" in dialog.problem.text(), timeout=5000)
    assert "user manager" in dialog.problem.text() and dialog.isVisible()
    dialog.reject()

    _select(page, qtbot, "bbrown")
    dialog = page.grants.open_revoke()
    dialog.reason.setPlainText("no")
    dialog.on_ok()
    qtbot.waitUntil(lambda: "reason" in dialog.problem.text(), timeout=5000)
    dialog.reason.setPlainText("left the district; reported by the superintendent")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.on_ok()
    qtbot.waitUntil(lambda: page.grants.model.rows[0].revoked_at is not None, timeout=5000)
    assert "revoked" in page.grants.status.text()
    page.grants.table.selectRow(0)
    assert not page.grants.revoke_button.isEnabled()
    page.grants.open_history()
    qtbot.waitUntil(lambda: hasattr(page.grants, "history_dialog"), timeout=5000)
    text = page.grants.history_dialog.text.toPlainText()
    assert "left the district" in text and "alice" in text
    ops.wait_for_all()


def test_grant_with_a_last_day_warns_and_a_role_change(qtbot, ctx, access_data) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    _select(page, qtbot, "bbrown")
    dialog = page.grants.open_grant()
    dialog.role_box.setCurrentIndex(dialog.role_box.findData("MOSIS_VIEW"))
    dialog.ends_edit.setText(f"{date.today() + timedelta(days=10):%Y-%m-%d}")
    dialog.reason.setPlainText("summer cover for the building secretary")
    dialog.form.itemAt(2, dialog.form.ItemRole.FieldRole).widget().setText("1050")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        dialog.on_ok()
    qtbot.waitUntil(lambda: len(page.grants.model.rows) == 2, timeout=5000)
    qtbot.waitUntil(lambda: "end within 30 days" in page.grants.warning.text(), timeout=5000)
    qtbot.waitUntil(lambda: "end within 30 days" in page.expiring.text(), timeout=5000)
    assert "MOSIS_VIEW" in page.grants.warning.text()

    row = next(i for i, g in enumerate(page.grants.model.rows) if g.role_code == "ECS_ENTRY")
    page.grants.table.selectRow(row)
    dialog = page.grants.open_change()
    assert dialog.role_box.count() == 0  # ECS has one role only: nothing to change to
    dialog.reason.setPlainText("keyed the wrong level")
    dialog.on_ok()
    qtbot.waitUntil(lambda: "Refused" in dialog.problem.text(), timeout=5000)
    dialog.reject()
    ops.wait_for_all()


def test_an_auditor_sees_the_actions_disabled_with_the_reason(qtbot, make_ctx, access_data) -> None:  # noqa: F811
    page = _page(make_ctx("auditor", "audrey"), qtbot)
    _select(page, qtbot, "bbrown")
    panel = page.grants
    for button in (panel.grant_button, panel.revoke_button, panel.change_button, panel.end_button):
        assert not button.isEnabled()
        assert "Only a Security Administrator" in button.toolTip()
    assert panel.history_button.isEnabled()
    assert panel.open_revoke() is None
    ops.wait_for_all()


def test_grant_model_passes_qtmodeltester(qtmodeltester, ctx, access_data) -> None:  # noqa: F811
    from desk_app.services.access.accounts import AccessService

    model = GrantTableModel()
    model.show(AccessService(ctx).detail(str(access_data[0].id)).grants)
    assert model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)
