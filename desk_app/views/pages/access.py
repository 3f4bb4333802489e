"""Users & access: search user accounts; see each account's grants and user-manager designations."""

from __future__ import annotations

from html import escape

from desk_app.qt import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from desk_app.services.access.accounts import AccessService, AccountDetail, ApplicationDTO
from desk_app.services.access.grant_list import grant_rows
from desk_app.services.access.grants import ExpiringGrant, GrantAdmin
from desk_app.services.context import Area, Changes
from desk_app.services.listing import ListQuery
from desk_app.views import ops
from desk_app.views.dialogs.duplicates import DuplicatesDialog
from desk_app.views.exporting import ExportButton, ExportSpec, list_spec, query_filters, rows_spec
from desk_app.views.pages.base import PageContext, SearchListPage
from desk_app.views.tablemodels.accounts import COL_NAME, COL_USERNAME, AccountTableModel
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.widgets.grants_panel import GrantsPanel
from desk_app.views.widgets.search import SearchBox
from desk_app.views.widgets.tables import make_table


class Page(SearchListPage):
    REFRESH_ON = (Area.ACCESS,)
    key = "access"
    title = "Users && access"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = AccessService(context.services)
        self.model = AccountTableModel(self.service, self)
        self.shown_account = ""  # the account whose grants the detail pane shows
        self._build()

    def _build(self) -> None:
        self.search = SearchBox("Username or last name (prefix), or an exact email", self)
        self.application = QComboBox(self)
        self.application.setAccessibleName("Filter by web application")
        self.application.addItem("All applications", "")
        self.status = QComboBox(self)
        self.status.setAccessibleName("Filter by account status")
        for title, value in (
            ("Any status", ""),
            ("Active", "active"),
            ("Disabled", "disabled"),
            ("Must re-register", "needs_registration"),
        ):
            self.status.addItem(title, value)
        self.managers_only = QCheckBox("&User managers only", self)
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Number of matching accounts")
        self.duplicates_button = QPushButton("Likely &duplicates…", self)
        self.duplicates_button.setAccessibleName("Find likely duplicate accounts")
        self.duplicates_button.clicked.connect(self.open_duplicates)
        self.export_button = ExportButton(
            self,
            lambda text: self.grants.status.setText(text),
            "Export the accounts found, or their grants, to CSV or XLSX",
        )
        label = QLabel("&Search:", self)
        label.setBuddy(self.search)
        bar = QHBoxLayout()
        bar.addWidget(label)
        bar.addWidget(self.search, 3)
        for w in (
            self.application,
            self.status,
            self.managers_only,
            self.count_label,
            self.duplicates_button,
            self.export_button,
        ):
            bar.addWidget(w)

        self.table = make_table(
            self.model,
            "User accounts",
            self,
            stretch_column=COL_NAME,
            sorted_by=(COL_USERNAME, Qt.SortOrder.AscendingOrder),
        )
        self.detail = QTextBrowser(self)
        self.detail.setAccessibleName("Account and its user-manager designations")
        self.detail.setHtml("<p>Select an account to see its access.</p>")
        self.grants = GrantsPanel(self.context.services, self)
        self.grants.grants_changed.connect(lambda _m: self.on_grants_changed())
        self.expiring = QLabel("", self)
        self.expiring.setAccessibleName("Grants of all accounts ending within 30 days")
        self.expiring.setStyleSheet("color: #b00020")
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.detail)
        right.addWidget(self.grants)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        right.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.expiring)
        layout.addWidget(split, 1)

        self.search.search_changed.connect(self.on_search)
        self.application.currentIndexChanged.connect(lambda _i: self.on_query_changed())
        self.status.currentIndexChanged.connect(lambda _i: self.on_query_changed())
        self.managers_only.toggled.connect(lambda _b: self.on_query_changed())
        self.model.count_changed.connect(self.on_count_changed)
        self.model.load_failed.connect(
            lambda message: self.detail.setHtml(f"<p>{escape(message)}</p>")
        )
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.on_row_selected(cur)
        )

    def export_specs(self) -> list[ExportSpec]:
        """The accounts the search and filters find, and the grants of those accounts."""
        services, query = self.context.services, self.model.query
        return [
            list_spec(services, self.model, "User accounts", "accounts"),
            rows_spec(
                services,
                lambda: grant_rows(self.service, query),
                "Grants of these accounts",
                "grants",
                query_filters(query),
            ),
        ]

    def open_duplicates(self) -> DuplicatesDialog:
        dialog = DuplicatesDialog(self.context.services, account_html, self)
        dialog.finished.connect(lambda _r: self.refresh())  # a merge changes the list
        dialog.open()
        dialog.search()
        return dialog

    def on_activated(self) -> None:
        if not self._loaded_once:
            ops.op(self.service.applications).success(self.on_applications).run("instant")
        super().on_activated()
        self.load_expiring()

    def load_expiring(self) -> None:
        ops.op(GrantAdmin(self.context.services).expiring).success(self.on_expiring).run(
            "instant", initiator=self
        )

    def on_expiring(self, soon: list[ExpiringGrant]) -> None:
        self.expiring.setVisible(bool(soon))
        self.expiring.setText(
            f"⚠ {len(soon):,} grant(s) end within 30 days; the first: "
            + ", ".join(f"{g.username} {g.role_code} on {g.ends_on:%Y-%m-%d}" for g in soon[:3])
            if soon
            else ""
        )
        self.expiring.setToolTip(
            "\n".join(
                f"{g.ends_on:%Y-%m-%d}  {g.username}  {g.role_code}  {g.entity_code}"
                for g in soon[:40]
            )
        )

    def on_grants_changed(self) -> None:
        """A direct change from the grants panel: the list's counts, the shown account and the
        expiry warning are read again (the change bus skips the page that started it)."""
        self.refresh()
        self.load_expiring()
        if self.grants.detail is not None:
            ops.op(self.service.detail, self.grants.detail.row.id).success(self.on_detail).run(
                "instant", initiator=self
            )

    def on_search(self, _text: str) -> None:
        self.on_query_changed()

    def on_applications(self, apps: list[ApplicationDTO]) -> None:
        self.grants.applications = apps
        for app in apps:
            self.application.addItem(app.name, app.code)

    def on_query_changed(self) -> None:
        q = self.model.query
        query = ListQuery(self.search.text().strip(), (), q.sort, q.descending)
        query = query.with_filter("application", self.application.currentData() or "")
        query = query.with_filter("status", self.status.currentData() or "")
        query = query.with_filter("user_managers", "1" if self.managers_only.isChecked() else "")
        self.count_label.setText("Searching…")
        self.model.load_async(query)

    def on_count_changed(self, total: int) -> None:
        self.count_label.setText(f"{total:,} account{'s' if total != 1 else ''}")

    def on_row_selected(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        self.load_detail(index.data(ROW_ROLE).id)

    def load_detail(self, account_id: str) -> None:
        self.shown_account = account_id
        ops.op(self.service.detail, account_id).success(self.on_detail).run(
            "instant", initiator=self
        )

    def on_detail(self, detail: AccountDetail) -> None:
        if detail.row.id == self.shown_account:
            self.detail.setHtml(account_html(detail, with_grants=False))
            self.grants.show_account(detail)

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        """The list refreshes as any search page does; the account shown reloads too, so its
        grants are current after an approval, an undo or a direct change."""
        super().on_changes(changes, initiator)
        if not changes.touches(*self.REFRESH_ON):
            return
        if self.shown_account:
            self.load_detail(self.shown_account)
        if self._loaded_once and initiator is not self:
            self.load_expiring()


def account_html(d: AccountDetail, with_grants: bool = True) -> str:
    """The detail pane's text: grants (active first; the page shows them in the grants panel
    instead), designations, and one-username warnings."""
    r = d.row
    parts = [
        f"<h3>{escape(r.name)} <small>({escape(r.username)})</small></h3>",
        f"<p>{escape(r.email)}<br>{escape(r.entity_code)} {escape(r.entity_name)}</p>",
    ]
    if d.other_usernames_same_email:
        names = ", ".join(escape(n) for n in d.other_usernames_same_email)
        parts.append(
            f"<p><b>Warning:</b> same email also used by {names}. One person, one username.</p>"
        )
    if not with_grants:
        pass
    elif not d.grants:
        parts.append("<h4>Role grants</h4><p>No grants.</p>")
    else:
        parts.append(
            "<h4>Role grants</h4>"
            "<table cellpadding='3'><tr><th align='left'>Application</th><th align='left'>Role</th>"
            "<th>Level</th><th align='left'>Scope</th><th align='left'>Since</th></tr>"
        )
        for g in d.grants:
            scope = f"{g.entity_code}" + (
                f" / building {g.building_code} {g.building_name}" if g.building_code else ""
            )
            state = "" if g.revoked_at is None else f" (revoked {g.revoked_at:%Y-%m-%d})"
            parts.append(
                f"<tr><td>{escape(g.application_name)}</td><td>{escape(g.role_name)}{state}</td>"
                f"<td align='center'>{g.level}</td><td>{escape(scope)}</td>"
                f"<td>{g.granted_at:%Y-%m-%d}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h4>User-manager designations</h4>")
    if not d.designations:
        parts.append("<p>None.</p>")
    for des in d.designations:
        until = "current" if des.end_at is None else f"until {des.end_at:%Y-%m-%d}"
        parts.append(
            f"<p>{escape(des.entity_code)} {escape(des.entity_name)}: since "
            f"{des.start_at:%Y-%m-%d}, {until}</p>"
        )
    return "".join(parts)
