"""Generate a fillable PDF of a catalogue form with reportlab: our own clean layout.

Every page carries a QR code (form number, edition, page, page count and, when given, a token
linking the returned form to a request) at its top right, and keeps a strip at its foot free for
the data barcode that :func:`desk_app.pdf.fill.add_data_barcode` stamps on a filled copy.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desk_app.errors import ValidationError
from desk_app.pdf import barcodes
from desk_app.pdf.catalogue import FieldSpec, FormSpec, SectionSpec, get_form
from desk_app.pdf.derive import derived_values

PAGE_W, PAGE_H = LETTER
MARGIN = 42.0
CONTENT_W = PAGE_W - 2 * MARGIN
QR_SIZE = 62.0
# the strip kept free for the data barcode: (x0, y0, x1, y1) in PDF points from the bottom left
DATA_BARCODE_AREA = (MARGIN, 34.0, MARGIN + 400.0, 104.0)
CONTENT_BOTTOM = DATA_BARCODE_AREA[3] + 8

TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
INK = Color(0.11, 0.16, 0.27)
MUTED = Color(0.38, 0.42, 0.5)
BAND = Color(0.9, 0.93, 0.97)
BOX_BORDER = Color(0.45, 0.5, 0.58)
BOX_FILL = Color(0.975, 0.98, 1.0)
FIELD_H = 17.0
LABEL_PT = 7.2


class _Page:
    """Cursor over one page: sections are laid out top to bottom."""

    def __init__(self, canvas: Canvas, spec: FormSpec, values: Mapping[str, str]) -> None:
        self.c = canvas
        self.spec = spec
        self.values = values
        self.y = PAGE_H - MARGIN

    # --- fields ------------------------------------------------------------------------------
    def text_field(self, f: FieldSpec, x: float, y: float, w: float) -> None:
        flags = "readOnly" if f.derived else ""
        self.c.acroForm.textfield(
            name=f.name,
            tooltip=f.label,
            value=self.values.get(f.name, ""),
            x=x,
            y=y,
            width=w,
            height=FIELD_H,
            fontName="Helvetica",
            fontSize=9,
            borderWidth=0.6,
            borderColor=BOX_BORDER,
            fillColor=BOX_FILL,
            textColor=black,
            forceBorder=True,
            maxlen=f.max_length or 200,
            fieldFlags=flags,
        )

    def choice_field(self, f: FieldSpec, x: float, y: float, w: float) -> None:
        value = self.values.get(f.name, "")
        # a blank first option so that an unfilled form prints empty boxes
        self.c.acroForm.choice(
            name=f.name,
            tooltip=f.label,
            value=value or " ",
            options=[" ", *f.options],
            x=x,
            y=y,
            width=w,
            height=FIELD_H,
            fontName="Helvetica",
            fontSize=9,
            borderWidth=0.6,
            borderColor=BOX_BORDER,
            fillColor=BOX_FILL,
            textColor=black,
            forceBorder=True,
            fieldFlags="combo",
        )

    def checkbox_field(self, f: FieldSpec, x: float, y: float) -> None:
        self.c.acroForm.checkbox(
            name=f.name,
            tooltip=f.label,
            checked=bool(self.values.get(f.name)),
            x=x,
            y=y,
            size=12,
            buttonStyle="check",
            borderWidth=0.8,
            borderColor=BOX_BORDER,
            fillColor=white,
            textColor=black,
            forceBorder=True,
            fieldFlags="",
        )

    def signature_field(self, f: FieldSpec, x: float, y: float, w: float, h: float) -> None:
        """An unsigned signature field (/FT /Sig) that Acrobat offers to sign."""
        # reportlab has no signature-field call; its acroform module registers widgets through
        # these two hooks, so we do the same with a /Sig dictionary
        doc = self.c._doc
        # an empty appearance, so viewers print the box we draw rather than their own marker
        blank = self.c.acroForm.getRef(self.c.acroForm.makeStream(w, h, ""))
        widget = PDFDictionary(
            {
                "Type": PDFName("Annot"),
                "Subtype": PDFName("Widget"),
                "FT": PDFName("Sig"),
                "T": PDFString(f.name),
                "TU": PDFString(f.label),
                "F": 4,
                "Rect": PDFArray([x, y, x + w, y + h]),
                "P": doc.thisPageRef(),
                "MK": PDFDictionary({"BC": PDFArray([0.45, 0.5, 0.58])}),
                "AP": PDFDictionary({"N": blank}),
            }
        )
        self.c._addAnnotation(widget)
        self.c.acroForm.fields.append(self.c.acroForm.getRef(widget))
        self.c.acroForm.sigFlags = 1
        self.c.setStrokeColor(BOX_BORDER)
        self.c.setLineWidth(0.6)
        self.c.rect(x, y, w, h)
        self.c.setFillColor(MUTED)
        self.c.setFont("Helvetica-Oblique", 6.5)
        self.c.drawString(x + 3, y + 3, "Sign digitally here, or by hand after printing")

    def label(
        self, text: str, x: float, y: float, required: bool = False, bold: bool = False
    ) -> None:
        self.c.setFillColor(INK)
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", LABEL_PT)
        self.c.drawString(x, y, text)
        if required:
            self.c.setFillColor(Color(0.7, 0.1, 0.1))
            self.c.drawString(x + stringWidth(text, self.c._fontname, LABEL_PT) + 1.5, y, "*")

    # --- blocks ------------------------------------------------------------------------------
    def band(self, title: str) -> None:
        self.y -= 20
        self.c.setFillColor(BAND)
        self.c.rect(MARGIN, self.y, CONTENT_W, 15, stroke=0, fill=1)
        self.c.setFillColor(INK)
        self.c.setFont("Helvetica-Bold", 9.5)
        self.c.drawString(MARGIN + 5, self.y + 4.2, title.upper())
        self.y -= 4

    def paragraph(self, text: str, size: float = 8.2, width: float = CONTENT_W) -> None:
        self.c.setFillColor(INK)
        self.c.setFont("Helvetica", size)
        for line in wrap(text, "Helvetica", size, width):
            self.y -= size + 3
            self.c.drawString(MARGIN, self.y, line)
        self.y -= 3

    def grid(self, fields: tuple[FieldSpec, ...], columns: int = 2) -> None:
        gap = 12.0
        col_w = (CONTENT_W - gap * (columns - 1)) / columns
        boxes = [f for f in fields if f.kind not in ("checkbox", "signature")]
        for start in range(0, len(boxes), columns):
            self.y -= 30
            for i, f in enumerate(boxes[start : start + columns]):
                x = MARGIN + i * (col_w + gap)
                self.label(f.label, x, self.y + FIELD_H + 3, f.required)
                if f.kind == "choice":
                    self.choice_field(f, x, self.y, col_w)
                else:
                    self.text_field(f, x, self.y, col_w)
        for f in fields:
            if f.kind == "checkbox":
                self.y -= 20
                self.checkbox_field(f, MARGIN, self.y)
                self.label(f.label, MARGIN + 17, self.y + 3, f.required)
        for f in fields:
            if f.kind == "signature":
                self.y -= 60
                self.label(f.label, MARGIN, self.y + 42, bold=True)
                self.signature_field(f, MARGIN, self.y, 300, 38)

    def table(self, headers: list[tuple[str, float]], rows: list[list[FieldSpec | None]]) -> None:
        self.y -= 12
        x = MARGIN
        for title, w in headers:
            self.label(title, x + 1, self.y + 2, bold=True)
            x += w
        for i, row in enumerate(rows, start=1):
            self.y -= FIELD_H + 4
            self.label(str(i), MARGIN + 3, self.y + 5)
            x = MARGIN
            for (_title, w), f in zip(headers, row, strict=True):
                if f is not None:
                    if f.kind == "choice":
                        self.choice_field(f, x, self.y, w - 4)
                    else:
                        self.text_field(f, x, self.y, w - 4)
                x += w


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of ``text`` into lines no wider than ``width`` points."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and stringWidth(trial, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _users_section(page: _Page, spec: FormSpec) -> None:
    headers = [
        ("#", 16.0),
        ("First name", 112.0),
        ("Last name", 112.0),
        ("Email", 170.0),
        ("Username (if known)", CONTENT_W - 410.0),
    ]
    rows = [
        [None]
        + [spec.field(f"user_{i}_{k}") for k in ("first_name", "last_name", "email", "username")]
        for i in range(1, spec.user_rows + 1)
    ]
    page.table(headers, rows)


def _roles_section(page: _Page, spec: FormSpec) -> None:
    building = spec.has_field("role_1_building")
    headers = [
        ("#", 16.0),
        ("User row", 44.0),
        ("Application", 92.0),
        ("Role", 0.0),
        ("Action", 64.0),
        ("Level", 36.0),
    ]
    keys = ["", "user", "app", "role", "action", "level"]
    if building:
        headers.append(("Building", 56.0))
        keys.append("building")
    role_w = CONTENT_W - sum(w for _t, w in headers)
    headers[3] = ("Role", role_w)
    rows = [
        [spec.field(f"role_{i}_{k}") if k else None for k in keys]
        for i in range(1, spec.role_rows + 1)
    ]
    page.table(headers, rows)


def _section(page: _Page, spec: FormSpec, section: SectionSpec) -> None:
    page.band(section.title)
    if section.layout in ("signature", "text") and section.text:
        page.paragraph(section.text)
        page.y -= 4
    elif section.text:
        page.paragraph(section.text, size=7.5)
    if section.layout == "users":
        _users_section(page, spec)
    elif section.layout == "roles":
        _roles_section(page, spec)
    else:
        page.grid(spec.fields_in(section.key))
    page.y -= 6


def _header(page: _Page, spec: FormSpec, number: int, token: str | None) -> None:
    c = page.c
    top = PAGE_H - MARGIN
    c.setFillColor(INK)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(MARGIN, top - 15, spec.title)
    c.setFont("Helvetica", 8.5)
    c.setFillColor(MUTED)
    c.drawString(
        MARGIN,
        top - 29,
        f"Form {spec.number}  \u00b7  Edition {spec.edition}  \u00b7  "
        f"Page {number} of {spec.page_count}",
    )
    page.y = top - 34
    if number == 1 and spec.purpose:
        page.paragraph(spec.purpose, size=8, width=CONTENT_W - QR_SIZE - 16)
    mark = barcodes.PageMark(spec.number, spec.edition, number, spec.page_count, token or "")
    barcodes.draw_qr_reportlab(
        c, barcodes.encode_page_mark(mark), PAGE_W - MARGIN - QR_SIZE, top - QR_SIZE, QR_SIZE
    )
    page.y = min(page.y, top - QR_SIZE - 6)
    c.setStrokeColor(INK)
    c.setLineWidth(1.2)
    c.line(MARGIN, page.y, PAGE_W - MARGIN, page.y)


def _footer(c: Canvas, spec: FormSpec, number: int) -> None:
    c.setFillColor(MUTED)
    c.setFont("Helvetica", 7)
    c.drawString(
        MARGIN,
        20,
        f"{spec.number} ({spec.edition})  \u00b7  {spec.title}  \u00b7  "
        f"page {number} of {spec.page_count}",
    )
    c.drawRightString(PAGE_W - MARGIN, 20, "Return by email or fax to the security administrator")
    c.setStrokeColor(BAND)
    c.line(MARGIN, 30, PAGE_W - MARGIN, 30)


def generate_form(
    number: str, prefill: Mapping[str, str] | None = None, token: str | None = None
) -> bytes:
    """Build the fillable PDF of form ``number``.

    Args:
        number: the form number (``"MO 500-2356"``) or key.
        prefill: field values to write in (entity name and code, signer...); unknown names are
            ignored, derived fields are computed from the others.
        token: optional text carried in every page's QR to link the returned form to a request.

    Returns:
        The PDF bytes.

    Raises:
        KeyError: no such form. ValidationError: the token has characters a QR payload cannot
            carry.
    """
    spec = get_form(number)
    if token is not None and not TOKEN.fullmatch(token):
        raise ValidationError("token", "a token is 1 to 64 letters, digits, '.', '_' or '-'")
    values = {k: v for k, v in (prefill or {}).items() if spec.has_field(k)}
    values.update(derived_values(spec, values))
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=LETTER, pageCompression=1)
    c.setTitle(f"{spec.number} {spec.title}")
    c.setSubject(f"{spec.number} edition {spec.edition}")
    c.setCreator("desk_app")
    for number_ in range(1, spec.page_count + 1):
        page = _Page(c, spec, values)
        _header(page, spec, number_, token)
        for section in spec.sections:
            if section.page == number_:
                _section(page, spec, section)
        if page.y < CONTENT_BOTTOM:
            raise AssertionError(f"{spec.number} page {number_} overflows its layout")
        _footer(c, spec, number_)
        c.showPage()
    c.save()
    return buf.getvalue()
