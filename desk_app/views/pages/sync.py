"""The Sync page: sync now, the history of runs, the Conflicts view, and the rollback alarm.

When the last run found this workstation's audit log behind what the central database anchored
(a restore from a backup, or a rolled-back copy), the alarm shows above the history; a Security
Administrator acknowledges a legitimate restore there, with the reason (audited), and sync goes on.

A conflict shows both versions side by side, field by field, with the fields each side changed
marked. The operator keeps mine, keeps theirs, or merges: ticks the fields where mine should win.
"""

from __future__ import annotations

from typing import Any

from desk_app.qt import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.services.context import Area, Changes
from desk_app.services.sync.dto import ConflictDTO, RestoreDTO, SyncRunDTO, SyncSummaryDTO
from desk_app.services.sync.restore import acknowledge_restore
from desk_app.services.sync.service import ConflictSource, SyncHistorySource, SyncService
from desk_app.views import ops
from desk_app.views.pages.base import BasePage, PageContext
from desk_app.views.tablemodels.lazy import ROW_ROLE, Column, LazyTableModel
from desk_app.views.widgets.progress import ProgressStrip
from desk_app.views.widgets.sync_status import scheduler_for, status_text, waiting_text
from desk_app.views.widgets.tables import make_table

COL_STARTED, COL_STATUS, COL_PUSHED, COL_PULLED, COL_MERGED, COL_CONFLICTS, COL_MESSAGE = range(7)
COL_TABLE, COL_REASON, COL_DETECTED = range(3)
FIELD_COL, MINE_COL, THEIRS_COL = range(3)


class SyncHistoryModel(LazyTableModel[SyncRunDTO]):
    COLUMNS = (
        Column("Started (UTC)", "", 150),
        Column("Result", "", 80),
        Column("Pushed", "", 70),
        Column("Pulled", "", 70),
        Column("Merged", "", 70),
        Column("Conflicts", "", 80),
        Column("Message", "", 400),
    )

    def display(self, row: SyncRunDTO, column: int) -> Any:
        values = (
            f"{row.started_at:%Y-%m-%d %H:%M:%S}",
            row.status,
            row.pushed,
            row.pulled,
            row.merged,
            row.conflicts,
            row.message,
        )
        return values[column]


class ConflictListModel(LazyTableModel[ConflictDTO]):
    COLUMNS = (Column("Record", "", 160), Column("Why", "", 320), Column("Found (UTC)", "", 140))

    def display(self, row: ConflictDTO, column: int) -> Any:
        return (row.table_title, row.reason, f"{row.detected_at:%Y-%m-%d %H:%M}")[column]


class ConflictView(QWidget):
    """Open conflicts on the left; the chosen one's two versions side by side on the right."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = SyncService(context.services)
        self.model = ConflictListModel(ConflictSource(context.services), self)
        self.table = make_table(
            self.model,
            "Sync conflicts",
            self,
            stretch_column=COL_REASON,
            sorted_by=(COL_DETECTED, Qt.SortOrder.DescendingOrder),
        )
        self.fields = QTreeWidget(self)
        self.fields.setAccessibleName("Both versions, field by field")
        self.fields.setHeaderLabels(
            ["Field (tick: keep mine)", "Mine (this workstation)", "Theirs (central database)"]
        )
        self.fields.setRootIsDecorated(False)
        self.fields.setColumnWidth(FIELD_COL, 200)
        self.fields.setColumnWidth(MINE_COL, 260)
        self.message = QLabel("Choose a conflict to compare the two versions.", self)
        self.message.setWordWrap(True)
        self.keep_mine = QPushButton("Keep m&ine", self)
        self.keep_theirs = QPushButton("Keep &theirs", self)
        self.merge = QPushButton("&Merge ticked fields", self)
        self.current: ConflictDTO | None = None
        self._build()
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.on_selected(cur)
        )
        self.keep_mine.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs.clicked.connect(lambda: self.resolve("theirs"))
        self.merge.clicked.connect(lambda: self.resolve("merge"))
        self._enable(False)

    def _build(self) -> None:
        right = QWidget(self)
        buttons = QHBoxLayout()
        for b in (self.keep_mine, self.keep_theirs, self.merge):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QVBoxLayout(right)
        box.addWidget(self.message)
        box.addWidget(self.fields, 1)
        box.addLayout(buttons)
        split = QSplitter(self)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def _enable(self, on: bool) -> None:
        for b in (self.keep_mine, self.keep_theirs, self.merge):
            b.setEnabled(on)

    def reload(self) -> None:
        self.current = None
        self.fields.clear()
        self._enable(False)
        self.model.load_async(self.model.query)

    def on_selected(self, index: Any) -> None:
        self.show_conflict(index.data(ROW_ROLE) if index.isValid() else None)

    def show_conflict(self, conflict: ConflictDTO | None) -> None:
        self.current = conflict
        self.fields.clear()
        self._enable(conflict is not None)
        if conflict is None:
            return
        self.message.setText(
            f"{conflict.table_title} {conflict.row_id[:8]}: {conflict.reason}. "
            f"Mine is version {conflict.mine_version}, theirs {conflict.theirs_version}."
        )
        for f in conflict.fields:
            if not (f.differs or f.mine_changed or f.theirs_changed):
                continue
            marks = ("✎ " if f.mine_changed else "") + f.column
            item = QTreeWidgetItem([marks, f.mine, f.theirs + (" ✎" if f.theirs_changed else "")])
            item.setData(FIELD_COL, Qt.ItemDataRole.UserRole, f.column)
            item.setCheckState(
                FIELD_COL,
                Qt.CheckState.Checked
                if f.mine_changed and not f.theirs_changed
                else Qt.CheckState.Unchecked,
            )
            self.fields.addTopLevelItem(item)

    def ticked(self) -> tuple[str, ...]:
        out = []
        for i in range(self.fields.topLevelItemCount()):
            item = self.fields.topLevelItem(i)
            if item is not None and item.checkState(FIELD_COL) == Qt.CheckState.Checked:
                out.append(str(item.data(FIELD_COL, Qt.ItemDataRole.UserRole)))
        return tuple(out)

    def resolve(self, choice: str) -> None:
        if self.current is None:
            return
        self._enable(False)
        ops.op(self.service.resolve, self.current.id, choice, self.ticked()).success(
            lambda _c: self.reload()
        ).failure(lambda exc: self.message.setText(str(exc))).run("writer", initiator=self)


class RollbackAlarm(QWidget):
    """The rollback alarm, and the acknowledgement of a legitimate restore (Security
    Administrators only; the reason is recorded in the audit log).

    Signals:
        acknowledged(RestoreDTO): the restore was acknowledged; sync may go on.
    """

    acknowledged = Signal(object)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = context.services
        self.text = QLabel(
            "<b>Audit alarm:</b> this workstation's audit log ends before the history the central "
            "database holds for it: the data folder was restored from a backup or rolled back. "
            "Nothing syncs until a Security Administrator acknowledges a legitimate restore.",
            self,
        )
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Audit rollback alarm")
        self.text.setStyleSheet("color: #a40000;")
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason for the restore")
        self.reason.setPlaceholderText("Why the restore was legitimate (kept in the audit log)")
        self.button = QPushButton("Ac&knowledge restore", self)
        self.button.setAccessibleName("Acknowledge restore")
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Acknowledgement result")
        admin = context.services.actor.role == "security_admin"
        self.button.setEnabled(admin)
        self.reason.setEnabled(admin)
        self.button.setToolTip(
            "Take this workstation's history back from the central database and record the reason"
            if admin
            else "Only a Security Administrator may acknowledge a restore"
        )
        row = QHBoxLayout()
        row.addWidget(self.reason, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.button.clicked.connect(self.on_acknowledge_clicked)
        self.reason.returnPressed.connect(self.on_acknowledge_clicked)

    def on_acknowledge_clicked(self) -> None:
        if not self.button.isEnabled():
            return
        self.button.setEnabled(False)
        self.message.setText("Taking the history back from the central database…")
        ops.op(acknowledge_restore, self.services, self.reason.text()).success(
            self.on_acknowledged
        ).failure(self.on_failed).run("writer", initiator=self)

    def on_acknowledged(self, done: RestoreDTO) -> None:
        self.button.setEnabled(True)
        self.reason.clear()
        self.message.setText(done.text()[0].upper() + done.text()[1:] + ".")
        self.acknowledged.emit(done)

    def on_failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        self.message.setText(f"Not acknowledged: {exc}")


class Page(BasePage):
    key = "sync"
    title = "Sync"

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.scheduler = scheduler_for(context.services)
        self.state = QLabel("", self)
        self.state.setAccessibleName("Sync state")
        self.waiting = QLabel("", self)
        self.waiting.setObjectName("sync-waiting")
        self.waiting.setAccessibleName("Changes waiting to be pushed")
        self.waiting.setStyleSheet("QLabel { font-weight: bold; }")
        self.sync_button = QPushButton("&Sync now", self)
        self.sync_button.setToolTip("Push local changes and pull the central database's now")
        self.history = SyncHistoryModel(SyncHistorySource(context.services), self)
        self.history_table = make_table(
            self.history,
            "Sync history",
            self,
            stretch_column=COL_MESSAGE,
            sorted_by=(COL_STARTED, Qt.SortOrder.DescendingOrder),
        )
        self.progress = ProgressStrip("the sync", self, cancel_text="St&op sync")
        self.conflicts = ConflictView(context, self)
        self.alarm = RollbackAlarm(context, self)
        self.alarm.hide()  # shown while the last run found a rolled-back audit log
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.history_table, "Histor&y")
        self.tabs.addTab(self.conflicts, "&Conflicts")
        bar = QHBoxLayout()
        bar.addWidget(self.waiting)
        bar.addWidget(self.state, 1)
        bar.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(self.alarm)
        layout.addWidget(self.tabs, 1)
        self.alarm.acknowledged.connect(self.on_restore_acknowledged)
        self.sync_button.clicked.connect(self.scheduler.sync_now)
        self.scheduler.status_changed.connect(self.on_status_changed)
        self.scheduler.sync_started.connect(self.on_sync_started)
        self.scheduler.sync_progress.connect(self.progress.on_step)
        self.scheduler.sync_settled.connect(self.progress.on_settled)
        self.scheduler.sync_finished.connect(self.on_sync_finished)
        self.scheduler.sync_failed.connect(self.on_sync_failed)

    def on_activated(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.history.load_async(self.history.query)
        self.conflicts.reload()
        self.scheduler.refresh_status()

    def on_sync_started(self) -> None:
        self.sync_button.setEnabled(False)
        self.progress.begin(self.scheduler.stop_sync)

    def show_conflicts(self) -> None:
        self.tabs.setCurrentWidget(self.conflicts)

    def on_status_changed(self, status: Any) -> None:
        self.waiting.setText(waiting_text(status.pending).capitalize() + " to be pushed ·")
        self.waiting.setToolTip(
            "Changes made on this computer, kept in its outbox until the next sync pushes them"
        )
        text, tip = status_text(status, self.scheduler.running)
        text = text.replace(f" · {waiting_text(status.pending)}", "")  # shown beside it, in bold
        self.state.setText(
            text + (f" · {status.conflicts} conflict(s)" if status.conflicts else "")
        )
        self.state.setToolTip(tip)
        if status.last_status == "rollback":
            self.alarm.show()
        elif status.last_status == "ok":
            self.alarm.hide()
        self.tabs.setTabText(
            1, f"&Conflicts ({status.conflicts})" if status.conflicts else "&Conflicts"
        )

    def on_restore_acknowledged(self, _done: RestoreDTO) -> None:
        self.scheduler.sync_now()  # sync goes on; the alarm hides after a good run
        self.refresh()

    def on_sync_finished(self, summary: SyncSummaryDTO) -> None:
        self.sync_button.setEnabled(True)
        self.state.setToolTip(summary.text())
        self.refresh()

    def on_sync_failed(self, message: str) -> None:
        self.sync_button.setEnabled(True)
        self.state.setText(f"Sync failed: {message}")
        self.history.load_async(self.history.query)

    def on_changes(self, changes: Changes, initiator: object | None) -> None:
        if changes.touches(Area.SYNC) and initiator is not self.conflicts:
            self.refresh()
        elif initiator is self.conflicts:
            self.history.load_async(self.history.query)
