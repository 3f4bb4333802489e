""" "Approve and apply": what will change, as a diff against the directory now, asked once.

The diff comes from the review service (:func:`~desk_app.services.review.preview.preview_approval`,
a dry run of the apply step); this dialog only lays it out. When the request cannot be applied as
written, the dialog says why and offers no way to apply it.
"""

from __future__ import annotations

from desk_app.qt import (
    QAbstractItemView,
    QColor,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from desk_app.services.review.dto import AccessChange, ApprovalPreview

KIND_TITLES = {"added": "Added", "removed": "Removed", "changed": "Changed"}
KIND_COLOURS = {"added": "#1b7f3a", "removed": "#b3261e", "changed": "#a66300"}
COLUMNS = ("Change", "Person (username)", "Application", "Now", "After approval")


def _cells(c: AccessChange) -> tuple[str, ...]:
    who = f"{c.person} ({c.username}{', new account' if c.new_account else ''})"
    if c.subject == "user manager":
        what = "User manager"
        now = f"user manager of {c.before}" if c.before else "not a user manager"
        after = f"user manager of {c.after}" if c.after else "not a user manager"
    else:
        what = c.application
        now, after = c.before or "no role", c.after or "no role"
    return KIND_TITLES.get(c.kind, c.kind), who, what, now, after


class ApprovalDiffDialog(QDialog):
    """The grants and designations approving will add, remove or change; Apply or Cancel."""

    def __init__(
        self, preview: ApprovalPreview, claims_first: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("approval-diff-dialog")
        self.setWindowTitle("Approve and apply")
        self.preview = preview
        layout = QVBoxLayout(self)
        self.heading = QLabel(self._heading(claims_first), self)
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("What approving does")
        layout.addWidget(self.heading)
        self.table = QTableWidget(len(preview.changes), len(COLUMNS), self)
        self.table.setObjectName("approval-diff")
        self.table.setAccessibleName("Changes to grants and user managers")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for row, change in enumerate(preview.changes):
            for col, text in enumerate(_cells(change)):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setForeground(QColor(KIND_COLOURS.get(change.kind, "#000000")))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        # as wide as the changes (no sideways scrolling for a few lines), within a 1280 screen
        wanted = header.length() + 2 * self.table.frameWidth() + 24
        self.table.setMinimumWidth(min(wanted, 1100))
        self.table.setMinimumHeight(min(len(preview.changes), 6) * 30 + header.height() + 8)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setVisible(bool(preview.changes))
        layout.addWidget(self.table, 1)
        self.footer = QLabel(self._footer(), self)
        self.footer.setWordWrap(True)
        self.footer.setAccessibleName("Unchanged, and why it cannot be applied")
        layout.addWidget(self.footer)
        self.buttons = QDialogButtonBox(self)
        self.apply_button = self.buttons.addButton(
            "&Apply these changes", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button.setEnabled(not preview.problem)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.apply_button if not preview.problem else self.table).setFocus()
        self.resize(760, 360)

    def _heading(self, claims_first: bool) -> str:
        p = self.preview
        where = f"{p.entity_code} {p.entity_name}".strip() or "this submission"
        count = len(p.changes)
        text = (
            f"Approving this form changes {count} grant(s) or user manager(s) at {where}, "
            "compared with the directory as it is now."
            if count
            else f"Approving this form changes no grant or user manager at {where}."
        )
        if claims_first:
            text += " The submission is claimed for you first."
        return text

    def _footer(self) -> str:
        p = self.preview
        lines = [f"Unchanged: {line}." for line in p.unchanged]
        if p.problem:
            lines.append(f"Cannot be applied as written: {p.problem}.")
        else:
            lines.append(
                "Until the next sync you can undo this approval (Ctrl+Z in the review pane)."
            )
        return "\n".join(lines)

    def text(self) -> str:
        """Everything the dialog says, for tests and screen readers."""
        rows = [
            " | ".join(
                (cell.text() if (cell := self.table.item(r, c)) is not None else "")
                for c in range(self.table.columnCount())
            )
            for r in range(self.table.rowCount())
        ]
        return "\n".join([self.heading.text(), *rows, self.footer.text()])
