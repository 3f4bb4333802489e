"""The access-review attestation: one entity's users and their access, one line per grant with
Keep / Remove boxes, signed by the superintendent, authorized representative or agency contact.

Every page carries the page QR of form DA-201 with the item's token, so the copy that comes back
by fax is identified by the normal intake and matched to its campaign. Where each Remove box is
printed is returned with the PDF; :func:`read_remove_marks` measures the ink inside those boxes on
the returned pages (a fax is 200 x 100 dpi, 1-bit: a pen cross fills a quarter of a box, an empty
box almost nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import zxingcpp
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfbase.pdfmetrics import stringWidth

from desk_app.pdf import barcodes
from desk_app.pdf.forms_data import EDITION, REVIEW_NUMBER
from desk_app.pdf.pagewriter import Page, document
from desk_app.pdf.render import render_page

PAGE_W, PAGE_H = LETTER
MARGIN = 42.0
QR_SIZE = 62.0
ROW_H = 16.0
BOX = 10.0
ROWS_PER_PAGE = 30
ROWS_WITH_SIGNATURE = 22
INK = (0.11, 0.16, 0.27)
MUTED = (0.38, 0.42, 0.5)
RULE = (0.8, 0.82, 0.86)
COLUMNS = (("No.", 26), ("User", 120), ("Username", 92), ("Access", 140), ("Scope", 64))
KEEP_X = MARGIN + sum(w for _t, w in COLUMNS) + 8
REMOVE_X = KEEP_X + 42
# ink share inside a Remove box (its border trimmed) above which the box counts as marked
MARK_THRESHOLD = 0.08
READ_ZOOM = 150 / 72
SEARCH_PT = 10.0  # how far from where it was printed a box is looked for
MAX_SKEW = 0.045  # the steepest skew tried (tan 2.6 degrees), either way
SKEW_STEP = 0.003  # about 0.17 degrees: the top and bottom box stay within the fine search


@dataclass(frozen=True)
class AttestationLine:
    user: str
    username: str
    access: str  # application and role, e.g. "MOSIS - Data entry (2)"
    scope: str  # entity code, or the building code


@dataclass(frozen=True)
class Attestation:
    entity_name: str
    entity_code: str
    campaign: str
    due_on: date
    reviewer_name: str
    reviewer_title: str
    token: str
    lines: tuple[AttestationLine, ...]


@dataclass(frozen=True)
class RemoveBox:
    """Where line ``line`` (1-based) has its Remove box: page (0-based), points from top-left."""

    line: int
    page: int
    box: tuple[float, float, float, float]


def _pagination(count: int) -> list[range]:
    """Line ranges per page; the last page keeps room for the signature block."""
    pages: list[range] = []
    start = 0
    while count - start > ROWS_WITH_SIGNATURE:
        take = min(ROWS_PER_PAGE, count - start)
        if count - start - take == 0:
            take = count - start - 1  # leave a line for the page that carries the signature
        pages.append(range(start, start + take))
        start += take
    pages.append(range(start, count))
    return pages


def attestation_pdf(doc: Attestation) -> tuple[bytes, tuple[RemoveBox, ...]]:
    """The attestation PDF and where its Remove boxes are (written by :mod:`.pagewriter`: a
    campaign writes some 1,500 of these at once)."""
    pages = _pagination(len(doc.lines))
    boxes: list[RemoveBox] = []
    out: list[Page] = []
    for number, lines in enumerate(pages):
        page = Page()
        y = _header(page, doc, number + 1, len(pages))
        for i in lines:
            y -= ROW_H
            boxes.append(_row(page, doc.lines[i], i + 1, number, y))
        if number == len(pages) - 1:
            _signature(page, doc, y - 26)
            page.signatures = _signature_fields(y - 26)
        page.text(
            MARGIN, 20, f"{REVIEW_NUMBER} ({EDITION}) · {doc.campaign} · {doc.token}", 7, MUTED
        )
        page.right_text(PAGE_W - MARGIN, 20, f"page {number + 1} of {len(pages)}", 7, MUTED)
        out.append(page)
    title = f"{REVIEW_NUMBER} Access Review Attestation - {doc.entity_code}"
    return document(out, (PAGE_W, PAGE_H), title), tuple(boxes)


def _page_qr(text: str) -> np.ndarray:
    """The page QR (error correction M) as a module matrix, made by zxing-cpp's encoder: every
    item's token is new, so the cached symbols of :func:`barcodes.qr_matrix` never repeat here,
    and the pure-Python encoder was a fifth of a campaign's time."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False))
    return image < 128


def _header(page: Page, doc: Attestation, number: int, count: int) -> float:
    top = PAGE_H - MARGIN
    page.text(MARGIN, top - 15, "Access Review Attestation", 15, INK, bold=True)
    page.text(
        MARGIN,
        top - 29,
        f"Form {REVIEW_NUMBER} · Edition {EDITION} · Page {number} of {count}",
        8.5,
        MUTED,
    )
    mark = barcodes.PageMark(REVIEW_NUMBER, EDITION, number, count, doc.token)
    matrix = _page_qr(barcodes.encode_page_mark(mark))
    module = QR_SIZE / matrix.shape[0]
    page.raw(_qr_operators(matrix, PAGE_W - MARGIN - QR_SIZE, top - QR_SIZE, module))
    page.text(MARGIN, top - 46, f"{doc.entity_name}  ({doc.entity_code})", 10, INK, bold=True)
    page.text(MARGIN, top - 58, f"{doc.campaign} · return by {doc.due_on:%m/%d/%Y}", 8.5, INK)
    page.text(
        MARGIN,
        top - 69,
        "Mark Remove for access no longer needed; unmarked lines are kept.",
        8.5,
        INK,
    )
    y = top - QR_SIZE - 22
    x = MARGIN
    for title, width in COLUMNS:
        page.text(x, y, title, 8, INK, bold=True)
        x += width
    page.text(KEEP_X - 4, y, "Keep", 8, INK, bold=True)
    page.text(REMOVE_X - 8, y, "Remove", 8, INK, bold=True)
    page.line(MARGIN, y - 4, PAGE_W - MARGIN, y - 4, INK, 1)
    return float(y - 4)


def _row(page: Page, line: AttestationLine, number: int, index: int, y: float) -> RemoveBox:
    x = MARGIN
    for value, (_t, width) in zip(
        (str(number), line.user, line.username, line.access, line.scope), COLUMNS, strict=True
    ):
        page.text(x, y + 5, _fit(value, width - 4), 8, INK)
        x += width
    for left in (KEEP_X, REMOVE_X):
        page.box(left, y + 3, BOX, BOX, INK, 0.8)
    page.line(MARGIN, y, PAGE_W - MARGIN, y, RULE, 0.8)
    top = PAGE_H - (y + 3 + BOX)
    return RemoveBox(number, index, (REMOVE_X, top, REMOVE_X + BOX, top + BOX))


@lru_cache(maxsize=65536)
def _fit(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to ``width`` points of 8-point Helvetica (measured once,
    then cut by the characters' own widths rather than measuring again per character)."""
    if stringWidth(text, "Helvetica", 8) <= width:
        return text
    room = width - stringWidth("…", "Helvetica", 8)
    used = 0.0
    for end, char in enumerate(text):
        used += _char_width(char)
        if used > room:
            return text[:end] + "…" if end else ""
    return text


@lru_cache(maxsize=1024)
def _char_width(char: str) -> float:
    return float(stringWidth(char, "Helvetica", 8))


def _qr_operators(matrix: np.ndarray, x: float, y: float, module: float) -> bytes:
    """The page QR as filled rectangles, one per horizontal run of dark modules (found for
    the whole symbol at once, rather than row by row)."""
    rows, cols = matrix.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = matrix
    edges = np.diff(padded, axis=1)
    starts_r, starts_c = np.nonzero(edges == 1)
    _ends_r, ends_c = np.nonzero(edges == -1)
    top = y + rows * module
    parts = [
        f"{x + c * module:.2f} {top - (r + 1) * module:.2f} {(e - c) * module:.2f} {module:.2f} re"
        for r, c, e in zip(starts_r.tolist(), starts_c.tolist(), ends_c.tolist(), strict=True)
    ]
    return ("q 0 g\n" + "\n".join(parts) + "\nf Q").encode()


SIGNATURE_FIELDS = ("signature", "contact_signature")  # the officer's or the agency contact's


def _signature_fields(y: float) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The signature box above the Signature line of a block drawn at ``y``: one box, named for
    either signer slot of DA-201 (the reviewer is an officer or the agency contact)."""
    line = y - 40 - 34
    box = (MARGIN, line + 1, MARGIN + 300, line + 30)
    return [(name, box) for name in SIGNATURE_FIELDS]


@lru_cache(maxsize=64)
def signature_layout(line_count: int) -> bytes:
    """The reference layout of an attestation of ``line_count`` lines for the signature check:
    its pages, the Signature line and label where the attestation prints them, and the signature
    fields. The names and access lines differ per entity and are left out; the check compares
    only the print around the box."""
    pages = _pagination(line_count)
    out = [Page() for _ in pages]
    y = PAGE_H - MARGIN - QR_SIZE - 22 - 4 - ROW_H * len(pages[-1]) - 26
    last = out[-1]
    line = y - 40 - 34
    last.line(MARGIN, line, MARGIN + 300, line, INK, 0.8)
    last.text(MARGIN, line - 9, "Signature", 7, INK)
    last.signatures = _signature_fields(y)
    return document(out, (PAGE_W, PAGE_H), f"{REVIEW_NUMBER} signature layout")


def _signature(page: Page, doc: Attestation, y: float) -> None:
    page.text(
        MARGIN,
        y,
        "I certify that the access not marked for removal is still needed for the work",
        8.2,
        INK,
    )
    page.text(MARGIN, y - 11, f"of the people named, for {doc.entity_name}.", 8.2, INK)
    y -= 40
    for x, label, value in (
        (MARGIN, "Name of signer", doc.reviewer_name),
        (MARGIN + 180, "Title", doc.reviewer_title),
        (MARGIN + 360, "Date signed (MM/DD/YYYY)", ""),
    ):
        page.text(x, y + 3, value, 9, INK)
        page.line(x, y, x + 165, y, INK, 0.8)
        page.text(x, y - 9, label, 7, INK)
    page.line(MARGIN, y - 34, MARGIN + 300, y - 34, INK, 0.8)
    page.text(MARGIN, y - 43, "Signature", 7, INK)


def read_remove_marks(pdf: bytes, boxes: Sequence[RemoveBox]) -> frozenset[int]:
    """The lines whose Remove box carries ink on the returned pages of ``pdf``.

    The pages are read at 150 dpi whatever their source. A fax comes back shifted and slightly
    skewed: each printed square is looked for within a few points of where it was printed, the
    shifts of a page's boxes are fitted to one straight line down the page (so a marked box,
    whose cross confuses the search, is placed by its neighbours), and the ink inside each box,
    its border trimmed, is measured.
    """
    marked: set[int] = set()
    for page in sorted({b.page for b in boxes}):
        dark = _gray(pdf, page) < 128
        mine = [b for b in boxes if b.page == page]
        located = _located(dark, mine)
        for box, (left, top, w, h) in zip(mine, located, strict=True):
            trim_x, trim_y = max(1, w // 4), max(1, h // 4)
            inside = dark[
                top + trim_y : top + h - trim_y + 1, left + trim_x : left + w - trim_x + 1
            ]
            if inside.size and float(inside.mean()) > MARK_THRESHOLD:
                marked.add(box.line)
    return frozenset(marked)


def _located(dark: np.ndarray, boxes: list[RemoveBox]) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles of ``boxes`` on the page image (see :func:`read_remove_marks`).

    A page fed askew by 1.5 degrees moves the bottom box of the column some 10 points sideways
    against the top one, as far as the search reaches: so each candidate skew (a sideways shift
    growing down the page) is tried, and the one under which the whole column matches best
    wins; the boxes are then looked for around where that skew puts them.
    """
    height, width = dark.shape
    sx, sy = width / PAGE_W, height / PAGE_H
    along_x = np.pad(np.cumsum(dark, axis=1, dtype=np.int32), ((0, 0), (1, 0)))
    along_y = np.pad(np.cumsum(dark, axis=0, dtype=np.int32), ((1, 0), (0, 0)))
    rx, ry = int(SEARCH_PT * sx), int(SEARCH_PT * sy)
    dy, dx = np.mgrid[-ry : ry + 1, -rx : rx + 1]
    placed = [
        (
            int(b.box[0] * sx),
            int(b.box[1] * sy),
            max(2, int((b.box[2] - b.box[0]) * sx)),
            max(2, int((b.box[3] - b.box[1]) * sy)),
        )
        for b in boxes
    ]
    middle = height / 2

    def grids(slope: float) -> list[tuple[np.ndarray, int, int, int, int]]:
        out = []
        for x0, y0, w, h in placed:
            x0 += round(slope * (y0 - middle) * sx / sy)
            left = np.clip(x0 + dx, 0, width - w - 1)
            top = np.clip(y0 + dy, 0, height - h - 1)
            score = (
                along_x[top, left + w]
                - along_x[top, left]
                + along_x[top + h, left + w]
                - along_x[top + h, left]
                + along_y[top + h, left]
                - along_y[top, left]
                + along_y[top + h, left + w]
                - along_y[top, left + w]
            )
            out.append((score, x0, y0, w, h))
        return out

    spread = abs(max(p[1] for p in placed) - min(p[1] for p in placed))
    slopes = [0.0]
    if spread > 6 * ry:  # a column long enough for skew to matter
        slopes = sorted(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP), key=abs)
    best: tuple[int, list[tuple[np.ndarray, int, int, int, int]]] | None = None
    for slope in slopes:
        candidate = grids(float(slope))
        peak = int(np.sum([g[0] for g in candidate], axis=0).max())
        if best is None or peak > best[0]:
            best = (peak, candidate)
    assert best is not None
    chosen = best[1]
    # the rows repeat, so a shift by one row matches almost as well as the true one: of the
    # shifts that match the whole column nearly best, the smallest is the page's
    total = np.sum([g[0] for g in chosen], axis=0)
    near_best = np.argwhere(total >= 0.9 * total.max())
    gy, gx = min(near_best, key=lambda a: (abs(int(dy[tuple(a)])), abs(int(dx[tuple(a)]))))
    found = []
    for score, x0, y0, w, h in chosen:
        window = np.full(score.shape, -1, dtype=score.dtype)
        ys, xs = slice(max(0, gy - 4), gy + 5), slice(max(0, gx - 4), gx + 5)
        window[ys, xs] = score[ys, xs]
        at = np.unravel_index(int(np.argmax(window)), score.shape)
        found.append((int(dx[at]), int(dy[at]), x0, y0, w, h))
    return _fitted(found)


def _fitted(found: list[tuple[int, int, int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The found shifts replaced by a straight-line fit down the page, outliers dropped."""
    if len(found) < 3:
        return [(x0 + ddx, y0 + ddy, w, h) for ddx, ddy, x0, y0, w, h in found]
    ys = np.array([f[3] for f in found], dtype=float)
    out = []
    fits = []
    for column in (0, 1):
        shifts = np.array([f[column] for f in found], dtype=float)
        keep = np.ones(len(found), dtype=bool)
        for _round in range(3):
            slope, offset = np.polyfit(ys[keep], shifts[keep], 1)
            residual = np.abs(shifts - (slope * ys + offset))
            keep = residual <= max(2.0, float(np.median(residual[keep])) * 3)
            if keep.sum() < 3:
                break
        fits.append((slope, offset))
    for (_dx, _dy, x0, y0, w, h), y in zip(found, ys, strict=True):
        (ax, bx), (ay, by) = fits
        out.append((x0 + round(ax * y + bx), y0 + round(ay * y + by), w, h))
    return out


def _gray(pdf: bytes, page: int) -> np.ndarray:
    rendered = render_page(pdf, page, READ_ZOOM)
    rgb = np.frombuffer(rendered.samples, dtype=np.uint8).reshape(rendered.height, rendered.stride)[
        :, : rendered.width * 3
    ]
    return np.asarray(rgb.reshape(rendered.height, rendered.width, 3).min(axis=2))
