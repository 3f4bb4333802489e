"""Finding wet ink in a signature box (the numeric half of :mod:`desk_app.pdf.signatures`).

Kept apart so that importing the signature facts (which the review services' DTOs and the sandbox
schema do at start-up) does not import numpy and PyMuPDF; this module is imported when ink is first
looked for, on the PyMuPDF owner thread or in the sandbox child.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pymupdf

from desk_app.pdf.mupdf import on_owner

INK_DPI = 150
INK_DARK = 140  # grey level below which a pixel counts as dark
INK_MIN_RATIO = 0.004  # share of the box's pixels that must be new ink
INK_INSET = 3.0  # points trimmed inside the box so its printed border is never counted
INK_SEARCH = 10.0  # points: how far a faxed page may sit off the layout (fax margins, feed)

# what was found: field name, 0-based page, box (PDF points), ink ratio, present, crop PNG
Ink = tuple[str, int, tuple[float, float, float, float], float, bool, bytes]


class InkUnreadable(Exception):
    """MuPDF could not render the received page (the caller says so in the agency's words)."""


def _open(data: bytes) -> pymupdf.Document:
    return pymupdf.open(stream=data, filetype="pdf")  # type: ignore[no-untyped-call]


@lru_cache(maxsize=32)
def signature_boxes(layout_pdf: bytes) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Signature widgets of a form layout: field name -> (0-based page, rect)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    with _open(layout_pdf) as doc:
        for page in doc:
            for widget in page.widgets() or ():
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE:  # type: ignore[attr-defined]
                    r = widget.rect
                    boxes[widget.field_name] = (page.number, (r.x0, r.y0, r.x1, r.y1))
    return boxes


def _grey(
    page: pymupdf.Page,
    rect: tuple[float, float, float, float],
    scale: tuple[float, float],
    annots: bool,
) -> np.ndarray:
    """The region ``rect`` (layout points) of ``page`` as a grey array at :data:`INK_DPI`.

    ``scale`` maps layout points to this page's points (a fax normalised to another page size).
    """
    sx, sy = scale
    clip = pymupdf.Rect(rect[0] * sx, rect[1] * sy, rect[2] * sx, rect[3] * sy)  # type: ignore[no-untyped-call]
    zoom = INK_DPI / 72
    matrix = pymupdf.Matrix(zoom / sx, zoom / sy)  # type: ignore[no-untyped-call]
    # annotations count on the received page: an image signature may be pasted as a stamp
    pix = page.get_pixmap(
        matrix=matrix, clip=clip, colorspace=pymupdf.csGRAY, alpha=False, annots=annots
    )
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.stride)[
        :, : pix.width
    ]


def _fit(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Crop or pad (white) ``a`` to ``shape``: renders of the same region may differ by a pixel."""
    out = np.full(shape, 255, dtype=np.uint8)
    h, w = min(shape[0], a.shape[0]), min(shape[1], a.shape[1])
    out[:h, :w] = a[:h, :w]
    return out


def _shift(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``mask`` moved by (dy, dx) pixels, empty where nothing moved in."""
    out = np.zeros_like(mask)
    h, w = mask.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = mask[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def _grow(mask: np.ndarray, radius: int = 2) -> np.ndarray:
    """Dilate so a printed line a pixel or two off in the received page is still masked."""
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= _shift(mask, dy, dx)
    return out


def _offset(received: np.ndarray, printed: np.ndarray, limit: int) -> tuple[int, int]:
    """How far the received page's print is displaced from the layout (cross-correlation peak)."""
    spectrum = np.fft.rfft2(received.astype(np.float32)) * np.conj(
        np.fft.rfft2(printed.astype(np.float32))
    )
    corr = np.fft.irfft2(spectrum, s=received.shape)
    h, w = corr.shape
    best, where = -1.0, (0, 0)
    for dy in range(-limit, limit + 1):
        for dx in range(-limit, limit + 1):
            value = corr[dy % h, dx % w]
            if value > best:
                best, where = value, (dy, dx)
    return where


def find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> Ink:
    """See :func:`desk_app.pdf.signatures.find_ink`.

    Raises:
        InkUnreadable: the received page cannot be rendered.
    """
    # PyMuPDF is not thread-safe: every call runs on its one owner thread
    try:
        return on_owner(_find_ink, received_pdf, layout_pdf, field_name)
    except (RuntimeError, pymupdf.mupdf.FzErrorBase) as exc:  # MuPDF's errors for a damaged page
        raise InkUnreadable(type(exc).__name__) from exc


@lru_cache(maxsize=32)
def _printed(
    layout_pdf: bytes, field_name: str
) -> tuple[int, tuple[float, float, float, float], np.ndarray, tuple[float, float]]:
    """The blank layout's print around a signature box (page, box, dark mask, page size), once."""
    page_no, rect = signature_boxes(layout_pdf)[field_name]
    m = INK_SEARCH
    with _open(layout_pdf) as blank:
        grey = _grey(
            blank[page_no],
            (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m),
            (1.0, 1.0),
            annots=False,
        )
        size = (blank[page_no].rect.width, blank[page_no].rect.height)
    mask = grey < INK_DARK
    mask.flags.writeable = False  # shared by every call through the cache
    return page_no, rect, mask, size


def _png(grey: np.ndarray) -> bytes:
    grey = np.ascontiguousarray(grey)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, grey.shape[1], grey.shape[0], grey.tobytes(), 0)  # type: ignore[no-untyped-call]
    return bytes(pix.tobytes("png"))  # type: ignore[no-untyped-call]


def _find_ink(received_pdf: bytes, layout_pdf: bytes, field_name: str) -> Ink:
    page_no, rect, printed, (width, height) = _printed(layout_pdf, field_name)
    m, px = INK_SEARCH, INK_DPI / 72
    region = (rect[0] - m, rect[1] - m, rect[2] + m, rect[3] + m)
    with _open(received_pdf) as got:
        if page_no >= got.page_count:
            return (field_name, page_no, rect, 0.0, False, b"")
        page = got[page_no]
        scale = (page.rect.width / width, page.rect.height / height)
        grey = _fit(_grey(page, region, scale, annots=True), printed.shape)
    seen = grey < INK_DARK
    dy, dx = _offset(seen, printed, int(m * px))
    ink = seen & ~_grow(_shift(printed, dy, dx))
    top, left = int((m + INK_INSET) * px) + dy, int((m + INK_INSET) * px) + dx
    bottom = int((m + rect[3] - rect[1] - INK_INSET) * px) + dy
    right = int((m + rect[2] - rect[0] - INK_INSET) * px) + dx
    box = ink[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)]
    ratio = float(box.mean()) if box.size else 0.0
    # the crop shown to the reviewer: the whole box where the received page has it
    edge = int(m * px)
    crop = grey[
        max(edge + dy, 0) : max(edge + dy + int((rect[3] - rect[1]) * px), 0),
        max(edge + dx, 0) : max(edge + dx + int((rect[2] - rect[0]) * px), 0),
    ]
    png = _png(crop) if crop.size else b""
    return (field_name, page_no, rect, round(ratio, 5), ratio >= INK_MIN_RATIO, png)
