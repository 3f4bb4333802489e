"""The calls the app makes on received bytes, each answered by a sandbox child.

Every function takes :class:`~desk_app.received.Received` (a plain ``bytes`` is accepted and
wrapped, for documents the app itself made) and returns the same result type the in-process
function of :mod:`desk_app.pdf` would, or raises :class:`~desk_app.pdf.errors.PdfRejected`.
The document viewer and the keying station use the module itself as their render backend
(``document_info``, ``render_page``, ``search_text``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from desk_app.received import Received, received
from desk_app.sandbox.confine import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    # the result types live beside their parsers, which import PyMuPDF and numpy: the pool and
    # its schema bring them in with the first job, not with every module that may send one
    # (the review pane, the viewer), so the GUI's first page shows without them
    from desk_app.pdf.attestation import RemoveBox  # draws with reportlab
    from desk_app.pdf.barcodes import PageMark
    from desk_app.pdf.read import FormReading
    from desk_app.pdf.render import DocumentInfo, RenderedPage
    from desk_app.pdf.safety import PdfReport
    from desk_app.pdf.signatures import DigitalSignatureFacts, InkFinding
    from desk_app.sandbox.pool import Sandbox
    from desk_app.sandbox.results import CheckedPdf, ImageDocument, MailLimits, ParsedMail

__all__ = ["Limits", "Sandbox", "default_sandbox"]


def __getattr__(name: str) -> Any:
    """``Sandbox`` stays importable from here, imported when first asked for."""
    if name == "Sandbox":
        from desk_app.sandbox.pool import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_default: list[Sandbox] = []
_lock = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide pool of sandbox children (started on first use)."""
    with _lock:
        if not _default:
            from desk_app.sandbox.pool import Sandbox

            _default.append(Sandbox(DEFAULT_LIMITS))
        return _default[0]


def _call(job: str, data: Received | bytes, limits: Limits | None = None, **params: Any) -> Any:
    return default_sandbox().call(job, data=received(data), limits=limits, **params)


def inspect_pdf(data: Received | bytes, limits: Limits | None = None) -> PdfReport:
    """What active content a received PDF carries (nothing refused yet)."""
    return cast("PdfReport", _call("inspect", data, limits))


def check_pdf(
    data: Received | bytes, limits: Limits | None = None, read: bool = False
) -> CheckedPdf:
    """Open a received PDF and refuse active content and bombs; its fields and page count (and,
    when ``read``, a fillable form's reading, saving a second job)."""
    return cast("CheckedPdf", _call("check_pdf", data, limits, read=read))


def read_form(data: Received | bytes, limits: Limits | None = None) -> FormReading:
    """:func:`desk_app.pdf.read.read_form` on a received PDF."""
    return cast("FormReading", _call("read", data, limits))


def image_document(data: Received | bytes, limits: Limits | None = None) -> ImageDocument:
    """A received image (fax TIFF, scan) as a PDF, with the barcodes read from its frames."""
    return cast("ImageDocument", _call("image", data, limits))


def image_to_pdf(data: Received | bytes, limits: Limits | None = None) -> bytes:
    """A received TIFF / PNG / JPEG (multi-page fax TIFF too) as a PDF."""
    return cast(bytes, _call("image_to_pdf", data, limits))


def tiff_text_tags(data: Received | bytes) -> list[str]:
    """The text tags of a received TIFF's first frame that may name the sending fax."""
    return cast("list[str]", _call("tiff_tags", data))


def page_marks(data: Received | bytes) -> list[tuple[PageMark, ...]]:
    """The page QRs found on each page of a received PDF."""
    return cast("list[tuple[PageMark, ...]]", _call("page_marks", data))


def qr_texts(data: Received | bytes, dpis: Sequence[float]) -> list[str]:
    """Every QR / PDF417 text on the pages of a received PDF or image, decoded in a child (the
    first of ``dpis`` that finds any; this process sees only the decoded texts)."""
    return cast("list[str]", _call("qr_texts", data, dpis=[float(d) for d in dpis]))


def read_remove_marks(data: Received | bytes, boxes: Sequence[RemoveBox]) -> frozenset[int]:
    """:func:`desk_app.pdf.attestation.read_remove_marks` on a returned (faxed) attestation,
    in a child: the lines whose Remove box is marked."""
    plain = [[b.line, b.page, list(b.box)] for b in boxes]
    return frozenset(cast("list[int]", _call("remove_marks", data, boxes=plain)))


def part_pdf(data: Received | bytes, first: int, count: int) -> bytes:
    """Pages ``first`` .. ``first + count - 1`` of a received PDF, as a PDF of their own."""
    return cast(bytes, _call("part_pdf", data, first=first, count=count))


def parse_mail(data: Received | bytes, limits: MailLimits | None = None) -> ParsedMail:
    """A received mail's sender, subject and attachments (see :mod:`.mailparse`).

    Raises:
        MailUnreadable: not a mail, or over the message size limit.
    """
    from desk_app.sandbox.results import MailLimits, MailUnreadable

    limits = limits or MailLimits()
    item = received(data)
    if len(item) > limits.max_message_bytes:  # not worth a child: the size says it all
        raise MailUnreadable(
            f"the mail is {len(item) / 2**20:.1f} MB, over the "
            f"{limits.max_message_bytes / 2**20:.0f} MB limit"
        )
    job = replace(DEFAULT_LIMITS, max_bytes=max(DEFAULT_LIMITS.max_bytes, limits.max_message_bytes))
    return cast("ParsedMail", _call("mail", item, job, mail_limits=limits))


def read_digital_signatures(pdf: Received | bytes) -> list[DigitalSignatureFacts]:
    """:func:`desk_app.pdf.signatures.read_digital_signatures`, in a child."""
    data = received(pdf)
    if not data.contains(b"/ByteRange"):
        return []  # no signature dictionary: nothing to validate, no child needed
    return cast("list[DigitalSignatureFacts]", _call("signatures", data))


def find_ink(received_pdf: Received | bytes, layout_pdf: bytes, field_name: str) -> InkFinding:
    """:func:`desk_app.pdf.signatures.find_ink`, in a child (the layout is ours, the page is not)."""
    return cast("InkFinding", _call("ink", received_pdf, layout=layout_pdf, field_name=field_name))


# --- the viewer's backend: the calls of desk_app.pdf.render, answered by a child --------------
def signature_specimen(data: Received | bytes) -> bytes:
    """A scanned signature card (PDF or image) cut to its ink, as a grey PNG made in a child."""
    return cast("bytes", _call("specimen", data))


def picture_pixels(pngs: Sequence[bytes], height: int) -> list[RenderedPage | None]:
    """Stored PNGs (signature crops, specimens) as grey pixels at most ``height`` high, decoded
    in a child; ``None`` for one that is not a sane PNG. One job for all of them.

    Raises:
        PdfRejected: the child failed, or answered with pixels that do not add up.
    """
    from desk_app.pdf.errors import PdfRejected

    if not pngs:
        return []
    images = [bytes(p) for p in pngs]
    if sum(map(len, images)) > DEFAULT_LIMITS.max_bytes:
        raise PdfRejected("the pictures are over the size limit", "too_big")
    found = cast(
        "list[RenderedPage]", default_sandbox().call("pixels", images=images, height=height)
    )
    if len(found) != len(images):
        raise PdfRejected("the reader process answered for the wrong number of images", "bad_reply")
    return [_sane_grey(p, height) for p in found]


def _sane_grey(page: RenderedPage, height: int) -> RenderedPage | None:
    """``page`` when it is a grey picture within ``height`` (its bytes match its numbers: the
    wire checked that), else None."""
    if page.format != "Grayscale8" or not (0 < page.height <= height and 0 < page.width):
        return None
    return page


def document_info(data: Received | bytes) -> DocumentInfo:
    """Like :func:`desk_app.pdf.render.document_info`, for a received document."""
    return cast("DocumentInfo", _call("info", data))


def open_first(
    data: Received | bytes, rotate: int, fit_width: float, dpr: float, max_zoom: float
) -> tuple[DocumentInfo, RenderedPage, float]:
    """The viewer's first paint of a received document in one job: its info, page 1 rendered
    to fit ``fit_width`` logical pixels, and that scale."""
    return cast(
        "tuple[DocumentInfo, RenderedPage, float]",
        _call("first_page", data, rotate=rotate, fit_width=fit_width, dpr=dpr, max_zoom=max_zoom),
    )


def render_page(data: Received | bytes, page: int, zoom: float, rotate: int = 0) -> RenderedPage:
    """Like :func:`desk_app.pdf.render.render_page`, for a received document."""
    pages = cast(
        "list[RenderedPage]", _call("render", data, pages=[page], zoom=zoom, rotate=rotate)
    )
    return pages[0]


def render_pages(
    data: Received | bytes, zoom: float = 2.0, pages: Sequence[int] | None = None
) -> list[RenderedPage]:
    """Render several pages (all by default) of a received document."""
    wanted = list(pages) if pages is not None else None
    return cast("list[RenderedPage]", _call("render", data, pages=wanted, zoom=zoom, rotate=0))


def search_text(
    data: Received | bytes, needle: str
) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Like :func:`desk_app.pdf.render.search_text`, for a received document."""
    if not needle.strip():
        return []
    return cast(
        "list[tuple[int, tuple[float, float, float, float]]]", _call("search", data, needle=needle)
    )


def page_text(data: Received | bytes, page: int) -> str:
    """The text of one page of a received document."""
    return cast(str, _call("text", data, page=page))


def forget(data: Received | bytes) -> None:
    """Nothing to drop in this process: the children keep their own small caches."""
