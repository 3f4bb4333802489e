"""The Work queue page: one list per state with counts, filters, search, claims and triage.

Left, the states with their counts; above the table, the filters (form, channel, entity, age,
holder) and a search over sender, entity and requester; right, a preview of the submission (the
document viewer), the keying station for faxed forms, and the dashboard. Keyboard triage: the
table has the focus, arrows move, ``C`` claims, ``R`` releases, ``A`` assigns the selection,
``K`` opens keying, ``[`` and ``]`` step through the states. Files (.msg, .eml, .pdf, .tif, ...)
dropped on the page are taken in where they lie.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from desk_app.qt import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QItemSelectionModel,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QModelIndex,
    QPushButton,
    QShortcut,
    QSizePolicy,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from desk_app.received import Received
from desk_app.services.context import Area, Changes
from desk_app.services.listing import ListQuery
from desk_app.services.queue.dto import CHANNEL_TITLES, STATE_TITLES, QueueDetail, QueueRow
from desk_app.services.queue.listing import QueueList
from desk_app.services.queue.service import QueueService
from desk_app.views import ops
from desk_app.views.pages import queue_keys
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.pages.queue_decisions import DecisionActions
from desk_app.views.pages.queue_documents import DocumentActions
from desk_app.views.pages.queue_empty_document import no_document
from desk_app.views.pages.queue_text import (
    AGE_FILTERS,
    HOLDER_FILTERS,
    preview_document,
    sla_legend_html,
    summary,
)
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.tablemodels.queue import (
    COL_ASSIGNEE,
    COL_ENTITY,
    COL_RECEIVED,
    COL_REQUESTER,
    QueueTableModel,
)
from desk_app.views.widgets.document_viewer import DocumentViewer
from desk_app.views.widgets.keying_station import KeyingStation
from desk_app.views.widgets.progress import ProgressStrip
from desk_app.views.widgets.queue_dashboard import QueueDashboard
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table
from desk_app.views.widgets.verification_report import VerificationReportPane

if TYPE_CHECKING:  # the intake service pulls in the PDF engine: imported on first use
    from desk_app.services.queue.intake import IntakeService


def _combo(parent: QWidget, name: str, items: Any) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


class Page(DecisionActions, DocumentActions, BasePage):
    key = "queue"
    title = "Work queue"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = QueueService(context.services)  # not self.actions: QWidget.actions() is Qt's
        self.listing = QueueList(context.services)
        self._intake: IntakeService | None = None
        self.model = QueueTableModel(self.listing, context.settings["sla_business_days"], self)
        self.state = "ready_for_review"
        self.detail: QueueDetail | None = None
        self._loaded_once = False
        self._detail_generation = 0
        self._current_leaving = False  # the current row is being removed from the list
        self._advance_from: int | None = None  # "Approve and next": the decided row's place
        self.last_applied = ""  # the submission this page last approved: Ctrl+Z undoes it
        self._build_widgets()
        self._build_layout()
        self._connect()
        self._shortcuts()
        self.setAcceptDrops(True)

    @property
    def intake(self) -> IntakeService:
        """The intake service, imported on first use (it pulls in PyMuPDF and numpy, which the
        list does not need: the first rows show sooner without them)."""
        if self._intake is None:
            from desk_app.services.queue.intake import IntakeService

            self._intake = IntakeService(self.context.services)
        return self._intake

    # --- construction ------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.states = QListWidget(self)
        self.states.setAccessibleName("Queue states")
        for state, title in STATE_TITLES.items():
            item = QListWidgetItem(title, self.states)
            item.setData(Qt.ItemDataRole.UserRole, state)
        self.states.setCurrentRow(list(STATE_TITLES).index(self.state))
        self._fit_states()
        self.search = SearchBox("Sender, entity or requester", self)
        from desk_app.pdf.catalogue import FORMS

        self.form_filter = _combo(
            self,
            "Form",
            [("All forms", ""), ("Unidentified", "unidentified")]
            + [(f"{n} {f.title[:30]}", n) for n, f in FORMS.items()],
        )
        self.channel_filter = _combo(
            self, "Channel", [("All channels", "")] + [(t, c) for c, t in CHANNEL_TITLES.items()]
        )
        self.entity_filter = QLineEdit(self)
        self.entity_filter.setPlaceholderText("Entity code")
        self.entity_filter.setAccessibleName("Entity code")
        self.entity_filter.setMaximumWidth(110)
        self.age_filter = _combo(self, "Age", AGE_FILTERS)
        self.holder_filter = _combo(self, "Holder", HOLDER_FILTERS)
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Number of submissions listed")
        # before the table connects: the view makes a neighbour current on its own handler
        self.model.rowsAboutToBeRemoved.connect(self.on_rows_leaving)
        self.model.rowsRemoved.connect(self.on_rows_left)
        self.table = make_table(
            self.model,
            "Submissions",
            self,
            stretch_column=COL_ENTITY,
            sorted_by=(COL_RECEIVED, Qt.SortOrder.AscendingOrder),
        )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._order_columns()
        self.claim_button = QPushButton("&Claim", self)
        self.release_button = QPushButton("Re&lease", self)
        self.assign_button = QPushButton("Assi&gn…", self)
        self.move_button = QToolButton(self)
        self.move_button.setText("&Move to")
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        self.move_button.setMenu(self.move_menu)
        self.key_button = QPushButton("&Key values", self)
        self.identify_button = QPushButton("F&orm…", self)
        self.identify_button.setToolTip("Name the form of an unidentified submission")
        self.intake_button = QToolButton(self)
        self.intake_button.setText("&Take in")
        self.intake_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.intake_button)
        menu.addAction("Check the &mailbox", lambda: self.run_intake("imap"))
        menu.addAction("Read the &fax folder", lambda: self.run_intake("fax"))
        menu.addAction("Read the mail f&older", lambda: self.run_intake("folder"))
        self.intake_button.setMenu(menu)
        self.summary = QLabel("Choose a submission.", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Submission summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.viewer = DocumentViewer(self)
        self.keying = KeyingStation(self._save_keyed, self)
        self.keying.prefill = self._keying_prefill
        self.dashboard = QueueDashboard(self)
        self.review = VerificationReportPane(self.context.services, self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.viewer, "&Document")
        self.tabs.addTab(self.review, "&Review")
        self.tabs.addTab(self.keying, "Ke&ying")
        self.tabs.addTab(self.dashboard, "Dash&board")
        self.status = QLabel("", self)
        self.status.setAccessibleName("Queue status")
        # a long message wraps inside the list's column, never widening the page
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sla_legend = QLabel(sla_legend_html(self.context.settings["sla_business_days"]), self)
        self.sla_legend.setObjectName("sla-legend")
        self.sla_legend.setAccessibleName("Row colours")
        self.sla_legend.setToolTip(
            f"Row colours: due = past half the SLA, overdue = past the SLA of "
            f"{self.context.settings['sla_business_days']:g} business days"
        )

    def _order_columns(self) -> None:
        """What a reviewer reads first comes first: entity, requester and holder right after the
        form, the fax number or mail address after them. Beside the document at 1280 pixels the
        entity then shows in full instead of being squeezed off the edge."""
        header = self.table.horizontalHeader()
        for place, column in enumerate((COL_ENTITY, COL_REQUESTER, COL_ASSIGNEE), start=3):
            header.moveSection(header.visualIndex(column), place)
        header.setSectionResizeMode(COL_ENTITY, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(COL_ENTITY, 190)
        header.setStretchLastSection(True)

    def _build_layout(self) -> None:
        # two rows of filters and buttons keep the page inside a 1280-pixel window at 150%
        search_row = QHBoxLayout()
        search_label = QLabel("&Search:", self)
        search_label.setBuddy(self.search)
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.age_filter)
        search_row.addWidget(self.holder_filter)
        filters = QHBoxLayout()
        for field in (self.form_filter, self.channel_filter, self.entity_filter):
            filters.addWidget(field, 1 if field is self.form_filter else 0)
        filters.addWidget(self.intake_button)
        search_row.addWidget(self.count_label)
        for combo, letters in (
            (self.form_filter, 12),
            (self.channel_filter, 8),
            (self.age_filter, 8),
            (self.holder_filter, 7),
        ):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(letters)
        buttons = QHBoxLayout()
        for button in (
            self.claim_button,
            self.release_button,
            self.assign_button,
            self.move_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        status_row = QHBoxLayout()
        status_row.addWidget(self.sla_legend)
        status_row.addWidget(self.status, 1)
        self.intake_progress = ProgressStrip("taking in", self, cancel_text="Stop taking in")
        status_row.addWidget(self.intake_progress)
        status_row.addWidget(self.identify_button)
        status_row.addWidget(self.key_button)
        middle = QWidget(self)
        mlay = QVBoxLayout(middle)
        mlay.setContentsMargins(0, 0, 0, 0)
        mlay.addLayout(search_row)
        mlay.addLayout(filters)
        mlay.addWidget(self.table, 1)
        mlay.addLayout(buttons)
        mlay.addLayout(status_row)
        right = QWidget(self)
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.summary)
        rlay.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for widget, stretch in ((self.states, 0), (middle, 3), (right, 2)):
            splitter.addWidget(widget)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([self.states.minimumWidth(), 620, 460])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.states.currentRowChanged.connect(self.on_state_row)
        self.search.search_changed.connect(lambda _t: self.refresh())
        for combo in (self.form_filter, self.channel_filter, self.age_filter, self.holder_filter):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.entity_filter.editingFinished.connect(self.refresh)
        self.model.count_changed.connect(self.on_count)
        self.model.loaded.connect(self.on_loaded)
        self.model.rows_updated.connect(self.on_rows_updated)
        self.model.load_failed.connect(self.on_error)
        self.table.selectionModel().currentRowChanged.connect(self.on_current_changed)
        self.claim_button.clicked.connect(self.claim_current)
        self.release_button.clicked.connect(self.release_current)
        self.assign_button.clicked.connect(self.on_assign_clicked)
        self.key_button.clicked.connect(self.open_keying)
        self.identify_button.clicked.connect(self.on_identify_clicked)
        self.keying.saved.connect(lambda _c: self.refresh())
        self.tabs.currentChanged.connect(self.on_tab)
        self.review.decided.connect(self.on_decided)
        self.review.undone.connect(lambda _r: self.table.setFocus(Qt.FocusReason.OtherFocusReason))

    def _shortcuts(self) -> None:
        for keys, slot in (
            ("C", self.claim_current),
            ("R", self.release_current),
            ("A", self.on_assign_clicked),
            ("K", self.open_keying),
            ("]", lambda: self.step_state(1)),
            ("[", lambda: self.step_state(-1)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        undo = QShortcut(QKeySequence("Ctrl+Z"), self)  # a line edit's own Ctrl+Z still wins
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.undo_last_approval)
        # the three panes, wherever the focus is on this page (listed in views/shortcuts.py)
        for keys, target in (("Alt+1", self.states), ("Alt+2", self.table), ("Alt+3", self.tabs)):
            pane = QShortcut(QKeySequence(keys), self)
            pane.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            pane.activated.connect(lambda t=target: t.setFocus(Qt.FocusReason.ShortcutFocusReason))
        queue_keys.install(self)  # the signature to attest (Ctrl+G): pages/queue_keys.py

    # --- page API ------------------------------------------------------------------------------
    def on_activated(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if self._loaded_once and changes.touches(Area.QUEUE) and initiator is not self:
            self.refresh()

    def current_query(self) -> ListQuery:
        q = ListQuery(
            self.search.text().strip(), (), self.model.query.sort, self.model.query.descending
        )
        for key, value in (
            ("state", self.state),
            ("form", self.form_filter.currentData()),
            ("channel", self.channel_filter.currentData()),
            ("entity", self.entity_filter.text().strip().upper()),
            ("age", self.age_filter.currentData()),
            ("assignee", self.holder_filter.currentData()),
        ):
            q = q.with_filter(key, value or "")
        return q

    def refresh(self) -> None:
        """Reload the list, the counts per state and (when shown) the dashboard, off the GUI thread."""
        self.count_label.setText("Searching…")
        self.model.load_async(self.current_query())
        ops.op(self.listing.state_counts).success(self.on_state_counts).failure(self.on_error).run(
            "instant", initiator=self
        )
        if self.tabs.currentWidget() is self.dashboard:
            self.load_dashboard()

    # --- slots -----------------------------------------------------------------------------------
    def on_state_row(self, row: int) -> None:
        item = self.states.item(row)
        if item is not None:
            self.state = item.data(Qt.ItemDataRole.UserRole)
            self.refresh()

    def step_state(self, step: int) -> None:
        self.states.setCurrentRow((self.states.currentRow() + step) % self.states.count())

    def on_state_counts(self, counts: Any) -> None:
        for i, c in enumerate(counts):
            item = self.states.item(i)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == c.state:
                item.setText(c.title if c.count is None else f"{c.title} ({c.count:,})")
        self._fit_states()  # the counts make the titles longer

    def _fit_states(self) -> None:
        """As wide as the longest state title with its count, within a limit that grows with the
        font (so 150% scaling and large fonts keep whole titles)."""
        em = self.states.fontMetrics().horizontalAdvance("M")
        wanted = self.states.sizeHintForColumn(0) + 2 * self.states.frameWidth() + em
        self.states.setMaximumWidth(22 * em)
        self.states.setMinimumWidth(min(wanted, 22 * em))

    def on_loaded(self) -> None:
        if self.model.total is None:
            self.count_label.setText("Counting…")
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.select_row(0)
        elif not self.model.rowCount():
            self.summary.setText("Nothing in this list.")

    def on_count(self, total: int) -> None:
        self.count_label.setText(f"{total:,} submission{'s' if total != 1 else ''}")

    def on_error(self, exc: Any) -> None:
        self.status.setText(str(exc))

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def current_row(self) -> QueueRow | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def selected_rows(self) -> list[QueueRow]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.row_at(r) for r in sorted(rows)] or [
            r for r in [self.current_row()] if r
        ]

    def on_rows_leaving(self, _parent: QModelIndex, first: int, last: int) -> None:
        current = self.table.currentIndex()
        self._current_leaving = current.isValid() and first <= current.row() <= last

    def on_rows_left(self, *_args: Any) -> None:
        """The current submission left this list (decided, moved, claimed away): Qt would make
        its neighbour current; the selection never jumps to another item unasked, so nothing
        is current now and the pane keeps showing the submission that left."""
        if self._current_leaving:
            # after the view's own handling of the removal, which makes a neighbour current
            QTimer.singleShot(0, self._after_current_left)

    def _after_current_left(self) -> None:
        self._current_leaving = False
        if self._advance_from is not None and self.model.rowCount():
            # the operator asked for the next one: the row now in the decided one's place
            row, self._advance_from = self._advance_from, None
            row = min(row, self.model.rowCount() - 1)
            self.select_row(row)  # may already be current (the view's pick): load it anyway
            self._load_current(self.model.row_at(row))
            return
        selection = self.table.selectionModel()
        selection.blockSignals(True)
        selection.clear()
        selection.blockSignals(False)
        self.table.viewport().update()
        if self.detail is not None:
            # the panes keep the submission that left, but with its new state and holder (a
            # claim moved it to In review: no "Not held by anyone" beside it)
            self._load_current(self.detail.row)

    def on_rows_updated(self) -> None:
        """The list was updated in place: a decided row that stayed moves on when asked, and
        the current submission's pane follows its new state and holder."""
        if self._current_leaving:
            return  # the decided row left: _after_current_left moves on or clears
        if self._advance_from is not None:
            row, self._advance_from = self._advance_from, None
            if row + 1 < self.model.rowCount():
                self.select_row(row + 1)
                return
        current = self.current_row()
        if current is not None and self.detail is not None and current.id == self.detail.row.id:
            if current != self.detail.row:
                self._load_current(current)

    def on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._current_leaving:
            return  # Qt moving the current row off a removed one, not the operator
        row: QueueRow | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is not None:
            self._load_current(row)

    def _load_current(self, row: QueueRow) -> None:
        self._detail_generation += 1
        generation = self._detail_generation
        ops.op(self._load_detail, row.id).success(
            lambda result: self.on_detail(result, generation)
        ).failure(self.on_error).run("instant", initiator=self)

    def _load_detail(self, submission_id: str) -> tuple[QueueDetail, Received | None]:
        """Pool thread: the detail and the bytes of the document to preview."""
        detail = self.listing.detail(submission_id)
        doc = preview_document(detail)
        return detail, self.listing.document_bytes(doc.id) if doc else None

    def on_detail(self, result: tuple[QueueDetail, Received | None], generation: int) -> None:
        if generation != self._detail_generation:
            return
        same = self.detail is not None and self.detail.row.id == result[0].row.id
        self.detail, pdf = result
        self.summary.setText(summary(self.detail))
        self._fill_move_menu(self.detail)
        self.review.set_row(self.detail.row)
        if not same and self.keying.submission_id:
            # no fields of the last submission stay beside this one
            if self.tabs.currentWidget() is self.keying and self.detail.row.form_number:
                self.open_keying()
            else:
                self.keying.clear()
        if same:
            pass  # the same submission with a new state or holder: the document is unchanged
        elif pdf:  # received from outside: parsed and rendered in the sandbox child only
            self.viewer.set_document(pdf)
        else:
            no_document(self, self.detail)
        if self.tabs.currentWidget() is self.review and not (same and self.review.report):
            self.review.show_submission(self.detail.row.id)

    def _fill_move_menu(self, detail: QueueDetail) -> None:
        self.move_menu.clear()
        for state in detail.allowed_states:
            self.move_menu.addAction(STATE_TITLES[state], partial(self.move_current, state))

    # --- actions ---------------------------------------------------------------------------------
    def _run(self, fn: Any, *args: Any, done: str = "") -> None:
        ops.op(fn, *args).success(lambda _c: self._done(done)).failure(self.on_error).run(
            "writer", initiator=self
        )

    def _done(self, message: str) -> None:
        self.status.setText(message)
        self.refresh()

    def claim_current(self) -> None:
        row = self.current_row()
        if row is not None:
            self._run(self.service.claim, row.id, done="Claimed.")

    def release_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        me = self.context.services.actor.username
        if row.assigned_to and row.assigned_to != me and not self.confirm_release(row):
            return
        self._run(self.service.release, row.id, done="Released.")

    def confirm_release(self, row: QueueRow) -> bool:
        """Releasing another operator's hold takes their work away: ask first."""
        answer = QMessageBox.question(
            self,
            "Release",
            f"{row.assigned_to} holds this submission. Release it anyway? They will be "
            "unable to decide on it until someone claims it again.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_assign_clicked(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        name, ok = QInputDialog.getText(
            self, "Assign", f"Assign {len(rows)} submission(s) to (username):"
        )
        if ok:
            self.assign_selected(name.strip())

    def assign_selected(self, username: str) -> None:
        """Bulk assign: every selected submission goes to ``username`` ("" = nobody)."""
        rows = self.selected_rows()
        if rows:
            self._run(
                self.service.assign,
                [r.id for r in rows],
                username,
                done=f"{len(rows)} assigned to {username or 'nobody'}.",
            )

    def move_current(self, state: str, reason: str | None = None) -> None:
        row = self.current_row()
        if row is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, "Move", f"Reason for {STATE_TITLES[state]}:")
            if not ok:
                return
        self._run(
            self.service.transition,
            row.id,
            state,
            reason,
            row.row_version,
            done=f"Moved to {STATE_TITLES[state]}.",
        )

    def on_tab(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.dashboard:
            self.load_dashboard()
        elif self.tabs.currentWidget() is self.review and self.detail is not None:
            # verification runs on demand: the PIN check costs a deliberate ~0.1-0.3 s
            self.review.show_submission(self.detail.row.id)

    def load_dashboard(self) -> None:
        sla = self.context.settings["sla_business_days"]
        ops.op(self.listing.stats).success(lambda s: self.dashboard.set_stats(s, sla)).failure(
            self.on_error
        ).run("general", initiator=self)
