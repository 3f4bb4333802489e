"""The sandbox child: reads and renders untrusted input, enforces time and size limits."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pymupdf
import pytest
from PIL import Image, ImageDraw

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.sandbox import Limits, Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(Limits(timeout_s=60))
    yield sandbox
    sandbox.close()


def test_reads_a_form_in_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    reading = box.call("read", blank_forms["DA-103"])
    assert reading.form_number == "DA-103"


def test_rejections_travel_back_with_their_reason(box: Sandbox) -> None:
    doc = pymupdf.open()
    doc.new_page()
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< /S /JavaScript /JS (app.alert(1)) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    with pytest.raises(PdfRejected) as info:
        box.call("read", doc.tobytes())
    assert info.value.code == "javascript"
    report = box.call("inspect", doc.tobytes())
    assert report.javascript and report.refusal is not None


def test_time_limit_kills_a_stuck_child_and_the_next_call_works(
    box: Sandbox, blank_forms: dict[str, bytes]
) -> None:
    with pytest.raises(PdfRejected) as info:
        box.call("probe", b"", 30, limits=Limits(timeout_s=0.5))
    assert info.value.code == "timeout"
    assert "longer than 0.5 s" in info.value.reason
    assert box.call("read", blank_forms["MO 500-2356"]).form_number == "MO 500-2356"


def test_size_and_page_limits_in_the_parent_and_child(box: Sandbox) -> None:
    with pytest.raises(PdfRejected) as big:
        box.call("read", b"%PDF" + b"0" * 5000, limits=Limits(max_bytes=1000))
    assert big.value.code == "too_big"
    doc = pymupdf.open()
    for _ in range(5):
        doc.new_page()
    with pytest.raises(PdfRejected) as pages:
        box.call("render", doc.tobytes(), None, 1.0, limits=Limits(max_pages=3))
    assert pages.value.code == "too_many_pages"


def test_renders_pages_in_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    pages = box.call("render", blank_forms["MO 500-2377"], [1], 1.0)
    assert [(p.page, p.width, p.height) for p in pages] == [(1, 612, 792)]
    assert len(pages[0].samples) == pages[0].stride * pages[0].height


def _fax_tiff(pages: int) -> bytes:
    frames = []
    for i in range(pages):
        im = Image.new("1", (1728, 1078), 1)
        ImageDraw.Draw(im).rectangle((100, 100 + i * 50, 600, 200 + i * 50), fill=0)
        frames.append(im)
    buf = io.BytesIO()
    frames[0].save(
        buf,
        format="TIFF",
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(204, 98),
    )
    return buf.getvalue()


def test_multi_page_g4_fax_tiff_becomes_a_pdf(box: Sandbox) -> None:
    pdf = box.call("image_to_pdf", _fax_tiff(3))
    doc = pymupdf.open(stream=pdf)
    assert doc.page_count == 3
    # 1728 dots at 204 dpi = 8.47 in; 1078 lines at 98 dpi = 11 in: proportions kept
    assert doc[0].rect.width == pytest.approx(1728 / 204 * 72, rel=1e-3)
    assert doc[0].rect.height == pytest.approx(1078 / 98 * 72, rel=1e-3)


def test_png_and_jpeg_become_pdfs_and_garbage_is_refused(box: Sandbox) -> None:
    for fmt in ("PNG", "JPEG"):
        buf = io.BytesIO()
        Image.new("RGB", (850, 1100), "white").save(buf, format=fmt, dpi=(100, 100))
        doc = pymupdf.open(stream=box.call("image_to_pdf", buf.getvalue()))
        assert doc.page_count == 1 and doc[0].rect.width == pytest.approx(612, rel=1e-3)
    with pytest.raises(PdfRejected) as info:
        box.call("image_to_pdf", b"not an image at all")
    assert info.value.code == "unsupported"


def test_viewer_calls_answered_by_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    pdf = blank_forms["DA-102"]
    info = box.call("info", pdf)
    assert info.page_count == 2
    [page] = box.call("render", pdf, [0], 1.0, 90)
    assert (page.width, page.height, page.rotate) == (792, 612, 90)
    hits = box.call("search", pdf, "Assurance")
    assert hits and hits[0][0] in (0, 1)
    with pytest.raises(PdfRejected, match="no page 5"):
        box.call("render", pdf, [4], 1.0)
