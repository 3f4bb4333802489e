"""Render PDF pages to image bytes with PyMuPDF, on its owner thread, with a document cache.

The views turn a :class:`RenderedPage` into a ``QImage`` on the GUI thread; this module never
touches Qt. Documents are cached by their bytes (Python caches a bytes object's hash, so looking
a document up again costs a dictionary probe).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import pymupdf

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.mupdf import on_owner, pages

CACHE_SIZE = 8
_docs: OrderedDict[bytes, pymupdf.Document] = OrderedDict()


BYTES_PER_PIXEL = {"RGB888": 3, "RGBA8888": 4, "Grayscale8": 1}


@dataclass(frozen=True)
class RenderedPage:
    """Pixels of one page: ``samples`` rows of ``stride`` bytes, ``format`` one of
    :data:`BYTES_PER_PIXEL` (RGB888 or RGBA8888 for pages, Grayscale8 for signature pictures).

    The numbers must describe the bytes: a ``QImage`` is told to read ``stride * height`` bytes
    from ``samples``, so a page whose numbers promise more (a sandbox child's reply is not
    trusted) would have Qt read past the buffer. Checked on every construction, the wire's too.
    """

    width: int
    height: int
    stride: int
    samples: bytes
    format: str
    page: int = 0
    zoom: float = 1.0
    rotate: int = 0

    def __post_init__(self) -> None:
        depth = BYTES_PER_PIXEL.get(self.format)
        if depth is None:
            raise ValueError(f"unknown pixel format {self.format!r}")
        if not (0 <= self.width <= 100_000 and 0 <= self.height <= 100_000):
            raise ValueError(f"a {self.width} x {self.height} page is out of range")
        if self.width and self.height:
            if self.stride < self.width * depth:
                raise ValueError("the row stride is shorter than a row of pixels")
            if len(self.samples) < self.stride * (self.height - 1) + self.width * depth:
                raise ValueError("the pixels are fewer than the page's size says")


@dataclass(frozen=True)
class DocumentInfo:
    """What a viewer needs before any page is drawn: page count and page sizes in points."""

    page_count: int
    page_sizes: tuple[tuple[float, float], ...]
    title: str = ""


def _open(pdf: bytes) -> pymupdf.Document:
    doc = _docs.get(pdf)
    if doc is not None:
        _docs.move_to_end(pdf)
        return doc
    try:
        doc = pymupdf.open(stream=pdf, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise PdfRejected(f"the file is not a readable PDF ({exc})", "malformed") from exc
    if doc.needs_pass:
        raise PdfRejected("the PDF is encrypted with a password", "encrypted")
    _docs[pdf] = doc
    while len(_docs) > CACHE_SIZE:
        _docs.popitem(last=False)[1].close()
    return doc


def _render(pdf: bytes, page: int, zoom: float, rotate: int, alpha: bool) -> RenderedPage:
    doc = _open(pdf)
    if not 0 <= page < doc.page_count:
        raise IndexError(f"page {page} out of range (document has {doc.page_count})")
    matrix = pymupdf.Matrix(zoom, zoom).prerotate(rotate % 360)
    pix = doc.load_page(page).get_pixmap(matrix=matrix, alpha=alpha)
    return RenderedPage(
        pix.width,
        pix.height,
        pix.stride,
        pix.samples,
        "RGBA8888" if alpha else "RGB888",
        page,
        zoom,
        rotate % 360,
    )


def render_page(
    pdf: bytes, page: int, zoom: float, rotate: int = 0, alpha: bool = False
) -> RenderedPage:
    """Render page ``page`` (0-based) of ``pdf`` at ``zoom`` (1.0 = 72 dpi), rotated clockwise.

    Safe to call from any thread: the work runs on the PyMuPDF owner thread.

    Raises:
        PdfRejected: the bytes are not a readable PDF, or are encrypted.
        IndexError: no such page.
    """
    return on_owner(_render, pdf, page, zoom, rotate, alpha)


def _info(pdf: bytes) -> DocumentInfo:
    doc = _open(pdf)
    sizes = tuple((p.rect.width, p.rect.height) for p in pages(doc))
    return DocumentInfo(doc.page_count, sizes, (doc.metadata or {}).get("title", "") or "")


def document_info(pdf: bytes) -> DocumentInfo:
    """Page count and page sizes (points) of ``pdf``; opens and caches the document."""
    return on_owner(_info, pdf)


def _search(pdf: bytes, needle: str) -> list[tuple[int, tuple[float, float, float, float]]]:
    doc = _open(pdf)
    hits: list[tuple[int, tuple[float, float, float, float]]] = []
    for page in pages(doc):
        for r in page.search_for(needle):
            hits.append((page.number, (r.x0, r.y0, r.x1, r.y1)))
    return hits


def search_text(pdf: bytes, needle: str) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Every place ``needle`` occurs: (page, (x0, y0, x1, y1) in points, unrotated page)."""
    if not needle.strip():
        return []
    return on_owner(_search, pdf, needle)


def page_text(pdf: bytes, page: int) -> str:
    """The text of one page (for identification of a form by its printed number)."""
    return on_owner(lambda: _open(pdf).load_page(page).get_text())


def forget(pdf: bytes) -> None:
    """Drop ``pdf`` from the document cache (a viewer closing a document)."""

    def _drop() -> None:
        doc = _docs.pop(pdf, None)
        if doc is not None:
            doc.close()

    on_owner(_drop)
