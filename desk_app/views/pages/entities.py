"""The Entities page: search educational entities, filter by kind, see one entity's detail."""

from __future__ import annotations

from desk_app.qt import (
    QComboBox,
    QHBoxLayout,
    QItemSelectionModel,
    QLabel,
    QModelIndex,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.codes import KIND_RULES
from desk_app.services.context import Changes
from desk_app.services.dto import EntityDetail, EntityRow
from desk_app.services.entities import EntityService
from desk_app.services.listing import ListQuery
from desk_app.views import ops
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.tablemodels.entities import COL_NAME, EntityTableModel
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.widgets.entity_detail import EntityDetailPane
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table

DETAIL_DELAY_MS = 120


class Page(BasePage):
    key = "entities"
    title = "Entities"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = EntityService(context.services)
        self.model = EntityTableModel(self.service, self)
        self._loaded_once = False
        self._detail_generation = 0
        self._pending_detail: EntityRow | None = None
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self.load_detail)
        self.search = SearchBox("Name or code, e.g. 048-078 or Columbia", self)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Entity kind")
        self.kind.addItem("All kinds", "")
        for rule in KIND_RULES.values():
            self.kind.addItem(rule.title, rule.kind.value)
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Number of entities found")
        self.table = make_table(self.model, "Entities", self, stretch_column=COL_NAME,
                                sorted_by=(COL_NAME, Qt.SortOrder.AscendingOrder))
        self.detail = EntityDetailPane(self)
        self._build_layout()
        self.search.search_changed.connect(self.on_search)
        self.kind.currentIndexChanged.connect(lambda _i: self.on_search(self.search.text().strip()))
        self.model.count_changed.connect(self.on_count)
        self.model.loaded.connect(self.on_loaded)
        self.model.load_failed.connect(self.on_load_failed)
        self.table.selectionModel().currentRowChanged.connect(self.on_current_changed)

    def _build_layout(self) -> None:
        search_label = QLabel("&Search:", self)
        search_label.setBuddy(self.search)
        kind_label = QLabel("&Kind:", self)
        kind_label.setBuddy(self.kind)
        bar = QHBoxLayout()
        bar.addWidget(search_label)
        bar.addWidget(self.search, 3)
        bar.addWidget(kind_label)
        bar.addWidget(self.kind, 1)
        bar.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.search, self.kind)
        self.setTabOrder(self.kind, self.table)
        self.setTabOrder(self.table, self.detail)

    # --- what the main window asks of a page --------------------------------------------------
    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def refresh(self) -> None:
        self.on_search(self.search.text().strip())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if self._loaded_once and changes.touches("entities", "access") and initiator is not self:
            self.refresh()

    # --- slots ----------------------------------------------------------------------------------
    def current_query(self, text: str) -> ListQuery:
        q = self.model.query
        return ListQuery(text, q.filters, q.sort, q.descending).with_filter("kind", self.kind.currentData() or "")

    def on_search(self, text: str) -> None:
        self.count_label.setText("Searching…")
        self.model.load_async(self.current_query(text))

    def on_loaded(self) -> None:
        if self.model.total is None:
            self.count_label.setText("Counting…")
        if self.model.rowCount() == 0:
            self.detail.show_message("No entity matches the search.")

    def on_load_failed(self, message: str) -> None:
        self.count_label.setText("")
        self.detail.show_message(message)

    def on_count(self, total: int) -> None:
        self.count_label.setText(f"{total:,} {'entity' if total == 1 else 'entities'}")

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: EntityRow | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is None:
            return
        self._detail_generation += 1
        self._pending_detail = row
        self.detail.show_message(f"Loading {row.name}…")
        # arrowing down the list should not queue one detail query per row passed
        self._detail_timer.start()

    def load_detail(self) -> None:
        row, generation = self._pending_detail, self._detail_generation
        if row is None:
            return
        ops.op(self.service.detail, row.id).success(
            lambda d: self.on_detail(d, generation)).failure(
            lambda exc: self.detail.show_message(str(exc))).run("instant", initiator=self)

    def on_detail(self, detail: EntityDetail, generation: int) -> None:
        if generation == self._detail_generation:
            self.detail.show_detail(detail)
