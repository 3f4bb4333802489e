"""What an untrusted PDF carries that we refuse: JavaScript, launch actions, embedded files.

Nothing here runs or opens any of it: the objects are only looked at, key by key, after MuPDF
has parsed the cross-reference table (so objects inside compressed object streams are seen too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymupdf

from desk_app.pdf.errors import PdfRejected

MAX_BYTES = 25 * 1024 * 1024
MAX_PAGES = 60


@dataclass(frozen=True)
class PdfReport:
    """What a look at a PDF found."""

    page_count: int
    encrypted: bool = False
    javascript: bool = False
    launch: bool = False
    embedded_files: bool = False
    has_fields: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def refusal(self) -> PdfRejected | None:
        """The first reason to refuse the document, or ``None`` when it is acceptable."""
        if self.encrypted:
            return PdfRejected("the PDF is encrypted with a password", "encrypted")
        if self.javascript:
            return PdfRejected("the PDF contains JavaScript, which we never run", "javascript")
        if self.launch:
            return PdfRejected(
                "the PDF contains a launch action (it tries to start a program)", "launch"
            )
        if self.embedded_files:
            return PdfRejected(
                "the PDF carries embedded files, which we never open", "embedded_file"
            )
        return None


def open_checked(
    data: bytes, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES
) -> pymupdf.Document:
    """Open ``data`` as a PDF after the size check; refuse encrypted and oversized documents.

    Call on the PyMuPDF owner thread (or in the sandbox child).
    """
    if len(data) > max_bytes:
        raise PdfRejected(
            f"the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit",
            "too_big",
        )
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PdfRejected("the file is not a PDF (no %PDF header)", "malformed")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise PdfRejected(f"the PDF cannot be parsed ({exc})", "malformed") from exc
    if doc.needs_pass:
        doc.close()
        raise PdfRejected("the PDF is encrypted with a password", "encrypted")
    if doc.page_count == 0:
        doc.close()
        raise PdfRejected("the PDF has no pages", "malformed")
    if doc.page_count > max_pages:
        count = doc.page_count
        doc.close()
        raise PdfRejected(
            f"the PDF has {count} pages, over the {max_pages}-page limit", "too_many_pages"
        )
    return doc


_ACTIVE = re.compile(rb"/(JS|JavaScript|Launch|EmbeddedFiles?|FileAttachment)(?![A-Za-z])")
_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)")  # a literal string (values may mention /JS)


# the filters MuPDF decodes that can make a stream larger, short names included (``/Fl``);
# ASCII85 is one of them: its ``z`` stands for four zero bytes
_EXPANDING = re.compile(
    rb"/(FlateDecode|Fl|LZWDecode|LZW|RunLengthDecode|RL|ASCII85Decode|A85|BrotliDecode|Br)"
    rb"(?![A-Za-z0-9])"
)
_BY_REFERENCE = re.compile(rb"/Filter\s*(?:\[[^\]]*)?\d+\s+\d+\s+R")
_UNBOUNDED = frozenset({b"LZWDecode", b"LZW", b"BrotliDecode", b"Br"})  # past deflate's ratio
_ASCII85 = frozenset({b"ASCII85Decode", b"A85"})


def _chained(text: bytes) -> bool | None:
    """How the object's filters can expand its stream: ``None``, not at all; ``False``, at
    most 4 x 1032 times (one Flate or RunLength, behind at most one ASCII85, whose ``z`` is
    four bytes: reportlab writes ``[/ASCII85Decode /FlateDecode]``); ``True``, beyond what
    the file's size can bound: a filter (or a part of a filter array) named through a
    reference, two that expand, or one with a larger ratio (LZW, Brotli)."""
    if _BY_REFERENCE.search(text):
        return True
    names = _EXPANDING.findall(text)
    if not names:
        return None
    text_encodings = sum(name in _ASCII85 for name in names)
    unbounded = any(name in _UNBOUNDED for name in names)
    return unbounded or text_encodings > 1 or len(names) - text_encodings > 1


def inspect(doc: pymupdf.Document, flate: list[tuple[int, bool]] | None = None) -> PdfReport:
    """Look at every object of an open document for active content.

    Each object's dictionary is read as text (streams are not decoded) with its literal strings
    removed, so a field value that merely mentions "/JS" is not taken for a script.

    Args:
        flate: when given, filled with ``(xref, chained)`` for every object whose dictionary
            names a filter that can expand its stream (Flate above all; ``chained`` as
            :func:`_chained` says), so the bomb check that follows need not look at every
            object again.
    """
    found: set[bytes] = set()
    for xref in range(1, doc.xref_length()):
        try:
            text = doc.xref_object(xref, compressed=True).encode("latin-1", "replace")
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            continue  # a missing or broken object: MuPDF repaired around it, nothing to run
        if b"/" not in text:
            continue
        bare = _STRING.sub(b"()", text)
        found.update(m.group(1) for m in _ACTIVE.finditer(bare))
        if flate is not None:
            chained = _chained(bare)
            if chained is not None:
                flate.append((xref, chained))
    js = bool(found & {b"JS", b"JavaScript"})
    launch = b"Launch" in found
    embedded = bool(found & {b"EmbeddedFile", b"EmbeddedFiles", b"FileAttachment"})
    return PdfReport(doc.page_count, False, js, launch, embedded, bool(doc.is_form_pdf))


def check(doc: pymupdf.Document, flate: list[tuple[int, bool]] | None = None) -> PdfReport:
    """:func:`inspect`, raising :class:`PdfRejected` for anything we refuse."""
    report = inspect(doc, flate)
    if report.refusal is not None:
        raise report.refusal
    return report
