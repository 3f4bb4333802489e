"""Dialogs of direct grant changes (a Security Administrator's emergency revoke or correction)
and of a grant's history.

Each change dialog stays open until the service has accepted the change: a refusal (a reason
too short, the last user manager's access, separation of duties) is shown in the dialog in the
service's words, and nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from desk_app.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desk_app.services.access.accounts import AccountRow, ApplicationDTO, GrantDTO
from desk_app.services.access.grants import GrantHistory
from desk_app.services.context import Changes
from desk_app.views import ops


class GrantChangeDialog(QDialog):
    """One direct change: its fields, a required reason, and the service call on OK.

    Signals:
        changed(str): the change was committed; the text says what was done.
    """

    changed = Signal(str)

    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.submit: Callable[[], tuple[Callable[..., Changes], tuple[Any, ...], str]] | None = None
        about = QLabel(intro, self)
        about.setWordWrap(True)
        self.form = QFormLayout()
        self.reason = QPlainTextEdit(self)
        self.reason.setAccessibleName("Reason for the change")
        self.reason.setPlaceholderText("Why, in a few words: it goes in the audit log")
        self.reason.setFixedHeight(self.fontMetrics().height() * 4)
        self.problem = QLabel("", self)
        self.problem.setAccessibleName("Why the change was refused")
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(self.form)
        reason_label = QLabel("Rea&son (required):", self)
        reason_label.setBuddy(self.reason)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def line(self, label: str, value: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value, self)
        edit.setAccessibleName(label.replace("&", "").rstrip(":"))
        edit.setPlaceholderText(placeholder)
        self.form.addRow(label, edit)
        return edit

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()

    def on_ok(self) -> None:
        if self.submit is None:
            return
        try:
            fn, args, done = self.submit()
        except ValueError as exc:
            self.problem.setText(f"Check the date (YYYY-MM-DD): {exc}")
            return
        self.problem.setText("Saving…")
        self.buttons.setEnabled(False)
        ops.op(fn, *args).success(lambda _c: self._done(done)).failure(self._refused).run(
            "general", initiator=self.parent()
        )

    def _done(self, message: str) -> None:
        self.changed.emit(message)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        text = str(exc)
        self.problem.setText(
            text[:1].upper() + text[1:]
            if text.lower().startswith("refused")
            else f"Refused: {text}"
        )


def _day(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None


def grant_dialog(
    admin: Any, account: AccountRow, apps: list[ApplicationDTO], parent: QWidget | None
) -> GrantChangeDialog:
    """Give ``account`` a role directly."""
    dialog = GrantChangeDialog(
        "Grant access directly",
        f"Give <b>{escape(account.username)}</b> ({escape(account.name)}) a role without a form: "
        "a correction, or access a form cannot carry.",
        parent,
    )
    role = QComboBox(dialog)
    role.setAccessibleName("Application and role")
    for app in apps:
        for code, name, level in app.roles:
            role.addItem(f"{app.name}: {name} ({level})", code)
    dialog.form.addRow("&Role:", role)
    entity = dialog.line("&Entity code:", account.entity_code, "048-078")
    building = dialog.line("&Building:", "", "4 digits, for building-level applications only")
    ends = dialog.line("&Last day:", "", "YYYY-MM-DD, empty for no end")
    dialog.role_box, dialog.entity_edit, dialog.ends_edit = role, entity, ends  # type: ignore[attr-defined]
    dialog.submit = lambda: (
        lambda *a: admin.grant(
            *a, building_code=building.text().strip(), ends_on=_day(ends.text())
        ),
        (account.id, role.currentData(), entity.text().strip(), dialog.reason_text()),
        f"{role.currentData()} granted to {account.username}.",
    )
    return dialog


def change_dialog(
    admin: Any, grant: GrantDTO, app: ApplicationDTO | None, parent: QWidget
) -> GrantChangeDialog:
    """Correct a grant's role to another level of the same application."""
    dialog = GrantChangeDialog(
        "Change role",
        f"Correct the role of this {escape(grant.application_name)} grant at "
        f"{escape(grant.entity_code)} (now {escape(grant.role_name)}).",
        parent,
    )
    role = QComboBox(dialog)
    role.setAccessibleName("New role")
    for code, name, level in app.roles if app else ():
        if code != grant.role_code:
            role.addItem(f"{name} ({level})", code)
    dialog.form.addRow("&Role:", role)
    dialog.role_box = role  # type: ignore[attr-defined]
    dialog.submit = lambda: (
        admin.change_role,
        (grant.id, role.currentData() or "", dialog.reason_text()),
        f"Role changed to {role.currentData()}.",
    )
    return dialog


def revoke_dialog(admin: Any, grant: GrantDTO, parent: QWidget) -> GrantChangeDialog:
    """Emergency revoke (or a correction) of one grant."""
    dialog = GrantChangeDialog(
        "Revoke access",
        f"Revoke <b>{escape(grant.role_name)}</b> in {escape(grant.application_name)} at "
        f"{escape(grant.entity_code)} now. The last user manager's access cannot be revoked.",
        parent,
    )
    dialog.submit = lambda: (
        admin.revoke,
        (grant.id, dialog.reason_text()),
        f"{grant.role_code} at {grant.entity_code} revoked.",
    )
    return dialog


def end_date_dialog(admin: Any, grant: GrantDTO, parent: QWidget) -> GrantChangeDialog:
    """Give a grant a last day (temporary access), or take it away."""
    dialog = GrantChangeDialog(
        "Last day of access",
        f"The last day of {escape(grant.role_name)} at {escape(grant.entity_code)}: it is "
        "warned about 30 days before and revoked after.",
        parent,
    )
    current = f"{grant.ends_on:%Y-%m-%d}" if grant.ends_on else ""
    ends = dialog.line("&Last day:", current, "YYYY-MM-DD, empty for no end")
    dialog.ends_edit = ends  # type: ignore[attr-defined]
    dialog.submit = lambda: (
        admin.set_end_date,
        (grant.id, _day(ends.text()), dialog.reason_text()),
        f"Last day of {grant.role_code} at {grant.entity_code}: {ends.text().strip() or 'none'}.",
    )
    return dialog


def history_html(h: GrantHistory) -> str:
    """Which form, which decision, who and when."""
    if h.form_number:
        got = f"{h.form_received_at:%Y-%m-%d}" if h.form_received_at else "?"
        decided = f" on {h.decided_at:%Y-%m-%d %H:%M}" if h.decided_at else ""
        source = (
            f"<p>From form <b>{escape(h.form_number)}</b> received {got}; "
            f"{escape(h.decision or 'decided')} by {escape(h.decided_by or '?')}{decided}.</p>"
        )
    else:
        source = "<p>Made directly (no form).</p>"
    state = f"revoked {h.revoked_at:%Y-%m-%d %H:%M}" if h.revoked_at else "active"
    ends = f", last day {h.ends_on:%Y-%m-%d}" if h.ends_on else ""
    rows = "".join(
        f"<tr><td>{e.occurred_at:%Y-%m-%d %H:%M}</td><td>{escape(e.actor)}</td>"
        f"<td>{escape(e.summary)}</td></tr>"
        for e in h.events
    )
    return (
        f"<h3>{escape(h.username)}: {escape(h.role_code)} at {escape(h.entity_code)}</h3>"
        f"<p>Granted {h.granted_at:%Y-%m-%d %H:%M}; {state}{ends}.</p>{source}"
        "<h4>Changes</h4>"
        + (
            f"<table cellpadding='3'><tr><th align='left'>When</th><th align='left'>Who</th>"
            f"<th align='left'>What</th></tr>{rows}</table>"
            if rows
            else "<p>None since it was granted.</p>"
        )
    )


class GrantHistoryDialog(QDialog):
    """A grant's history, read-only."""

    def __init__(self, history: GrantHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Grant history")
        self.setAccessibleName("Grant history")
        self.text = QTextBrowser(self)
        self.text.setAccessibleName("Grant history")
        self.text.setHtml(history_html(history))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.setMinimumSize(620, 420)
