"""Any list to CSV or XLSX, with the filters the operator set, closed data withheld, audited.

A list's rows are the same DTOs its page shows, fetched through the same list source with the
same query, so an export holds exactly what the filters select. Closed data (SSN, date of birth,
PINs) is written only for a role that may see it; everyone else gets the column left out. Cells
that a spreadsheet would read as a formula are written as text. Every export is an audit event
naming the list, the filters, the format and the number of rows.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desk_app.errors import KnownError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.listing import ListQuery

CLOSED_FIELDS = frozenset(
    {"ssn", "ssn_masked", "ssn_last4", "date_of_birth", "birth_date", "dob", "pin", "pin_hash"}
)
FORMATS = ("csv", "xlsx")
PAGE = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Exported:
    path: str
    rows: int
    columns: tuple[str, ...]
    withheld: tuple[str, ...]
    changes: Changes


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _pages(source: Any, query: ListQuery) -> Iterator[Any]:
    offset = 0
    while True:
        rows = source.fetch(query, offset, PAGE)
        yield from rows
        if len(rows) < PAGE:
            return
        offset += PAGE


class ExportStopped(KnownError):
    """The operator stopped an export; the partial file was removed."""


STEP_ROWS = 500  # progress is told, and a stop honoured, every this many rows
Step = Callable[[int, int, str], None]


def export_list(
    ctx: ServiceContext,
    source: Any,
    query: ListQuery,
    title: str,
    path: Path,
    fmt: str,
    progress: Step | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Exported:
    """Export every row ``source`` (a list source: ``count(query)`` and ``fetch(query, offset,
    limit)``) gives for ``query``."""
    total = int(source.count(query)) if progress is not None else 0
    return export_rows(
        ctx,
        _pages(source, query),
        title,
        path,
        fmt,
        dict(query.filters),
        progress=progress,
        cancelled=cancelled,
        total=total,
    )


def export_rows(
    ctx: ServiceContext,
    rows: Iterable[Any],
    title: str,
    path: Path,
    fmt: str,
    filters: dict[str, str] | None = None,
    *,
    progress: Step | None = None,
    cancelled: Callable[[], bool] | None = None,
    total: int = 0,
) -> Exported:
    """Export dataclass rows (DTOs) to ``path`` as ``fmt`` ("csv" or "xlsx").

    Args:
        progress: told every :data:`STEP_ROWS` rows (done, ``total``, what).
        cancelled: asked at the same points; once true the export stops, its partial file is
            removed and :class:`ExportStopped` says so (nothing is audited: nothing left).

    Raises:
        ExportStopped: the operator stopped it.
    """
    if fmt not in FORMATS:
        raise ValidationError("format", f"is one of {', '.join(FORMATS)}")
    iterator = iter(rows)
    first = next(iterator, None)
    names = [f.name for f in dataclasses.fields(first)] if first is not None else []
    closed = [n for n in names if n in CLOSED_FIELDS]
    withheld = tuple(closed) if not ctx.can(Perm.VIEW_CLOSED_DATA) else ()
    columns = tuple(n for n in names if n not in withheld)

    def values() -> Iterator[list[Any]]:
        for done, row in enumerate((first, *iterator) if first is not None else (), start=1):
            yield [_cell(getattr(row, n)) for n in columns]
            if done % STEP_ROWS == 0:
                if progress is not None:
                    progress(done, total, f"{done:,} of {total:,} rows written")
                if cancelled is not None and cancelled():
                    raise ExportStopped(f"export stopped by the operator after {done:,} rows")

    try:
        count = (_write_csv if fmt == "csv" else _write_xlsx)(path, title, columns, values())
    except ExportStopped:
        path.unlink(missing_ok=True)  # half a list must not pass for the whole one
        raise
    with ctx.uow() as uow:
        audit.record(
            uow,
            "export.list",
            record_type="export",
            summary=f"{title}: {count:,} rows exported to {fmt.upper()}"
            + (f" (withheld: {', '.join(withheld)})" if withheld else ""),
            details={"filters": filters or {}, "columns": list(columns), "file": path.name},
        )
        uow.commit()
    return Exported(str(path), count, columns, withheld, Changes.of(Area.AUDIT))


def _write_csv(path: Path, title: str, columns: Sequence[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads UTF-8
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_xlsx(path: Path, title: str, columns: Sequence[str], rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "List")
    sheet.append(list(columns))
    count = 0
    try:
        for row in rows:
            sheet.append(row)
            count += 1
    except BaseException:
        sheet.close()  # its temporary file and writer, before the partial export is dropped
        raise
    book.save(path)
    return count
