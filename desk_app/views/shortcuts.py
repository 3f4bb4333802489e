"""The keyboard shortcut map: one list, shown by Help > Keyboard shortcuts (F1), and checked by a
test against the shortcuts the windows really have, so the map and the keys never drift apart."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    keys: str  # as QKeySequence writes it ("Ctrl+End", "Alt+P")
    where: str
    does: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("F1", "Anywhere", "This list of keyboard shortcuts"),
    Shortcut(
        "Ctrl+1 … Ctrl+8",
        "Anywhere",
        "Go to a page (in the order of the left-hand list), the focus in its list",
    ),
    Shortcut("Ctrl+F", "Anywhere", "Search the page's list"),
    Shortcut("F5", "Anywhere", "Refresh the page"),
    Shortcut("Ctrl+L", "Anywhere", "Lock the workstation"),
    Shortcut("Ctrl+,", "Anywhere", "Settings"),
    Shortcut("Ctrl+Q", "Anywhere", "Quit"),
    Shortcut("Alt+1", "Work queue", "The list of states (arrows choose one)"),
    Shortcut("Alt+2", "Work queue", "The table of submissions"),
    Shortcut("Alt+3", "Work queue", "The tabs beside the table (Document, Review, Keying…)"),
    Shortcut("[  ]", "Work queue table", "The previous / next state's list"),
    Shortcut("C", "Work queue table", "Claim the current submission"),
    Shortcut("R", "Work queue table", "Release it"),
    Shortcut("A", "Work queue table", "Assign the selected submissions"),
    Shortcut("K", "Work queue table", "Key its values (faxed forms)"),
    Shortcut("Alt+D", "Work queue", "Document tab"),
    Shortcut("Alt+R", "Work queue", "Review tab (verifies the submission)"),
    Shortcut("Alt+Y", "Work queue", "Keying tab"),
    Shortcut("Alt+B", "Work queue", "Dashboard tab"),
    Shortcut("Alt+P", "Review tab", "Approve and apply (shows what changes, asks once)"),
    Shortcut("Alt+N", "Review tab", "Approve and go to the next submission of the list"),
    Shortcut("Alt+J", "Review tab", "Reject with the ticked reasons"),
    Shortcut("Alt+W", "Review tab", "Wait on the requester"),
    Shortcut(
        "Alt+A", "Review tab", "Attest: the wet-ink signature matches (a note if no specimen)"
    ),
    Shortcut("Alt+E", "Review tab", "Attest: the signature does not match"),
    Shortcut("Alt+I", "Review tab", "Attest: unsure (inconclusive)"),
    Shortcut("Alt+U", "Review tab", "Undo the applied approval shown (until the next sync)"),
    Shortcut("Ctrl+Z", "Work queue", "Undo the last approval (until the next sync)"),
    Shortcut("Alt+A", "Approve dialog", "Apply the changes shown (Esc: cancel)"),
    Shortcut(
        "Ctrl+G",
        "Work queue",
        "The signature to attest: its note (Tab, then Space attests), or its Matches button",
    ),
    Shortcut("Alt+A", "Keying tab", "Save the keyed values"),
    Shortcut("Alt+E", "Keying tab", "Save and send to review"),
    Shortcut("Ctrl+End", "Any table", "The real last row (the rest is loaded first)"),
    Shortcut("Ctrl+Home", "Any table", "The first row"),
    Shortcut("Ctrl+Shift+S", "Any table", "Sort by the current column (again: other order)"),
    Shortcut("Ctrl+Shift+E", "Any list page", "Export the list (its filters) to CSV or XLSX"),
    Shortcut("Left / Right", "Any table", "Choose the column to sort by"),
)


def shortcut_map_text() -> str:
    """The map as plain text (for the help dialog's copy and for the README)."""
    width = max(len(s.keys) for s in SHORTCUTS)
    return "\n".join(f"{s.keys:<{width}}  {s.where}: {s.does}" for s in SHORTCUTS)
