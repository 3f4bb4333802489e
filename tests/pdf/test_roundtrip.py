"""Generate, fill, read: every form gives back the values written into it."""

from __future__ import annotations

import pymupdf
import pytest

from desk_app.errors import ValidationError
from desk_app.pdf.catalogue import FORMS, get_form
from desk_app.pdf.fill import fill_form, flatten, printable_copy
from desk_app.pdf.generate import generate_form
from desk_app.pdf.read import read_form
from desk_app.pdf.samples import example_values


def _fillable(values: dict[str, str]) -> dict[str, str]:
    spec_names = {k for k in values if not k.endswith("_level")}
    return {k: values[k] for k in spec_names}


def test_every_form_round_trips(form_number: str, blank_forms: dict[str, bytes]) -> None:
    spec = FORMS[form_number]
    values = example_values(spec, variant=3, rows=3)
    filled = fill_form(blank_forms[form_number], _fillable(values))
    reading = read_form(filled)
    assert (reading.form_number, reading.edition, reading.source) == (
        spec.number,
        spec.edition,
        "fields",
    )
    assert reading.page_count == spec.page_count
    for name, value in values.items():
        assert reading.values[name] == value, name
    # every field of the form is reported, empty ones as ""
    assert set(reading.values) == set(spec.field_names)
    assert all(
        reading.values[f.name] == ""
        for f in spec.fields
        if f.name not in values and f.kind != "signature"
    )


def test_prefill_and_token_survive() -> None:
    pdf = generate_form(
        "MO 500-2356",
        {"entity_name": "Hickory County R-I", "entity_code": "043-001", "no_such_field": "x"},
        token="REQ-2026-000123",
    )
    reading = read_form(pdf)
    assert reading.token == "REQ-2026-000123"
    assert reading.values["entity_name"] == "Hickory County R-I"
    assert reading.values["entity_code"] == "043-001"


def test_derived_level_is_recomputed_not_trusted(blank_forms: dict[str, bytes]) -> None:
    spec = get_form("MO 500-2377")
    values = _fillable(example_values(spec, rows=1))
    filled = fill_form(blank_forms[spec.number], values)
    doc = pymupdf.open(stream=filled)
    for w in doc[0].widgets():
        if w.field_name == "role_1_level":
            w.field_value = "9"  # a tampered derived field
            w.update()
    tampered = doc.tobytes()
    level = read_form(tampered).values["role_1_level"]
    assert (
        level
        == {
            "CORE_DATA_VIEW": "1",
            "CORE_DATA_ENTRY": "2",
            "CORE_DATA_APPROVE": "3",
            "FINANCE_VIEW": "1",
            "FINANCE_ENTRY": "2",
            "FINANCE_APPROVE": "3",
            "FINANCE_ADMIN": "4",
        }[values["role_1_role"]]
    )


def test_checkbox_unticks_and_ticks(blank_forms: dict[str, bytes]) -> None:
    blank = blank_forms["DA-101"]
    ticked = fill_form(blank, {"contact_certifies": "Yes"})
    assert read_form(ticked).values["contact_certifies"] == "Yes"
    unticked = fill_form(ticked, {"contact_certifies": ""})
    assert read_form(unticked).values["contact_certifies"] == ""


def test_unknown_field_is_refused(blank_forms: dict[str, bytes]) -> None:
    with pytest.raises(ValidationError, match="no field ssn"):
        fill_form(blank_forms["MO 500-2356"], {"ssn": "123"})


def test_flattened_copy_has_no_fields_but_keeps_the_text(blank_forms: dict[str, bytes]) -> None:
    spec = get_form("MO 500-2356")
    values = _fillable(example_values(spec))
    flat = flatten(fill_form(blank_forms[spec.number], values))
    doc = pymupdf.open(stream=flat)
    assert not list(doc[0].widgets())
    text = doc[0].get_text()
    assert values["entity_name"] in text and values["um_email"] in text
    reading = read_form(flat)
    assert reading.form_number == spec.number  # still identified by its page QR


def test_signature_field_is_an_unsigned_sig_field(blank_forms: dict[str, bytes]) -> None:
    doc = pymupdf.open(stream=blank_forms["DA-102"])
    sigs = [
        w for p in doc for w in p.widgets() if w.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE
    ]
    assert sorted(w.field_name for w in sigs) == ["signature", "user_signature"]
    for w in sigs:
        assert doc.xref_get_key(w.xref, "FT") == ("name", "/Sig")
        assert doc.xref_get_key(w.xref, "V")[0] == "null"  # unsigned
    assert doc.xref_get_key(doc.pdf_catalog(), "AcroForm/SigFlags")[1] == "1"


def test_printable_copy_drops_unsigned_signature_fields(blank_forms: dict[str, bytes]) -> None:
    paper = pymupdf.open(stream=printable_copy(blank_forms["DA-102"]))
    assert not [
        w for p in paper for w in p.widgets() if w.field_type == pymupdf.PDF_WIDGET_TYPE_SIGNATURE
    ]
    assert len([w for p in paper for w in p.widgets()]) == len(FORMS["DA-102"].fields) - 2


def test_token_must_fit_the_page_qr() -> None:
    with pytest.raises(ValidationError, match="token"):
        generate_form("MO 500-2356", token="a|b")
    with pytest.raises(ValidationError):
        generate_form("MO 500-2356", token="x" * 65)
