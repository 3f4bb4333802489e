"""Work queue keys beyond the panes (Alt+1/2/3) and the table's letters: the signature to attest
(Ctrl+G).

Kept apart from the page so that the keyboard map of the review flow has one home: the keyboard
walk of issue 17 (a faxed form from arrival to an applied grant) took eleven Tabs to get from the
Review tab to the signature's note. Listed in :mod:`desk_app.views.shortcuts` (F1).
"""

from __future__ import annotations

from typing import Any

from desk_app.qt import QKeySequence, QShortcut, Qt, QWidget

SIGNATURE_KEYS = "Ctrl+G"  # "go to the signature"; Alt+A/E/I are the attest buttons


def install(page: Any) -> None:
    """Add the queue's extra shortcuts to ``page`` (the Work queue page)."""
    shortcut = QShortcut(QKeySequence(SIGNATURE_KEYS), page)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(lambda: focus_signature(page))


def focus_signature(page: Any) -> None:
    """Open the Review tab and put the focus where attesting the first wet-ink signature starts:
    its note when one is needed (no specimen on file), else its "matches" button. With the
    report still on its way, the focus moves when it arrives."""
    pane = page.review
    if page.tabs.currentWidget() is not pane:
        page.tabs.setCurrentWidget(pane)  # the tab change starts the verification
    if _focus_first_ink(pane):
        return

    def once(_report: object) -> None:
        pane.report_loaded.disconnect(once)
        _focus_first_ink(pane)

    pane.report_loaded.connect(once)


def _focus_first_ink(pane: Any) -> bool:
    """Focus the first ink signature awaiting the reviewer; False when the report shows none."""
    boxes = [
        box
        for box in pane.signature_area.findChildren(QWidget)
        if hasattr(box, "attest_buttons") and hasattr(box, "finding")
    ]
    if not boxes or pane.report is None:
        return False
    waiting = [b for b in boxes if not b.finding.attestations] or boxes
    box = waiting[0]
    matches = box.attest_buttons.get("matches")
    target = matches if box.finding.specimens and matches is not None else box.note
    pane.signature_area.ensureWidgetVisible(box)
    target.setFocus(Qt.FocusReason.ShortcutFocusReason)
    return True
