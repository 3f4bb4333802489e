"""Roles shown as roles: a page the operator's role may not use is in the navigation but
disabled, with the reason; its shortcut does nothing; the first page is one the role may use."""

from __future__ import annotations

import importlib

import pytest

from desk_app.qt import Qt
from desk_app.rules.permissions import ROLE_TITLES
from desk_app.services.directory.dto import OperatorDTO
from desk_app.views.pages import PAGE_ORDER
from desk_app.views.pages.base import PageContext


@pytest.fixture
def window_for(qtbot, make_ctx, app_paths, drain):
    from desk_app.views.main_window import MainWindow

    for key in PAGE_ORDER:
        importlib.import_module(f"desk_app.views.pages.{key}")

    def build(role: str) -> MainWindow:
        ctx = make_ctx(role=role, username=role)
        operator = OperatorDTO(role, role.title(), role, ROLE_TITLES[role], "ws-test")
        window = MainWindow(PageContext(ctx, operator, ctx.settings), database=app_paths.database)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return build


def _item(window, key: str):
    return window.nav.item(PAGE_ORDER.index(key))


def test_an_auditor_sees_the_queue_disabled_with_the_reason(window_for, qtbot) -> None:
    window = window_for("auditor")
    item = _item(window, "queue")
    assert not item.flags() & Qt.ItemFlag.ItemIsEnabled
    assert item.toolTip() == "An Auditor may not use Work queue"
    qtbot.waitUntil(lambda: window.current_key() == "entities", timeout=5000)
    window.show_page("queue")
    assert window.current_key() == "entities"
    assert not window.page_actions[PAGE_ORDER.index("queue")].isEnabled()
    assert not window.staff_action.isEnabled()
    assert "Security Administrator" in window.staff_action.toolTip()


def test_a_specialist_may_not_open_users_and_access(window_for) -> None:
    window = window_for("certification_specialist")
    assert not _item(window, "access").flags() & Qt.ItemFlag.ItemIsEnabled
    assert _item(window, "educators").flags() & Qt.ItemFlag.ItemIsEnabled
    assert window.allowed_pages() == ["queue", "entities", "educators", "sync"]


def test_unlocking_does_not_give_back_what_the_role_lacks(window_for) -> None:
    window = window_for("auditor")
    window._set_actions_enabled(False)
    window._set_actions_enabled(True)
    assert not window.page_actions[PAGE_ORDER.index("queue")].isEnabled()
    assert window.page_actions[PAGE_ORDER.index("audit")].isEnabled()
