"""Mail files (.msg from Outlook, .eml), the fax drop folder, and faxed TIFFs through the pipeline."""

from __future__ import annotations

import shutil

from desk_app.intake.blobstore import sha256_hex
from desk_app.intake.mail import parse_mail
from desk_app.intake.sources import FileList, fax_folder, mail_folder
from desk_app.models.submissions import QueueState
from tests.intake.makers import (
    concat_pdfs,
    documents,
    eml_with,
    fax_tiff,
    filled_form,
    printed_form,
    submissions,
)
from tests.plugin_imap import FIXTURES


def test_outlook_msg_and_its_eml_twin_parse_the_same():
    msg = parse_mail((FIXTURES / "outlook-jpeg-attachment.msg").read_bytes())
    eml = parse_mail((FIXTURES / "outlook-jpeg-attachment.eml").read_bytes())
    assert msg.sender == eml.sender == "Matijs.van.Zuijlen@xs4all.nl"
    assert (
        [a.filename for a in msg.attachments]
        == [a.filename for a in eml.attachments]
        == ["test.jpg"]
    )
    assert msg.attachments[0].data == eml.attachments[0].data
    assert msg.attachments[0].data[:3] == b"\xff\xd8\xff"


def test_mail_folder_takes_real_outlook_messages(tmp_path, ctx, run_intake):
    drop = tmp_path / "mail"
    drop.mkdir()
    for name in (
        "outlook-jpeg-attachment.msg",
        "outlook-plain-no-attachment.msg",
        "outlook-text-attachment.msg",
        "three-text-attachments.msg",
    ):
        shutil.copy(FIXTURES / name, drop / name)
    report = run_intake(mail_folder(drop))
    assert report.taken == 4 and not report.unreachable
    subs = submissions(ctx)
    reasons = sorted(s.quarantine_reason for s in subs if s.state == QueueState.QUARANTINE.value)
    # a photo that is no form of ours is queued as New (unidentified), not quarantined
    assert [s.state for s in subs if s.state != QueueState.QUARANTINE.value] == ["new"]
    assert reasons == sorted(
        [
            "the mail has no attachment: no form to read",
            "myAttachement.txt is not a form: only PDF, TIFF, PNG and JPEG files are read",
            "message.txt is not a form: only PDF, TIFF, PNG and JPEG files are read",
            "message2.txt is not a form: only PDF, TIFF, PNG and JPEG files are read",
            "message3.txt is not a form: only PDF, TIFF, PNG and JPEG files are read",
        ]
    )
    assert sorted(p.name for p in (drop / "processed").iterdir()) == sorted(
        [
            "outlook-jpeg-attachment.msg",
            "outlook-plain-no-attachment.msg",
            "outlook-text-attachment.msg",
            "three-text-attachments.msg",
        ]
    )
    blobs = ctx.blobs()
    for sub in subs:  # every quarantined item keeps its original bytes
        for doc in documents(ctx, sub):
            assert sha256_hex(blobs.get(doc.sha256)) == doc.sha256


def test_eml_with_filled_form_goes_to_review_with_entity_and_sender(tmp_path, ctx, run_intake):
    mail = tmp_path / "request.eml"
    mail.write_bytes(eml_with([("form.pdf", "application/pdf", filled_form())]))
    report = run_intake(FileList([mail]))
    assert report.submissions == 1
    [sub] = submissions(ctx)
    assert (sub.state, sub.channel, sub.form_number) == ("ready_for_review", "email", "MO 500-2356")
    assert sub.requester_name == "Ann Smith" and sub.entity_name == "Springfield R-XII"
    assert mail.exists()  # a dropped file is never moved
    roles = sorted(d.role for d in documents(ctx, sub))
    assert roles == ["envelope", "original"]


def test_fax_folder_reads_fax_number_from_the_file_name(tmp_path, ctx, run_intake):
    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "fax_5735551234_0001.tif").write_bytes(fax_tiff(printed_form()))
    run_intake(fax_folder(drop, ctx.settings["fax_number_pattern"]))
    [sub] = submissions(ctx)
    assert (sub.channel, sub.sender, sub.form_number) == ("fax", "5735551234", "MO 500-2356")
    assert sub.state == "ready_for_review"  # read from the data barcode
    assert sub.values["entity_code"] == "048-078"
    assert not (drop / "fax_5735551234_0001.tif").exists()
    assert (drop / "processed" / "fax_5735551234_0001.tif").exists()


def test_fax_number_from_tiff_tags_when_the_name_has_none(tmp_path, ctx, run_intake):
    from io import BytesIO

    from PIL import Image

    drop = tmp_path / "fax"
    drop.mkdir()
    with Image.open(BytesIO(fax_tiff(printed_form()))) as img:
        buf = BytesIO()
        img.save(
            buf,
            format="TIFF",
            compression="group4",
            dpi=(200, 100),
            tiffinfo={270: "From 816-555-0142 (CSID)"},
        )
    (drop / "0001.tif").write_bytes(buf.getvalue())
    run_intake(fax_folder(drop, r"(?P<fax>\d{3}-\d{3}-\d{4})"))
    assert submissions(ctx)[0].sender == "816-555-0142"


def test_multi_form_fax_is_split_at_the_page_qr(tmp_path, ctx, run_intake):
    other = printed_form(
        "MO 500-2377", token="tok-2", entity_name="Cole County Clerk", entity_code="026-000"
    )
    fax = tmp_path / "0002.tif"
    fax.write_bytes(fax_tiff(concat_pdfs(printed_form(), other)))
    run_intake(FileList([fax]))
    subs = submissions(ctx)
    assert sorted((s.form_number, s.token, s.page_count) for s in subs) == [
        ("MO 500-2356", "tok-1", 1),
        ("MO 500-2377", "tok-2", 2),
    ]
    parts = sorted(
        (d.first_page, d.page_count)
        for s in subs
        for d in documents(ctx, s)
        if d.role == "normalised"
    )
    assert parts == [(0, 1), (1, 2)]
    assert len({s.sha256 for s in subs}) == 2  # the two parts do not flag each other


def test_degraded_skewed_fax_is_still_identified_and_goes_to_keying(tmp_path, ctx, run_intake):
    fax = tmp_path / "0003.tif"
    fax.write_bytes(fax_tiff(printed_form(), skew=1.2, noise=0.003))
    run_intake(FileList([fax]))
    [sub] = submissions(ctx)
    assert sub.form_number == "MO 500-2356" and sub.token == "tok-1"
    assert sub.state in ("needs_keying", "ready_for_review")


def test_png_and_jpeg_scans_are_normalised_to_pdf(tmp_path, ctx, run_intake):
    import pymupdf

    page = pymupdf.open(stream=printed_form(), filetype="pdf")[0]
    pix = page.get_pixmap(matrix=pymupdf.Matrix(2, 2))
    (tmp_path / "scan.png").write_bytes(pix.tobytes("png"))
    (tmp_path / "scan.jpg").write_bytes(pix.tobytes("jpeg"))
    run_intake(FileList([tmp_path / "scan.png", tmp_path / "scan.jpg"]))
    subs = submissions(ctx)
    assert [s.form_number for s in subs] == ["MO 500-2356", "MO 500-2356"]
    assert all(
        any(d.role == "normalised" and d.media_type == "application/pdf" for d in documents(ctx, s))
        for s in subs
    )


def test_the_same_fax_twice_is_linked_not_queued_again(tmp_path, ctx, run_intake):
    # one file, one set of submissions whatever the door (issue 13: linked, not queued again;
    # the dedupe itself is tested in tests/services/queue/test_intake_dedupe.py)
    data = fax_tiff(printed_form())
    for name in ("a.tif", "b.tif"):
        (tmp_path / name).write_bytes(data)
    run_intake(FileList([tmp_path / "a.tif", tmp_path / "b.tif"]))
    (first,) = submissions(ctx)
    assert first.duplicate_of_id is None


def test_the_same_request_by_mail_and_by_fax_is_flagged_by_business_key(tmp_path, ctx, run_intake):
    mail = tmp_path / "m.eml"
    mail.write_bytes(eml_with([("form.pdf", "application/pdf", filled_form())]))
    fax = tmp_path / "f.tif"
    fax.write_bytes(fax_tiff(printed_form()))
    run_intake(FileList([mail]))
    run_intake(FileList([fax]))
    first, second = submissions(ctx)
    assert first.business_key and first.business_key == second.business_key
    assert second.duplicate_of_id == first.id
    assert "within 14 days" in second.values["_duplicate_reason"]


def test_a_different_request_from_the_same_entity_is_not_a_duplicate(tmp_path, ctx, run_intake):
    for name, signer in (("a.pdf", "Ann Smith"), ("b.pdf", "Bob Jones")):
        (tmp_path / name).write_bytes(filled_form(signer_name=signer))
    run_intake(FileList([tmp_path / "a.pdf", tmp_path / "b.pdf"]))
    assert [s.duplicate_of_id for s in submissions(ctx)] == [None, None]


def test_missing_drop_folder_is_unreachable(tmp_path, run_intake):
    report = run_intake(fax_folder(tmp_path / "nope", ""))
    assert report.unreachable and "does not exist" in report.unreachable[0]


def test_files_still_being_written_are_left_for_the_next_run(tmp_path, ctx, run_intake):
    drop = tmp_path / "fax"
    drop.mkdir()
    (drop / "0001.tif").write_bytes(fax_tiff(printed_form()))
    (drop / "0002.tif.part").write_bytes(b"half a fax")
    report = run_intake(fax_folder(drop, "", min_age_seconds=3600))
    assert report.taken == 0
    report = run_intake(fax_folder(drop, ""))
    assert report.taken == 1 and (drop / "0002.tif.part").exists()
