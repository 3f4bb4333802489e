"""The table view every list page uses, set up once."""

from __future__ import annotations

from desk_app.qt import QAbstractItemView, QTableView, QWidget
from desk_app.views.tablemodels.lazy import LazyTableModel


def make_table(model: LazyTableModel, name: str, parent: QWidget) -> QTableView:
    """A list-page table: whole-row selection, SQL sorting, no row numbers."""
    table = QTableView(parent)
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSortingEnabled(False)  # no proxy sorting: the indicator below asks the model to re-query
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSortIndicatorShown(True)
    header.setSectionsClickable(True)
    header.setStretchLastSection(True)
    header.setAccessibleName(f"{name} columns: activate one to sort")
    for i, column in enumerate(model.COLUMNS):
        table.setColumnWidth(i, column.width)
    header.sortIndicatorChanged.connect(lambda col, order: model.sort(col, order))
    return table
