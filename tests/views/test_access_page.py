"""The Users & access page: loads lazily, searches as you type, shows an account's access."""

from __future__ import annotations

from desk_app.services.directory.staff import OperatorDTO
from desk_app.settings import Settings
from desk_app.views import ops
from desk_app.views.pages.access import Page
from desk_app.views.pages.base import PageContext
from tests.services.access.test_accounts import access_data  # noqa: F401  (fixture)


def _page(ctx, qtbot) -> Page:
    operator = OperatorDTO(
        ctx.actor.username, "Alice", ctx.actor.role, "Security Administrator", "ws-test"
    )
    page = Page(PageContext(ctx, operator, Settings(None)))
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    return page


def test_page_loads_searches_and_shows_detail(qtbot, ctx, access_data) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    qtbot.waitUntil(lambda: page.count_label.text() == "3 accounts")
    qtbot.waitUntil(lambda: page.application.count() == 3)
    qtbot.keyClicks(page.search, "brown")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: "Bob Brown" in page.detail.toPlainText())
    # the grants are in the grants panel beside the designations
    qtbot.waitUntil(lambda: len(page.grants.model.rows) == 1)
    assert page.grants.model.rows[0].application_name == "Educator Certification System"
    ops.wait_for_all()


def test_duplicate_usernames_are_flagged(qtbot, ctx, access_data) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    qtbot.keyClicks(page.search, "jsmith")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=3000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: "One person, one username" in page.detail.toPlainText())
    ops.wait_for_all()


def test_duplicates_side_by_side_merge_and_undo(qtbot, ctx, access_data) -> None:  # noqa: F811
    page = _page(ctx, qtbot)
    page.on_activated()
    dialog = page.open_duplicates()
    qtbot.waitUntil(lambda: "likely duplicate pair" in dialog.status.text(), timeout=10000)
    pair = dialog.pairs[0]
    assert {pair.first.username, pair.second.username} == {"jsmith", "jsmith2"}
    dialog.table.selectRow(0)
    qtbot.waitUntil(lambda: "Smith" in dialog.left.toPlainText(), timeout=5000)
    qtbot.waitUntil(lambda: "Smith" in dialog.right.toPlainText(), timeout=5000)
    dialog.merge(pair, "one person, two usernames")
    qtbot.waitUntil(lambda: dialog.undo_button.isEnabled(), timeout=10000)
    assert "Merged" in dialog.status.text()
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: "undone" in dialog.status.text(), timeout=10000)
    dialog.close()
    ops.wait_for_all()


def test_the_account_shown_follows_a_change_of_its_grants(qtbot, ctx, access_data) -> None:  # noqa: F811
    from sqlalchemy import select

    from desk_app.models.access import RoleGrant, UserAccount
    from desk_app.services.access.grants import GrantAdmin

    page = _page(ctx, qtbot)
    page.on_activated()
    qtbot.keyClicks(page.search, "brown")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: "Educator Certification System" in _grants_text(page))
    assert "revoked" not in _grants_text(page).lower()
    with ctx.store.read() as s:
        grant_id = (
            s.execute(
                select(RoleGrant.id)
                .join(UserAccount, UserAccount.id == RoleGrant.user_account_id)
                .where(UserAccount.last_name == "Brown")
            )
            .scalars()
            .first()
        )
    # revoked elsewhere (another page, an undo): the bus tells this page, the pane reloads
    ops.bus.changed.connect(page.on_changes)  # what the main window does for its pages
    ops.op(GrantAdmin(ctx).revoke, str(grant_id), "left the district in June").run("writer")
    try:
        qtbot.waitUntil(lambda: "revoked" in _grants_text(page).lower(), timeout=5000)
    finally:
        ops.wait_for_all()
        ops.bus.changed.disconnect(page.on_changes)


def _grants_text(page) -> str:
    """Every cell of the grants panel (the account's grants are listed there, not in the pane)."""
    model = page.grants.model
    return " | ".join(
        str(model.data(model.index(r, c)) or "")
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    )
