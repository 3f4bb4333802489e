"""Educator certificates, generated with reportlab (Qt-free, DB-free).

A certificate is one portrait Letter page (the orientation the agency's certificate stock and the
print path use, so nothing is shrunk onto another page shape): the holder's legal name, the
classification and subject area, the certificate number, the effective and expiration dates
exactly as the record has them, and a QR carrying the facts signed by the agency (the text is
made by the caller, :mod:`desk_app.services.educators.signing`; the PDF layer only prints it).
All text is real text in TrueType fonts embedded in the file (Bitstream Vera, shipped with
reportlab), so the PDF prints and searches the same on every machine.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import reportlab
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from desk_app.pdf.barcodes import draw_qr_reportlab

NAVY = HexColor("#1F3A5F")
GOLD = HexColor("#B08D3C")
INK = HexColor("#222222")
PERMANENT_YEARS = 99
QR_SIZE = 118  # points: about 2 pt a module, 5-6 pixels in a 200 dpi scan
FONTS = {
    "Cert": "Vera.ttf",
    "Cert-Bold": "VeraBd.ttf",
    "Cert-Italic": "VeraIt.ttf",
}


@cache
def _register_fonts() -> None:
    """Register the embedded fonts once per process (reportlab subsets them into each PDF)."""
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))


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
    qr_text: str  # the signed facts (DAC2), made by the caller
    issuer: str = "State Board of Education"
    office: str = "Office of Educator Quality — Educator Certification"


def valid_through_text(expires: date, validity_years: int) -> str:
    """How the expiration is said on the certificate and in the profile: always the record's date;
    a career classification also says it continues while its renewal requirements are met."""
    text = f"{expires:%B} {expires.day}, {expires:%Y}"
    if validity_years >= PERMANENT_YEARS:
        text += " (career certificate: continuous while renewal requirements are met)"
    return text


def certificate_pdf(certificates: list[CertificateContent]) -> bytes:
    """One portrait page per certificate, ready to print on certificate stock.

    Args:
        certificates: the certificates to print, in order.

    Returns:
        The PDF bytes (text in embedded TrueType fonts).
    """
    if not certificates:
        raise ValueError("nothing to print")
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, pageCompression=1, initialFontName="Cert")
    canvas.setTitle("Educator certificates")
    canvas.setAuthor("desk_app")
    for content in certificates:
        _page(canvas, content)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _page(c: Canvas, cert: CertificateContent) -> None:
    width, height = letter
    _border(c, width, height)
    centre = width / 2
    c.setFillColor(NAVY)
    c.setFont("Cert-Bold", 24)
    c.drawCentredString(centre, height - 120, cert.issuer)
    c.setFont("Cert", 11)
    c.drawCentredString(centre, height - 142, cert.office)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.line(centre - 120, height - 160, centre + 120, height - 160)
    c.setFillColor(INK)
    c.setFont("Cert-Italic", 14)
    c.drawCentredString(centre, height - 210, "This certifies that")
    c.setFont("Cert-Bold", 26)
    name = _fit(c, cert.holder_name, "Cert-Bold", 26, width - 160)
    c.drawCentredString(centre, height - 255, name)
    c.setFont("Cert-Italic", 13)
    c.drawCentredString(centre, height - 292, "has met the requirements of the")
    c.drawCentredString(centre, height - 310, "State Board of Education for the")
    c.setFillColor(NAVY)
    c.setFont("Cert-Bold", 18)
    title = f"{cert.classification_name} ({cert.classification_code})"
    c.drawCentredString(centre, height - 350, _fit(c, title, "Cert-Bold", 18, width - 160))
    if cert.subject_area:
        c.setFillColor(INK)
        c.setFont("Cert", 14)
        c.drawCentredString(
            centre, height - 374, _fit(c, cert.subject_area, "Cert", 14, width - 160)
        )
    _dates(c, cert, width, height - 430)
    _signature_lines(c, width)
    qr_x = width - 80 - QR_SIZE
    draw_qr_reportlab(c, cert.qr_text, qr_x, 150, QR_SIZE)
    c.setFont("Cert", 7)
    c.setFillColor(INK)
    c.drawCentredString(qr_x + QR_SIZE / 2, 140, "Signed by the agency: check with")
    c.drawCentredString(qr_x + QR_SIZE / 2, 131, "desk-app certificates verify")


def _border(c: Canvas, width: float, height: float) -> None:
    c.setStrokeColor(NAVY)
    c.setLineWidth(6)
    c.rect(28, 28, width - 56, height - 56)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.rect(40, 40, width - 80, height - 80)
    c.setStrokeColor(Color(0.69, 0.55, 0.24, alpha=0.35))
    c.rect(46, 46, width - 92, height - 92)


def _dates(c: Canvas, cert: CertificateContent, width: float, top: float) -> None:
    expiry = valid_through_text(cert.expires, cert.validity_years)
    rows = (
        ("Certificate number", cert.number),
        ("Effective", f"{cert.effective:%B} {cert.effective.day}, {cert.effective:%Y}"),
        ("Valid through", expiry),
    )
    c.setFillColor(INK)
    y = top
    for label, value in rows:
        c.setFont("Cert-Bold", 10)
        c.drawRightString(210, y, f"{label}:")
        c.setFont("Cert", 10)
        c.drawString(222, y, _fit(c, value, "Cert", 10, width - 222 - 70))
        y -= 17


def _signature_lines(c: Canvas, width: float) -> None:
    c.setStrokeColor(INK)
    c.setLineWidth(0.8)
    for y, title in ((230, "Commissioner of Education"), (160, "Director, Educator Certification")):
        c.line(80, y, 300, y)
        c.setFont("Cert", 9)
        c.drawString(80, y - 12, title)


def _fit(c: Canvas, text: str, font: str, size: float, max_width: float) -> str:
    """Shrink nothing, but never print beyond the border: cut with an ellipsis if needed."""
    while text and c.stringWidth(text, font, size) > max_width:
        text = text[:-2] + "…"
    return text
