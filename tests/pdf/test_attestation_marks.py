"""Remove marks read off a returned attestation faxed askew (up to 1.5 degrees either way),
at normal and fine fax resolution."""

from __future__ import annotations

from datetime import date

import pymupdf
import pytest

from desk_app.pdf.attestation import (
    Attestation,
    AttestationLine,
    RemoveBox,
    attestation_pdf,
    read_remove_marks,
)
from desk_app.pdf.images import convert_image_to_pdf
from tests.intake.makers import fax_tiff

MARKED = {1, 4, 9, 17, 25, 26, 33}


@pytest.fixture(scope="module")
def printed() -> tuple[bytes, tuple[RemoveBox, ...]]:
    """A two-page attestation (34 lines) with some Remove boxes crossed by pen."""
    lines = tuple(
        AttestationLine(f"User {n:02d}", f"048-078-u{n}", "MOSIS - Data entry (2)", "048-078")
        for n in range(34)
    )
    pdf, boxes = attestation_pdf(
        Attestation(
            "Springfield R-XII",
            "048-078",
            "Spring review",
            date(2027, 1, 15),
            "Dana Whitfield",
            "Superintendent",
            "RV-TEST-048-078",
            lines,
        )
    )
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    for box in boxes:
        if box.line in MARKED:
            x0, y0, x1, y1 = box.box
            page = doc[box.page]
            page.draw_line((x0 + 1, y0 + 1), (x1 - 1, y1 - 1), width=1.6)
            page.draw_line((x0 + 1, y1 - 1), (x1 - 1, y0 + 1), width=1.6)
    return doc.tobytes(), boxes


@pytest.mark.parametrize("fine", [False, True], ids=["normal", "fine"])
@pytest.mark.parametrize("skew", [-1.5, -0.8, 0.0, 0.8, 1.5])
def test_marks_read_at_a_skew(printed, skew: float, fine: bool) -> None:
    pdf, boxes = printed
    faxed = convert_image_to_pdf(fax_tiff(pdf, skew=skew, noise=0.001, fine=fine, glass=True))
    assert read_remove_marks(faxed, boxes) == frozenset(MARKED)


def test_a_tick_rather_than_a_cross_counts(printed) -> None:
    pdf, boxes = printed
    doc = pymupdf.open(stream=pdf, filetype="pdf")
    box = next(b for b in boxes if b.line == 2)
    x0, y0, x1, y1 = box.box
    doc[box.page].draw_polyline([(x0 + 1, y0 + 5), (x0 + 4, y1 - 1), (x1 - 1, y0 + 1)], width=1.6)
    faxed = convert_image_to_pdf(fax_tiff(doc.tobytes(), skew=1.5, glass=True))
    assert read_remove_marks(faxed, boxes) == frozenset(MARKED | {2})
