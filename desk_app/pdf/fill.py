"""Fill a form's fields with PyMuPDF, flatten an archival copy, stamp the data barcode.

Checkboxes are ticked with each widget's own on-state (Acrobat writes ``/Yes``, other tools
``/On``, ``/1`` or a localised word), never with an assumed name. Derived fields are computed
here in Python; a calculation script in the PDF is never run.
"""

from __future__ import annotations

from collections.abc import Mapping

import pymupdf

from desk_app.errors import ValidationError
from desk_app.pdf import barcodes
from desk_app.pdf.catalogue import FormSpec
from desk_app.pdf.derive import derived_values
from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.generate import DATA_BARCODE_AREA
from desk_app.pdf.mupdf import (
    ANNOT_WIDGET,
    WIDGET_CHECKBOX,
    WIDGET_COMBOBOX,
    WIDGET_LISTBOX,
    WIDGET_SIGNATURE,
    on_owner,
    pages,
)
from desk_app.pdf.read import field_values, identify_by_fields
from desk_app.pdf.safety import check, open_checked

DATA_MARK_KEY = "DeskAppData"  # marks our data-barcode content streams so a re-stamp replaces them
MODULE_PT = 0.9


def _tick(doc: pymupdf.Document, w: pymupdf.Widget, ticked: bool) -> None:
    """Set a checkbox by its own on-state name; its appearance streams are kept as drawn.

    (PyMuPDF's ``Widget.update`` would redraw the box with an on-state called ``/Yes``.)
    """
    on = w.on_state()
    state = on if ticked and isinstance(on, str) and on else "Off"
    name = state.replace("#", "#23").replace(" ", "#20")  # a PDF name, escaped
    doc.xref_set_key(w.xref, "AS", f"/{name}")
    kind, parent = doc.xref_get_key(w.xref, "Parent")
    target = int(parent.split()[0]) if kind == "xref" else w.xref
    doc.xref_set_key(target, "V", f"/{name}")


def _set_widget(doc: pymupdf.Document, w: pymupdf.Widget, value: str) -> None:
    kind = w.field_type
    if kind == WIDGET_SIGNATURE:
        return  # a signature is applied by a signing tool, never typed
    if kind == WIDGET_CHECKBOX:
        _tick(doc, w, value.strip().lower() not in ("", "off", "no", "false", "0"))
        return
    if kind in (WIDGET_COMBOBOX, WIDGET_LISTBOX):
        w.field_value = value if value else " "
    else:
        w.field_value = value
    w.update()


def field_index(doc: pymupdf.Document) -> dict[str, list[tuple[int, int]]]:
    """Field name -> [(page number, widget xref)], from the page annotation lists.

    Much cheaper than loading every widget: only the widgets to be written get loaded.
    """
    index: dict[str, list[tuple[int, int]]] = {}
    for page in pages(doc):
        for xref, kind, _id in page.annot_xrefs():
            if kind != ANNOT_WIDGET:
                continue
            name = _field_name(doc, xref)
            if name:
                index.setdefault(name, []).append((page.number, xref))
    return index


def _field_name(doc: pymupdf.Document, xref: int) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    while xref and xref not in seen:  # a widget's name may sit on its parent field
        seen.add(xref)
        kind, value = doc.xref_get_key(xref, "T")
        if kind == "string":
            parts.append(value)
        kind, parent = doc.xref_get_key(xref, "Parent")
        xref = int(parent.split()[0]) if kind == "xref" else 0
    return ".".join(reversed(parts))


def _current(
    doc: pymupdf.Document, index: dict[str, list[tuple[int, int]]], names: set[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names & set(index):
        kind, value = doc.xref_get_key(index[name][0][1], "V")
        out[name] = value.strip() if kind == "string" else ""
    return out


def _spec_of(doc: pymupdf.Document) -> FormSpec | None:
    return identify_by_fields(set(field_index(doc)))


def _fill(pdf: bytes, values: Mapping[str, str]) -> bytes:
    doc = open_checked(pdf)
    try:
        check(doc)
        index = field_index(doc)
        signed = [
            n
            for n, places in index.items()
            if doc.xref_get_key(places[0][1], "FT") == ("name", "/Sig")
            and doc.xref_get_key(places[0][1], "V")[0] != "null"
        ]
        if signed:
            raise PdfRejected(
                "the form is signed digitally; writing into it would break the "
                "signature (keep the signed original as it is)",
                "signed",
            )
        unknown = sorted(set(values) - set(index))
        if unknown:
            raise ValidationError("values", "the form has no field " + ", ".join(unknown))
        wanted = dict(values)
        spec = identify_by_fields(set(index))
        if spec is not None:
            current = _current(doc, index, {f"role_{i}_role" for i in range(1, spec.role_rows + 1)})
            current.update(wanted)
            wanted.update(derived_values(spec, current))
        pages = {n: doc[n] for n in {p for name in wanted for p, _x in index.get(name, ())}}
        for name, value in wanted.items():
            for page_no, xref in index.get(name, ()):
                _set_widget(doc, pages[page_no].load_widget(xref), str(value))
        return doc.tobytes(garbage=1, deflate=True)
    finally:
        doc.close()


def fill_form(pdf: bytes, values: Mapping[str, str]) -> bytes:
    """Write ``values`` into the fields of ``pdf`` and return the new PDF.

    Args:
        pdf: a fillable PDF (one of our forms, or any AcroForm PDF).
        values: field name -> text; a checkbox is ticked by any value other than "", "Off",
            "No", "false" or "0". Derived fields of a catalogue form are recomputed.

    Raises:
        ValidationError: a name in ``values`` is not a field of the PDF.
        PdfRejected: the PDF is unreadable, encrypted, carries active content, or is signed.
    """
    return on_owner(_fill, pdf, values)


def _flatten(pdf: bytes) -> bytes:
    doc = open_checked(pdf)
    try:
        doc.bake(annots=True, widgets=True)
        doc.set_metadata({**(doc.metadata or {}), "keywords": "flattened archival copy"})
        return doc.tobytes(garbage=3, deflate=True)
    finally:
        doc.close()


def flatten(pdf: bytes) -> bytes:
    """An archival copy: field values burnt into the page content, no fields left to change."""
    return on_owner(_flatten, pdf)


def _remove_old_marks(doc: pymupdf.Document, page: pymupdf.Page) -> list[str]:
    kind, value = doc.xref_get_key(page.xref, "Contents")
    refs = value.strip("[]").split(" R") if kind == "array" else [value.removesuffix(" R")]
    kept = []
    for ref in (r.strip() for r in refs):
        if not ref:
            continue
        xref = int(ref.split()[0])
        if doc.xref_get_key(xref, DATA_MARK_KEY)[0] == "null":
            kept.append(f"{xref} 0 R")
    return kept


def _stamp(doc: pymupdf.Document, page: pymupdf.Page, text: str) -> None:
    matrix, _symbology = barcodes.data_matrix(text)
    x0, y0, x1, y1 = DATA_BARCODE_AREA
    mw = min(MODULE_PT, (x1 - x0) / matrix.shape[1])
    mh = min(mw, (y1 - y0) / matrix.shape[0])
    ox = x0
    oy = y0 + ((y1 - y0) - matrix.shape[0] * mh) / 2
    if page.rect.height != page.mediabox.height:
        raise PdfRejected("the page has a crop box we do not stamp on", "unsupported")
    stream = barcodes.matrix_content_stream(matrix, ox, oy, mw, mh)
    page.wrap_contents()
    kept = _remove_old_marks(doc, page)
    xref = doc.get_new_xref()
    doc.update_object(xref, f"<< /{DATA_MARK_KEY} true >>")
    doc.update_stream(xref, stream)
    doc.xref_set_key(page.xref, "Contents", "[" + " ".join([*kept, f"{xref} 0 R"]) + "]")


def _add_data_barcode(pdf: bytes, values: Mapping[str, str] | None) -> bytes:
    doc = open_checked(pdf)
    try:
        spec = _spec_of(doc)
        if spec is None:
            raise PdfRejected("only our own fillable forms get a data barcode", "not_a_form")
        all_values = dict(field_values(doc))
        all_values.update(values or {})
        all_values.update(derived_values(spec, all_values))
        for page in pages(doc):
            number = page.number + 1
            # the PIN stays on paper only: a barcode would make the entity's secret copyable
            on_page = {
                f.name: all_values.get(f.name, "")
                for f in spec.fields
                if f.page == number and f.kind not in ("signature", "pin") and not f.derived
            }
            text = barcodes.encode_data(
                spec.number, spec.edition, number, on_page, spec.field_names
            )
            _stamp(doc, page, text)
        return doc.tobytes(garbage=1, deflate=True)
    finally:
        doc.close()


def add_data_barcode(pdf: bytes, values: Mapping[str, str] | None = None) -> bytes:
    """Stamp each page of a filled form with a data barcode of that page's values.

    A faxed printout can then be read back without keying (see :func:`desk_app.pdf.read.read_form`).
    Stamping again replaces the earlier barcode. The security PIN is never put in the barcode.

    Args:
        pdf: one of our forms, filled.
        values: values to encode instead of the fields' own (optional).
    """
    return on_owner(_add_data_barcode, pdf, values)


def _printable(pdf: bytes) -> bytes:
    doc = open_checked(pdf)
    try:
        for page in pages(doc):
            for w in list(page.widgets()):
                if w.field_type == WIDGET_SIGNATURE and doc.xref_get_key(w.xref, "V")[0] == "null":
                    page.delete_widget(w)
        return doc.tobytes(garbage=1, deflate=True)
    finally:
        doc.close()


def printable_copy(pdf: bytes) -> bytes:
    """A copy for paper: unsigned signature fields removed.

    MuPDF draws a "SIGN" tag on an unsigned signature field; on paper the drawn box is where the
    signer signs, so the field itself has nothing to add. Signed fields are kept.
    """
    return on_owner(_printable, pdf)
