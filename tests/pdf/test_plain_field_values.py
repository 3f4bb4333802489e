"""Field values read straight from the widgets' dictionaries equal PyMuPDF's widget path, and
anything but a plain field falls back to that path."""

from __future__ import annotations

import pymupdf
import pytest

from desk_app.pdf import read
from desk_app.pdf.catalogue import FORMS
from desk_app.pdf.fill import fill_form
from desk_app.pdf.generate import generate_form
from desk_app.pdf.samples import example_values


def _through_widgets(doc: pymupdf.Document) -> dict[str, str]:
    values: dict[str, str] = {}
    for page in doc:
        for w in page.widgets():
            if w.field_name:
                value = read.widget_value(w, doc)
                if value or w.field_name not in values:
                    values[w.field_name] = value
    return values


@pytest.mark.parametrize("number", sorted(FORMS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plain_reading_equals_the_widget_path(number: str, seed: int) -> None:
    spec = FORMS[number]
    values = {
        k: v for k, v in example_values(spec, seed, rows=3).items() if not spec.field(k).derived
    }
    for pdf in (generate_form(number), fill_form(generate_form(number), values)):
        doc = pymupdf.open(stream=pdf, filetype="pdf")
        plain = read._plain_field_values(doc)
        assert plain is not None and plain == _through_widgets(doc)


def test_unusual_text_survives_the_plain_reading() -> None:
    spec = FORMS["MO 500-2356"]
    odd = {"entity_name": "Délgado – Ramírez 数学", "signer_name": "(paren) \\ back"}
    doc = pymupdf.open(stream=fill_form(generate_form(spec.number), odd), filetype="pdf")
    values = read.field_values(doc)
    assert values["entity_name"] == odd["entity_name"]
    assert values["signer_name"] == odd["signer_name"]


def test_a_field_with_a_parent_is_read_through_the_widgets() -> None:
    doc = pymupdf.open(stream=generate_form("MO 500-2356"), filetype="pdf")
    first = doc[0].annot_xrefs()[0][0]
    parent = doc.get_new_xref()
    doc.update_object(parent, f"<</T (group)/Kids [{first} 0 R]>>")
    doc.xref_set_key(first, "Parent", f"{parent} 0 R")
    assert read._plain_field_values(doc) is None
    assert read.field_values(doc) == _through_widgets(doc)
