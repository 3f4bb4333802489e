"""Page QR on every page and the data barcode, decoded by zxing-cpp from rendered pages."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.pdf import barcodes
from desk_app.pdf.catalogue import FORMS, get_form
from desk_app.pdf.fill import add_data_barcode, fill_form, flatten
from desk_app.pdf.read import read_form
from desk_app.pdf.render import render_page
from desk_app.pdf.samples import example_values


def _page_image(pdf: bytes, page: int, dpi: int = 150) -> np.ndarray:
    r = render_page(pdf, page, dpi / 72)
    return barcodes.image_from_samples(r.samples, r.width, r.height, r.stride, 3)


def test_every_page_qr_decodes_with_zxing(form_number: str, blank_forms: dict[str, bytes]) -> None:
    spec = FORMS[form_number]
    for page in range(spec.page_count):
        found = zxingcpp.read_barcodes(
            _page_image(blank_forms[form_number], page), formats=[zxingcpp.BarcodeFormat.QRCode]
        )
        marks = [barcodes.parse_page_mark(b.text) for b in found]
        assert marks == [barcodes.PageMark(spec.number, spec.edition, page + 1, spec.page_count)]


def test_page_mark_text_round_trip() -> None:
    mark = barcodes.PageMark("MO 500-2377", "2026-1", 2, 2, "REQ-77")
    assert barcodes.parse_page_mark(barcodes.encode_page_mark(mark)) == mark
    assert barcodes.parse_page_mark("https://example.org") is None
    with pytest.raises(ValueError):
        barcodes.encode_page_mark(barcodes.PageMark("X", "1", 1, 1, "a|b"))


def test_data_barcode_text_compresses_long_payloads() -> None:
    names = [f"f{i}" for i in range(40)]
    values = {n: "Long value number " + n for n in names}
    text = barcodes.encode_data("DA-101", "2026-1", 1, values, names)
    assert "|Z:" in text
    mark = barcodes.parse_data(text, lambda number, edition: names)
    assert mark is not None and mark.values == values


def _fax_like(image: np.ndarray) -> np.ndarray:
    """Standard-mode fax: 204 x 98 dpi from a 200 dpi render, black and white."""
    grey = image.mean(axis=2) if image.ndim == 3 else image
    halved_rows = grey[::2, :]
    return np.where(halved_rows < 140, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("number", ["MO 500-2377", "DA-102", "MO 500-3209"])
def test_data_barcode_reads_back_a_printed_copy(number: str, blank_forms: dict[str, bytes]) -> None:
    spec = get_form(number)
    values = example_values(spec, variant=5, rows=3)
    filled = fill_form(
        blank_forms[number], {k: v for k, v in values.items() if not spec.field(k).derived}
    )
    printed = flatten(add_data_barcode(filled))
    # what comes back from the fax machine: pictures of the pages, no fields, no text layer
    scanned = pymupdf.open()
    for page in range(spec.page_count):
        img = _fax_like(_page_image(printed, page, dpi=200))
        found = barcodes.decode_image(img)
        assert any(t.startswith(barcodes.DATA_PREFIX) for t in found), f"page {page + 1}"
        pix = pymupdf.Pixmap(pymupdf.csGRAY, img.shape[1], img.shape[0], img.tobytes(), False)
        new = scanned.new_page(width=612, height=792)
        new.insert_image(new.rect, pixmap=pix, keep_proportion=False)
    reading = read_form(scanned.tobytes())
    assert (reading.form_number, reading.source) == (number, "barcode")
    for name, value in values.items():
        if name == "pin":
            assert reading.values[name] == ""  # the PIN stays on paper, never in the barcode
        else:
            assert reading.values[name] == value, name


def test_restamping_replaces_the_data_barcode(blank_forms: dict[str, bytes]) -> None:
    spec = get_form("MO 500-2356")
    values = {k: v for k, v in example_values(spec).items()}
    once = add_data_barcode(fill_form(blank_forms[spec.number], values))
    twice = add_data_barcode(fill_form(once, {"um_first_name": "Changed"}))
    found = barcodes.decode_image(_page_image(flatten(twice), 0))
    data = [t for t in found if t.startswith(barcodes.DATA_PREFIX)]
    assert len(data) == 1
    mark = barcodes.parse_data(data[0], lambda n, e: spec.field_names)
    assert mark is not None and mark.values["um_first_name"] == "Changed"


@given(
    st.dictionaries(
        st.sampled_from([f"field_{i}" for i in range(60)]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
        max_size=60,
    )
)
@settings(max_examples=60, deadline=None)
def test_data_payload_round_trips_any_text(values: dict[str, str]) -> None:
    names = [f"field_{i}" for i in range(60)]
    text = barcodes.encode_data("DA-103", "2026-1", 2, values, names)
    mark = barcodes.parse_data(text, lambda number, edition: names)
    assert mark is not None and (mark.number, mark.page) == ("DA-103", 2)
    assert mark.values == {k: v for k, v in values.items() if v}


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_sideways_fax_still_reads(turns: int, blank_forms: dict[str, bytes]) -> None:
    spec = get_form("MO 500-2356")
    values = {k: v for k, v in example_values(spec, variant=7).items() if k != "pin"}
    printed = flatten(add_data_barcode(fill_form(blank_forms[spec.number], values)))
    img = np.ascontiguousarray(np.rot90(_fax_like(_page_image(printed, 0, dpi=200)), turns))
    scanned = pymupdf.open()
    pix = pymupdf.Pixmap(pymupdf.csGRAY, img.shape[1], img.shape[0], img.tobytes(), False)
    page = scanned.new_page(width=img.shape[1] * 72 / 200, height=img.shape[0] * 72 / 100)
    page.insert_image(page.rect, pixmap=pix, keep_proportion=False)
    reading = read_form(scanned.tobytes())
    assert (reading.form_number, reading.source) == (spec.number, "barcode")
    assert all(reading.values[k] == v for k, v in values.items() if not spec.field(k).derived)
