"""What the pipeline does to one received document: sniff, normalise to PDF, split, read.

Images (multi-page TIFF G3/G4 from a fax server, PNG, JPEG from a scanner) become a PDF with one
page per image frame, at the resolution the file states, so a 204 x 98 dpi fax keeps its shape,
and the page QR and data barcode of each frame are read straight from its pixels. A multi-form
fax is split where a page QR starts another form (page 1 of a form, or a different form or
token). Each part is then read (page QR, then the AcroForm field set, then the printed number;
values from fields or the data barcode).

Nothing here parses the bytes: every step that opens them is a job in a sandbox child
(:mod:`desk_app.sandbox.api`: limits on time, CPU, memory, pages and reply size; a crash or a
breach only kills the child). This module only sniffs the first bytes and decides. Every
refusal is a :class:`~desk_app.pdf.errors.PdfRejected` with a sentence for the operator; the
pipeline quarantines the document with that sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.intake import frames
from desk_app.pdf import barcodes
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.read import FormReading
from desk_app.received import Received, received
from desk_app.sandbox import api as sandbox
from desk_app.sandbox.confine import DEFAULT_LIMITS

MAX_BYTES = DEFAULT_LIMITS.max_bytes
IMAGE_KINDS = {"tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}


@dataclass(frozen=True)
class Normalised:
    """A received document as a PDF, and whether it carries AcroForm fields.

    ``pdf`` is still :class:`Received`: a PDF the child made from an image is no more trusted
    than the image (the child that made it may have been subverted by it).
    """

    pdf: Received
    has_fields: bool
    scans: tuple[frames.FrameScan, ...] = ()  # barcodes of each image frame (images only)
    page_count: int = 0  # known for PDFs (0: not yet counted)
    reading: FormReading | None = None  # a fillable PDF is read while it is checked


def sniff(data: Received) -> str:
    """The kind of document by its first bytes: pdf, tiff, png, jpeg, or "" (not a form)."""
    head = data.head()
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


def normalise(data: Received, kind: str) -> Normalised:
    """The document as a PDF: images converted page by page (their barcodes read on the way);
    a PDF checked and kept as it is.

    Raises:
        PdfRejected: unreadable, oversized, a decompression bomb, active content, or not a
            document at all.
    """
    item = received(data)
    if len(item) > MAX_BYTES:
        raise PdfRejected(
            f"the file is {len(item) / 2**20:.1f} MB, over the {MAX_BYTES / 2**20:.0f} MB limit",
            "too_big",
        )
    if kind in IMAGE_KINDS:
        image = sandbox.image_document(item)
        return Normalised(
            received(image.pdf, f"{item.origin} as PDF"), False, image.scans, len(image.scans)
        )
    if kind != "pdf":
        raise PdfRejected("the file is not a PDF or an image", "unsupported")
    checked = sandbox.check_pdf(item, read=True)
    return Normalised(item, checked.has_fields, (), checked.page_count, checked.reading)


@dataclass(frozen=True)
class Part:
    """A run of pages of one received document that belongs to one form."""

    first_page: int  # 0-based
    page_count: int


def split(doc: Normalised) -> list[Part]:
    """Where the forms of a (faxed) document begin and end, by their page QRs.

    A PDF with AcroForm fields is one form (a filled form is never a stack of faxes).
    """
    if doc.has_fields or doc.page_count == 1:
        return [Part(0, doc.page_count)]
    if doc.scans:
        page_marks = [list(scan.marks) for scan in doc.scans]
    else:
        page_marks = [list(m) for m in sandbox.page_marks(doc.pdf)]
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


def part_pdf(pdf: Received, part: Part, total_pages: int) -> Received:
    """The PDF of one part (the whole document when the part is all of it)."""
    if part.first_page == 0 and part.page_count == total_pages:
        return pdf
    pages = f"{pdf.origin} pages {part.first_page + 1}-{part.first_page + part.page_count}"
    return received(sandbox.part_pdf(pdf, part.first_page, part.page_count), pages)


def read(doc: Normalised, part: Part, part_bytes: Received) -> FormReading:
    """Identify and read one form: from its image frames' barcodes, else its PDF
    (see :func:`desk_app.pdf.read.read_form`)."""
    if doc.scans:
        return frames.reading(list(doc.scans[part.first_page : part.first_page + part.page_count]))
    if doc.reading is not None and part_bytes is doc.pdf:
        return doc.reading
    return sandbox.read_form(part_bytes)
