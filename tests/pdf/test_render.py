"""Rendering: sizes, rotation, search, and calls from many threads (one owner thread)."""

from __future__ import annotations

import threading

import pytest

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.mupdf import on_owner, on_owner_thread
from desk_app.pdf.render import document_info, render_page, search_text


def test_render_sizes_and_rotation(blank_forms: dict[str, bytes]) -> None:
    pdf = blank_forms["MO 500-2377"]
    page = render_page(pdf, 0, 2.0)
    assert (page.width, page.height, page.format) == (1224, 1584, "RGB888")
    assert page.stride >= page.width * 3 and len(page.samples) == page.stride * page.height
    turned = render_page(pdf, 0, 1.0, rotate=90)
    assert (turned.width, turned.height, turned.rotate) == (792, 612, 90)
    # a blank form page is mostly white paper, with ink on it
    white = page.samples.count(255) / len(page.samples)
    assert 0.6 < white < 0.99


def test_document_info_and_search(blank_forms: dict[str, bytes]) -> None:
    pdf = blank_forms["DA-102"]
    info = document_info(pdf)
    assert info.page_count == 2 and info.page_sizes[0] == (612.0, 792.0)
    hits = search_text(pdf, "Assurance")
    assert hits and all(page in (0, 1) for page, _rect in hits)
    assert search_text(pdf, "   ") == []


def test_bad_input_and_bad_page(blank_forms: dict[str, bytes]) -> None:
    with pytest.raises(PdfRejected):
        render_page(b"not a pdf", 0, 1.0)
    with pytest.raises(IndexError):
        render_page(blank_forms["MO 500-2356"], 3, 1.0)


def test_many_threads_share_one_owner_thread(blank_forms: dict[str, bytes]) -> None:
    owners: set[int] = set()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for number in ("MO 500-2356", "DA-101"):
                render_page(blank_forms[number], 0, 0.5)
                owners.add(on_owner(threading.get_ident))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(owners) == 1 and threading.get_ident() not in owners
    assert not on_owner_thread()
