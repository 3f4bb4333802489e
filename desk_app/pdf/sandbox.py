"""Parse and render untrusted documents in a child process, with limits on size, pages and time.

Anything that arrived from outside (mail attachments, faxes, files dropped on the app) is opened
here, never in the GUI process: a malicious or broken PDF can crash or hang MuPDF, and then only
the child dies. The child is started with the ``spawn`` method (no inherited state), caps its own
address space where the OS allows it (POSIX ``RLIMIT_AS``), and is killed and replaced when a call
runs over its time limit. JavaScript, launch actions and embedded files are refused with a reason
(:class:`desk_app.pdf.errors.PdfRejected`), never run or opened.

Usage::

    reading = sandbox.read_form(data)          # FormReading, or PdfRejected
    pages = sandbox.render_pages(data, zoom=2)  # list[RenderedPage]
    pdf = sandbox.image_to_pdf(tiff_bytes)      # bytes
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, cast

from desk_app.pdf.errors import PdfRejected

if TYPE_CHECKING:
    from desk_app.pdf.read import FormReading
    from desk_app.pdf.render import DocumentInfo, RenderedPage
    from desk_app.pdf.safety import PdfReport


@dataclass(frozen=True)
class Limits:
    """Limits of one sandboxed call."""

    max_bytes: int = 25 * 1024 * 1024
    max_pages: int = 60
    timeout_s: float = 30.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()


# --- the child -------------------------------------------------------------------------------
def _task_inspect(data: bytes, limits: Limits) -> Any:
    from desk_app.pdf.safety import inspect, open_checked

    doc = open_checked(data, limits.max_bytes, limits.max_pages)
    try:
        return inspect(doc)
    finally:
        doc.close()


def _task_read(data: bytes, limits: Limits) -> Any:
    from desk_app.pdf.read import read_document
    from desk_app.pdf.safety import check, open_checked

    doc = open_checked(data, limits.max_bytes, limits.max_pages)
    try:
        check(doc)
        return read_document(doc)
    finally:
        doc.close()


_child_docs: OrderedDict[bytes, Any] = OrderedDict()


def _checked_doc(data: bytes, limits: Limits) -> Any:
    """Child: the opened and checked document for ``data`` (a few are kept open for viewers)."""
    from desk_app.pdf.safety import check, open_checked

    key = hashlib.sha256(data).digest()
    doc = _child_docs.get(key)
    if doc is not None:
        _child_docs.move_to_end(key)
        return doc
    doc = open_checked(data, limits.max_bytes, limits.max_pages)
    try:
        check(doc)
    except PdfRejected:
        doc.close()
        raise
    _child_docs[key] = doc
    while len(_child_docs) > 4:
        _child_docs.popitem(last=False)[1].close()
    return doc


def _pixels(doc: Any, number: int, zoom: float, rotate: int) -> Any:
    import pymupdf

    from desk_app.pdf.render import RenderedPage

    if not 0 <= number < doc.page_count:
        raise PdfRejected(f"the document has no page {number + 1}", "unsupported")
    pix = doc.load_page(number).get_pixmap(matrix=pymupdf.Matrix(zoom, zoom).prerotate(rotate))
    return RenderedPage(
        pix.width, pix.height, pix.stride, pix.samples, "RGB888", number, zoom, rotate % 360
    )


def _task_render(
    data: bytes, limits: Limits, pages: Sequence[int] | None, zoom: float, rotate: int = 0
) -> Any:
    doc = _checked_doc(data, limits)
    wanted = range(doc.page_count) if pages is None else pages
    return [_pixels(doc, n, zoom, rotate) for n in wanted]


def _task_info(data: bytes, limits: Limits) -> Any:
    from desk_app.pdf.mupdf import pages
    from desk_app.pdf.render import DocumentInfo

    doc = _checked_doc(data, limits)
    sizes = tuple((p.rect.width, p.rect.height) for p in pages(doc))
    return DocumentInfo(doc.page_count, sizes, (doc.metadata or {}).get("title", "") or "")


def _task_search(data: bytes, limits: Limits, needle: str) -> Any:
    from desk_app.pdf.mupdf import pages

    doc = _checked_doc(data, limits)
    return [(p.number, (r.x0, r.y0, r.x1, r.y1)) for p in pages(doc) for r in p.search_for(needle)]


def _task_image_to_pdf(data: bytes, limits: Limits) -> Any:
    from desk_app.pdf.images import convert_image_to_pdf

    return convert_image_to_pdf(data)


def _task_probe(data: bytes, limits: Limits, seconds: float) -> Any:
    # lets the health check (and the tests) prove that a stuck child is killed on time
    time.sleep(seconds)
    return "awake"


_TASKS: dict[str, Callable[..., Any]] = {
    "inspect": _task_inspect,
    "read": _task_read,
    "render": _task_render,
    "info": _task_info,
    "search": _task_search,
    "image_to_pdf": _task_image_to_pdf,
    "probe": _task_probe,
}


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the job has no RLIMIT; the time limit still applies
        return
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child_main(conn: Connection, memory_mb: int) -> None:
    _limit_memory(memory_mb)
    while True:
        try:
            task, data, limits, extra = conn.recv()
        except EOFError:
            return
        try:
            result = _TASKS[task](data, limits, *extra)
        except PdfRejected as exc:
            conn.send(("rejected", (exc.reason, exc.code)))
        except MemoryError:
            conn.send(("rejected", ("the document needs more memory than allowed", "too_big")))
        except Exception as exc:  # noqa: BLE001 - any failure on untrusted input is "unreadable"
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
        else:
            conn.send(("ok", result))


# --- the parent ------------------------------------------------------------------------------
class Sandbox:
    """One child process serving calls one at a time; restarted after a timeout or crash."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_child_main,
            args=(child, self.limits.memory_mb),
            name="desk-app-pdf-sandbox",
            daemon=True,
        )
        self._proc.start()
        child.close()
        self._conn = parent
        return parent

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def call(self, task: str, data: bytes, *extra: Any, limits: Limits | None = None) -> Any:
        """Run ``task`` on ``data`` in the child and return its result.

        Raises:
            PdfRejected: the child refused the document, failed on it, or ran out of time.
        """
        limits = limits or self.limits
        if len(data) > limits.max_bytes:
            raise PdfRejected(
                f"the file is {len(data) / 1e6:.1f} MB, over the "
                f"{limits.max_bytes / 1e6:.0f} MB limit",
                "too_big",
            )
        with self._lock:
            conn = self._start()
            conn.send((task, data, limits, extra))
            if not conn.poll(limits.timeout_s):
                self._kill()
                raise PdfRejected(
                    f"reading the document took longer than {limits.timeout_s:g} s", "timeout"
                )
            try:
                status, payload = conn.recv()
            except (EOFError, OSError):
                self._kill()
                raise PdfRejected("the document made the reader process crash", "crashed") from None
        if status == "rejected":
            raise PdfRejected(*payload)
        if status == "error":
            raise PdfRejected(
                f"the document could not be read ({payload.splitlines()[0]})", "malformed"
            )
        return payload

    def warm_up(self) -> None:
        """Start the child now (it takes a second or two to import MuPDF), not on first use."""
        with self._lock:
            self._start()

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            self._kill()


_default: list[Sandbox] = []
_default_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide sandbox (started on first use)."""
    with _default_lock:
        if not _default:
            _default.append(Sandbox())
        return _default[0]


def inspect_pdf(data: bytes, limits: Limits | None = None) -> PdfReport:
    """A :class:`desk_app.pdf.safety.PdfReport` of untrusted ``data`` (nothing refused yet)."""
    return cast("PdfReport", default_sandbox().call("inspect", data, limits=limits))


def read_form(data: bytes, limits: Limits | None = None) -> FormReading:
    """:func:`desk_app.pdf.read.read_form` on untrusted ``data``, in the child process."""
    return cast("FormReading", default_sandbox().call("read", data, limits=limits))


def render_pages(
    data: bytes, zoom: float = 2.0, pages: Sequence[int] | None = None, limits: Limits | None = None
) -> list[RenderedPage]:
    """Render untrusted ``data`` in the child: a list of RenderedPage (all pages by default)."""
    return cast(
        "list[RenderedPage]",
        default_sandbox().call(
            "render", data, list(pages) if pages is not None else None, zoom, limits=limits
        ),
    )


def image_to_pdf(data: bytes, limits: Limits | None = None) -> bytes:
    """Normalise an untrusted TIFF / PNG / JPEG (multi-page fax TIFF too) to PDF, in the child."""
    result: bytes = default_sandbox().call("image_to_pdf", data, limits=limits)
    return result


# --- the viewer's backend: the same calls as desk_app.pdf.render, answered by the child -------
def document_info(data: bytes) -> DocumentInfo:
    """Like :func:`desk_app.pdf.render.document_info`, for an untrusted document."""
    return cast("DocumentInfo", default_sandbox().call("info", data))


def render_page(data: bytes, page: int, zoom: float, rotate: int = 0) -> RenderedPage:
    """Like :func:`desk_app.pdf.render.render_page`, for an untrusted document."""
    return cast("list[RenderedPage]", default_sandbox().call("render", data, [page], zoom, rotate))[
        0
    ]


def search_text(data: bytes, needle: str) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Like :func:`desk_app.pdf.render.search_text`, for an untrusted document."""
    if not needle.strip():
        return []
    hits = default_sandbox().call("search", data, needle)
    return cast("list[tuple[int, tuple[float, float, float, float]]]", hits)
