"""The Entities page: search educational entities, filter by kind, see one entity's detail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desk_app.pdf.catalogue import FORMS, get_form
from desk_app.qt import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QItemSelectionModel,
    QLabel,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.codes import KIND_RULES
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.directory.dto import EntityDetail, EntityRow
from desk_app.services.directory.entities import EntityService
from desk_app.services.directory.forms import generate_with_token
from desk_app.services.directory.upkeep import DirectoryUpkeep
from desk_app.services.exports import export_list
from desk_app.services.listing import ListQuery
from desk_app.views import exporting, ops
from desk_app.views.dialogs.directory import BuildingDialog, EntityDialog, OfficerDialog
from desk_app.views.dialogs.form_prefill import FormPrefillDialog
from desk_app.views.dialogs.specimens import SpecimensDialog
from desk_app.views.exporting import ExportButton, ExportSpec
from desk_app.views.pages.base import PageContext, SearchListPage
from desk_app.views.tablemodels.entities import COL_NAME, EntityTableModel
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.widgets.entity_detail import EntityDetailPane
from desk_app.views.widgets.pin_issue import issue_pin_interactively
from desk_app.views.widgets.progress import ProgressStrip
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table

DETAIL_DELAY_MS = 120


class Page(SearchListPage):
    REFRESH_ON = (Area.ENTITIES, Area.ACCESS)
    key = "entities"
    title = "Entities"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = EntityService(context.services)
        self.model = EntityTableModel(self.service, self)
        self._detail_generation = 0
        self._pending_detail: EntityRow | None = None
        self.current_detail: EntityDetail | None = None
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
        self.table = make_table(
            self.model,
            "Entities",
            self,
            stretch_column=COL_NAME,
            sorted_by=(COL_NAME, Qt.SortOrder.AscendingOrder),
        )
        self.detail = EntityDetailPane(self)
        self.detail.specimens_requested.connect(self.open_specimens)
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
        self.export_button = ExportButton(
            self,
            lambda text: self.action_status.setText(text),
            "Export the entities found to CSV or XLSX",
        )
        bar.addWidget(self.export_button)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(self._actions_bar())
        splitter.addWidget(right)
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
    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        """The list refreshes as any search page does; the detail pane reloads on any change of
        entities, PINs or access, this page's own included (after "Issue PIN" it must not still
        say "not issued"; after an approval its user managers are current)."""
        super().on_changes(changes, initiator)
        if changes.touches(*self.REFRESH_ON, Area.PINS) and self.current_detail is not None:
            self._pending_detail = self.current_detail.row
            self._detail_generation += 1
            self.load_detail()

    # --- slots ----------------------------------------------------------------------------------
    def current_query(self, text: str) -> ListQuery:
        q = self.model.query
        return ListQuery(text, q.filters, q.sort, q.descending).with_filter(
            "kind", self.kind.currentData() or ""
        )

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
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

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
            lambda d: self.on_detail(d, generation)
        ).failure(lambda exc: self.detail.show_message(str(exc))).run("instant", initiator=self)

    def on_detail(self, detail: EntityDetail, generation: int) -> None:
        if generation == self._detail_generation:
            self.current_detail = detail
            self.detail.show_detail(detail)
            self.pin_button.setEnabled(self.context.services.can(Perm.MANAGE_PINS))
            self.form_button.setEnabled(True)
            for button in (self.edit_button, self.officer_button):
                button.setEnabled(True)
            self.building_button.setEnabled(detail.row.kind == "lea")

    # --- actions on the shown entity -------------------------------------------------------------
    def _actions_bar(self) -> QHBoxLayout:
        self.pin_button = QPushButton("Issue / reissue &PIN…", self)
        self.pin_button.setAccessibleName("Issue or reissue the entity's security PIN")
        self.pin_button.setToolTip(
            "Draws a new PIN and saves the mailer letter: the letter is its only copy."
        )
        self.pin_button.setVisible(self.context.services.can(Perm.MANAGE_PINS))
        self.form_button = QPushButton("&Generate form…", self)
        self.form_button.setAccessibleName("Generate a form prefilled for this entity")
        for button in (self.pin_button, self.form_button):
            button.setEnabled(False)
        self.action_status = QLabel("", self)
        self.action_status.setAccessibleName("Result of the last entity action")
        self.action_status.setWordWrap(True)
        self.pin_button.clicked.connect(self.on_issue_pin)
        self.form_button.clicked.connect(self.on_generate_form)
        self._upkeep_buttons()
        bar = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.building_button):
            bar.addWidget(button)
        bar.addWidget(self.officer_button)
        bar.addWidget(self.pin_button)
        bar.addWidget(self.form_button)
        outer = QVBoxLayout()
        outer.addLayout(bar)
        outer.addWidget(self.action_status)
        self.export_progress = ProgressStrip("the export", self, cancel_text="Stop export")
        outer.addWidget(self.export_progress)
        wrapper = QHBoxLayout()
        wrapper.addLayout(outer)
        return wrapper

    # --- directory upkeep (Security Administrator) -----------------------------------------------
    def _upkeep_buttons(self) -> None:
        self.upkeep = DirectoryUpkeep(self.context.services)
        self.new_button = QPushButton("&New…", self)
        self.new_button.setAccessibleName("Add a new educational entity")
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setAccessibleName("Edit the shown entity")
        self.building_button = QPushButton("Add &building…", self)
        self.building_button.setAccessibleName("Add a building to the shown entity")
        self.officer_button = QPushButton("Appoint &officer…", self)
        self.officer_button.setAccessibleName("Appoint a superintendent or other officer")
        may = self.context.services.can(Perm.EDIT_ENTITIES)
        for button in (
            self.new_button,
            self.edit_button,
            self.building_button,
            self.officer_button,
        ):
            button.setVisible(may)
            button.setEnabled(button is self.new_button)
        self.new_button.clicked.connect(lambda: self.open_entity_dialog(None))
        self.edit_button.clicked.connect(lambda: self.open_entity_dialog(self.current_detail))
        self.building_button.clicked.connect(self.open_building_dialog)
        self.officer_button.clicked.connect(self.open_officer_dialog)

    def _run_upkeep(
        self, fn: Callable[..., Changes], *args: object, done: str, **kwargs: object
    ) -> None:
        ops.op(fn, *args, **kwargs).success(lambda _c: self._after_upkeep(done)).failure(
            lambda exc: self.action_status.setText(str(exc))
        ).run("general", initiator=self)

    def _after_upkeep(self, message: str) -> None:
        self.action_status.setText(message)
        self.refresh()
        if self.current_detail is not None:
            self._pending_detail = self.current_detail.row
            self.load_detail()

    def open_entity_dialog(self, detail: EntityDetail | None) -> EntityDialog:
        dialog = EntityDialog(detail, self)
        dialog.accepted.connect(lambda: self._submit_entity(dialog, detail))
        dialog.open()
        return dialog

    def _submit_entity(self, dialog: EntityDialog, detail: EntityDetail | None) -> None:
        values = dialog.values()
        if detail is None:
            kind, code, name = values.pop("kind"), values.pop("code"), values.pop("name")
            self._run_upkeep(
                self.upkeep.create_entity, kind, code, name, done=f"{code} added.", **values
            )
        else:
            self._run_upkeep(
                self.upkeep.edit_entity,
                detail.row.id,
                detail.row_version,
                done=f"{values['code']} saved.",
                **values,
            )

    def open_specimens(self, person_id: str, name: str) -> SpecimensDialog:
        """An officer's signature specimens (filed from scanned cards through the sandbox)."""
        dialog = SpecimensDialog(self.context.services, person_id, name, self)
        dialog.open()
        return dialog

    def open_building_dialog(self) -> BuildingDialog | None:
        d = self.current_detail
        if d is None:
            return None
        dialog = BuildingDialog(d.row.name, self)
        dialog.accepted.connect(
            lambda: self._run_upkeep(
                self.upkeep.add_building, d.row.id, done="Building added.", **dialog.values()
            )
        )
        dialog.open()
        return dialog

    def open_officer_dialog(self) -> OfficerDialog | None:
        d = self.current_detail
        if d is None:
            return None
        dialog = OfficerDialog(d.row.name, self)

        def submit() -> None:
            values = dialog.values()
            role, start = values.pop("role"), values.pop("start_date")
            self._run_upkeep(
                self.upkeep.appoint_officer,
                d.row.id,
                role,
                start,
                done="Officer appointed.",
                **values,
            )

        dialog.accepted.connect(submit)
        dialog.open()
        return dialog

    def export_specs(self) -> list[ExportSpec]:
        """The entities the search and filters find (see :mod:`desk_app.views.exporting`)."""
        services, query = self.context.services, self.current_query(self.search.text().strip())
        return [
            ExportSpec(
                "Entities",
                "entities",
                lambda path, fmt, **step: export_list(
                    services, EntityService(services), query, "Entities", path, fmt, **step
                ),
            )
        ]

    def export_to(self, path: Path) -> None:
        exporting.export_to(self, self.export_specs()[0], path, self.action_status.setText)

    def on_issue_pin(self) -> None:
        d = self.current_detail
        if d is None:
            return
        issue_pin_interactively(
            self,
            self.context.services,
            d.row.id,
            d.row.code,
            lambda _c: self.action_status.setText(
                f"New PIN issued for {d.row.code}; letter saved."
            ),
            lambda exc: self.action_status.setText(str(exc)),
        )

    def ask_prefill(self, number: str, entity: str) -> dict[str, str] | None:
        """What to print on the form beyond the entity record (None: the operator cancelled)."""
        dialog = FormPrefillDialog(get_form(number), entity, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.values()

    def on_generate_form(self) -> None:
        d = self.current_detail
        if d is None:
            return
        titles = [f"{f.number}  {f.title}" for f in FORMS.values() if d.row.kind in f.entity_kinds]
        if not titles:
            self.action_status.setText("No form of the catalogue is used by this kind of entity.")
            return
        choice, ok = QInputDialog.getItem(
            self, "Generate form", f"Form for {d.row.code} {d.row.name}:", titles, 0, False
        )
        if not ok:
            return
        number = choice.split("  ")[0]
        extra = self.ask_prefill(number, f"{d.row.code} {d.row.name}")
        if extra is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the prefilled form",
            f"{number.replace(' ', '-')}-{d.row.code}.pdf",
            "PDF (*.pdf)",
        )
        if path:
            # the writer pool: the form's request token is registered (and audited)
            ops.op(_write_form, self.context.services, number, d.row.code, path, extra).success(
                lambda token: self.action_status.setText(
                    f"Saved {number} prefilled for {d.row.code} (request token {token})."
                )
            ).failure(lambda exc: self.action_status.setText(str(exc))).run(
                "writer", initiator=self
            )


def _write_form(
    services: ServiceContext, number: str, code: str, path: str, extra: dict[str, str] | None = None
) -> str:
    """Pool thread: generate the prefilled form with its request token and write it."""
    made = generate_with_token(services, number, code, extra)
    Path(path).write_bytes(made.pdf)
    return made.token
