"""Likely duplicate accounts, side by side, and the merge (and its undo) by an administrator.

The search runs on the pool with its progress shown and a Cancel; choosing a pair loads both
accounts' access side by side; "Merge right into left" moves every grant and designation with
the reason typed; "Undo merge" puts it back while the change is not yet synced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from desk_app.qt import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QObject,
    QPushButton,
    QStandardItem,
    QStandardItemModel,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.rules.permissions import Perm
from desk_app.services.access.accounts import AccessService, AccountDetail
from desk_app.services.access.duplicates import LikelyDuplicate, find_duplicates
from desk_app.services.access.merge import AccountMerge, Merged
from desk_app.services.context import ServiceContext
from desk_app.views import ops


class _Progress(QObject):
    step = Signal(int, int)


class DuplicatesDialog(QDialog):
    def __init__(
        self,
        services: ServiceContext,
        account_html: Callable[[AccountDetail], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Likely duplicate accounts")
        self.resize(1100, 650)
        self.services = services
        self.account_html = account_html  # the Users & access page's own rendering
        self.pairs: list[LikelyDuplicate] = []
        self.last_merge: Merged | None = None
        self._cancel = threading.Event()
        self.progress = _Progress(self)
        self.status = QLabel("Looking for likely duplicates…", self)
        self.status.setAccessibleName("Duplicate search status")
        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels(["Score", "Account", "Account", "Why"])
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Likely duplicate pairs")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        for column, width in enumerate((60, 300, 300)):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.left, self.right = QTextBrowser(self), QTextBrowser(self)
        self.cancel_button = QPushButton("&Cancel search", self)
        self.merge_button = QPushButton("&Merge right into left…", self)
        self.undo_button = QPushButton("&Undo merge", self)
        self.merge_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        self.merge_button.setVisible(services.can(Perm.MANAGE_ACCESS))
        self.undo_button.setVisible(services.can(Perm.MANAGE_ACCESS))
        sides = QHBoxLayout()
        sides.addWidget(self.left)
        sides.addWidget(self.right)
        buttons = QHBoxLayout()
        for b in (self.cancel_button, self.merge_button, self.undo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 2)
        layout.addLayout(sides, 3)
        layout.addLayout(buttons)
        self.progress.step.connect(
            lambda d, t: self.status.setText(f"Comparing blocks of accounts: {d:,} of {t:,}…")
        )
        self.cancel_button.clicked.connect(self._cancel.set)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.on_pair())
        self.merge_button.clicked.connect(self.on_merge)
        self.undo_button.clicked.connect(self.on_undo)

    def search(self) -> None:
        self._cancel.clear()
        ops.op(
            find_duplicates,
            self.services,
            lambda d, t: self.progress.step.emit(d, t),
            self._cancel.is_set,
        ).success(self.on_found).failure(lambda exc: self.status.setText(str(exc))).run(
            "general", initiator=self
        )

    def on_found(self, pairs: list[LikelyDuplicate]) -> None:
        self.pairs = pairs
        self.cancel_button.setEnabled(False)
        self.status.setText(f"{len(pairs):,} likely duplicate pair(s), the likeliest first.")
        self.model.setRowCount(0)
        for p in pairs:
            cells = (
                f"{p.score:.0f}",
                f"{p.first.username} ({p.first.name}, {p.first.entity_code})",
                f"{p.second.username} ({p.second.name}, {p.second.entity_code})",
                ", ".join(p.reasons),
            )
            self.model.appendRow([QStandardItem(c) for c in cells])

    def current(self) -> LikelyDuplicate | None:
        row = self.table.currentIndex().row()
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    def on_pair(self) -> None:
        pair = self.current()
        self.merge_button.setEnabled(pair is not None)
        if pair is None:
            return
        self._show(pair.first.id, self.left)
        self._show(pair.second.id, self.right)

    def _show(self, account_id: str, browser: QTextBrowser) -> None:
        def shown(detail: AccountDetail) -> None:
            browser.setHtml(self.account_html(detail))

        def failed(exc: BaseException) -> None:
            browser.setPlainText(str(exc))

        service = AccessService(self.services)
        ops.op(service.detail, account_id).success(shown).failure(failed).run(
            "instant", initiator=self
        )

    def on_merge(self) -> None:
        pair = self.current()
        if pair is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            "Merge accounts",
            f"Why are {pair.first.username} and {pair.second.username} one person?",
        )
        if ok:
            self.merge(pair, reason)

    def merge(self, pair: LikelyDuplicate, reason: str) -> None:
        ops.op(AccountMerge(self.services).merge, pair.first.id, pair.second.id, reason).success(
            self.on_merged
        ).failure(lambda exc: self.status.setText(str(exc))).run("general", initiator=self)

    def on_merged(self, merged: Merged) -> None:
        self.last_merge = merged
        self.undo_button.setEnabled(True)
        self.status.setText(
            f"Merged: {merged.moved_grants} grant(s) and {merged.moved_designations} "
            "designation(s) moved. Undo is possible until the next sync."
        )
        self.on_pair()

    def on_undo(self) -> None:
        if self.last_merge is None:
            return
        ops.op(AccountMerge(self.services).unmerge, self.last_merge.event_id).success(
            lambda _c: self._undone()
        ).failure(lambda exc: self.status.setText(str(exc))).run("general", initiator=self)

    def _undone(self) -> None:
        self.last_merge = None
        self.undo_button.setEnabled(False)
        self.status.setText("The merge was undone.")
        self.on_pair()
