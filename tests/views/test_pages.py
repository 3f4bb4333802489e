"""The Entities and Audit pages, driven as the operator would."""

from __future__ import annotations

import sqlite3

from desk_app.qt import Qt


def _entities(main_window, qtbot):
    main_window.show_page("entities")
    page = main_window.pages["entities"]
    qtbot.waitUntil(lambda: page.count_label.text().endswith("entities"), timeout=5000)
    return page


def test_entity_search_as_you_type_finds_a_known_entity(main_window, qtbot, demo) -> None:
    page = _entities(main_window, qtbot)
    assert page.count_label.text() == "4 entities"
    qtbot.keyClicks(page.search, "048-0")
    qtbot.waitUntil(lambda: page.count_label.text() == "1 entity", timeout=5000)
    assert [r.name for r in page.model.rows()] == ["Kansas City Public Schools"]


def test_entity_kind_filter(main_window, qtbot, demo) -> None:
    page = _entities(main_window, qtbot)
    page.kind.setCurrentIndex(page.kind.findData("nonpublic"))
    qtbot.waitUntil(lambda: page.count_label.text() == "1 entity", timeout=5000)
    assert page.model.rows()[0].code == "N04567"


def test_entity_detail_shows_officer_history_buildings_and_user_managers(
    main_window, qtbot, demo
) -> None:
    page = _entities(main_window, qtbot)
    row = next(i for i, r in enumerate(page.model.rows()) if r.id == demo.columbia)
    page.select_row(row)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=5000)
    text = page.detail.toPlainText()
    assert "Dana Whitfield" in text and "in office" in text
    assert "Ruth Okafor" in text and "2022-06-30" in text
    assert "Rock Bridge High" in text and "Grant Elementary" in text
    assert "Jo Lopez" in text and "User managers (1)" in text
    assert "Security PIN" in text and "not issued" in text


def test_search_with_no_match_says_so(main_window, qtbot, demo) -> None:
    page = _entities(main_window, qtbot)
    page.search.setText("zzz")
    page.search.on_pause()
    qtbot.waitUntil(lambda: page.count_label.text() == "0 entities", timeout=5000)
    assert "No entity matches" in page.detail.toPlainText()


def test_audit_page_lists_and_filters_by_action(main_window, qtbot, demo) -> None:
    main_window.show_page("audit")
    page = main_window.pages["audit"]
    qtbot.waitUntil(lambda: page.action.count() > 2, timeout=5000)
    qtbot.waitUntil(lambda: page.count_label.text() != "", timeout=5000)
    page.action.setCurrentIndex(page.action.findData("pin.issue"))
    qtbot.waitUntil(lambda: page.count_label.text() == "1 event", timeout=5000)
    assert page.model.rows()[0].action == "pin.issue"


def test_audit_verify_reports_ok(main_window, qtbot, demo) -> None:
    main_window.show_page("audit")
    page = main_window.pages["audit"]
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=5000)
    assert page.last_report.ok
    assert "Audit chain intact" in page.report.text()
    assert page.verify_button.isEnabled()


def test_audit_verify_names_an_edited_event(main_window, qtbot, demo, app_paths) -> None:
    with sqlite3.connect(app_paths.database) as conn:
        conn.execute("UPDATE audit_event SET summary = 'tampered' WHERE action = 'pin.issue'")
    main_window.show_page("audit")
    page = main_window.pages["audit"]
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.last_report is not None, timeout=5000)
    assert not page.last_report.ok
    assert "BROKEN" in page.report.text() and "edited" in page.report.text()


def test_arrowing_through_entities_loads_only_the_detail_it_stops_on(
    main_window, qtbot, demo
) -> None:
    page = _entities(main_window, qtbot)
    loaded = []
    real_detail = page.service.detail
    page.service.detail = lambda entity_id: loaded.append(entity_id) or real_detail(entity_id)
    for row in range(4):
        page.select_row(row)
    last = page.model.rows()[3]
    qtbot.waitUntil(
        lambda: page.detail.detail is not None and page.detail.detail.row.id == last.id,
        timeout=5000,
    )
    assert loaded == [last.id]


def test_entity_actions_issue_pin_and_generate_a_prefilled_form(
    main_window, qtbot, demo, tmp_path
) -> None:
    import pymupdf

    from desk_app.pdf.read import read_form
    from desk_app.views.pages.entities import _write_form

    page = _entities(main_window, qtbot)
    row = next(i for i, r in enumerate(page.model.rows()) if r.id == demo.columbia)
    page.select_row(row)
    qtbot.waitUntil(lambda: page.current_detail is not None, timeout=5000)
    assert (
        page.pin_button.isVisible() and page.pin_button.isEnabled() and page.form_button.isEnabled()
    )
    code = page.current_detail.row.code
    target = tmp_path / "form.pdf"
    _write_form(page.context.services, "MO 500-2356", code, str(target))
    reading = read_form(target.read_bytes())
    assert reading.form_number == "MO 500-2356" and reading.values["entity_code"] == code
    assert pymupdf.open(target).page_count >= 1


def test_the_entity_pane_follows_a_pin_issued_from_this_page(
    main_window, qtbot, demo, tmp_path
) -> None:
    from desk_app.services.review import pins
    from desk_app.views import ops

    page = _entities(main_window, qtbot)
    row = next(i for i, r in enumerate(page.model.rows()) if r.id == demo.columbia)
    page.select_row(row)
    qtbot.waitUntil(lambda: page.detail.detail is not None, timeout=5000)
    assert "not issued" in page.detail.toPlainText()
    # what "Issue / reissue PIN" runs, with this page as the initiator
    letter = str(tmp_path / "letter.pdf")
    ops.op(pins.issue_pin_to_file, page.context.services, demo.columbia, letter).run(
        "writer", initiator=page
    )
    qtbot.waitUntil(lambda: "not issued" not in page.detail.toPlainText(), timeout=10000)
    assert "Security PIN" in page.detail.toPlainText()
