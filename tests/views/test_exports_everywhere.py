"""Every list exports through the one mechanism (views/exporting.py -> services/exports.py):
same filters, closed data withheld by role, an audit event per export."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from desk_app.models.audit import AuditEvent
from desk_app.services.directory.staff import OperatorDTO
from desk_app.settings import Settings
from desk_app.views import exporting, ops
from desk_app.views.pages.base import PageContext
from tests.services.access.test_accounts import access_data  # noqa: F401  (fixture)


def _context(ctx) -> PageContext:
    return PageContext(
        ctx, OperatorDTO(ctx.actor.username, "A", ctx.actor.role, "", "ws"), Settings(None)
    )


def _rows(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    sheet = load_workbook(path, read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _export(page, spec_index: int, path: Path, qtbot) -> str:
    messages: list[str] = []
    spec = exporting.specs_for(page)[spec_index]
    exporting.export_to(page, spec, path, messages.append)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    return messages[0]


def _export_events(ctx) -> list[str]:
    with ctx.store.read() as s:
        return list(
            s.execute(
                select(AuditEvent.summary).where(AuditEvent.action == "export.list")
            ).scalars()
        )


def test_accounts_and_their_grants_with_the_page_filters(qtbot, ctx, access_data, tmp_path) -> None:  # noqa: F811
    from desk_app.views.pages.access import Page

    page = Page(_context(ctx))
    qtbot.addWidget(page)
    page.on_activated()
    qtbot.keyClicks(page.search, "jsmith")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    assert [s.title for s in exporting.specs_for(page)] == [
        "User accounts",
        "Grants of these accounts",
    ]
    said = _export(page, 0, tmp_path / "accounts.csv", qtbot)
    assert "2 rows exported" in said
    rows = _rows(tmp_path / "accounts.csv")
    assert rows[0][:2] == ["id", "username"] and sorted(r[1] for r in rows[1:]) == [
        "jsmith",
        "jsmith2",
    ]
    said = _export(page, 1, tmp_path / "grants.xlsx", qtbot)
    grants = _rows(tmp_path / "grants.xlsx")
    assert grants[0][0] == "username" and {r[0] for r in grants[1:]} == {"jsmith"}
    assert (
        len(grants) == 3
    )  # jsmith's two grants (one revoked); jsmith2 has none, bbrown filtered out
    events = _export_events(ctx)
    assert any("User accounts: 2 rows" in e for e in events)
    assert any("Grants of these accounts: 2 rows exported to XLSX" in e for e in events)
    ops.wait_for_all()


def test_audit_log_and_the_menu_action(main_window, qtbot, tmp_path, monkeypatch) -> None:
    from desk_app.services.exports import export_rows

    # an export is itself audited: two events for the log to hold
    for name in ("one", "two"):
        export_rows(main_window.context.services, [], name, tmp_path / f"{name}.csv", "csv")
    main_window.show_page("audit")
    page = main_window.pages["audit"]
    page.refresh()
    qtbot.waitUntil(lambda: (page.model.total or 0) >= 2, timeout=10000)
    target = tmp_path / "audit.csv"
    monkeypatch.setattr(exporting.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    main_window.export_action.trigger()
    qtbot.waitUntil(
        lambda: target.exists() and "rows exported" in main_window.status.currentMessage(),
        timeout=10000,
    )
    rows = _rows(target)
    assert "summary" in rows[0] and len(rows) - 1 == 2  # the export's own event comes after
    assert any("one: 0 rows exported" in cell for row in rows for cell in row)
    ops.wait_for_all()


def test_the_work_queue_exports_through_the_same_mechanism(main_window, qtbot, tmp_path) -> None:
    main_window.show_page("queue")
    page = main_window.pages["queue"]
    [spec] = exporting.specs_for(page)
    assert spec.title == "Work queue"
    said = _export(page, 0, tmp_path / "queue.csv", qtbot)
    assert "Work queue:" in said and (tmp_path / "queue.csv").exists()
    ops.wait_for_all()


def test_closed_data_is_withheld_from_a_role_that_may_not_see_it(make_ctx, tmp_path) -> None:
    from dataclasses import dataclass

    from desk_app.services.exports import export_rows

    @dataclass(frozen=True)
    class Person:
        name: str
        ssn_last4: str
        date_of_birth: str

    rows = [Person("Ann", "1234", "1980-01-02")]
    admin = export_rows(make_ctx(), rows, "People", tmp_path / "a.csv", "csv")
    assert admin.withheld == ("ssn_last4", "date_of_birth")
    specialist = export_rows(
        make_ctx("certification_specialist", "cara"), rows, "People", tmp_path / "b.csv", "csv"
    )
    assert specialist.withheld == () and _rows(tmp_path / "b.csv")[1] == [
        "Ann",
        "1234",
        "1980-01-02",
    ]


def test_educators_export_without_closed_data(main_window, qtbot, tmp_path) -> None:
    main_window.show_page("educators")
    page = main_window.pages["educators"]
    [spec] = exporting.specs_for(page)
    said = _export(page, 0, tmp_path / "educators.csv", qtbot)
    assert "Educators:" in said
    header = _rows(tmp_path / "educators.csv")[0] if _rows(tmp_path / "educators.csv") else []
    assert not {"ssn", "ssn_last4", "date_of_birth", "birth_date"} & set(header)
    ops.wait_for_all()
