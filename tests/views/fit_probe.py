"""Does every page and dialog fit? Measured on the real widgets, at one scale per process.

``python -m tests.views.fit_probe DATA_DIR --scale 1.5 --out DIR`` shows every screen of
``desk-app screenshot --list`` (pages at 1280x720 logical pixels: a 1280x720 screen at 100 %, or
1920x1080 at 150 %), writes its PNG to DIR, and prints one JSON object: screen -> the problems
found. The scale must be chosen before Qt starts, hence a process per scale.

A problem is:
- a page-wide scroll bar (the page needs more room than the window gives it);
- a dialog larger than 1280x720 logical pixels;
- a visible widget reaching outside its parent's box (clipped); what sits in a scroll area's
  viewport or in a splitter may scroll or be resized, and is skipped;
- a label, button or tab whose text is cut (narrower than its text needs) or elided;
- a tool bar that hides some of its tools behind its extension (») button.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

SCREEN = (1280, 720)  # logical pixels: 1280x720 at 100 %, 1920x1080 at 150 %


def fit_problems(root: Any, page_holder: Any = None) -> list[str]:
    """What does not fit in ``root`` (a shown window or dialog); ``page_holder`` is the scroll
    area a page sits in, whose scroll bars must stay hidden."""
    from desk_app.qt import QWidget

    problems: list[str] = []
    if page_holder is not None:
        for bar, what in (
            (page_holder.horizontalScrollBar(), "page-wide horizontal scroll bar"),
            (page_holder.verticalScrollBar(), "page-wide vertical scroll bar"),
        ):
            if bar.isVisible():
                problems.append(f"{what} (needs {page_holder.widget().minimumSizeHint()})")
    elif root.width() > SCREEN[0] or root.height() > SCREEN[1]:
        problems.append(f"{root.width()}x{root.height()} is larger than {SCREEN[0]}x{SCREEN[1]}")
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or _scrolls_or_resizes(w):
            continue
        parent = w.parentWidget()
        if parent is not None and not parent.rect().contains(w.geometry()):
            problems.append(f"{_name(w)} reaches outside {_name(parent)}")
        problems += _cut_text(w)
    return problems


def _scrolls_or_resizes(w: Any) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea, QSplitter

    parent = w.parentWidget()
    if parent is None:
        return True
    if parent.objectName() == "qt_scrollarea_viewport" or isinstance(parent, QSplitter):
        return True
    # the scroll bars and corner of a scroll area live in containers Qt lays out itself
    return isinstance(parent.parentWidget(), QAbstractScrollArea) and parent.objectName() in (
        "qt_scrollarea_hcontainer",
        "qt_scrollarea_vcontainer",
    )


def _cut_text(w: Any) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar, QToolBar, QToolButton

    if isinstance(w, QLabel) and w.text() and not w.wordWrap() and w.pixmap().isNull():
        need = _text_width(w) + 2 * w.margin()
        if w.contentsRect().width() < need - 1:
            return [f"{_name(w)} cut: {w.contentsRect().width()} of {need} px"]
    elif isinstance(w, QAbstractButton) and w.text() and w.width() < w.minimumSizeHint().width():
        return [f"{_name(w)} cut: {w.width()} of {w.minimumSizeHint().width()} px"]
    elif isinstance(w, QToolBar):
        more = w.findChild(QToolButton, "qt_toolbar_ext_button")
        if more is not None and more.isVisible():
            return [f"{_name(w)} hides tools behind its » button"]
    elif isinstance(w, QTabBar):
        cut = [
            w.tabText(i)
            for i in range(w.count())
            if w.isTabVisible(i) and w.tabRect(i).width() < w.tabSizeHint(i).width() - 1
        ]
        if cut:
            return [f"tabs elided: {', '.join(cut)}"]
    return []


def _text_width(label: Any) -> int:
    """The width ``label``'s text needs on one line (rich text laid out as Qt lays it out)."""
    from PySide6.QtGui import Qt, QTextDocument  # QtGui's Qt carries mightBeRichText

    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    if not rich:  # plain text breaks at its own newlines: the longest line is what it needs
        metrics = label.fontMetrics()
        return max(int(metrics.horizontalAdvance(line)) for line in _plain(text).split("\n"))
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(text)
    return int(doc.idealWidth())


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _name(w: Any) -> str:
    text = getattr(w, "text", None)
    label = repr(_plain(text())[:30]) if callable(text) and isinstance(text(), str) else ""
    return f"{type(w).__name__}{'#' + w.objectName() if w.objectName() else ''} {label}".strip()


def probe(data_dir: Path, out: Path) -> dict[str, list[str]]:
    from desk_app.app import open_app
    from desk_app.qt import QSize
    from desk_app.secrets import MemorySecrets
    from desk_app.views import screenshot
    from desk_app.views.main import make_qapp
    from desk_app.views.pages import PAGE_ORDER

    make_qapp()
    app = open_app(data_dir, secrets=MemorySecrets(), username="alice")
    found: dict[str, list[str]] = {}
    try:
        for name in screenshot.names():
            # the lock screen covers the whole window, so it gets the window's size
            size = QSize(*SCREEN) if name in (*PAGE_ORDER, "lock") else None
            widget = screenshot.show(app, name, size)
            found[name] = fit_problems(widget, getattr(widget, "_holders", {}).get(name))
            out.mkdir(parents=True, exist_ok=True)
            widget.grab().save(str(out / f"{name}.png"), "PNG")
            screenshot.close(widget)
    finally:
        app.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    print(json.dumps(probe(args.data_dir, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
