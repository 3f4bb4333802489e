"""Alt+letter accelerators never clash: a walk over every page (and every tab of it) of the main
window collects the mnemonics an operator can reach at once and finds no letter twice."""

from __future__ import annotations

import re
from collections import Counter

from desk_app.qt import QAbstractButton, QGroupBox, QLabel, QTabWidget, QWidget
from desk_app.views.main_window import PAGE_ORDER

_MNEMONIC = re.compile(r"&([^&\s])")


def _letter(text: str) -> str | None:
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _reachable(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every visible accelerator: menu titles, buttons, labels, tabs, boxes."""
    seen = [(_letter(a.text()), a.text()) for a in window.menuBar().actions()]
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            seen.append((_letter(w.text()), w.text()))
        elif isinstance(w, QGroupBox):
            seen.append((_letter(w.title()), w.title()))
        elif isinstance(w, QTabWidget):
            seen += [(_letter(w.tabText(i)), w.tabText(i)) for i in range(w.count())]
    return [(letter, text) for letter, text in seen if letter]


def _clashes(window: QWidget) -> list[str]:
    found = _reachable(window)
    twice = {letter for letter, n in Counter(letter for letter, _ in found).items() if n > 1}
    return sorted(f"Alt+{letter.upper()}: {text}" for letter, text in found if letter in twice)


def test_no_two_accelerators_share_a_letter_on_any_page_or_tab(main_window, qtbot) -> None:
    main_window.show()
    problems: dict[str, list[str]] = {}
    for key in PAGE_ORDER:
        main_window.show_page(key)
        page = main_window.pages.get(key)
        if page is None:
            continue
        tab_widgets = [t for t in page.findChildren(QTabWidget)] or [None]
        for tabs in tab_widgets:
            for i in range(tabs.count() if tabs else 1):
                if tabs is not None:
                    tabs.setCurrentIndex(i)
                clashes = _clashes(main_window)
                if clashes:
                    where = f"{key}" + (f" / {tabs.tabText(i)}" if tabs else "")
                    problems[where] = clashes
    assert problems == {}
