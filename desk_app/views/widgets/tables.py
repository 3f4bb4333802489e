"""The table view every list page uses, set up once."""

from __future__ import annotations

from typing import Any

from desk_app.qt import QAbstractItemView, QHeaderView, Qt, QTableView, QWidget
from desk_app.views.tablemodels.lazy import LazyTableModel


def make_table(
    model: LazyTableModel[Any],
    name: str,
    parent: QWidget,
    *,
    stretch_column: int,
    sorted_by: tuple[int, Qt.SortOrder],
) -> QTableView:
    """A list-page table: whole-row selection, SQL sorting, compact rows, no row numbers.

    Args:
        model: the lazy model to show.
        name: accessible name of the table.
        parent: owner widget.
        stretch_column: the column that takes the spare width (names, summaries).
        sorted_by: the column and order the model's default query sorts by, shown in the header.
    """
    table = QTableView(parent)
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSortingEnabled(
        False
    )  # no proxy sorting: the indicator below asks the model to re-query
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSortIndicatorShown(True)
    header.setSectionsClickable(True)
    header.setStretchLastSection(False)
    header.setAccessibleName(f"{name} columns: activate one to sort")
    for i, column in enumerate(model.COLUMNS):
        table.setColumnWidth(i, column.width)
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    header.setSortIndicator(*sorted_by)  # before connecting: it must not trigger a query
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    header.sortIndicatorChanged.connect(lambda col, order: model.sort_async(col, order))
    return table
