"""Read a returned form: which form and edition it is, its token, and its field values.

Identification, most trusted first: the page QR; then the set of AcroForm field names; then
the form number printed in the page text. Values come from the AcroForm fields (whatever tool
filled them), else from the data barcode of a printed-and-faxed copy. Derived fields are always
recomputed here; scripts in the PDF never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymupdf

from desk_app.pdf import barcodes
from desk_app.pdf.catalogue import CHECKED, FORMS, FormSpec, find_form
from desk_app.pdf.derive import derived_values
from desk_app.pdf.mupdf import ANNOT_WIDGET, WIDGET_CHECKBOX, WIDGET_SIGNATURE, on_owner, pages
from desk_app.pdf.safety import check, open_checked

SOURCES = ("fields", "barcode", "text", "none")
QR_ZOOM = 3.0
SCAN_ZOOM = 2.0  # about 144 dpi: enough for the data barcode's 0.9 pt modules
_NUMBER_RE = re.compile(r"\b(MO\s*500-\d{4}|DA-\d{3})\b")
_EDITION_RE = re.compile(r"Edition\s+([0-9A-Za-z.-]+)")


@dataclass(frozen=True)
class FormReading:
    """What a returned PDF says.

    ``source`` says where the values came from: ``fields`` (AcroForm fields), ``barcode`` (the
    data barcode of a printed copy), ``text`` (the form was identified but carries nothing
    machine-readable: its values must be keyed) or ``none`` (not one of our forms;
    ``form_number`` is "").
    """

    form_number: str
    edition: str
    token: str
    values: dict[str, str]
    page_count: int
    source: str
    page_marks: tuple[barcodes.PageMark, ...] = field(default=())

    @property
    def is_form(self) -> bool:
        return bool(self.form_number)


def field_names_for(number: str, edition: str) -> tuple[str, ...] | None:
    """The field list of a form edition (for data barcodes); ``None`` when unknown."""
    spec = find_form(number)
    return spec.field_names if spec and spec.edition == edition else None


def widget_value(w: pymupdf.Widget, doc: pymupdf.Document) -> str:
    """The value of one widget as our API writes it (checkbox: "Yes" or "")."""
    if w.field_type == WIDGET_CHECKBOX:
        v = w.field_value
        on = w.on_state()
        ticked = v not in (False, None, "", "Off") and (v is True or v == on or on in (None, False))
        return CHECKED if ticked else ""
    if w.field_type == WIDGET_SIGNATURE:
        kind, _value = doc.xref_get_key(w.xref, "V")
        return "signed" if kind != "null" else ""
    value = w.field_value
    return "" if value in (None, False) else str(value).strip()


_ON_STATE = re.compile(r"/([^\s/<>\[\]()]+)\s")
_RADIO_OR_PUSH = (1 << 15) | (1 << 16)


def _plain_value(doc: pymupdf.Document, xref: int) -> tuple[str, str] | None:
    """(name, value) of one widget read from its own dictionary, as :func:`widget_value` would
    give them; ``None`` for anything but a plain top-level text, choice, signature or check
    box field (the caller then reads the whole document through PyMuPDF's widgets)."""
    t_kind, name = doc.xref_get_key(xref, "T")
    if t_kind != "string" or doc.xref_get_key(xref, "Parent")[0] != "null":
        return None
    field_type = doc.xref_get_key(xref, "FT")[1]
    v_kind, v = doc.xref_get_key(xref, "V")
    if field_type in ("/Tx", "/Ch"):
        if v_kind not in ("string", "null"):
            return None  # a multiple choice, a stream: not the plain case
        return name, v.strip() if v_kind == "string" else ""
    if field_type == "/Sig":
        return name, "signed" if v_kind != "null" else ""
    if field_type != "/Btn" or v_kind not in ("name", "null"):
        return None
    f_kind, flags = doc.xref_get_key(xref, "Ff")
    if f_kind not in ("int", "null") or (f_kind == "int" and int(flags) & _RADIO_OR_PUSH):
        return None
    as_kind, state = doc.xref_get_key(xref, "AS")
    if as_kind == "name" and v_kind == "name" and state != v:
        return None  # the shown state and the value disagree: let PyMuPDF decide
    on = [n for n in _ON_STATE.findall(doc.xref_get_key(xref, "AP/N")[1] + " ") if n != "Off"]
    value = v[1:] if v_kind == "name" else ""
    ticked = value not in ("", "Off") and (not on or value == on[0])
    return name, CHECKED if ticked else ""


def _plain_field_values(doc: pymupdf.Document) -> dict[str, str] | None:
    """:func:`field_values` read straight from the widgets' dictionaries (a third of the time of
    building PyMuPDF's widget objects, which read every appearance property); ``None`` when
    any widget is not a plain field."""
    values: dict[str, str] = {}
    for page in pages(doc):
        for xref, kind, _id in page.annot_xrefs():
            if kind != ANNOT_WIDGET:
                continue
            read = _plain_value(doc, xref)
            if read is None:
                return None
            name, value = read
            if value or name not in values:
                values[name] = value
    return values


def field_values(doc: pymupdf.Document) -> dict[str, str]:
    """Every named widget's value across the document."""
    plain = _plain_field_values(doc)
    if plain is not None:
        return plain
    values: dict[str, str] = {}
    for page in pages(doc):
        for w in page.widgets():
            if w.field_name:
                value = widget_value(w, doc)
                # radio groups and repeated widgets: keep the one that carries a value
                if value or w.field_name not in values:
                    values[w.field_name] = value
    return values


def identify_by_fields(names: set[str]) -> FormSpec | None:
    """The catalogue form whose field set the PDF's field names match best (>= 90 %)."""
    best: tuple[float, FormSpec | None] = (0.0, None)
    for spec in FORMS.values():
        own = set(spec.field_names)
        score = len(own & names) / max(len(own | names), 1)
        if score > best[0]:
            best = (score, spec)
    return best[1] if best[0] >= 0.9 else None


def _marks_on(
    page: pymupdf.Page, clip: pymupdf.Rect | None, zoom: float, annots: bool = True
) -> list[str]:
    pix = page.get_pixmap(
        matrix=pymupdf.Matrix(zoom, zoom), clip=clip, colorspace=pymupdf.csGRAY, annots=annots
    )
    image = barcodes.image_from_samples(pix.samples, pix.width, pix.height, pix.stride, 1)
    return barcodes.decode_image(image)


def scan_page(
    page: pymupdf.Page, full: bool
) -> tuple[list[barcodes.PageMark], list[barcodes.DataMark]]:
    """Decode the barcodes of a page: its top-right corner first, the whole page when ``full``.

    The corner is drawn without the form's widgets (our page QR is page content; building the
    widgets' appearances took a third of a filled form's read); the whole-page scan that
    follows when the corner shows nothing draws them.
    """
    r = page.rect
    corner = pymupdf.Rect(r.x1 - r.width * 0.3, r.y0, r.x1, r.height * 0.2)
    texts = _marks_on(page, corner, QR_ZOOM, annots=False)
    if full or not texts:
        texts = _marks_on(page, None, SCAN_ZOOM)
    return barcodes.split_marks(texts, field_names_for)


def _by_text(doc: pymupdf.Document) -> tuple[FormSpec | None, str]:
    text = doc.load_page(0).get_text()
    match = _NUMBER_RE.search(text)
    spec = find_form(" ".join(match.group(1).split()).replace("MO500", "MO 500")) if match else None
    edition = _EDITION_RE.search(text)
    return spec, (edition.group(1) if edition else (spec.edition if spec else ""))


def _complete(spec: FormSpec, raw: dict[str, str]) -> dict[str, str]:
    values = {name: raw.get(name, "") for name in spec.field_names}
    values.update(derived_values(spec, values))
    return values


def read_document(doc: pymupdf.Document) -> FormReading:
    """Read an open, already checked document (owner thread or sandbox child)."""
    raw = field_values(doc)
    has_values = any(raw.values())
    marks: list[barcodes.PageMark] = []
    data: list[barcodes.DataMark] = []
    for page in pages(doc):
        p, d = scan_page(page, full=not has_values)
        marks += p
        data += d
    spec = find_form(marks[0].number) if marks else None
    edition = marks[0].edition if marks else ""
    if spec is None and raw:
        spec = identify_by_fields(set(raw))
        edition = spec.edition if spec else ""
    if spec is None:
        spec, edition = _by_text(doc)
    if spec is None:
        return FormReading("", "", "", raw, doc.page_count, "none", tuple(marks))
    if raw and (has_values or not data):
        source = "fields"
    elif data:
        raw = {k: v for d in data if d.number == spec.number for k, v in d.values.items()}
        source = "barcode"
    else:
        source = "text"  # identified, but nothing machine-readable: the values must be keyed
    token = next((m.token for m in marks if m.token), "")
    return FormReading(
        spec.number, edition, token, _complete(spec, raw), doc.page_count, source, tuple(marks)
    )


def _read(data: bytes) -> FormReading:
    doc = open_checked(data)
    try:
        check(doc)
        return read_document(doc)
    finally:
        doc.close()


def read_form(data: bytes) -> FormReading:
    """Identify and read a PDF in this process (use :mod:`desk_app.sandbox.api` for received input).

    Raises:
        PdfRejected: malformed, encrypted, too big, or carrying JavaScript / launch actions /
            embedded files.
    """
    return on_owner(_read, data)
