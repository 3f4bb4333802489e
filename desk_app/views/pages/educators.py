"""The Educators page: find a profile, read it, reveal closed data (audited), print certificates."""

from __future__ import annotations

from desk_app.qt import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area
from desk_app.services.educators.certificates import print_certificates
from desk_app.services.educators.dto import EducatorProfile, EducatorRow
from desk_app.services.educators.editing import NewProfile, ProfileResult, create_profile
from desk_app.services.educators.profiles import EducatorService
from desk_app.services.listing import ListQuery
from desk_app.views import ops
from desk_app.views.pages.base import PageContext, SearchListPage
from desk_app.views.pages.educator_forms import NewProfileDialog, WatchPanel
from desk_app.views.tablemodels.educators import COL_NAME, FINGERPRINT_TITLES, EducatorTableModel
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.widgets.educator_profile import EducatorProfilePane
from desk_app.views.widgets.print_support import DocumentPrinting
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table

CLASSIFICATIONS = (
    ("Any certificate", ""),
    ("ISS", "ISS"),
    ("CSS", "CSS"),
    ("IPC", "IPC"),
    ("CCPC", "CCPC"),
    ("Substitute", "SUB"),
)


class Page(SearchListPage):
    REFRESH_ON = (Area.EDUCATORS,)
    key = "educators"
    title = "Educators"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        services = context.services
        self.service = EducatorService(services)
        self.model = EducatorTableModel(self.service, self)
        self._generation = 0
        self.last_pdf: bytes | None = None
        self.printing = DocumentPrinting(self)
        self.search = SearchBox(
            "Last name, 'last, first', username, email or certificate number", self
        )
        self.classification = QComboBox(self)
        self.classification.setAccessibleName("Certificate classification")
        for title, code in CLASSIFICATIONS:
            self.classification.addItem(title, code)
        self.fingerprint = QComboBox(self)
        self.fingerprint.setAccessibleName("Fingerprint status")
        self.fingerprint.addItem("Any fingerprint status", "")
        for value, title in FINGERPRINT_TITLES.items():
            self.fingerprint.addItem(title, value)
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Number of educators found")
        self.table = make_table(
            self.model,
            "Educators",
            self,
            stretch_column=COL_NAME,
            sorted_by=(COL_NAME, Qt.SortOrder.AscendingOrder),
        )
        self.profile = EducatorProfilePane(
            services.can(Perm.VIEW_CLOSED_DATA), services.can(Perm.PRINT_CERTIFICATES), self
        )
        self.new_profile = QPushButton("&New profile…", self)
        self.new_profile.setAccessibleName("Create an educator profile (or find the existing one)")
        self.new_profile.setVisible(services.can(Perm.EDIT_EDUCATORS))
        self.watch = WatchPanel(services, self)
        self._build_layout()
        self.new_profile.clicked.connect(self.on_new_profile)
        self.search.search_changed.connect(self.on_search)
        self.classification.currentIndexChanged.connect(lambda _i: self.refresh())
        self.fingerprint.currentIndexChanged.connect(lambda _i: self.refresh())
        self.model.count_changed.connect(
            lambda n: self.count_label.setText(f"{n:,} educator{'s' if n != 1 else ''}")
        )
        self.model.loaded.connect(self.on_loaded)
        self.model.load_failed.connect(self.profile.show_message)
        self.table.selectionModel().currentRowChanged.connect(self.on_current_changed)
        self.profile.reveal_requested.connect(self.on_reveal)
        self.profile.print_requested.connect(self.on_print)

    def _build_layout(self) -> None:
        label = QLabel("&Search:", self)
        label.setBuddy(self.search)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.search, 3)
        bar.addWidget(self.classification, 1)
        bar.addWidget(self.fingerprint, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.new_profile)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.profile)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.watch)
        layout.addWidget(splitter, 1)

    def on_search(self, text: str) -> None:
        q = self.model.query
        query = ListQuery(text, (), q.sort, q.descending)
        query = query.with_filter("classification", self.classification.currentData() or "")
        query = query.with_filter("fingerprint", self.fingerprint.currentData() or "")
        self.count_label.setText("Searching…")
        self.model.load_async(query)

    def refresh(self) -> None:
        super().refresh()
        self.watch.refresh()

    def on_new_profile(self) -> None:
        dialog = NewProfileDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.entered is not None:
            self.create_or_find(dialog.entered)

    def create_or_find(self, entered: NewProfile) -> None:
        ops.op(create_profile, self.context.services, entered).success(self.on_created).failure(
            lambda exc: self.profile.show_message(str(exc))
        ).run("writer", initiator=self)

    def on_created(self, result: ProfileResult) -> None:
        """Open the profile made, or the one the person already had (never a second)."""
        note = result.warning or "Profile created."
        self._generation += 1
        generation = self._generation

        def shown(profile: EducatorProfile) -> None:
            self.on_profile(profile, generation)
            self.profile.closed.setText(note)

        ops.op(self.service.detail, result.educator_id).success(shown).failure(
            lambda exc: self.profile.show_message(str(exc))
        ).run("instant", initiator=self)
        super().refresh()

    def on_loaded(self) -> None:
        if self.model.rowCount() == 0:
            self.profile.show_message("No educator matches the search.")

    def on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: EducatorRow | None = current.data(ROW_ROLE) if current.isValid() else None
        if row is None:
            return
        self._generation += 1
        generation = self._generation
        self.profile.show_message(f"Loading {row.display_name}…")
        ops.op(self.service.detail, row.id).success(
            lambda p: self.on_profile(p, generation)
        ).failure(lambda exc: self.profile.show_message(str(exc))).run("instant", initiator=self)

    def on_profile(self, profile: EducatorProfile, generation: int) -> None:
        if generation == self._generation:
            self.profile.show_profile(profile)

    def on_reveal(self, educator_id: str) -> None:
        # the role that may see closed data sees it whole (SSN and date of birth), audited
        ops.op(self.service.reveal_closed_data, educator_id, unmasked=True).success(
            self.profile.show_closed
        ).failure(lambda exc: self.profile.closed.setText(str(exc))).run("writer", initiator=self)

    def on_print(self, certificate_id: str) -> None:
        ops.op(print_certificates, self.context.services, [certificate_id]).success(
            self.on_certificate_pdf
        ).failure(lambda exc: self.profile.closed.setText(str(exc))).run("writer", initiator=self)

    def on_certificate_pdf(self, pdf: bytes) -> None:
        """Show the print preview (printing at 300 dpi); the preview offers printing and PDF."""
        self.last_pdf = pdf
        if not self.property("headless"):
            self.printing.preview(pdf, "Educator certificate")
