"""The Work queue page after a decision: "Approve and next" moves on in the same list, the
keyboard goes back to the list, and an applied approval can be undone (Ctrl+Z) until the next
sync. A mixin of :class:`desk_app.views.pages.queue.Page`, split off to keep that module readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desk_app.qt import Qt, QWidget
from desk_app.services.review.undo import undo_approval
from desk_app.views import ops
from desk_app.views.pages.queue_text import summary_label

if TYPE_CHECKING:  # typed as the page's widget for the checker
    _Widget = QWidget
else:  # at run time a plain mixin ahead of the page's base
    _Widget = object


class DecisionActions(_Widget):
    """See the module docstring."""

    # provided by the page
    review: Any
    table: Any
    detail: Any
    status: Any
    context: Any
    last_applied: str
    _advance_from: int | None
    on_error: Any
    refresh: Any

    def on_decided(self, result: Any) -> None:
        """A decision was recorded; with "Approve and next" the next row of this list opens.
        An applied approval can be undone (Ctrl+Z) until the next sync: the status says so."""
        if result is not None and getattr(result, "state", "") == "applied":
            self.last_applied = self.review.submission_id
            self.status.setText(
                f"Applied {summary_label(self.detail)}. Ctrl+Z undoes it until the next sync."
            )
        self.table.setFocus(
            Qt.FocusReason.OtherFocusReason
        )  # the list: the next item is a key away
        current = self.table.currentIndex()
        self._advance_from = (
            current.row() if self.review.next_wanted and current.isValid() else None
        )
        self.refresh()

    def undo_last_approval(self) -> None:
        """Ctrl+Z: undo the applied approval shown in the review pane, else the one this page
        approved last (also after "Approve and next" moved on)."""
        if not self.review.undo_button.isHidden() and self.review.undo_button.isEnabled():
            self.review.on_undo_clicked()
        elif self.last_applied:
            sid, self.last_applied = self.last_applied, ""
            self.status.setText("Undoing the last approval…")
            ops.op(undo_approval, self.context.services, sid).success(
                lambda r: self.status.setText(
                    f"Approval undone: {len(r.lines)} change(s) restored; {r.todo}."
                )
            ).failure(self.on_error).run("writer", initiator=self.review)
        else:
            self.status.setText("No approval of this session to undo.")
