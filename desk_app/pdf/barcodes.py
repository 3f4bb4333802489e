"""The page QR and the data barcode: payloads, drawing, and decoding from page images.

* Page QR (segno, drawn as vector squares): ``DAF1|<number>|<edition>|<page>|<pages>|<token>``.
  It identifies a page of a returned form even when the fax machine stripped every field.
* Data barcode (PDF417 written by zxing-cpp; a dense QR from segno if PDF417 cannot be written):
  ``DAD1|<number>|<edition>|<page>|<json>`` with the page's values keyed by the field's position
  in the edition's field list (short enough for one symbol). Long payloads are zlib-compressed
  and base64-encoded behind ``Z:``.

Decoding uses zxing-cpp on a rendered page image (greyscale or RGB samples).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import segno
import zxingcpp

PAGE_PREFIX = "DAF1"
DATA_PREFIX = "DAD1"
SEP = "|"


@dataclass(frozen=True)
class PageMark:
    """What a page QR says."""

    number: str
    edition: str
    page: int
    page_count: int
    token: str = ""


@dataclass(frozen=True)
class DataMark:
    """What a data barcode says: one page's field values."""

    number: str
    edition: str
    page: int
    values: dict[str, str]


def encode_page_mark(mark: PageMark) -> str:
    """The QR text for ``mark`` (the separator is not allowed in a token)."""
    if SEP in mark.token:
        raise ValueError("a token cannot contain '|'")
    return SEP.join(
        (PAGE_PREFIX, mark.number, mark.edition, str(mark.page), str(mark.page_count), mark.token)
    )


def parse_page_mark(text: str) -> PageMark | None:
    """Read a page QR text; ``None`` when it is not one of ours."""
    parts = text.split(SEP)
    if len(parts) != 6 or parts[0] != PAGE_PREFIX or not (parts[3] + parts[4]).isdigit():
        return None
    return PageMark(parts[1], parts[2], int(parts[3]), int(parts[4]), parts[5])


def encode_data(
    number: str, edition: str, page: int, values: Mapping[str, str], field_names: Sequence[str]
) -> str:
    """The data barcode text for one page's non-empty ``values``."""
    index = {name: i for i, name in enumerate(field_names)}
    body = json.dumps(
        {str(index[k]): v for k, v in values.items() if v and k in index},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    if len(body) > 600:
        body = "Z:" + base64.b64encode(zlib.compress(body.encode(), 9)).decode()
    return SEP.join((DATA_PREFIX, number, edition, str(page), body))


def parse_data(text: str, field_names_for: Any) -> DataMark | None:
    """Read a data barcode text.

    Args:
        text: the decoded symbol text.
        field_names_for: ``(number, edition) -> Sequence[str] | None``, the edition's field list.
    """
    parts = text.split(SEP, 4)
    if len(parts) != 5 or parts[0] != DATA_PREFIX or not parts[3].isdigit():
        return None
    names = field_names_for(parts[1], parts[2])
    if names is None:
        return None
    body = parts[4]
    try:
        if body.startswith("Z:"):
            body = zlib.decompress(base64.b64decode(body[2:])).decode()
        raw = json.loads(body)
    except (ValueError, zlib.error):
        return None
    values = {names[int(k)]: str(v) for k, v in raw.items() if k.isdigit() and int(k) < len(names)}
    return DataMark(parts[1], parts[2], int(parts[3]), values)


# --- symbols as module matrices ----------------------------------------------------------------
@lru_cache(maxsize=512)
def qr_matrix(text: str) -> np.ndarray:
    """Boolean module matrix (True = dark) of a QR code for ``text``, without quiet zone.

    Cached: a page QR without a token repeats across every copy of a form edition, and
    choosing the QR mask is the costly part of drawing it. Do not modify the returned array.
    """
    qr = segno.make_qr(text, error="m", boost_error=False)
    matrix = np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool)
    matrix.setflags(write=False)
    return matrix


def data_matrix(text: str) -> tuple[np.ndarray, str]:
    """Module matrix of the data barcode for ``text`` and its symbology ("PDF417" or "QR").

    A PDF417 row is several image rows tall (zxing-cpp draws rows 3 modules high).
    """
    try:
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.PDF417, columns=18)
        img = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False))
        return img < 128, "PDF417"
    except (ValueError, RuntimeError):
        qr = segno.make_qr(text, error="l")
        return np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool), "QR"


def runs(matrix: np.ndarray) -> Iterator[tuple[int, int, int, int]]:
    """Dark rectangles covering ``matrix`` as (column, row, width, height) in modules.

    Horizontal runs are merged with identical runs on the rows below, so a PDF417 symbol (rows
    three modules tall) costs a third of the rectangles.
    """
    rows: list[list[tuple[int, int]]] = []
    for line in matrix:
        padded = np.concatenate(([False], line, [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        rows.append([(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)])
    r = 0
    while r < len(rows):
        height = 1
        while r + height < len(rows) and rows[r + height] == rows[r]:
            height += 1
        for col, width in rows[r]:
            yield col, r, width, height
        r += height


def draw_qr_reportlab(canvas: Any, text: str, x: float, y: float, size: float) -> None:
    """Draw a QR for ``text`` on a reportlab canvas, ``size`` points square, at (x, y)."""
    matrix = qr_matrix(text)
    draw_matrix_reportlab(canvas, matrix, x, y, size / matrix.shape[1], size / matrix.shape[0])


def draw_matrix_reportlab(
    canvas: Any, matrix: np.ndarray, x: float, y: float, mw: float, mh: float
) -> None:
    """Draw ``matrix`` with modules ``mw`` x ``mh`` points; (x, y) is its bottom left."""
    top = y + matrix.shape[0] * mh
    path = canvas.beginPath()
    for col, row, w, h in runs(matrix):
        path.rect(x + col * mw, top - (row + h) * mh, w * mw, h * mh)
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)


def matrix_content_stream(matrix: np.ndarray, x: float, y: float, mw: float, mh: float) -> bytes:
    """PDF content operators drawing ``matrix``; (x, y) is its bottom left in PDF points."""
    top = y + matrix.shape[0] * mh
    ops = ["q 0 g"]
    for col, row, w, h in runs(matrix):
        ops.append(f"{x + col * mw:.2f} {top - (row + h) * mh:.2f} {w * mw:.2f} {h * mh:.2f} re")
    ops.append("f Q")
    return "\n".join(ops).encode()


# --- decoding ----------------------------------------------------------------------------------
def decode_image(image: np.ndarray) -> list[str]:
    """Texts of every QR and PDF417 symbol zxing-cpp finds in ``image`` (H x W [x C] uint8)."""
    formats = zxingcpp.barcode_formats_from_str("QRCode,PDF417")
    found = zxingcpp.read_barcodes(image, formats=formats, try_rotate=True, try_downscale=True)
    return [b.text for b in found if b.valid]


def image_from_samples(
    samples: bytes, width: int, height: int, stride: int, channels: int
) -> np.ndarray:
    """A numpy view of rendered page samples (as :class:`desk_app.pdf.render.RenderedPage`)."""
    flat = np.frombuffer(samples, dtype=np.uint8).reshape(height, stride)
    pixels = flat[:, : width * channels].reshape(height, width, channels)
    return pixels[:, :, 0] if channels == 1 else pixels[:, :, :3]


def split_marks(
    texts: Sequence[str], field_names_for: Any
) -> tuple[list[PageMark], list[DataMark]]:
    """Sort decoded texts into page marks and data marks (unknown symbols dropped)."""
    pages: list[PageMark] = []
    data: list[DataMark] = []
    for t in texts:
        mark = parse_page_mark(t)
        if mark:
            pages.append(mark)
            continue
        dmark = parse_data(t, field_names_for)
        if dmark:
            data.append(dmark)
    return pages, data
