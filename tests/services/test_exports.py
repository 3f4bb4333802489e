"""Exports: the list's rows with its filters, to CSV and XLSX, closed data withheld unless the
role may see it, formulas neutralised, each export audited."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from desk_app.errors import ValidationError
from desk_app.models.audit import AuditEvent
from desk_app.models.entities import EducationalEntity
from desk_app.services.directory.entities import EntityService
from desk_app.services.exports import export_list, export_rows
from desk_app.services.listing import ListQuery


@dataclass(frozen=True)
class Person:
    name: str
    ssn: str
    date_of_birth: date
    note: str


ROWS = [Person("Ann", "123-45-6789", date(1980, 1, 2), '=HYPERLINK("http://x")')]


def test_closed_data_withheld_from_a_role_without_it(make_ctx, tmp_path) -> None:
    admin = make_ctx("security_admin", "alice")
    out = export_rows(admin, ROWS, "People", tmp_path / "p.csv", "csv")
    assert out.withheld == ("ssn", "date_of_birth") and out.columns == ("name", "note")
    with open(out.path, encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["name", "note"], ["Ann", '\'=HYPERLINK("http://x")']]
    specialist = make_ctx("certification_specialist", "cs")
    out = export_rows(specialist, ROWS, "People", tmp_path / "p.xlsx", "xlsx")
    sheet = load_workbook(out.path).active
    assert [c.value for c in sheet[1]] == ["name", "ssn", "date_of_birth", "note"]
    assert sheet["B2"].value == "123-45-6789" and out.withheld == ()


def test_a_list_with_its_filters_and_the_audit(ctx, tmp_path) -> None:
    with ctx.uow() as uow:
        uow.session.add_all(
            [
                EducationalEntity(kind="lea", code=f"010-{i:03d}", name=f"District {i}")
                for i in range(5)
            ]
            + [EducationalEntity(kind="ihe", code="002516", name="College")]
        )
        uow.commit()
    query = ListQuery().with_filter("kind", "lea")
    out = export_list(ctx, EntityService(ctx), query, "Entities", tmp_path / "e.xlsx", "xlsx")
    assert out.rows == 5
    sheet = load_workbook(out.path).active
    assert sheet.max_row == 6 and "code" in [c.value for c in sheet[1]]
    with ctx.store.read() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "export.list")).scalar_one()
        assert "5 rows exported to XLSX" in event.summary
        assert event.details["filters"] == {"kind": "lea"}
    with pytest.raises(ValidationError):
        export_rows(ctx, ROWS, "People", tmp_path / "p.pdf", "pdf")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_export_reports_progress_and_stops_leaving_no_partial_file(
    make_ctx, tmp_path, fmt
) -> None:
    from desk_app.services.exports import STEP_ROWS, ExportStopped

    admin = make_ctx("security_admin", "alice")
    many = [Person(f"P{n}", "", date(1980, 1, 2), "") for n in range(STEP_ROWS * 3)]
    steps: list[tuple[int, int, str]] = []
    done = export_rows(
        admin,
        many,
        "People",
        tmp_path / f"all.{fmt}",
        fmt,
        progress=lambda *s: steps.append(s),
        total=len(many),
    )
    assert done.rows == len(many)
    assert steps == [
        (STEP_ROWS * k, len(many), f"{STEP_ROWS * k:,} of {len(many):,} rows written")
        for k in (1, 2, 3)
    ]
    target = tmp_path / f"stopped.{fmt}"
    with pytest.raises(ExportStopped, match=f"stopped by the operator after {STEP_ROWS:,} rows"):
        export_rows(admin, many, "People", target, fmt, cancelled=lambda: True)
    assert not target.exists()
    with admin.store.read() as s:  # only the finished export is in the audit log
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "export.list")).all()
    assert len(events) == 1
