"""Bad input goes to Quarantine with its reason and its bytes; a crash at any step loses nothing
and the re-run creates no duplicate."""

from __future__ import annotations

import struct
import zlib

import pymupdf
import pytest
from sqlalchemy import func, select

from desk_app.intake.blobstore import sha256_hex
from desk_app.intake.pipeline import STEPS
from desk_app.intake.sources import FileList, fax_folder
from desk_app.models.audit import AuditEvent
from desk_app.models.intake import SourceItem
from desk_app.models.submissions import FormSubmission
from tests.intake.makers import (
    Crash,
    concat_pdfs,
    crash_at,
    documents,
    eml_with,
    fax_tiff,
    filled_form,
    printed_form,
    submissions,
)


def _encrypted() -> bytes:
    doc = pymupdf.open(stream=filled_form(), filetype="pdf")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")


def _javascript() -> bytes:
    doc = pymupdf.open(stream=filled_form(), filetype="pdf")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", "<</S/JavaScript/JS(app.alert\\(1\\))>>")
    return doc.tobytes()


def _pdf_image_bomb() -> bytes:
    """A PDF whose one image claims 60,000 x 60,000 pixels (3.6 gigapixels) in a few bytes."""
    doc = pymupdf.open()
    page = doc.new_page()
    xref = doc.get_new_xref()
    body = zlib.compress(b"\x00" * 10_000)
    doc.update_object(
        xref,
        "<</Type/XObject/Subtype/Image/Width 60000/Height 60000"
        "/BitsPerComponent 8/ColorSpace/DeviceGray/Filter/FlateDecode>>",
    )
    doc.update_stream(xref, body, compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")
    resources = page.get_contents()  # make sure the page has a content stream
    del resources
    doc.xref_set_key(page.xref, "Resources", f"<</XObject<</Im0 {xref} 0 R>>>>")
    page.insert_text((72, 72), "x")
    cx = page.get_contents()[0]
    doc.update_stream(cx, b"q 500 0 0 500 0 0 cm /Im0 Do Q")
    return doc.tobytes()


def _png_bomb() -> bytes:
    """A PNG header that claims 50,000 x 50,000 pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


BAD = {
    "corrupt.pdf": (b"%PDF-1.7\n1 0 obj <</Type/Catalog>> garbage \x00\xff" * 20, "has no pages"),
    "truncated.pdf": (None, "has no pages"),
    "encrypted.pdf": (None, "encrypted"),
    "script.pdf": (None, "JavaScript"),
    "huge.pdf": (b"%PDF-1.7\n" + b" " * (26 * 1024 * 1024), "over the 25 MB limit"),
    "bomb.pdf": (None, "decompression bomb"),
    "bomb.png": (None, "decompression bomb"),
    "broken.png": (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 50, "image cannot be read"),
    "truncated.tif": (None, "image cannot be read"),
    "notes.txt": (b"please add my user", "is not a form"),
}


def _bad_bytes(name: str) -> bytes:
    data, _ = BAD[name]
    if data is not None:
        return data
    return {
        "encrypted.pdf": _encrypted,
        "script.pdf": _javascript,
        "bomb.pdf": _pdf_image_bomb,
        "bomb.png": _png_bomb,
        "truncated.pdf": lambda: filled_form()[:2500],
        "truncated.tif": lambda: fax_tiff(printed_form())[:400],
    }[name]()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_quarantined_with_reason_and_original(tmp_path, ctx, run_intake, name):
    data = _bad_bytes(name)
    path = tmp_path / name
    path.write_bytes(data)
    good = tmp_path / "good.pdf"
    good.write_bytes(filled_form())
    report = run_intake(FileList([path, good]))  # the run goes on past the bad file
    assert (report.submissions, report.quarantined) == (2, 1)
    bad = next(s for s in submissions(ctx) if s.state == "quarantine")
    assert BAD[name][1] in bad.quarantine_reason and bad.quarantine_reason.startswith(name)
    [original] = [d for d in documents(ctx, bad) if d.role == "original"]
    assert ctx.blobs().get(original.sha256) == data


def test_bad_attachment_in_a_mail_keeps_mail_and_attachment(tmp_path, ctx, run_intake):
    mail = tmp_path / "m.eml"
    mail.write_bytes(
        eml_with(
            [
                ("secret.pdf", "application/pdf", _encrypted()),
                ("ok.pdf", "application/pdf", filled_form()),
            ]
        )
    )
    run_intake(FileList([mail]))
    states = sorted(s.state for s in submissions(ctx))
    assert states == ["quarantine", "ready_for_review"]
    bad = next(s for s in submissions(ctx) if s.state == "quarantine")
    roles = {d.role: d.sha256 for d in documents(ctx, bad)}
    assert roles["envelope"] == sha256_hex(mail.read_bytes())
    assert "encrypted" in bad.quarantine_reason


def _count(ctx, model) -> int:
    with ctx.store.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize("step", STEPS)
def test_crash_at_each_step_then_rerun_creates_each_submission_once(
    tmp_path, ctx, run_intake, step
):
    drop = tmp_path / "fax"
    drop.mkdir()
    other = printed_form("MO 500-2377", token="tok-2", entity_code="026-000")
    (drop / "5735550001.tif").write_bytes(fax_tiff(concat_pdfs(printed_form(), other)))
    (drop / "5735550002.pdf").write_bytes(filled_form(token="tok-3", entity_code="048-079"))
    with pytest.raises(Crash):
        run_intake(fax_folder(drop, ctx.settings["fax_number_pattern"]), hook=crash_at(step))
    report = run_intake(fax_folder(drop, ctx.settings["fax_number_pattern"]))
    assert not report.unreachable
    subs = submissions(ctx)
    assert sorted(s.token for s in subs) == ["tok-1", "tok-2", "tok-3"]
    assert all(s.duplicate_of_id is None for s in subs)
    assert _count(ctx, SourceItem) == 2
    assert sorted(p.name for p in (drop / "processed").iterdir()) == [
        "5735550001.tif",
        "5735550002.pdf",
    ]
    assert [p.name for p in drop.iterdir()] == ["processed"]
    with ctx.store.read() as s:
        received = s.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "intake.receive")
        ).scalar_one()
    assert received == 3  # a rolled-back enqueue left no audit event behind
    assert run_intake(fax_folder(drop, "")).taken == 0  # and a third run finds nothing new


def test_crash_after_acknowledge_resumes_from_the_blob_store(tmp_path, ctx, run_intake):
    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "0001.pdf").write_bytes(filled_form())
    with pytest.raises(Crash):
        run_intake(fax_folder(drop, ""), hook=crash_at("normalise"))
    assert not (drop / "0001.pdf").exists()  # the source has forgotten it...
    assert _count(ctx, FormSubmission) == 0
    report = run_intake()  # ...and a run with no source at all still finishes it
    assert report.resumed == 1 and _count(ctx, FormSubmission) == 1


def test_disk_full_stops_before_the_source_is_acknowledged(tmp_path, ctx, run_intake, monkeypatch):
    import errno

    from desk_app.errors import StoreError
    from desk_app.intake.blobstore import BlobStore

    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "0001.pdf").write_bytes(filled_form())

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(BlobStore, "_write", staticmethod(disk_full))
    with pytest.raises(StoreError, match="No space left"):
        run_intake(fax_folder(drop, ""))
    assert (drop / "0001.pdf").exists() and _count(ctx, SourceItem) == 0
    monkeypatch.undo()
    assert run_intake(fax_folder(drop, "")).submissions == 1
