"""Directory upkeep from the Entities page: new entity, edit, building, officer, as an operator
would fill the dialogs."""

from __future__ import annotations

from desk_app.views import ops


def _page(main_window, qtbot, code: str = "010-093"):
    main_window.show_page("entities")
    page = main_window.pages["entities"]
    qtbot.waitUntil(lambda: page.count_label.text().endswith("entities"), timeout=5000)
    qtbot.keyClicks(page.search, code)
    qtbot.waitUntil(lambda: page.count_label.text() == "1 entity", timeout=5000)
    page.select_row(0)
    qtbot.waitUntil(lambda: page.current_detail is not None, timeout=5000)
    return page


def test_edit_entity_and_add_building_and_officer(main_window, qtbot, demo) -> None:
    page = _page(main_window, qtbot)
    assert page.edit_button.isEnabled() and page.building_button.isEnabled()
    dialog = page.open_entity_dialog(page.current_detail)
    assert dialog.county.text() == "010"
    dialog.city.setText("Columbia, MO")
    dialog.opened.setText("1890-07-01")
    dialog._accept()
    qtbot.waitUntil(lambda: page.action_status.text() == "010-093 saved.", timeout=5000)
    qtbot.waitUntil(lambda: page.current_detail.opened_on is not None, timeout=5000)
    assert page.current_detail.row.city == "Columbia, MO"

    building = page.open_building_dialog()
    building.code.setText("2010")
    building.name.setText("Hickman High")
    building._accept()
    qtbot.waitUntil(lambda: len(page.current_detail.buildings) == 3, timeout=5000)

    officer = page.open_officer_dialog()
    officer.first.setText("Lee")
    officer.last.setText("Novak")
    officer.start.setText("2026-07-01")
    officer._accept()
    qtbot.waitUntil(
        lambda: any(o.name == "Lee Novak" for o in page.current_detail.officers), timeout=5000
    )
    ended = {o.name: o.end_date for o in page.current_detail.officers}
    assert str(ended["Dana Whitfield"]) == "2026-06-30"
    assert "Agency contact" not in page.detail.toPlainText()
    ops.wait_for_all()


def test_bad_values_are_explained(main_window, qtbot, demo) -> None:
    page = _page(main_window, qtbot)
    dialog = page.open_entity_dialog(None)
    dialog.opened.setText("yesterday")
    dialog._accept()
    assert "YYYY-MM-DD" in dialog.problem.text() and dialog.isVisible()
    dialog.opened.setText("")
    dialog.name.setText("Hallsville R-IV")
    dialog.code.setText("10-27")
    dialog._accept()
    qtbot.waitUntil(lambda: "code" in page.action_status.text(), timeout=5000)
    ops.wait_for_all()


def test_export_the_entities_found(main_window, qtbot, demo, tmp_path) -> None:
    page = _page(main_window, qtbot, "010")
    page.export_to(tmp_path / "found.csv")
    qtbot.waitUntil(lambda: "Entities: 1 rows exported" in page.action_status.text(), timeout=5000)
    assert "Columbia Public Schools" in (tmp_path / "found.csv").read_text(encoding="utf-8-sig")
    ops.wait_for_all()


def test_generate_form_with_the_requested_user_manager(
    main_window, qtbot, demo, tmp_path, monkeypatch
) -> None:
    """Entities > Generate form: the form is prefilled from the entity record and the dialog,
    and its request token records both (the fax that comes back is keyed from them)."""
    from sqlalchemy import select

    from desk_app.models.submissions import RequestToken
    from desk_app.pdf.catalogue import get_form
    from desk_app.pdf.read import read_form
    from desk_app.qt import QDialog, QFileDialog, QInputDialog
    from desk_app.views.dialogs.form_prefill import FormPrefillDialog, offered_fields

    assert [n for n, *_ in offered_fields(get_form("MO 500-2356"))] == [
        "requester_email", "um_action", "um_first_name", "um_last_name", "um_email", "um_username",
    ]  # fmt: skip
    page = _page(main_window, qtbot)
    out = tmp_path / "um.pdf"
    monkeypatch.setattr(
        QInputDialog, "getItem", lambda *_a, **_k: ("MO 500-2356  User manager", True)
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), "PDF"))

    def fill(dialog):
        dialog.editors["um_action"].setCurrentText("add")
        dialog.editors["um_last_name"].setText("Park")
        dialog.editors["um_first_name"].setText("Lee")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(FormPrefillDialog, "exec", fill)
    page.on_generate_form()
    qtbot.waitUntil(lambda: "request token RQ" in page.action_status.text(), timeout=10000)
    reading = read_form(out.read_bytes())
    assert reading.values["um_last_name"] == "Park" and reading.token.startswith("RQ")
    with page.context.services.store.read() as s:
        row = s.execute(select(RequestToken)).scalar_one()
        assert (row.token, row.entity_code) == (reading.token, "010-093")
        assert row.values["um_first_name"] == "Lee" and row.values["entity_code"] == "010-093"
    ops.wait_for_all()
