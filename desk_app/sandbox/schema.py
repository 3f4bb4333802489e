"""What may travel on the sandbox channel, and what each job must answer with.

Imported by both sides. The parent checks every reply against :data:`RESULTS` (a reply of any
other shape is a broken child: it is killed and the item quarantined), and rebuilds only the
dataclasses registered here.
"""

from __future__ import annotations

from typing import Any

from desk_app.pdf.barcodes import DataMark, PageMark
from desk_app.pdf.read import FormReading
from desk_app.pdf.render import DocumentInfo, RenderedPage
from desk_app.pdf.safety import PdfReport
from desk_app.pdf.signatures import CertificateFacts, DigitalSignatureFacts, InkFinding
from desk_app.sandbox import wire
from desk_app.sandbox.results import (
    Attachment,
    CheckedPdf,
    FrameScan,
    ImageDocument,
    MailLimits,
    ParsedMail,
)

for _cls in (
    PageMark,
    DataMark,
    FormReading,
    RenderedPage,
    DocumentInfo,
    PdfReport,
    CertificateFacts,
    DigitalSignatureFacts,
    InkFinding,
    FrameScan,
    ImageDocument,
    CheckedPdf,
    Attachment,
    ParsedMail,
    MailLimits,
):
    wire.register_tree(_cls)

Hit = tuple[int, tuple[float, float, float, float]]

RESULTS: dict[str, Any] = {
    "inspect": PdfReport,
    "check_pdf": CheckedPdf,
    "read": FormReading,
    "render": list[RenderedPage],
    "info": DocumentInfo,
    "first_page": tuple[DocumentInfo, RenderedPage, float],
    "search": list[Hit],
    "text": str,
    "image_to_pdf": bytes,
    "image": ImageDocument,
    "page_marks": list[tuple[PageMark, ...]],
    "qr_texts": list[str],
    "remove_marks": list[int],
    "tiff_tags": list[str],
    "part_pdf": bytes,
    "mail": ParsedMail,
    "signatures": list[DigitalSignatureFacts],
    "ink": InkFinding,
    "specimen": bytes,
    "pixels": list[RenderedPage],
    # for the health check and the tests: a child that sleeps, crashes, or answers badly
    "probe": str,
    "crash": str,
    "babble": bytes,
    "garble": str,
    "burn": str,
    "hog": str,
}

# errors a job may raise on purpose; they travel back as (class name, message)
KNOWN_ERRORS = ("SignatureReadError", "MailUnreadable", "KeyError")
