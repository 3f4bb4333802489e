"""Operators dialog (Security Administrators): register operators, change roles, switch accounts off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desk_app.errors import KnownError
from desk_app.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from desk_app.rules.permissions import ROLE_TITLES
from desk_app.services.context import Changes, ServiceContext
from desk_app.services.directory import staff as staff_service
from desk_app.services.directory.staff import StaffDTO
from desk_app.views import ops
from desk_app.views.tablemodels.lazy import ROW_ROLE
from desk_app.views.tablemodels.staff import StaffTableModel


class StaffDialog(QDialog):
    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Operators")
        self.setAccessibleName("Operators")
        self.model = StaffTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Operators")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.message = QLabel("")
        self.message.setAccessibleName("Result of the last change")
        self.message.setWordWrap(True)

        self.username = QLineEdit(placeholderText="DOMAIN\\user")
        self.username.setAccessibleName("Windows user of the new operator")
        self.display_name = QLineEdit()
        self.display_name.setAccessibleName("Name of the new operator")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for key, title in ROLE_TITLES.items():
            self.role.addItem(title, key)
        form = QFormLayout()
        form.addRow("&Windows user:", self.username)
        form.addRow("&Name:", self.display_name)
        form.addRow("&Role:", self.role)

        add = QPushButton("&Add operator")
        set_role = QPushButton("&Give selected this role")
        toggle = QPushButton("Switch selected &off / on")
        for button in (add, set_role, toggle):
            button.setAccessibleName(button.text().replace("&", ""))
        add.clicked.connect(self.on_add)
        set_role.clicked.connect(self.on_set_role)
        toggle.clicked.connect(self.on_toggle)
        buttons = QHBoxLayout()
        for button in (add, set_role, toggle):
            buttons.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.resize(720, 480)
        self.refresh()

    def refresh(self) -> None:
        ops.op(staff_service.list_staff, self.ctx).success(self.model.set_rows).failure(
            self.on_failed
        ).run("instant")

    def _selected(self) -> StaffDTO | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _run(self, fn: Callable[..., Changes], *args: Any, **kwargs: Any) -> None:
        ops.op(fn, self.ctx, *args, **kwargs).success(lambda _c: self.on_done()).failure(
            self.on_failed
        ).run("writer", initiator=self)

    def on_add(self) -> None:
        if not self.username.text().strip() or not self.display_name.text().strip():
            self.message.setText("Give the Windows user and the name.")
            return
        self._run(
            staff_service.add_staff,
            self.username.text().strip(),
            self.display_name.text().strip(),
            self.role.currentData(),
        )

    def on_set_role(self) -> None:
        row = self._selected()
        if row is not None:
            self._run(staff_service.update_staff, row.username, role=self.role.currentData())

    def on_toggle(self) -> None:
        row = self._selected()
        if row is not None:
            self._run(staff_service.update_staff, row.username, active=not row.active)

    def on_done(self) -> None:
        self.message.setText("Saved.")
        self.username.clear()
        self.display_name.clear()
        self.refresh()

    def on_failed(self, exc: BaseException) -> None:
        self.message.setText(
            str(exc) if isinstance(exc, KnownError) else "The change failed; see the log."
        )
