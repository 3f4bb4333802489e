"""The table view every list page uses, set up once."""

from __future__ import annotations

from typing import Any

from desk_app.qt import (
    QAbstractItemView,
    QHeaderView,
    QItemSelectionModel,
    QKeySequence,
    QShortcut,
    Qt,
    QTableView,
    QWidget,
)
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
    _keyboard(table, model)
    return table


# the table's own keys, listed in the shortcut map (desk_app.views.shortcuts)
TO_LAST_ROW = "Ctrl+End"
SORT_BY_COLUMN = "Ctrl+Shift+S"


def _keyboard(table: QTableView, model: LazyTableModel[Any]) -> None:
    """Ctrl+End goes to the real last row (loading the rest first); Ctrl+Shift+S sorts by the
    current column, again for the other order (the header is out of the keyboard's reach)."""
    to_end = QShortcut(QKeySequence(TO_LAST_ROW), table)
    to_end.setContext(Qt.ShortcutContext.WidgetShortcut)
    to_end.activated.connect(lambda: model.load_to_end(lambda: _select_last(table, model)))
    sort = QShortcut(QKeySequence(SORT_BY_COLUMN), table)
    sort.setContext(Qt.ShortcutContext.WidgetShortcut)
    sort.activated.connect(lambda: _sort_current_column(table, model))


def _select_last(table: QTableView, model: LazyTableModel[Any]) -> None:
    last = model.rowCount() - 1
    if last < 0:
        return
    column = max(table.currentIndex().column(), 0)
    index = model.index(last, column)
    table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.scrollTo(index)


def _sort_current_column(table: QTableView, model: LazyTableModel[Any]) -> None:
    header = table.horizontalHeader()
    column = max(table.currentIndex().column(), 0)
    if not model.COLUMNS[column].sort_key:
        column = next((i for i, c in enumerate(model.COLUMNS) if c.sort_key), -1)
        if column < 0:
            return
    same = header.sortIndicatorSection() == column
    ascending = Qt.SortOrder.AscendingOrder
    order = (
        Qt.SortOrder.DescendingOrder
        if same and header.sortIndicatorOrder() == ascending
        else ascending
    )
    header.setSortIndicator(column, order)  # the header's signal re-queries the model
