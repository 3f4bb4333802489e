"""A lazy table model over a service :class:`~desk_app.services.listing.ListSource`.

It holds only the rows fetched so far (pages of ``PAGE`` rows, loaded as the view scrolls with
``canFetchMore`` / ``fetchMore``), pushes sorting and filtering into the service's SQL, and returns
the row DTO under :data:`ROW_ROLE`. Concrete models subclass it with ``COLUMNS`` and ``display``.

Page fetches are small (``PAGE`` rows with index-backed queries), so they run synchronously; the
total count, which can scan, is computed on the ``instant`` pool and reported by ``count_changed``.

A change does not reset the model (the Anki browser's way): asking again for the query already
shown fetches the loaded rows once more and updates them in place, by row id: rows that left the
list are removed, new ones inserted, changed ones redrawn, so the selection, the scroll position
and the current row stay where the operator left them. A whole-model reset happens only for a new
query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from desk_app.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from desk_app.services.listing import ListQuery, ListSource
from desk_app.views import ops
from desk_app.views.ops import Pool

T = TypeVar("T")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 200
TO_END_LIMIT = 50_000  # Ctrl+End loads at most this many rows more (an audit log has 640,000)
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    sort_key: str = ""  # "" = not sortable
    width: int = 120


class LazyTableModel(QAbstractTableModel, Generic[T]):
    """Rows fetched page by page from a ListSource.

    Signals:
        count_changed(int): the total number of matching rows (computed off the GUI thread).
        loaded(): a first page fetched by :meth:`load_async` for a new query is now shown.
        rows_updated(): :meth:`load_async` for the query already shown updated the rows in place.
        more_loaded(): a further page fetched by :meth:`fetchMore` was appended.
        load_failed(str): :meth:`load_async` failed with a known error (the message).
    """

    COLUMNS: Sequence[Column] = ()
    count_changed = Signal(int)
    loaded = Signal()
    rows_updated = Signal()
    more_loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, source: ListSource[T], parent: Any = None) -> None:
        super().__init__(parent)
        self._source = source
        self._query = ListQuery()
        self._rows: list[T] = []
        self._exhausted = False
        self._fetching = False  # a fetchMore page is on its way
        self._generation = 0
        self.total: int | None = None

    # --- what subclasses provide -------------------------------------------------------------
    def display(self, row: T, column: int) -> Any:
        raise NotImplementedError

    def decoration(self, row: T, column: int) -> Any:
        return None

    def tooltip(self, row: T, column: int) -> Any:
        return None

    # --- query -----------------------------------------------------------------------------------
    @property
    def query(self) -> ListQuery:
        return self._query

    @property
    def source(self) -> ListSource[T]:
        """Where the rows come from (an export reads the same source with the same query)."""
        return self._source

    def set_query(self, query: ListQuery) -> None:
        """Replace the query and reload from the first page."""
        self._query = query
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._exhausted = False
        self._fetching = False
        self._load_page()
        self.endResetModel()
        self._count_in_background()

    def load_async(self, query: ListQuery, pool_name: Pool | str = Pool.INSTANT) -> None:
        """Fetch the first page of ``query`` off the GUI thread, then show it.

        Used for search as you type: a newer call supersedes a pending one, so a slow answer to an
        old query never replaces the rows of a newer one. For the query already shown (a refresh
        after a change) the loaded rows are updated in place instead (:meth:`update_rows`).
        """
        if query == self._query and self._rows:
            self.update_rows(pool_name)
            return
        self._generation += 1
        generation = self._generation
        ops.op(self._source.fetch, query, 0, PAGE).success(
            lambda rows: self._show_first_page(query, rows, generation)
        ).failure(lambda exc: self._on_load_failed(exc, generation)).run(pool_name, initiator=self)

    def _show_first_page(self, query: ListQuery, rows: list[T], generation: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._query = query
        self._rows = list(rows)
        self._exhausted = len(rows) < PAGE
        self._fetching = False
        self.total = None
        self.endResetModel()
        self.loaded.emit()
        self._count_in_background()

    def update_rows(self, pool_name: Pool | str = Pool.INSTANT) -> None:
        """Fetch the rows already loaded again, off the GUI thread, and update them in place."""
        self._generation += 1
        generation, query = self._generation, self._query
        wanted = max(len(self._rows), PAGE)
        ops.op(self._source.fetch, query, 0, wanted).success(
            lambda rows: self._merge_rows(query, rows, wanted, generation)
        ).failure(lambda exc: self._on_load_failed(exc, generation)).run(pool_name, initiator=self)

    def _merge_rows(self, query: ListQuery, rows: list[T], wanted: int, generation: int) -> None:
        if generation != self._generation:
            return
        if any(_row_id(r) is None for r in (*rows, *self._rows)):
            self._show_first_page(query, rows[:PAGE], generation)  # rows without ids: reset
            return
        self._fetching = False
        self._remove_rows_not_in({_row_id(r) for r in rows})
        self._order_like(rows)
        self._insert_and_redraw(rows)
        self._exhausted = len(rows) < wanted
        self.rows_updated.emit()
        self._count_in_background()

    def _remove_rows_not_in(self, keep: set[object]) -> None:
        """Remove the rows that left the list, a run of neighbours at a time, from the bottom."""
        end = len(self._rows) - 1
        while end >= 0:
            if _row_id(self._rows[end]) in keep:
                end -= 1
                continue
            start = end
            while start > 0 and _row_id(self._rows[start - 1]) not in keep:
                start -= 1
            self.beginRemoveRows(QModelIndex(), start, end)
            del self._rows[start : end + 1]
            self.endRemoveRows()
            end = start - 1

    def _order_like(self, rows: list[T]) -> None:
        """Put the remaining rows in the order of ``rows`` (a changed sort value moved them)."""
        position = {_row_id(r): n for n, r in enumerate(rows)}
        ordered = sorted(self._rows, key=lambda r: position[_row_id(r)])
        if [_row_id(r) for r in ordered] == [_row_id(r) for r in self._rows]:
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {_row_id(r): n for n, r in enumerate(ordered)}
        moved = [
            (old, new_row[_row_id(self._rows[old.row()])], old.column())
            for old in self.persistentIndexList()
        ]
        self._rows = ordered
        for old, row, column in moved:
            self.changePersistentIndex(old, self.index(row, column))
        self.layoutChanged.emit()

    def _insert_and_redraw(self, rows: list[T]) -> None:
        """Insert the rows that joined the list; redraw those whose values changed."""
        last = len(self.COLUMNS) - 1
        for n, row in enumerate(rows):
            if n < len(self._rows) and _row_id(self._rows[n]) == _row_id(row):
                if self._rows[n] != row:
                    self._rows[n] = row
                    self.dataChanged.emit(self.index(n, 0), self.index(n, last))
                continue
            self.beginInsertRows(QModelIndex(), n, n)
            self._rows.insert(n, row)
            self.endInsertRows()

    def _on_load_failed(self, exc: BaseException, generation: int) -> None:
        if generation == self._generation:
            self.load_failed.emit(str(exc))

    def _load_page(self) -> None:
        page = self._source.fetch(self._query, len(self._rows), PAGE)
        self._rows.extend(page)
        self._exhausted = len(page) < PAGE

    def _count_in_background(self) -> None:
        generation = self._generation
        if self._exhausted:
            self._set_total(len(self._rows), generation)
            return
        ops.op(self._source.count, self._query).success(
            lambda n: self._set_total(n, generation)
        ).run(Pool.INSTANT, initiator=self)

    def _set_total(self, total: int, generation: int) -> None:
        if generation == self._generation:
            self.total = total
            self.count_changed.emit(total)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    # --- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index) -> None:
        """Fetch the next page off the GUI thread (the view asks again as it scrolls).

        An ORM page of a big table can take 100 ms on a loaded machine; the GUI-stall watchdog
        caught it when this ran synchronously.
        """
        if parent.isValid() or self._exhausted or self._fetching:
            return
        self._fetching = True
        generation, start = self._generation, len(self._rows)
        ops.op(self._source.fetch, self._query, start, PAGE).success(
            lambda page: self._append_page(page, start, generation)
        ).failure(lambda exc: self._on_more_failed(exc, generation)).run(
            Pool.INSTANT, initiator=self
        )

    def _append_page(self, page: list[T], start: int, generation: int) -> None:
        if generation != self._generation or start != len(self._rows):
            return  # the query changed meanwhile; its own first page is (being) shown
        self._fetching = False
        if page:
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        self._exhausted = len(page) < PAGE
        self.more_loaded.emit()

    def load_to_end(self, then: Callable[[], None]) -> None:
        """Fetch every row not loaded yet (up to :data:`TO_END_LIMIT`) off the GUI thread, then
        call ``then``: Ctrl+End goes to the real last row, not the last one loaded."""
        if self._exhausted:
            then()
            return
        self._fetching = True
        generation, start = self._generation, len(self._rows)
        ops.op(self._source.fetch, self._query, start, TO_END_LIMIT).success(
            lambda page: self._appended_to_end(page, start, generation, then)
        ).failure(lambda exc: self._on_more_failed(exc, generation)).run(
            Pool.INSTANT, initiator=self
        )

    def _appended_to_end(
        self, page: list[T], start: int, generation: int, then: Callable[[], None]
    ) -> None:
        if generation != self._generation or start != len(self._rows):
            return
        self._fetching = False
        if page:
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        self._exhausted = len(page) < TO_END_LIMIT
        then()

    def _on_more_failed(self, exc: BaseException, generation: int) -> None:
        if generation == self._generation:
            self._fetching = False
            self.load_failed.emit(str(exc))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, index.column())
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, index.column())
        if role == Qt.ItemDataRole.DecorationRole:
            return self.decoration(row, index.column())
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.COLUMNS):
                return self.COLUMNS[section].title
        return None

    def sorted_query(self, column: int, order: Qt.SortOrder) -> ListQuery | None:
        """The current query sorted by ``column`` (None when that column does not sort)."""
        if not (0 <= column < len(self.COLUMNS)) or not self.COLUMNS[column].sort_key:
            return None
        q = self._query
        return ListQuery(
            q.text, q.filters, self.COLUMNS[column].sort_key, order == Qt.SortOrder.DescendingOrder
        )

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is pushed into SQL: reload with the column's sort key (synchronously)."""
        query = self.sorted_query(column, order)
        if query is not None:
            self.set_query(query)

    def sort_async(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Like :meth:`sort`, with the query run off the GUI thread (header clicks)."""
        query = self.sorted_query(column, order)
        if query is not None:
            self.load_async(query)


def _row_id(row: object) -> object:
    """A row DTO's identity across fetches (its ``id``), or None when it has none."""
    return getattr(row, "id", None)
