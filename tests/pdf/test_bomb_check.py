"""The decompression-bomb check in the sandbox child: what it decodes and what it may skip.

A form of up to 16 kB cannot hold a Flate bomb (deflate expands at most 1032 times, an
ASCII85 in front of it 4 times more), so its streams are not decoded at all; a larger file, a
short filter name or chained filters are, through every layer of the chain, in little memory."""

from __future__ import annotations

import base64
import struct
import tracemalloc
import zlib

import pymupdf
import pytest

from desk_app.pdf.errors import PdfRejected
from desk_app.pdf.safety import inspect
from desk_app.sandbox import inflate, jobs
from tests.intake.makers import filled_form


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
    """ASCIIHex only halves; one ASCII85 in front of Flate (as reportlab writes a form's
    streams) is within the bound the file's size gives; a second ASCII85 is not."""
    hex_ = _with_stream(b">", "[/ASCIIHexDecode /FlateDecode]")
    a85 = _with_stream(b"~>", "[/ASCII85Decode /FlateDecode]")
    a85_twice = _with_stream(b"~>", "[/A85 /ASCII85Decode /FlateDecode]")
    twice = _with_stream(zlib.compress(zlib.compress(b"\x00" * 10_000)), "[/Fl /FlateDecode]")
    assert [chained for _x, chained in _flate_list(hex_)] == [False]
    assert [chained for _x, chained in _flate_list(a85)] == [False]
    assert [chained for _x, chained in _flate_list(a85_twice)] == [True]
    assert [chained for _x, chained in _flate_list(twice)] == [True]
    assert jobs._may_inflate_past_limits(_flate_list(twice), len(twice))


def test_a_reportlab_form_is_not_decoded():
    """The forms we receive carry ``[/ASCII85Decode /FlateDecode]`` streams (reportlab)."""
    data = filled_form()
    assert len(data) * jobs.DEFLATE_MAX_RATIO * jobs.ASCII85_MAX_RATIO < jobs.MAX_STREAM_BYTES
    assert not jobs._may_inflate_past_limits(_flate_list(data), len(data))


def test_a_large_file_is_inflated_and_judged_stream_by_stream():
    harmless = _with_stream(zlib.compress(bytes(range(256)) * 400), "/FlateDecode")
    padded = harmless + b"%" + b"x" * 70_000  # over the size below which nothing can be a bomb
    assert jobs._may_inflate_past_limits(_flate_list(padded), len(padded))
    jobs._checked(padded)  # inflated, found harmless


# --- chains: every layer decoded, each counted -----------------------------------------------
MB = 1 << 20


def _zeros_deflated(megabytes: int) -> bytes:
    """zlib data for that many MB of zero bytes, made without holding them: after a full flush
    (which forgets the history) each MB's deflate blocks are the same bytes, so they repeat."""
    packer = zlib.compressobj(9)
    head = packer.compress(b"\0" * MB) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b"\0" * MB) + packer.flush(zlib.Z_FULL_FLUSH)
    assert head[2:] == block
    size = megabytes * MB
    # an empty last block, then the Adler-32 of ``size`` zeros: A = 1, B = size mod 65521
    return head + block * (megabytes - 1) + b"\x03\x00" + struct.pack(">I", size % 65521 << 16 | 1)


def _run_length(data: bytes) -> bytes:
    """RunLength as literal runs of up to 128 bytes, then the end mark."""
    runs = (data[at : at + 128] for at in range(0, len(data), 128))
    return b"".join(bytes([len(run) - 1]) + run for run in runs) + b"\x80"


def _lzw(data: bytes, early: int = 1) -> bytes:
    """LZW as PDF writes it (MSB first, 9 to 12 bits, a clear code before the table fills)."""
    table, codes, word, next_code = {bytes([i]): i for i in range(256)}, [256], b"", 258
    widths = [9]
    for byte in data:
        if word + bytes([byte]) in table:
            word += bytes([byte])
            continue
        codes.append(table[word])
        widths.append(min(12, (next_code - 1 + early).bit_length()))
        table[word + bytes([byte])], next_code = next_code, next_code + 1
        if next_code == 4094:
            codes.append(256)
            widths.append(12)
            table, next_code = {bytes([i]): i for i in range(256)}, 258
        word = bytes([byte])
    codes += [table[word], 257]
    widths += [min(12, (next_code - 1 + early).bit_length())] * 2
    bits = "".join(format(code, f"0{width}b") for code, width in zip(codes, widths, strict=True))
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


ENCODE = {
    "FlateDecode": zlib.compress,
    "ASCIIHexDecode": lambda data: (
        b"\n".join(data[at : at + 32].hex().encode() for at in range(0, len(data), 32)) + b">"
    ),
    "ASCII85Decode": lambda data: base64.a85encode(data, wrapcol=72) + b"~>",
    "RunLengthDecode": _run_length,
    "LZWDecode": _lzw,
}


def _encoded(data: bytes, chain: list[str]) -> bytes:
    for name in reversed(chain):
        data = ENCODE[name](data)
    return data


def _array(chain: list[str]) -> str:
    return "[" + " ".join(f"/{name}" for name in chain) + "]"


DOUBLE = zlib.compress(BOMB, 9)  # a few hundred bytes, then 200 kB, then 200 MB


def test_a_double_flate_bomb_is_refused_though_its_first_layer_is_small():
    assert len(zlib.decompress(DOUBLE)) < jobs.MAX_STREAM_BYTES // 100
    with pytest.raises(PdfRejected, match="decompression bomb") as refused:
        jobs._checked(_with_stream(DOUBLE, "[/FlateDecode /FlateDecode]"))
    assert refused.value.code == "bomb"


@pytest.mark.parametrize(
    "chain",
    [
        ["ASCIIHexDecode", "FlateDecode"],
        ["ASCII85Decode", "FlateDecode"],
        ["RunLengthDecode", "FlateDecode"],
        ["LZWDecode", "FlateDecode"],
        ["ASCII85Decode", "FlateDecode", "FlateDecode"],
    ],
)
def test_a_flate_bomb_behind_another_filter_is_refused(chain):
    body = _encoded(BOMB, chain[:-1])  # BOMB is the last (Flate) layer already
    with pytest.raises(PdfRejected, match="decompression bomb"):
        jobs._checked(_with_stream(body, _array(chain)))


def test_runs_that_expand_behind_flate_are_refused():
    """RunLength alone expands 64 times: 2 MB of runs behind Flate make 128 MB."""
    body = zlib.compress(b"\x81\x00" * MB, 9)
    with pytest.raises(PdfRejected, match="decompression bomb"):
        jobs._checked(_with_stream(body, "[/FlateDecode /RunLengthDecode]"))


def _with_filter_objects(body: bytes, objects: list[str], filters: str) -> bytes:
    """A stream whose /Filter names ``objects`` (made first) by reference: ``{0}`` is the
    first one's number."""
    doc = pymupdf.open(stream=_with_stream(body, "/FlateDecode"), filetype="pdf")
    numbers = []
    for text in objects:
        numbers.append(doc.get_new_xref())
        doc.update_object(numbers[-1], text.format(*numbers))
    [xref] = [x for x in range(1, doc.xref_length()) if doc.xref_is_stream(x)][-1:]
    doc.xref_set_key(xref, "Filter", filters.format(*numbers))
    return doc.tobytes()


@pytest.mark.parametrize(
    "objects, filters",
    [
        (["[/FlateDecode /FlateDecode]"], "{0} 0 R"),
        (["/FlateDecode"], "[{0} 0 R {0} 0 R]"),
        (["/FlateDecode", "[/Fl {0} 0 R]"], "{1} 0 R"),
    ],
    ids=["the chain by reference", "each filter by reference", "a reference inside"],
)
def test_a_filter_named_by_reference_is_followed(objects, filters):
    data = _with_filter_objects(DOUBLE, objects, filters)
    stream = next(x for x in range(1, 20) if pymupdf.open(stream=data).xref_is_stream(x))
    assert (stream, True) in _flate_list(data)
    with pytest.raises(PdfRejected, match="decompression bomb"):
        jobs._checked(data)


def test_a_modest_double_flate_stream_is_accepted():
    content = b"BT /F1 12 Tf 72 720 Td (Educator certificate renewal) Tj ET\n" * 20_000
    data = _with_stream(zlib.compress(zlib.compress(content)), "[/FlateDecode /FlateDecode]")
    jobs._checked(data)
    [(xref, _chained)] = _flate_list(data)
    doc = pymupdf.open(stream=data, filetype="pdf")
    size = jobs._inflated_size(doc, xref, doc.xref_stream_raw(xref), jobs.MAX_STREAM_BYTES)
    assert size == len(content)


def test_damaged_streams_are_judged_as_far_as_they_decode():
    cut = zlib.compress(zlib.compress(bytes(range(256)) * 4000))[:-200]
    jobs._checked(_with_stream(cut, "[/FlateDecode /FlateDecode]"))
    noise = bytes((i * 7919) % 251 for i in range(100_000))
    for name in inflate.DECODERS:
        assert 0 <= inflate.decoded_size(noise, [name, "FlateDecode"], MB) <= MB + inflate.CHUNK
    cut_bomb = DOUBLE[: len(DOUBLE) // 2]  # what decodes before the break is still counted
    assert inflate.decoded_size(cut_bomb, ["Fl", "Fl"], jobs.MAX_STREAM_BYTES) > 0


CHAINS = [
    ["FlateDecode"],
    ["ASCIIHexDecode"],
    ["ASCII85Decode"],
    ["RunLengthDecode"],
    ["LZWDecode"],
    ["FlateDecode", "FlateDecode"],
    ["ASCII85Decode", "RunLengthDecode", "FlateDecode"],
    ["FlateDecode", "LZWDecode"],
]


@pytest.mark.parametrize("chain", CHAINS, ids=["-".join(c) for c in CHAINS])
def test_our_decoders_count_what_mupdf_decodes(chain):
    """Across many pieces (so the pieces' edges fall inside runs, groups and codes)."""
    data = bytes((i * i) % 7 for i in range(120_000)) + b"\0" * 200_000 + bytes(range(256)) * 300
    body = _encoded(data, chain)
    doc = pymupdf.open(stream=_with_stream(body, _array(chain)), filetype="pdf")
    xref = int(doc.xref_get_key(doc.pdf_catalog(), "Bomb")[1].split()[0])
    assert doc.xref_stream(xref) == data
    assert jobs._inflated_size(doc, xref, body, jobs.MAX_STREAM_BYTES) == len(data)


def test_lzw_early_change_zero_is_read_from_the_parameters():
    data = bytes(range(256)) * 50 + b"form" * 20_000
    body = _lzw(data, early=0)
    doc = pymupdf.open(stream=_with_stream(body, "/LZWDecode"), filetype="pdf")
    [(xref, _chained)] = _flate_list(doc.tobytes())  # LZW alone is judged too
    doc.xref_set_key(xref, "DecodeParms", "<</EarlyChange 0>>")
    assert doc.xref_stream(xref) == data
    assert jobs._inflated_size(doc, xref, body, jobs.MAX_STREAM_BYTES) == len(data)


def test_brotli_which_only_mupdf_decodes_is_measured_through_mupdf():
    brotli_hello = b"\x0b\x02\x80hello\x03"  # one uncompressed meta-block, then the end
    doc = pymupdf.open(stream=_with_stream(brotli_hello, "/BrotliDecode"), filetype="pdf")
    [(xref, chained)] = _flate_list(doc.tobytes())
    assert chained and jobs._inflated_size(doc, xref, brotli_hello, 100) == 5


def test_the_check_decodes_a_gigabyte_bomb_in_little_memory():
    gigabyte = zlib.compress(_zeros_deflated(1024), 9)  # 2 kB, then 1 MB, then 1 GB
    tracemalloc.start()
    try:
        size = inflate.decoded_size(gigabyte, ["FlateDecode", "FlateDecode"], 2 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size == 1 << 30
    assert peak < 8 * MB, peak
