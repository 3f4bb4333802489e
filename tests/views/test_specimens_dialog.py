"""An officer's specimens from the Entities page: the officer's link opens them, a scanned card is
filed through the sandbox, one is removed; other roles see the actions disabled."""

from __future__ import annotations

from desk_app.qt import QUrl
from desk_app.views import ops
from desk_app.views.dialogs.specimens import ID_ROLE, SpecimensDialog
from tests.services.directory.test_specimens import signature_card


def test_officer_specimens_filed_and_removed(main_window, qtbot, demo, tmp_path) -> None:
    main_window.show_page("entities")
    page = main_window.pages["entities"]
    qtbot.waitUntil(lambda: page.count_label.text().endswith("entities"), timeout=5000)
    qtbot.keyClicks(page.search, "010-093")
    qtbot.waitUntil(lambda: page.count_label.text() == "1 entity", timeout=5000)
    page.select_row(0)
    qtbot.waitUntil(lambda: page.current_detail is not None, timeout=5000)
    assert "signature specimens" in page.detail.toPlainText()
    officer = page.current_detail.officers[0]
    with qtbot.waitSignal(page.detail.specimens_requested) as asked:
        page.detail.anchorClicked.emit(QUrl(f"specimens:{officer.person_id}"))
    assert asked.args == [officer.person_id, officer.name]
    dialog = page.open_specimens(officer.person_id, officer.name)
    qtbot.waitUntil(lambda: "on file" in dialog.status.text(), timeout=5000)
    card = tmp_path / "card.png"
    card.write_bytes(signature_card())
    dialog.signed_on.setText("2026-09-01")
    dialog.file_card(card)
    qtbot.waitUntil(lambda: dialog.list.count() >= 1, timeout=10000)
    assert "filed" in dialog.status.text()
    # drawn from the pixels a child decoded (the PNG itself is never read in this process)
    assert not dialog.list.item(0).icon().isNull()
    assert "unreadable" not in dialog.list.item(0).text()
    before = dialog.list.count()
    dialog.list.setCurrentRow(0)
    assert dialog.remove_button.isEnabled()
    dialog.remove(dialog.list.item(0).data(ID_ROLE), "wrong person")
    qtbot.waitUntil(lambda: dialog.list.count() == before - 1, timeout=5000)
    dialog.close()
    ops.wait_for_all()


def test_an_auditor_sees_filing_disabled(qtbot, make_ctx) -> None:
    auditor = make_ctx("auditor", "audrey")
    dialog = SpecimensDialog(auditor, "00000000-0000-0000-0000-000000000001", "Dana Whitfield")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "on file" in dialog.status.text(), timeout=5000)
    assert not dialog.add_button.isEnabled()
    assert "Only a Security Administrator" in dialog.add_button.toolTip()
    ops.wait_for_all()
