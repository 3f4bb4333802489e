"""The owner thread of PyMuPDF in this process.

PyMuPDF (MuPDF) is not thread-safe. Every call into it from this package goes through
:func:`on_owner`, which runs the call on one dedicated thread (or directly, when already on it).
Documents opened there stay there: the render cache lives on the owner thread only.
A child process (the sandbox) gets its own owner thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import pymupdf

# widget and annotation type codes (PyMuPDF defines them without annotations)
WIDGET_CHECKBOX: int = pymupdf.PDF_WIDGET_TYPE_CHECKBOX  # type: ignore[attr-defined]
WIDGET_RADIO: int = pymupdf.PDF_WIDGET_TYPE_RADIOBUTTON  # type: ignore[attr-defined]
WIDGET_COMBOBOX: int = pymupdf.PDF_WIDGET_TYPE_COMBOBOX  # type: ignore[attr-defined]
WIDGET_LISTBOX: int = pymupdf.PDF_WIDGET_TYPE_LISTBOX  # type: ignore[attr-defined]
WIDGET_SIGNATURE: int = pymupdf.PDF_WIDGET_TYPE_SIGNATURE  # type: ignore[attr-defined]
ANNOT_WIDGET: int = pymupdf.PDF_ANNOT_WIDGET  # type: ignore[attr-defined]

# MuPDF prints its errors on stdout, which would corrupt a CLI's JSON: keep them for the log
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

P = ParamSpec("P")
T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner: list[int] = []


def _mark_owner() -> None:
    _owner.append(threading.get_ident())


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="mupdf-owner", initializer=_mark_owner
            )
        return _executor


def on_owner_thread() -> bool:
    """True when the caller is the PyMuPDF owner thread."""
    return bool(_owner) and _owner[0] == threading.get_ident()


def on_owner(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn(*args, **kwargs)`` on the PyMuPDF owner thread and return its result.

    Exceptions raised by ``fn`` propagate to the caller unchanged.
    """
    if on_owner_thread():
        return fn(*args, **kwargs)
    return _get_executor().submit(fn, *args, **kwargs).result()


def pages(doc: pymupdf.Document) -> Iterator[pymupdf.Page]:
    """The pages of ``doc`` in order (call on the owner thread)."""
    for number in range(doc.page_count):
        yield doc.load_page(number)
