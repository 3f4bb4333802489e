"""A corpus of hostile input, built here: each item is quarantined with its reason, its original
kept, and the run (and this process) goes on to the next file."""

from __future__ import annotations

import io
import struct
import zlib

import pymupdf
import pytest
from PIL import Image

from desk_app.intake.sources import FileList
from desk_app.sandbox import api
from tests.intake.makers import documents, fax_tiff, filled_form, printed_form, submissions


def _launch() -> bytes:
    doc = pymupdf.open(stream=filled_form(), filetype="pdf")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/Launch/F(cmd.exe)>>")
    return doc.tobytes()


def _embedded_exe() -> bytes:
    doc = pymupdf.open(stream=filled_form(), filetype="pdf")
    doc.embfile_add("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, filename="setup.exe")
    return doc.tobytes()


def _flate_bomb(name: bytes = b"/FlateDecode", layers: int = 1) -> bytes:
    """A PDF with one stream that inflates to 200 MB (``/Fl`` is the short name MuPDF also
    decodes); with two ``layers`` the first inflates to only 200 kB, the second to the 200 MB."""
    body = zlib.compress(b"\x00" * (200 * 1024 * 1024), 9)
    for _ in range(layers - 1):
        body = zlib.compress(body, 9)
    doc = pymupdf.open()
    doc.new_page()
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, body, compress=False)
    doc.xref_set_key(
        xref, "Filter", name.decode() if layers == 1 else f"[{(name.decode() + ' ') * layers}]"
    )
    doc.xref_set_key(doc.pdf_catalog(), "Bomb", f"{xref} 0 R")
    return doc.tobytes()


def _thousands_of_pages() -> bytes:
    doc = pymupdf.open()
    for _ in range(3000):
        doc.new_page()
    return doc.tobytes()


def _tiff_strip_bomb() -> bytes:
    """A one-strip TIFF header that claims 80,000 x 80,000 pixels."""
    entries = [
        (256, 4, 1, 80_000),  # width
        (257, 4, 1, 80_000),  # height
        (258, 3, 1, 1),  # bits per sample
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 0),
        (273, 4, 1, 200),  # strip offset
        (278, 4, 1, 80_000),  # rows per strip
        (279, 4, 1, 64),  # strip byte count
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHII", tag, kind, count, value)
    ifd += struct.pack("<I", 0)
    body = b"II*\x00" + struct.pack("<I", 8) + ifd
    return body + b"\x00" * (264 - len(body))


def _cut_tiff() -> bytes:
    """A two-page fax cut off in the middle of its second page's strip."""
    whole = fax_tiff(printed_form("MO 500-2377"))
    with Image.open(io.BytesIO(whole)) as image:
        image.seek(1)
        offset = image.tag_v2[273][0]
    return whole[: offset + 40]


CORPUS = {
    "launch.pdf": (_launch, "launch action"),
    "setup-inside.pdf": (_embedded_exe, "embedded files"),
    "flate-bomb.pdf": (_flate_bomb, "decompression bomb"),
    "short-name-bomb.pdf": (lambda: _flate_bomb(b"/Fl"), "decompression bomb"),
    "double-flate-bomb.pdf": (lambda: _flate_bomb(layers=2), "decompression bomb"),
    "pages.pdf": (_thousands_of_pages, "over the 60-page limit"),
    "strip-bomb.tif": (_tiff_strip_bomb, "decompression bomb"),
    "cut.tif": (_cut_tiff, "cannot be read"),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_is_quarantined_with_its_reason(tmp_path, ctx, run_intake, name):
    make, reason = CORPUS[name]
    data = make()
    path = tmp_path / name
    path.write_bytes(data)
    good = tmp_path / "good.pdf"
    good.write_bytes(filled_form())
    report = run_intake(FileList([path, good]))
    assert (report.submissions, report.quarantined) == (2, 1)
    bad = next(s for s in submissions(ctx) if s.state == "quarantine")
    assert reason in bad.quarantine_reason and bad.quarantine_reason.startswith(name)
    [original] = [d for d in documents(ctx, bad) if d.role == "original"]
    assert ctx.blobs().get(original.sha256) == data


MISBEHAVIOUR = {
    "hangs": ("probe", {"seconds": 60}, "longer than 2 s"),
    "crashes": ("crash", {}, "crash"),
    "floods": ("babble", {"size": 300 * 1024 * 1024}, "over the"),
    "garbles": ("garble", {}, "malformed reply"),
    "spins": ("burn", {"seconds": 30}, "more CPU time than allowed"),
    "hoards memory": ("hog", {"megabytes": 4000}, "more memory than allowed"),
}
TIGHT = {"spins": {"timeout_s": 20, "cpu_s": 1}}


@pytest.mark.parametrize("how", sorted(MISBEHAVIOUR))
def test_a_child_that_misbehaves_quarantines_the_item_and_the_run_goes_on(
    tmp_path, ctx, run_intake, monkeypatch, how
):
    """The child reading ``victim.pdf`` hangs, crashes, floods or garbles its reply."""
    job, params, reason = MISBEHAVIOUR[how]
    victim = filled_form(token="victim")
    real = api._call

    def call(name, data, limits=None, **kw):
        if name == "check_pdf" and data == victim:
            tight = api.Limits(
                **{"timeout_s": 2, "max_output": 8 * 1024 * 1024, **TIGHT.get(how, {})}
            )
            return api.default_sandbox().call(job, limits=tight, **params)
        return real(name, data, limits, **kw)

    monkeypatch.setattr(api, "_call", call)
    (tmp_path / "victim.pdf").write_bytes(victim)
    (tmp_path / "next.pdf").write_bytes(filled_form())
    report = run_intake(FileList([tmp_path / "victim.pdf", tmp_path / "next.pdf"]))
    assert (report.submissions, report.quarantined) == (2, 1)
    bad = next(s for s in submissions(ctx) if s.state == "quarantine")
    assert reason in bad.quarantine_reason, bad.quarantine_reason
    [original] = [d for d in documents(ctx, bad) if d.role == "original"]
    assert ctx.blobs().get(original.sha256) == victim
    assert any(s.state == "ready_for_review" for s in submissions(ctx))
    # this process lives on, and the pool (its broken child replaced) serves the next job
    assert api.read_form(filled_form(token="after")).token == "after"
