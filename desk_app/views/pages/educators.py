"""The Educators page, the Certification Specialist's workbench, in three tabs: profiles (find,
create, edit, evidence with its source documents, audited closed-data reveal, certificate
printing), the applications queue with its decision screen, and the watch lists."""

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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.permissions import Perm
from desk_app.services.context import Area, Changes
from desk_app.services.educators.certificates import print_certificates
from desk_app.services.educators.documents import documents_of
from desk_app.services.educators.dto import EducatorProfile, EducatorRow
from desk_app.services.educators.editing import NewProfile, ProfileResult, create_profile
from desk_app.services.educators.evidence_items import EvidenceItem, list_evidence
from desk_app.services.educators.profiles import EducatorService
from desk_app.services.listing import ListQuery
from desk_app.views import ops
from desk_app.views.pages.base import PageContext, SearchListPage
from desk_app.views.pages.educator_applications import ApplicationsPanel
from desk_app.views.pages.educator_forms import (
    ApplicationDialog,
    EditProfileDialog,
    NewProfileDialog,
    PracticumDialog,
)
from desk_app.views.pages.educator_watch import WatchPanel
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
        can_edit = services.can(Perm.EDIT_EDUCATORS)
        self.profile = EducatorProfilePane(
            services.can(Perm.VIEW_CLOSED_DATA),
            services.can(Perm.PRINT_CERTIFICATES),
            can_edit,
            self,
        )
        self.new_profile = QPushButton("&New profile…", self)
        self.new_profile.setAccessibleName("Create an educator profile (or find the existing one)")
        self.new_profile.setVisible(can_edit)
        self.practicum = QPushButton("Practi&cum…", self)
        self.practicum.setAccessibleName("Does a student's practicum need a profile?")
        self.practicum.setVisible(can_edit)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Educator work")
        self.applications = ApplicationsPanel(services, self.tabs)
        self.watch = WatchPanel(services, self.tabs)
        self._build_layout()
        self.new_profile.clicked.connect(self.on_new_profile)
        self.practicum.clicked.connect(self.on_practicum)
        self.profile.edit_requested.connect(self.on_edit_profile)
        self.profile.application_requested.connect(self.on_record_application)
        self.profile.evidence_requested.connect(self.on_evidence)
        self.profile.source_requested.connect(self.on_view_source)
        self.tabs.currentChanged.connect(self.on_tab_changed)
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
        bar.addWidget(self.practicum)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.profile)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        profiles = QWidget(self.tabs)
        profiles_layout = QVBoxLayout(profiles)
        profiles_layout.addLayout(bar)
        profiles_layout.addWidget(splitter, 1)
        self.tabs.addTab(profiles, "Pr&ofiles")
        self.tabs.addTab(self.applications, "&Applications")
        self.tabs.addTab(self.watch, "&Watch lists")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def on_search(self, text: str) -> None:
        q = self.model.query
        query = ListQuery(text, (), q.sort, q.descending)
        query = query.with_filter("classification", self.classification.currentData() or "")
        query = query.with_filter("fingerprint", self.fingerprint.currentData() or "")
        self.count_label.setText("Searching…")
        self.model.load_async(query)

    def refresh(self) -> None:
        super().refresh()
        self.on_tab_changed(self.tabs.currentIndex())

    def on_tab_changed(self, index: int) -> None:
        """The other tabs load when first shown (and on a change while shown)."""
        if not self._loaded_once:
            return
        if self.tabs.widget(index) is self.applications:
            self.applications.refresh()
        elif self.tabs.widget(index) is self.watch:
            self.watch.refresh()

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        super().on_changes(changes, initiator)
        ours = isinstance(initiator, QWidget) and self.isAncestorOf(initiator)
        if self._loaded_once and changes.touches(*self.REFRESH_ON) and not ours:
            self.on_tab_changed(self.tabs.currentIndex())
            if self.profile.profile is not None:
                self.show_educator(self.profile.profile.row.id)

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
        self.profile.show_message(f"Loading {row.display_name}…")
        self.show_educator(row.id)

    def show_educator(self, educator_id: str) -> None:
        """Load the profile and its evidence (each on the instant pool; a newer choice wins)."""
        self._generation += 1
        generation = self._generation
        ops.op(self.service.detail, educator_id).success(
            lambda p: self.on_profile(p, generation)
        ).failure(lambda exc: self.profile.show_message(str(exc))).run("instant", initiator=self)

    def on_profile(self, profile: EducatorProfile, generation: int) -> None:
        if generation == self._generation:
            self.profile.show_profile(profile)
            educator_id = profile.row.id
            ops.op(list_evidence, self.context.services, educator_id).success(
                lambda items: self.profile.show_evidence(educator_id, items)
            ).failure(lambda exc: self.profile.closed.setText(str(exc))).run(
                "instant", initiator=self
            )

    # --- editing ------------------------------------------------------------------------------
    def on_practicum(self) -> None:
        dialog = PracticumDialog(self.context.services, self)
        dialog.create_requested.connect(self.on_new_profile)
        dialog.open()

    def on_edit_profile(self) -> None:
        profile = self.profile.profile
        if profile is not None:
            dialog = EditProfileDialog(self.context.services, profile, self)
            dialog.accepted.connect(lambda: self.show_educator(profile.row.id))
            dialog.open()

    def on_record_application(self) -> None:
        profile = self.profile.profile
        if profile is not None:
            self.application_dialog = ApplicationDialog(self.context.services, profile, self)
            self.application_dialog.accepted.connect(lambda: self.show_educator(profile.row.id))
            self.application_dialog.open()

    def on_evidence(self, item: EvidenceItem | None) -> None:
        """Open the evidence form (new, or correcting ``item``) with the documents on file."""
        profile = self.profile.profile
        if profile is None:
            return
        services, educator_id = self.context.services, profile.row.id

        def opened(sources: tuple[object, ...]) -> None:
            from desk_app.views.dialogs.evidence import EvidenceDialog

            self.evidence_dialog = EvidenceDialog(services, educator_id, sources, item, self)  # type: ignore[arg-type]
            self.evidence_dialog.accepted.connect(lambda: self.show_educator(educator_id))
            self.evidence_dialog.open()

        ops.op(documents_of, services, educator_id).success(opened).failure(
            lambda exc: self.profile.closed.setText(str(exc))
        ).run("instant", initiator=self)

    def on_view_source(self, document_id: str) -> None:
        from desk_app.views.dialogs.source_document import SourceDocumentDialog

        self.source_dialog = SourceDocumentDialog.open_for(self.context.services, document_id, self)

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
