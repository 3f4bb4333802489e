"""Child side: the jobs a sandbox child runs, one function per job, on hostile bytes.

Only the child imports this module (and, through it, the parsers: MuPDF, Pillow, zxing-cpp,
pyHanko, ``email``, extract-msg). Each job takes plain parameters and returns a value of the
type :data:`desk_app.sandbox.schema.RESULTS` names for it. Whole functions of the PDF package
are called as they are (``read_digital_signatures``, ``find_ink``, ``read_document``), so their
internals stay where they are written.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pymupdf

from desk_app.pdf import barcodes
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.mupdf import pages
from desk_app.pdf.read import field_names_for, read_document
from desk_app.pdf.render import DocumentInfo, RenderedPage
from desk_app.pdf.safety import check, inspect, open_checked
from desk_app.sandbox.inflate import decoded_size
from desk_app.sandbox.results import CheckedPdf, ImageDocument, MailLimits

MAX_PAGE_PIXELS = 40_000_000
MAX_TOTAL_PIXELS = 400_000_000
MAX_STREAM_BYTES = 64 * 1024 * 1024  # one decoded stream; a filled form's are a few kB
MAX_DECODED_BYTES = 256 * 1024 * 1024
DEFLATE_MAX_RATIO = 1032  # RFC 1951: at best a 258-byte match per 2 bits, so 1032 out per byte in
ASCII85_MAX_RATIO = 4  # one "z" stands for four zero bytes (and zeros can be such matches)
SPLIT_ZOOM = 2.0
SPECIMEN_ZOOM = 200 / 72  # a signature card read at 200 dpi
MAX_PICTURES = 64  # stored PNGs decoded in one job (a report shows a few crops and specimens)
_REFERENCE = re.compile(r"(\d+)\s+\d+\s+R")


class Context:
    """The limits of the job being run (set by the child's loop)."""

    max_bytes = 25 * 1024 * 1024
    max_pages = 60


_docs: OrderedDict[bytes, pymupdf.Document] = OrderedDict()


def _checked(data: bytes) -> pymupdf.Document:
    """The opened and checked document for ``data`` (a few kept open for the viewer)."""
    key = hashlib.sha256(data).digest()
    doc = _docs.get(key)
    if doc is not None:
        _docs.move_to_end(key)
        if doc.page_count > Context.max_pages:
            raise PdfRejected(
                f"the PDF has {doc.page_count} pages, over the limit", "too_many_pages"
            )
        return doc
    doc = open_checked(data, Context.max_bytes, Context.max_pages)
    flate: list[tuple[int, bool]] = []
    try:
        check(doc, flate)
        _refuse_bombs(doc, flate, len(data))
    except PdfRejected:
        doc.close()
        raise
    _docs[key] = doc
    while len(_docs) > 4:
        _docs.popitem(last=False)[1].close()
    return doc


def _may_inflate_past_limits(flate: list[tuple[int, bool]], file_size: int) -> bool:
    """Whether any stream could decode past the limits, judged without decoding one.

    A stream's raw bytes lie in the file, so all of them together are at most ``file_size``;
    one Flate (or RunLength) expands by at most :data:`DEFLATE_MAX_RATIO`, and an ASCII85 in
    front of it by :data:`ASCII85_MAX_RATIO` more: a small file (up to 16 kB) with no chained
    filters cannot hold a bomb, and a form of that size skips the decoding. A chain (or LZW,
    or a filter named by reference) is always decoded.
    """
    if any(chained for _xref, chained in flate):
        return True
    bound = file_size * DEFLATE_MAX_RATIO * ASCII85_MAX_RATIO
    return bool(flate) and (bound > MAX_STREAM_BYTES or bound > MAX_DECODED_BYTES)


def _refuse_bombs(doc: pymupdf.Document, flate: list[tuple[int, bool]], file_size: int) -> None:
    """Refuse streams that decode past sane sizes and images too large to decode.

    ``flate`` lists the objects whose dictionary names a filter that can expand (from the
    active-content look, :func:`desk_app.pdf.safety.inspect`); only those are decoded, through
    their whole filter chain, and only when :func:`_may_inflate_past_limits`.
    """
    total = 0
    for xref, _chained in flate if _may_inflate_past_limits(flate, file_size) else ():
        try:
            raw = doc.xref_stream_raw(xref) if doc.xref_is_stream(xref) else None
        except (RuntimeError, ValueError):
            continue
        if raw:
            cap = min(MAX_STREAM_BYTES, MAX_DECODED_BYTES - total)
            size = _inflated_size(doc, xref, raw, cap)
            total += size
            if size > cap:
                past = (  # this stream alone, or the document's budget ran out first
                    f"more than {MAX_STREAM_BYTES // 2**20} MB"
                    if cap == MAX_STREAM_BYTES
                    else f"the streams past {MAX_DECODED_BYTES // 2**20} MB in all"
                )
                raise PdfRejected(
                    f"object {xref} decodes to {past} from {len(raw)} bytes (decompression bomb)",
                    "bomb",
                )
    pixels = 0
    for page in pages(doc):
        for info in page.get_images(full=True):
            width, height = int(info[2]), int(info[3])
            pixels += width * height
            if width * height > MAX_PAGE_PIXELS or pixels > MAX_TOTAL_PIXELS:
                raise PdfRejected(
                    f"page {page.number + 1} holds a {width} x {height} image: too large to "
                    "decode safely (decompression bomb)",
                    "bomb",
                )


def _inflated_size(doc: pymupdf.Document, xref: int, raw: bytes, cap: int) -> int:
    """How many bytes the largest layer of the stream's filter chain decodes ``raw`` to,
    counting no further than just past ``cap``.

    Our own streaming decoders (:mod:`desk_app.sandbox.inflate`) measure it; a chain naming
    Brotli, which only MuPDF decodes here, is measured by reading MuPDF's own decoded stream
    and dropping it as it comes (``fz_skip``), in as little memory.
    """
    filters = _key_text(doc, xref, "Filter")
    if re.search(r"/(?:BrotliDecode|Br)(?![A-Za-z0-9])", filters):
        pdf = pymupdf.mupdf.pdf_document_from_fz_document(doc.this)
        try:
            stream = pymupdf.mupdf.pdf_open_stream_number(pdf, xref)
            return int(pymupdf.mupdf.fz_skip(stream, cap + 1))
        except pymupdf.mupdf.FzErrorBase:
            return 0  # a damaged stream: MuPDF stops where it breaks
    early = (
        0 if re.search(r"/EarlyChange\s+0(?![0-9.])", _key_text(doc, xref, "DecodeParms")) else 1
    )
    return decoded_size(raw, re.findall(r"/([A-Za-z0-9]+)", filters), cap, early)


def _key_text(doc: pymupdf.Document, xref: int, key: str) -> str:
    """A key of a stream's dictionary as text, with the objects it refers to written in place:
    a filter chain may be named through a reference (``/Filter 12 0 R``), or its parts may."""
    kind, value = doc.xref_get_key(xref, key)
    for _level in range(3):
        if kind == "null" or len(value) > 4096:  # references that multiply: judged as they are
            break
        value = _REFERENCE.sub(lambda ref: _object_text(doc, int(ref.group(1))), value, 16)
    return str(value) if kind != "null" else ""


def _object_text(doc: pymupdf.Document, xref: int) -> str:
    """An object as text, cut short: 16 references a level, 4 kB each, keep it small."""
    try:
        return str(doc.xref_object(xref, compressed=True))[:4096]
    except (RuntimeError, ValueError):
        return "null"


def _rendered(doc: pymupdf.Document, number: int, zoom: float, rotate: int) -> RenderedPage:
    if not 0 <= number < doc.page_count:
        raise PdfRejected(f"the document has no page {number + 1}", "unsupported")
    matrix = pymupdf.Matrix(zoom, zoom).prerotate(rotate % 360)
    pix = doc.load_page(number).get_pixmap(matrix=matrix)
    return RenderedPage(
        pix.width, pix.height, pix.stride, pix.samples, "RGB888", number, zoom, rotate % 360
    )


# --- the jobs --------------------------------------------------------------------------------------
def inspect_job(data: bytes) -> Any:
    doc = open_checked(data, Context.max_bytes, Context.max_pages)
    try:
        return inspect(doc)
    finally:
        doc.close()


def check_pdf(data: bytes, read: bool = False) -> CheckedPdf:
    """Open and check a PDF; a fillable form is read in the same job when ``read`` (a filled
    form is always one form: no split follows)."""
    doc = _checked(data)
    fillable = bool(doc.is_form_pdf)
    reading = read_document(doc) if read and fillable else None
    return CheckedPdf(fillable, int(doc.page_count), reading)


def read(data: bytes) -> Any:
    return read_document(_checked(data))


def render(data: bytes, pages: list[int] | None, zoom: float, rotate: int = 0) -> list[Any]:
    doc = _checked(data)
    wanted = range(doc.page_count) if pages is None else pages
    return [_rendered(doc, n, zoom, rotate) for n in wanted]


def info(data: bytes) -> DocumentInfo:
    doc = _checked(data)
    sizes = tuple((p.rect.width, p.rect.height) for p in pages(doc))
    return DocumentInfo(doc.page_count, sizes, str((doc.metadata or {}).get("title", "") or ""))


def first_page(
    data: bytes, rotate: int, fit_width: float, dpr: float, max_zoom: float
) -> tuple[DocumentInfo, RenderedPage, float]:
    """The viewer's first paint in one job: page sizes, and page 1 rendered to fit the width."""
    about = info(data)
    w, h = about.page_sizes[0]
    scale = max(fit_width, 100.0) / (h if rotate % 180 else w)
    zoom = min(scale * dpr, max_zoom)
    return about, _rendered(_checked(data), 0, zoom, rotate), scale


def search(data: bytes, needle: str) -> list[Any]:
    doc = _checked(data)
    return [(p.number, (r.x0, r.y0, r.x1, r.y1)) for p in pages(doc) for r in p.search_for(needle)]


def text(data: bytes, page: int) -> str:
    doc = _checked(data)
    return str(doc.load_page(page).get_text()) if 0 <= page < doc.page_count else ""


def image_to_pdf(data: bytes) -> bytes:
    from desk_app.pdf.images import convert_image_to_pdf
    from desk_app.sandbox.faxframes import check_frames

    check_frames(data, Context.max_pages)
    return convert_image_to_pdf(data)


def image(data: bytes) -> ImageDocument:
    """A received image as PDF, with each frame's barcodes (the whole intake of a fax)."""
    from desk_app.pdf.images import convert_image_to_pdf
    from desk_app.sandbox.faxframes import check_frames, scan_frames

    check_frames(data, Context.max_pages)  # headers only: names a bomb before anything decodes
    try:
        pdf = convert_image_to_pdf(data)
        scans = tuple(scan_frames(data))
    except (OSError, ValueError, EOFError, TypeError) as exc:  # a cut or damaged frame
        raise PdfRejected(f"the image cannot be read ({type(exc).__name__})", "malformed") from exc
    return ImageDocument(pdf, scans)


def tiff_tags(data: bytes) -> list[str]:
    from desk_app.sandbox.faxframes import text_tags

    return text_tags(data)


def page_marks(data: bytes) -> list[tuple[Any, ...]]:
    """The page QRs of each page (top-right corner first, then the whole page)."""
    doc = _checked(data)
    out = []
    for number in range(doc.page_count):
        r = _rendered(doc, number, SPLIT_ZOOM, 0)
        grey = barcodes.image_from_samples(r.samples, r.width, r.height, r.stride, 3)
        h, w = grey.shape[:2]
        found: list[Any] = []
        for region in (grey[: int(h * 0.2), int(w * 0.7) :], grey):
            found, _data = barcodes.split_marks(barcodes.decode_image(region), field_names_for)
            if found:
                break
        out.append(tuple(found))
    return out


def qr_texts(data: bytes, dpis: list[float]) -> list[str]:
    """Every QR / PDF417 text on the pages of a PDF or an image (a scan or photo of a
    certificate), decoded here so the parent receives text, not pixels. Each page is drawn at
    the first resolution; the next is tried only when nothing was found."""
    pdf = data if data[:5] == b"%PDF-" else image_to_pdf(data)
    doc = _checked(pdf)
    for dpi in dpis:
        texts: list[str] = []
        for number in range(doc.page_count):
            matrix = pymupdf.Matrix(dpi / 72, dpi / 72)
            pix = doc.load_page(number).get_pixmap(matrix=matrix, colorspace=pymupdf.csGRAY)
            grey = barcodes.image_from_samples(pix.samples, pix.width, pix.height, pix.stride, 1)
            texts += barcodes.decode_image(grey)
        if texts:
            return texts
    return []


def remove_marks(data: bytes, boxes: list[list[Any]]) -> list[int]:
    """The lines of a returned attestation whose Remove box carries ink
    (:func:`desk_app.pdf.attestation.read_remove_marks`, on pages rendered here)."""
    from desk_app.pdf.attestation import RemoveBox, read_remove_marks

    _checked(data)  # the same checks and limits as any received PDF before it is drawn
    wanted = [RemoveBox(int(line), int(page), tuple(box)) for line, page, box in boxes]
    return sorted(read_remove_marks(data, wanted))


def part_pdf(data: bytes, first: int, count: int) -> bytes:
    src = _checked(data)
    out = pymupdf.open()
    try:
        out.insert_pdf(src, from_page=first, to_page=first + count - 1)
        return bytes(out.tobytes(garbage=1, deflate=True))
    finally:
        out.close()


def mail(data: bytes, mail_limits: MailLimits) -> Any:
    from desk_app.sandbox.mailparse import parse_mail

    return parse_mail(data, mail_limits)


def signatures(data: bytes) -> list[Any]:
    from desk_app.pdf.signatures import read_digital_signatures

    return list(read_digital_signatures(data))


def ink(data: bytes, layout: bytes, field_name: str) -> Any:
    from desk_app.pdf.signatures import find_ink

    return find_ink(data, layout, field_name)


def specimen(data: bytes) -> bytes:
    """A signature card (PDF, or a TIFF / PNG / JPEG scan) cut to its ink, as a grey PNG."""
    from desk_app.pdf.specimen import specimen_png

    if not data.startswith(b"%PDF"):
        data = image_to_pdf(data)
    r = _rendered(_checked(data), 0, SPECIMEN_ZOOM, 0)
    rgb = barcodes.image_from_samples(r.samples, r.width, r.height, r.stride, 3)
    return specimen_png(rgb.min(axis=2))


def pixels(images: list[bytes], height: int) -> list[RenderedPage]:
    """Stored PNGs (a signature crop, a specimen) decoded to grey pixels at most ``height`` high,
    for the review pane and the specimen list to show: the PNGs were made by a child from outside
    bytes, or synced from another workstation, so this process never decodes them itself.

    One image that is not a sane PNG answers as an empty page (``width`` 0), not as an error, so
    one bad specimen does not hide the others.
    """
    from desk_app.pdf.specimen import decode_grey

    out = []
    for png in images[:MAX_PICTURES]:
        try:
            width, rows, samples = decode_grey(png, max(1, min(height, 2000)))
        except PdfRejected:
            out.append(RenderedPage(0, 0, 0, b"", "Grayscale8"))
            continue
        out.append(RenderedPage(width, rows, width, samples, "Grayscale8"))
    return out


# --- misbehaviour on request, for the health check and the tests --------------------------------
def probe(seconds: float) -> str:
    time.sleep(seconds)
    return "awake"


def crash() -> str:
    os.abort()


def burn(seconds: float) -> str:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return "burnt"


def hog(megabytes: int) -> str:
    block = bytearray(megabytes * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    return f"held {len(block)}"


JOBS: dict[str, Callable[..., Any]] = {
    "inspect": inspect_job,
    "check_pdf": check_pdf,
    "read": read,
    "render": render,
    "info": info,
    "first_page": first_page,
    "search": search,
    "text": text,
    "image_to_pdf": image_to_pdf,
    "image": image,
    "page_marks": page_marks,
    "qr_texts": qr_texts,
    "remove_marks": remove_marks,
    "tiff_tags": tiff_tags,
    "part_pdf": part_pdf,
    "mail": mail,
    "signatures": signatures,
    "ink": ink,
    "specimen": specimen,
    "pixels": pixels,
    "probe": probe,
    "crash": crash,
    "burn": burn,
    "hog": hog,
}
