"""The grants of the selected account with the direct changes a Security Administrator may make
(grant, change role, revoke, last day) and each grant's history.

Whether the operator may change grants is the service's rule (:class:`GrantAdmin` checks it);
the panel only mirrors it, so other roles see the buttons disabled with the reason.
"""

from __future__ import annotations

from desk_app.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import ROLE_TITLES, Perm
from desk_app.services.access.accounts import AccountDetail, ApplicationDTO, GrantDTO
from desk_app.services.access.grants import GrantAdmin, GrantHistory
from desk_app.services.context import ServiceContext
from desk_app.views import ops
from desk_app.views.dialogs.grants import (
    GrantChangeDialog,
    GrantHistoryDialog,
    change_dialog,
    end_date_dialog,
    grant_dialog,
    revoke_dialog,
)
from desk_app.views.tablemodels.grants import ROW_ROLE, GrantTableModel, ends_soon


class GrantsPanel(QWidget):
    """Signals:
    grants_changed(str): a direct change was committed (the text says which).
    """

    grants_changed = Signal(str)

    def __init__(self, services: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.admin = GrantAdmin(services)
        self.detail: AccountDetail | None = None
        self.applications: list[ApplicationDTO] = []
        self.model = GrantTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Role grants of the selected account")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 170, 100, 85, 120)):
            self.table.setColumnWidth(column, width)
        self.warning = QLabel("", self)
        self.warning.setAccessibleName("Grants ending soon")
        self.warning.setStyleSheet("color: #b00020")
        self.warning.setWordWrap(True)
        self.status = QLabel("", self)
        self.status.setAccessibleName("Result of the last grant change")
        self.status.setWordWrap(True)
        self.grant_button = QPushButton("Grant &access…", self)
        self.change_button = QPushButton("&Change role…", self)
        self.revoke_button = QPushButton("&Revoke…", self)
        self.end_button = QPushButton("&Last day…", self)
        self.history_button = QPushButton("His&tory…", self)
        for button, name in (
            (self.grant_button, "Grant a role to the selected account directly"),
            (self.change_button, "Change the role of the selected grant"),
            (self.revoke_button, "Revoke the selected grant now"),
            (self.end_button, "Set the last day of the selected grant"),
            (self.history_button, "Show the history of the selected grant"),
        ):
            button.setAccessibleName(name)
        self.may_change = services.can(Perm.MANAGE_ACCESS)
        role = ROLE_TITLES.get(services.actor.role, services.actor.role)
        self.denied = f"Only a Security Administrator changes grants directly (you are {role})."
        self.grant_button.clicked.connect(self.open_grant)
        self.change_button.clicked.connect(self.open_change)
        self.revoke_button.clicked.connect(self.open_revoke)
        self.end_button.clicked.connect(self.open_end_date)
        self.history_button.clicked.connect(self.open_history)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        buttons = QHBoxLayout()
        for button in (
            self.grant_button,
            self.change_button,
            self.revoke_button,
            self.end_button,
            self.history_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warning)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._enable()

    # --- what is shown ----------------------------------------------------------------------
    def show_account(self, detail: AccountDetail | None) -> None:
        same = (
            self.detail is not None and detail is not None and detail.row.id == self.detail.row.id
        )
        shown = self.current()
        keep = shown.id if same and shown is not None else ""
        self.detail = detail
        self.model.show(detail.grants if detail else ())
        soon = [g for g in self.model.rows if ends_soon(g)]
        self.warning.setText(
            f"⚠ {len(soon)} grant(s) of this account end within 30 days: "
            + ", ".join(f"{g.role_code} on {g.ends_on:%Y-%m-%d}" for g in soon)
            if soon
            else ""
        )
        for row, g in enumerate(self.model.rows):
            if g.id == keep:
                self.table.selectRow(row)
        self._enable()

    def current(self) -> GrantDTO | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _enable(self) -> None:
        g = self.current()
        active = g is not None and g.revoked_at is None
        may = {
            self.grant_button: self.detail is not None,
            self.change_button: active,
            self.revoke_button: active,
            self.end_button: active,
        }
        for button, possible in may.items():
            button.setEnabled(self.may_change and possible)
            button.setToolTip(self.denied if not self.may_change else "")
        self.history_button.setEnabled(g is not None)

    # --- the dialogs --------------------------------------------------------------------------
    def _opened(self, dialog: GrantChangeDialog) -> GrantChangeDialog:
        dialog.changed.connect(self._after)
        dialog.open()
        return dialog

    def _after(self, message: str) -> None:
        self.status.setText(message)
        self.grants_changed.emit(message)

    def open_grant(self) -> GrantChangeDialog | None:
        if self.detail is None or not self.may_change:
            return None
        return self._opened(grant_dialog(self.admin, self.detail.row, self.applications, self))

    def open_change(self) -> GrantChangeDialog | None:
        g = self.current()
        if g is None or not self.may_change:
            return None
        app = next((a for a in self.applications if a.code == g.application_code), None)
        return self._opened(change_dialog(self.admin, g, app, self))

    def open_revoke(self) -> GrantChangeDialog | None:
        g = self.current()
        if g is None or not self.may_change:
            return None
        return self._opened(revoke_dialog(self.admin, g, self))

    def open_end_date(self) -> GrantChangeDialog | None:
        g = self.current()
        if g is None or not self.may_change:
            return None
        return self._opened(end_date_dialog(self.admin, g, self))

    def open_history(self) -> None:
        g = self.current()
        if g is None:
            return
        ops.op(self.admin.history, g.id).success(self.on_history).failure(
            lambda exc: self.status.setText(str(exc))
        ).run("instant", initiator=self)

    def on_history(self, history: GrantHistory) -> None:
        self.history_dialog = GrantHistoryDialog(history, self)
        self.history_dialog.open()
