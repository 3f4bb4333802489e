"""What the pipeline does to one received document: sniff, normalise to PDF, split, read.

Images (multi-page TIFF G3/G4 from a fax server, PNG, JPEG from a scanner) become a PDF with one
page per image frame, at the resolution the file states, so a 200 x 100 dpi fax keeps its shape.
A multi-form fax is split where a page QR starts another form (page 1 of a form, or a different
form or token). Each part is then read by :func:`desk_app.pdf.read.read_form` (page QR, then the
AcroForm field set, then the printed number; values from fields or the data barcode).

Untrusted bytes are parsed in the PDF sandbox's child process (:mod:`desk_app.pdf.sandbox`:
memory and time limits, a crash only kills the child): images are converted there, PDFs are
inspected there first, pages are rendered there for the split, and each form is read there. The
parent opens a document itself only after the child has parsed it safely (the extra checks for
inline actions and image bombs, and cutting a fax into its forms). ``set_sandboxed(False)`` reads
in this process instead (benchmarks compare the two).

Every refusal is a :class:`~desk_app.pdf.errors.PdfRejected` with a sentence for the operator;
the pipeline quarantines the document with that sentence. PyMuPDF work in this process runs on
its owner thread (:func:`desk_app.pdf.mupdf.on_owner`).
"""

from __future__ import annotations

import io
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pymupdf

from desk_app.intake import frames
from desk_app.pdf import barcodes, safety, sandbox
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.images import convert_image_to_pdf
from desk_app.pdf.mupdf import on_owner, pages
from desk_app.pdf.read import FormReading, field_names_for, read_form
from desk_app.pdf.safety import MAX_BYTES, MAX_PAGES, open_checked

log = logging.getLogger(__name__)

MAX_PAGE_PIXELS = 40_000_000  # a 600 dpi letter page is 34 MP; beyond that it is a bomb
MAX_TOTAL_PIXELS = 400_000_000
IMAGE_KINDS = {"tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}
SPLIT_ZOOM = 2.0
_sandboxed = [True]
_converter = ThreadPoolExecutor(1, thread_name_prefix="intake-convert")


def set_sandboxed(on: bool) -> None:
    """Parse untrusted documents in the sandbox child (default) or in this process."""
    _sandboxed[0] = on


@dataclass(frozen=True)
class Normalised:
    """A received document as a PDF, and whether it carries AcroForm fields."""

    pdf: bytes
    has_fields: bool
    scans: tuple[frames.FrameScan, ...] = ()  # barcodes of each image frame (images only)
    page_count: int = 0  # known for PDFs (0: not yet counted)


def sniff(data: bytes) -> str:
    """The kind of document by its first bytes: pdf, tiff, png, jpeg, or "" (not a form)."""
    head = data[:1024]
    if b"%PDF" in head:
        return "pdf"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    return ""


def media_type(kind: str) -> str:
    return "application/pdf" if kind == "pdf" else IMAGE_KINDS.get(kind, "application/octet-stream")


def _check_image_frames(data: bytes) -> int:
    """Count frames and refuse images whose declared size would blow up when decoded."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we apply our own, lower, per-page limit below
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Pillow warns about damaged tags: log them, decide below
        frames = _frames_within_limits(data)
    for warning in caught:
        log.info("image header: %s", warning.message)
    return frames


def _frames_within_limits(data: bytes) -> int:
    from PIL import Image, UnidentifiedImageError

    total = 0
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_PAGES:
                raise PdfRejected(
                    f"the image has {frames} pages, over the {MAX_PAGES}-page limit",
                    "too_many_pages",
                )
            for index in range(frames):
                image.seek(index)
                pixels = image.size[0] * image.size[1]
                total += pixels
                if pixels > MAX_PAGE_PIXELS or total > MAX_TOTAL_PIXELS:
                    raise PdfRejected(
                        f"page {index + 1} of the image is {image.size[0]} x {image.size[1]} pixels: "
                        "too large to decode safely (decompression bomb)",
                        "too_big",
                    )
            return frames
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as exc:
        raise PdfRejected(f"the image cannot be read ({type(exc).__name__})", "malformed") from exc


def normalise(data: bytes, kind: str) -> Normalised:
    """The document as a PDF: images converted page by page; a PDF inspected and kept as it is.

    Raises:
        PdfRejected: unreadable, oversized, a decompression bomb, active content, or not a
            document at all.
    """
    if len(data) > MAX_BYTES:
        raise PdfRejected(
            f"the file is {len(data) / 2**20:.1f} MB, over the {MAX_BYTES / 2**20:.0f} MB limit",
            "too_big",
        )
    if kind in IMAGE_KINDS:
        _check_image_frames(data)  # header only: names a bomb before anything decodes it
        # the child converts while this process reads the barcodes from the frames
        converting = _converter.submit(
            sandbox.image_to_pdf if _sandboxed[0] else convert_image_to_pdf, data
        )
        try:
            scans = tuple(frames.scan_frames(data))
        except (OSError, ValueError, EOFError) as exc:
            converting.result()  # the child's refusal, if it has one, names the damage best
            raise PdfRejected(
                f"the image cannot be read ({type(exc).__name__})", "malformed"
            ) from exc
        return Normalised(converting.result(), False, scans)
    if kind != "pdf":
        raise PdfRejected("the file is not a PDF or an image", "unsupported")
    if _sandboxed[0]:
        report = sandbox.inspect_pdf(data)
        if report.refusal is not None:
            raise report.refusal
    has_fields, pages = on_owner(_check_pdf, data)
    return Normalised(data, has_fields, page_count=pages)


def _check_pdf(data: bytes) -> tuple[bool, int]:
    """Refuse inline actions and image bombs; return whether the PDF has AcroForm fields, and
    its page count."""
    doc = open_checked(data)
    try:
        safety.check(doc)  # JavaScript (inline actions too), launch actions, embedded files
        total = 0
        for page in pages(doc):
            for info in page.get_images(full=True):
                width, height = int(info[2]), int(info[3])
                total += width * height
                if width * height > MAX_PAGE_PIXELS or total > MAX_TOTAL_PIXELS:
                    raise PdfRejected(
                        f"page {page.number + 1} holds a {width} x {height} image: too large to "
                        "decode safely (decompression bomb)",
                        "too_big",
                    )
        return bool(doc.is_form_pdf), int(doc.page_count)
    finally:
        doc.close()


@dataclass(frozen=True)
class Part:
    """A run of pages of one received document that belongs to one form."""

    first_page: int  # 0-based
    page_count: int


def _marks(rendered: object) -> list[barcodes.PageMark]:
    """Page QRs on a rendered page: its top-right corner first, then the whole page."""
    r = rendered
    image = barcodes.image_from_samples(r.samples, r.width, r.height, r.stride, 3)  # type: ignore[attr-defined]
    h, w = image.shape[:2]
    for region in (image[: int(h * 0.2), int(w * 0.7) :], image):
        marks, _data = barcodes.split_marks(barcodes.decode_image(region), field_names_for)
        if marks:
            return marks
    return []


def _render_all(pdf: bytes) -> list[object]:
    from desk_app.pdf.render import RenderedPage

    doc = open_checked(pdf)
    try:
        out: list[object] = []
        for page in pages(doc):
            pix = page.get_pixmap(matrix=pymupdf.Matrix(SPLIT_ZOOM, SPLIT_ZOOM))
            out.append(
                RenderedPage(
                    pix.width,
                    pix.height,
                    pix.stride,
                    pix.samples,
                    "RGB888",
                    page.number,
                    SPLIT_ZOOM,
                )
            )
        return out
    finally:
        doc.close()


def split(doc: Normalised) -> list[Part]:
    """Where the forms of a (faxed) document begin and end, by their page QRs.

    A PDF with AcroForm fields is one form (a filled form is never a stack of faxes).
    """
    if doc.has_fields:
        return [Part(0, doc.page_count or on_owner(_page_count, doc.pdf))]
    if doc.scans:
        page_marks = [list(scan.marks) for scan in doc.scans]
    else:
        pages = (
            sandbox.render_pages(doc.pdf, SPLIT_ZOOM)
            if _sandboxed[0]
            else on_owner(_render_all, doc.pdf)
        )
        page_marks = [_marks(p) for p in pages] if len(pages) > 1 else [[] for _p in pages]
    return _parts(page_marks)


def _parts(page_marks: list[list[barcodes.PageMark]]) -> list[Part]:
    if len(page_marks) <= 1:
        return [Part(0, len(page_marks))]
    starts = [0]
    current: barcodes.PageMark | None = None
    for number, marks in enumerate(page_marks):
        mark = marks[0] if marks else None
        if (
            mark
            and number > 0
            and (
                mark.page == 1
                or (
                    current is not None
                    and (mark.number, mark.token) != (current.number, current.token)
                )
            )
        ):
            starts.append(number)
        current = mark or current
    ends = starts[1:] + [len(page_marks)]
    return [Part(a, b - a) for a, b in zip(starts, ends, strict=True)]


def _page_count(pdf: bytes) -> int:
    doc = open_checked(pdf)
    try:
        return int(doc.page_count)
    finally:
        doc.close()


def _pages(pdf: bytes, first: int, count: int) -> bytes:
    src = open_checked(pdf)
    out = pymupdf.open()
    try:
        out.insert_pdf(src, from_page=first, to_page=first + count - 1)
        return bytes(out.tobytes(garbage=1, deflate=True))
    finally:
        out.close()
        src.close()


def part_pdf(pdf: bytes, part: Part, total_pages: int) -> bytes:
    """The PDF of one part (the whole document when the part is all of it)."""
    if part.first_page == 0 and part.page_count == total_pages:
        return pdf
    return on_owner(_pages, pdf, part.first_page, part.page_count)


def read(doc: Normalised, part: Part, part_bytes: bytes) -> FormReading:
    """Identify and read one form: from its image frames' barcodes, else its PDF
    (see :func:`desk_app.pdf.read.read_form`)."""
    if doc.scans:
        return frames.reading(list(doc.scans[part.first_page : part.first_page + part.page_count]))
    result: FormReading = sandbox.read_form(part_bytes) if _sandboxed[0] else read_form(part_bytes)
    return result
