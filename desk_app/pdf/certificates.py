"""Educator certificates, generated with reportlab (Qt-free, DB-free).

A certificate is one landscape Letter page: the holder's legal name, the classification and
subject area, the certificate number, effective and expiration dates, and a QR carrying
``DAC1|<number>|<classification>|<expires>|<check>`` so a printed certificate can be checked
against the record (``check`` is a short keyed digest made by the caller; the PDF layer only
prints it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfgen.canvas import Canvas

from desk_app.pdf.barcodes import draw_qr_reportlab

NAVY = HexColor("#1F3A5F")
GOLD = HexColor("#B08D3C")
INK = HexColor("#222222")
PERMANENT_YEARS = 99


@dataclass(frozen=True)
class CertificateContent:
    """What one printed certificate says."""

    holder_name: str  # legal name only
    classification_code: str
    classification_name: str
    subject_area: str
    number: str
    effective: date
    expires: date
    validity_years: int
    check: str  # short keyed digest for the QR
    issuer: str = "State Board of Education"
    office: str = "Office of Educator Quality — Educator Certification"


def certificate_pdf(certificates: list[CertificateContent]) -> bytes:
    """One page per certificate, ready to print on certificate stock.

    Args:
        certificates: the certificates to print, in order.

    Returns:
        The PDF bytes.
    """
    if not certificates:
        raise ValueError("nothing to print")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(letter), pageCompression=1)
    canvas.setTitle("Educator certificates")
    canvas.setAuthor("desk_app")
    for content in certificates:
        _page(canvas, content)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page(c: Canvas, cert: CertificateContent) -> None:
    width, height = landscape(letter)
    _border(c, width, height)
    centre = width / 2
    c.setFillColor(NAVY)
    c.setFont("Times-Bold", 26)
    c.drawCentredString(centre, height - 110, cert.issuer)
    c.setFont("Times-Roman", 13)
    c.drawCentredString(centre, height - 132, cert.office)
    c.setFillColor(INK)
    c.setFont("Times-Italic", 15)
    c.drawCentredString(centre, height - 185, "This certifies that")
    c.setFont("Times-Bold", 30)
    c.drawCentredString(
        centre, height - 225, _fit(c, cert.holder_name, "Times-Bold", 30, width - 200)
    )
    c.setFont("Times-Italic", 15)
    c.drawCentredString(
        centre, height - 262, "has met the requirements of the State Board of Education for the"
    )
    c.setFillColor(NAVY)
    c.setFont("Times-Bold", 21)
    c.drawCentredString(
        centre, height - 298, f"{cert.classification_name} ({cert.classification_code})"
    )
    if cert.subject_area:
        c.setFillColor(INK)
        c.setFont("Times-Roman", 15)
        c.drawCentredString(centre, height - 324, cert.subject_area)
    _dates(c, cert, width)
    _signature_lines(c, width)
    draw_qr_reportlab(
        c,
        f"DAC1|{cert.number}|{cert.classification_code}|{cert.expires.isoformat()}|{cert.check}",
        width - 150,
        62,
        78,
    )


def _border(c: Canvas, width: float, height: float) -> None:
    c.setStrokeColor(NAVY)
    c.setLineWidth(6)
    c.rect(28, 28, width - 56, height - 56)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.rect(40, 40, width - 80, height - 80)
    c.setStrokeColor(Color(0.69, 0.55, 0.24, alpha=0.35))
    c.rect(46, 46, width - 92, height - 92)


def _dates(c: Canvas, cert: CertificateContent, width: float) -> None:
    c.setFillColor(INK)
    c.setFont("Helvetica", 11)
    expiry = (
        "Permanent (continuous, subject to renewal requirements)"
        if cert.validity_years >= PERMANENT_YEARS
        else f"{cert.expires:%B %-d, %Y}"
    )
    rows = (
        ("Certificate number", cert.number),
        ("Effective", f"{cert.effective:%B %-d, %Y}"),
        ("Valid through", expiry),
    )
    y = 205
    for label, value in rows:
        c.setFont("Helvetica-Bold", 11)
        c.drawRightString(width / 2 - 8, y, f"{label}:")
        c.setFont("Helvetica", 11)
        c.drawString(width / 2 + 8, y, value)
        y -= 18


def _signature_lines(c: Canvas, width: float) -> None:
    c.setStrokeColor(INK)
    c.setLineWidth(0.8)
    for x, title in (
        (110, "Commissioner of Education"),
        (width / 2 - 20, "Director, Educator Certification"),
    ):
        c.line(x, 98, x + 210, 98)
        c.setFont("Helvetica", 9)
        c.drawString(x, 86, title)


def _fit(c: Canvas, text: str, font: str, size: float, max_width: float) -> str:
    """Shrink nothing, but never print beyond the border: cut with an ellipsis if needed."""
    while text and c.stringWidth(text, font, size) > max_width:
        text = text[:-2] + "…"
    return text
