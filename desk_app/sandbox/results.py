"""What sandbox jobs answer with that has no home in :mod:`desk_app.pdf`: fax frames and mails.

Plain frozen dataclasses, safe to import in the parent (no parser is imported here), registered
on the wire with the PDF package's result types in :mod:`desk_app.sandbox.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from desk_app.errors import KnownError
from desk_app.pdf import barcodes
from desk_app.pdf.read import FormReading


class MailUnreadable(KnownError):
    """The bytes are not a mail this workstation can read."""


@dataclass(frozen=True)
class FrameScan:
    """What one image frame (a fax page) carries."""

    marks: tuple[barcodes.PageMark, ...] = ()
    data: tuple[barcodes.DataMark, ...] = field(default=())


@dataclass(frozen=True)
class ImageDocument:
    """A received image (fax TIFF, scan) as a PDF, with the barcodes of each frame."""

    pdf: bytes
    scans: tuple[FrameScan, ...]


@dataclass(frozen=True)
class CheckedPdf:
    """A received PDF the child opened and found acceptable."""

    has_fields: bool
    page_count: int
    reading: FormReading | None = None  # read at once when it is a fillable form (one job)


@dataclass(frozen=True)
class Attachment:
    """One attachment of a mail; ``filename`` is already sanitised (a bare, safe name).

    An attachment over a mail limit is still listed, with no bytes and ``left_out`` saying
    which limit and why, so intake quarantines it visibly (the whole mail is kept) instead of
    losing it or calling it something it is not.
    """

    filename: str
    media_type: str
    data: bytes
    nested_in: str = ""  # the name of the attached mail it came out of, if any
    left_out: str = ""  # why its bytes were not taken (a mail limit), "" when they were


@dataclass(frozen=True)
class ParsedMail:
    sender: str
    subject: str
    sent_at: datetime | None
    attachments: tuple[Attachment, ...] = field(default=())
    message_id: str = ""
    notes: tuple[str, ...] = ()  # what was left out, and why (over a limit, too deep)


@dataclass(frozen=True)
class MailLimits:
    """How much of a mail is opened."""

    max_message_bytes: int = 40 * 1024 * 1024
    max_attachments: int = 20
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_depth: int = 1  # attached mails opened this many levels deep
    max_parts: int = 200  # MIME parts walked in all
