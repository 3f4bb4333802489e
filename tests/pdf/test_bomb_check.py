"""The decompression-bomb check in the sandbox child: what it inflates and what it may skip.

A form of tens of kB cannot hold a Flate bomb (deflate expands at most 1032 times), so its
streams are not inflated at all; a larger file, a short filter name or chained filters are."""

from __future__ import annotations

import zlib

import pymupdf
import pytest

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.safety import inspect
from desk_app.sandbox import jobs


def _with_stream(body: bytes, filters: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page()
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, body, compress=False)
    doc.xref_set_key(xref, "Filter", filters)
    doc.xref_set_key(doc.pdf_catalog(), "Bomb", f"{xref} 0 R")
    return doc.tobytes()


def _flate_list(data: bytes) -> list[tuple[int, bool]]:
    found: list[tuple[int, bool]] = []
    inspect(pymupdf.open(stream=data, filetype="pdf"), found)
    return found


BOMB = zlib.compress(b"\x00" * (200 * 1024 * 1024), 9)  # about 200 kB in, 200 MB out


@pytest.mark.parametrize("name", ["/FlateDecode", "/Fl"])
def test_a_flate_bomb_is_refused_under_either_filter_name(name):
    data = _with_stream(BOMB, name)
    with pytest.raises(PdfRejected, match="decompression bomb"):
        jobs._checked(data)


def test_a_small_form_is_not_inflated(monkeypatch):
    data = _with_stream(zlib.compress(b"BT /F1 12 Tf (hello) Tj ET"), "/FlateDecode")
    assert _flate_list(data) and not jobs._may_inflate_past_limits(_flate_list(data), len(data))
    monkeypatch.setattr(
        jobs, "_inflated_size", lambda *_a: pytest.fail("a small file was inflated")
    )
    jobs._checked(data)


def test_text_encodings_before_flate_are_not_a_chain_but_two_expanding_filters_are():
    a85 = _with_stream(b"~>", "[/ASCII85Decode /FlateDecode]")
    twice = _with_stream(zlib.compress(zlib.compress(b"\x00" * 10_000)), "[/Fl /FlateDecode]")
    assert [chained for _x, chained in _flate_list(a85)] == [False]
    assert [chained for _x, chained in _flate_list(twice)] == [True]
    assert jobs._may_inflate_past_limits(_flate_list(twice), len(twice))


def test_a_large_file_is_inflated_and_judged_stream_by_stream():
    harmless = _with_stream(zlib.compress(bytes(range(256)) * 400), "/FlateDecode")
    padded = harmless + b"%" + b"x" * 70_000  # over the size below which nothing can be a bomb
    assert jobs._may_inflate_past_limits(_flate_list(padded), len(padded))
    jobs._checked(padded)  # inflated, found harmless
