"""Letters the agency mails: the security PIN mailer and decision letters (reportlab, Qt- and DB-free).

The PIN mailer is the only place a PIN ever appears. It is built in memory and returned as bytes
once; nothing here writes it to disk or a log.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

AGENCY = "Missouri Department of Elementary and Secondary Education"
AGENCY_OFFICE = "Office of Data System Management - Web Systems Security"
AGENCY_ADDRESS = ("PO Box 480", "Jefferson City, MO 65102-0480")
LEFT = 1.0 * inch
WIDTH = LETTER[0] - 2 * LEFT


@dataclass(frozen=True)
class Addressee:
    """Who a letter goes to."""

    name: str
    title: str
    organisation: str
    address_lines: tuple[str, ...] = ()


def _wrap(canvas: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if canvas.stringWidth(trial, font, size) <= width:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


class _Letter:
    """A one-page letter on the agency's letterhead, written top to bottom."""

    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        self.canvas = Canvas(self.buffer, pagesize=LETTER, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(AGENCY)
        self.y = LETTER[1] - 0.9 * inch
        self._letterhead()

    def _letterhead(self) -> None:
        c = self.canvas
        c.setFont("Helvetica-Bold", 13)
        c.drawString(LEFT, self.y, AGENCY)
        self.y -= 15
        c.setFont("Helvetica", 10)
        for line in (AGENCY_OFFICE, *AGENCY_ADDRESS):
            c.drawString(LEFT, self.y, line)
            self.y -= 12
        c.setLineWidth(0.8)
        c.line(LEFT, self.y, LEFT + WIDTH, self.y)
        self.y -= 28

    def text(self, text: str, *, size: float = 11, bold: bool = False, gap: float = 8) -> None:
        font = "Helvetica-Bold" if bold else "Helvetica"
        self.canvas.setFont(font, size)
        for line in _wrap(self.canvas, text, font, size, WIDTH):
            self.canvas.drawString(LEFT, self.y, line)
            self.y -= size * 1.35
        self.y -= gap

    def address(self, date_line: date, to: Addressee) -> None:
        self.text(date_line.strftime("%B %d, %Y").replace(" 0", " "), gap=14)
        lines = [to.name, to.title, to.organisation, *to.address_lines]
        self.text("\n".join(x for x in lines if x), gap=14)

    def boxed(self, label: str, value: str) -> None:
        c = self.canvas
        height = 0.9 * inch
        c.setLineWidth(1.2)
        c.rect(LEFT, self.y - height, WIDTH, height)
        c.setFont("Helvetica", 10)
        c.drawString(LEFT + 12, self.y - 18, label)
        c.setFont("Courier-Bold", 26)
        c.drawString(LEFT + 12, self.y - height + 16, value)
        self.y -= height + 20

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def pin_mailer(to: Addressee, entity_code: str, pin: str, issued_on: date) -> bytes:
    """The security PIN letter to a superintendent. The PIN appears here and nowhere else.

    Args:
        to: the superintendent (name, title, the entity's name and mailing address).
        entity_code: the entity's county-district or institution code.
        pin: the new PIN, in clear; the caller drops it after this call.
        issued_on: the date printed on the letter.

    Returns:
        The letter as PDF bytes.
    """
    letter = _Letter(f"Security PIN - {entity_code}")
    letter.address(issued_on, to)
    letter.text("CONFIDENTIAL: Web Systems security PIN", bold=True)
    letter.text(f"Dear {to.name}:")
    letter.text(
        f"This letter gives the security PIN of {to.organisation} ({entity_code}). Enter it in the "
        "PIN box of the agency's access request forms that require it; it shows the agency that "
        "your office stands behind the request. Any earlier PIN of your agency no longer works. "
        "The PIN is digits only; spaces and dashes between the groups do not matter."
    )
    letter.boxed("Security PIN", " ".join(pin[i : i + 4] for i in range(0, len(pin), 4)))
    letter.text(
        "Keep this letter in a secure place and share the PIN only with the staff who prepare "
        "access requests for you. The agency does not keep a readable copy of it and will never "
        "ask for it by telephone or email. If the PIN is lost or may be known to someone who "
        "should not have it, ask us to issue a new one."
    )
    letter.text("Web Systems Security")
    return letter.finish()


def decision_letter(
    to: Addressee, entity_code: str, subject: str, paragraphs: tuple[str, ...], written_on: date
) -> bytes:
    """A printed reply about a request (approved, rejected with reasons, or more needed).

    Args:
        to: the requester or user manager.
        entity_code: the entity's code, printed in the reference line.
        subject: the reference line (form and request).
        paragraphs: the body, one string per paragraph.
        written_on: the date printed on the letter.

    Returns:
        The letter as PDF bytes.
    """
    letter = _Letter(subject)
    letter.address(written_on, to)
    letter.text(f"Re: {subject} ({entity_code})", bold=True)
    letter.text(f"Dear {to.name}:")
    for paragraph in paragraphs:
        letter.text(paragraph)
    letter.text("Web Systems Security")
    return letter.finish()
