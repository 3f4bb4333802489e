"""Export any list to CSV or XLSX: the one mechanism every page uses.

A page says what it can export by :func:`specs_for` (its ``export_specs()``): each
:class:`ExportSpec` names the list and holds the call that writes it through
:mod:`desk_app.services.exports` with the page's current filters. The page's Export button
and the main window's File > Export list… both go through :func:`ask_and_export`: the file
dialog here, the writing, the closed-data rule and the audit event in the service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk_app.qt import QFileDialog, QMenu, QPushButton, QWidget
from desk_app.services.context import ServiceContext
from desk_app.services.exports import Exported, export_list, export_rows
from desk_app.services.listing import ListQuery
from desk_app.views import ops

FILTER = "Excel (*.xlsx);;CSV (*.csv)"


@dataclass(frozen=True)
class ExportSpec:
    """One list a page can export; ``run(path, fmt, **step)`` runs on a worker thread (``step``:
    the ``progress`` and ``cancelled`` callables of :meth:`ops.Operation.with_progress`)."""

    title: str
    stem: str  # the suggested file name
    run: Callable[..., Exported]


def list_spec(services: ServiceContext, model: Any, title: str, stem: str) -> ExportSpec:
    """A lazy list (``model.source`` and ``model.query``) exported with its current query: every
    matching row, not only the rows fetched so far."""
    source, query = model.source, model.query
    return ExportSpec(
        title,
        stem,
        lambda path, fmt, **step: export_list(services, source, query, title, path, fmt, **step),
    )


def rows_spec(
    services: ServiceContext,
    rows: Callable[[], Any],
    title: str,
    stem: str,
    filters: dict[str, str] | None = None,
) -> ExportSpec:
    """Rows (DTOs) from ``rows()`` (called on the worker thread), with the filters that chose them
    for the audit event."""
    return ExportSpec(
        title,
        stem,
        lambda path, fmt, **step: _rows_export(services, rows(), title, path, fmt, filters, step),
    )


def _rows_export(
    services: ServiceContext,
    rows: Any,
    title: str,
    path: Path,
    fmt: str,
    filters: dict[str, str] | None,
    step: dict[str, Any],
) -> Exported:
    listed = list(rows)
    return export_rows(services, listed, title, path, fmt, filters or {}, total=len(listed), **step)


def query_filters(query: ListQuery) -> dict[str, str]:
    """A list query's filters and search text, as the audit event records them."""
    out = dict(query.filters)
    if query.text:
        out["search"] = query.text
    return out


def specs_for(page: QWidget) -> list[ExportSpec]:
    """What ``page`` can export (nothing when it exports nothing)."""
    own = getattr(page, "export_specs", None)
    if callable(own):
        return list(own())
    # pages other helpers own are read, not changed: their public model is the list
    borrowed = {"queue": ("Work queue", "work-queue"), "educators": ("Educators", "educators")}
    key = getattr(page, "key", "")
    if key in borrowed:
        title, stem = borrowed[key]
        return [list_spec(page.context.services, page.model, title, stem)]  # type: ignore[attr-defined]
    return []


def describe(done: Exported, title: str) -> str:
    withheld = f" (withheld: {', '.join(done.withheld)})" if done.withheld else ""
    return f"{title}: {done.rows:,} rows exported to {done.path}{withheld}"


def export_to(
    initiator: QWidget, spec: ExportSpec, path: Path, report: Callable[[str], None]
) -> None:
    """Write ``spec`` to ``path`` (CSV when it ends in .csv, else XLSX) off the GUI thread; a page
    with an ``export_progress`` strip shows the progress there, with Stop (the partial file is
    removed)."""
    fmt = "csv" if path.suffix.lower() == ".csv" else "xlsx"
    operation = ops.op(spec.run, path, fmt)
    strip = getattr(initiator, "export_progress", None)
    if strip is not None:
        operation = strip.track(operation)
    operation.success(lambda done: report(describe(done, spec.title))).failure(
        lambda exc: report(f"{spec.title} not exported: {exc}")
    ).run("general", initiator=initiator)


def ask_and_export(parent: QWidget, spec: ExportSpec, report: Callable[[str], None]) -> None:
    path, _ = QFileDialog.getSaveFileName(
        parent, f"Export {spec.title.lower()}", f"{spec.stem}.xlsx", FILTER
    )
    if path:
        export_to(parent, spec, Path(path), report)


class ExportButton(QPushButton):
    """E&xport… for a page: one list exports at once, several are offered in a menu."""

    def __init__(
        self,
        page: QWidget,
        report: Callable[[str], None],
        accessible: str = "Export the list shown to CSV or XLSX",
    ) -> None:
        super().__init__("E&xport…", page)
        self.page = page
        self.report = report
        self.setAccessibleName(accessible)
        self.setToolTip("Every row the current filters select, to CSV or XLSX (audited)")
        self.clicked.connect(self.on_clicked)

    def on_clicked(self) -> None:
        specs = specs_for(self.page)
        if len(specs) == 1:
            ask_and_export(self.page, specs[0], self.report)
        elif specs:
            self.choose(specs).popup(self.mapToGlobal(self.rect().bottomLeft()))

    def choose(self, specs: Sequence[ExportSpec]) -> QMenu:
        menu = QMenu(self)
        for spec in specs:
            menu.addAction(spec.title, self._exporter(spec))
        self.menu_shown = menu
        return menu

    def _exporter(self, spec: ExportSpec) -> Callable[[], None]:
        return lambda: ask_and_export(self.page, spec, self.report)
