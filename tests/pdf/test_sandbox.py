"""The sandbox children: jobs answered over the JSON + bytes channel, within their limits."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pymupdf
import pytest
from PIL import Image, ImageDraw

from desk_app.pdf.errors import PdfRejected
from desk_app.received import Received
from desk_app.sandbox.confine import Limits, child_environment
from desk_app.sandbox.pool import Sandbox


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    sandbox = Sandbox(Limits(timeout_s=60), size=1)
    yield sandbox
    sandbox.close()


def _script_pdf() -> bytes:
    doc = pymupdf.open()
    doc.new_page()
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< /S /JavaScript /JS (app.alert(1)) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    return doc.tobytes()


def test_reads_a_form_in_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    reading = box.call("read", data=Received(blank_forms["DA-103"]))
    assert reading.form_number == "DA-103"


def test_the_child_is_confined_and_reports_what_applied(box: Sandbox) -> None:
    hello = box.warm_up()
    assert {"RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE"} <= set(hello["applied"])
    assert "nice+10" in hello["applied"]  # below the GUI: a busy child never starves the window
    with open(f"/proc/{hello['pid']}/stat") as stat:
        nice = int(stat.read().rsplit(")", 1)[1].split()[16])
    assert nice >= 10
    assert hello["network"] in ("unshared", "available")
    assert os.getpid() != hello["pid"]


def test_the_child_environment_holds_no_secrets_or_data_paths(monkeypatch) -> None:
    monkeypatch.setenv("DESK_APP_DATA", "/srv/desk-data")
    monkeypatch.setenv("PGPASSWORD", "secret")
    env = child_environment("/opt/desk")
    assert "DESK_APP_DATA" not in env and "PGPASSWORD" not in env
    assert env["HOME"] != os.environ.get("HOME") and env["PYTHONPATH"] == "/opt/desk"


def test_rejections_travel_back_with_their_reason(box: Sandbox) -> None:
    with pytest.raises(PdfRejected) as info:
        box.call("read", data=_script_pdf())
    assert info.value.code == "javascript"
    report = box.call("inspect", data=_script_pdf())
    assert report.javascript and report.refusal is not None


@pytest.mark.parametrize(
    ("job", "params", "code"),
    [
        ("probe", {"seconds": 30}, "timeout"),
        ("crash", {}, "crashed"),
        ("babble", {"size": 200 * 1024 * 1024}, "oversized_reply"),
        ("garble", {}, "bad_reply"),
        ("hog", {"megabytes": 4000}, "memory"),
    ],
)
def test_a_misbehaving_child_is_refused_and_the_next_job_works(
    box: Sandbox, blank_forms: dict[str, bytes], job: str, params: dict, code: str
) -> None:
    with pytest.raises(PdfRejected) as info:
        box.call(job, limits=Limits(timeout_s=3, max_output=1024 * 1024), **params)
    assert info.value.code == code, info.value.reason
    assert box.call("read", data=blank_forms["MO 500-2356"]).form_number == "MO 500-2356"


def test_cpu_limit_kills_a_spinning_child(box: Sandbox) -> None:
    with pytest.raises(PdfRejected) as info:
        box.call("burn", seconds=30, limits=Limits(timeout_s=45, cpu_s=1))
    assert info.value.code == "cpu", info.value.reason


def test_time_limit_covers_the_whole_reply(box: Sandbox) -> None:
    with pytest.raises(PdfRejected) as info:
        box.call("probe", seconds=30, limits=Limits(timeout_s=0.5))
    assert "longer than 0.5 s" in info.value.reason


def test_a_reply_of_the_wrong_type_is_refused(box: Sandbox, monkeypatch) -> None:
    from desk_app.sandbox import schema

    monkeypatch.setitem(schema.RESULTS, "probe", int)  # "awake" is a str: the wrong shape
    with pytest.raises(PdfRejected) as info:
        box.call("probe", seconds=0)
    assert info.value.code == "bad_reply"


def test_size_and_page_limits(box: Sandbox) -> None:
    with pytest.raises(PdfRejected) as big:
        box.call("read", data=b"%PDF" + b"0" * 5000, limits=Limits(max_bytes=1000))
    assert big.value.code == "too_big"
    doc = pymupdf.open()
    for _ in range(5):
        doc.new_page()
    with pytest.raises(PdfRejected) as pages:
        box.call("render", data=doc.tobytes(), pages=None, zoom=1.0, limits=Limits(max_pages=3))
    assert pages.value.code == "too_many_pages"


def test_renders_pages_in_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    pages = box.call("render", data=blank_forms["MO 500-2377"], pages=[1], zoom=1.0)
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
    pdf = box.call("image_to_pdf", data=_fax_tiff(3))
    doc = pymupdf.open(stream=pdf)
    assert doc.page_count == 3
    # 1728 dots at 204 dpi = 8.47 in; 1078 lines at 98 dpi = 11 in: proportions kept
    assert doc[0].rect.width == pytest.approx(1728 / 204 * 72, rel=1e-3)
    assert doc[0].rect.height == pytest.approx(1078 / 98 * 72, rel=1e-3)


def test_png_and_jpeg_become_pdfs_and_garbage_is_refused(box: Sandbox) -> None:
    for fmt in ("PNG", "JPEG"):
        buf = io.BytesIO()
        Image.new("RGB", (850, 1100), "white").save(buf, format=fmt, dpi=(100, 100))
        doc = pymupdf.open(stream=box.call("image_to_pdf", data=buf.getvalue()))
        assert doc.page_count == 1 and doc[0].rect.width == pytest.approx(612, rel=1e-3)
    with pytest.raises(PdfRejected) as info:
        box.call("image_to_pdf", data=b"not an image at all")
    assert info.value.code == "malformed"


def test_viewer_calls_answered_by_the_child(box: Sandbox, blank_forms: dict[str, bytes]) -> None:
    pdf = blank_forms["DA-102"]
    info = box.call("info", data=pdf)
    assert info.page_count == 2
    [page] = box.call("render", data=pdf, pages=[0], zoom=1.0, rotate=90)
    assert (page.width, page.height, page.rotate) == (792, 612, 90)
    hits = box.call("search", data=pdf, needle="Assurance")
    assert hits and hits[0][0] in (0, 1)
    with pytest.raises(PdfRejected, match="no page 5"):
        box.call("render", data=pdf, pages=[4], zoom=1.0)


def test_signature_jobs_answer_with_their_own_types(
    box: Sandbox, blank_forms: dict[str, bytes]
) -> None:
    from desk_app.pdf.fill import flatten

    layout = blank_forms["MO 500-2356"]
    assert box.call("signatures", data=layout) == []
    finding = box.call("ink", data=flatten(layout), layout=layout, field_name="signature")
    assert finding.field_name == "signature" and not finding.present
    with pytest.raises(KeyError):
        box.call("ink", data=layout, layout=layout, field_name="no_such_box")


def test_a_viewer_job_goes_before_bulk_work_waiting_for_a_child(
    blank_forms: dict[str, bytes],
) -> None:
    """Intake keeps every child busy; a page the operator waits for is served next, before the
    bulk jobs queued ahead of it."""
    import threading
    import time

    pool = Sandbox(Limits(timeout_s=60), size=1)
    try:
        pool.warm_up()
        order: list[str] = []
        pdf = next(iter(blank_forms.values()))

        def run(name: str, job: str, **params: object) -> None:
            pool.call(job, **params)
            order.append(name)

        busy = threading.Thread(target=run, args=("busy", "probe"), kwargs={"seconds": 1.5})
        busy.start()
        time.sleep(0.3)  # the one child is now busy
        bulk = [
            threading.Thread(target=run, args=(f"bulk{i}", "probe"), kwargs={"seconds": 0})
            for i in range(3)
        ]
        for thread in bulk:
            thread.start()
        time.sleep(0.3)  # the bulk jobs wait for the child
        viewer = threading.Thread(target=run, args=("viewer", "info"), kwargs={"data": pdf})
        viewer.start()
        for thread in (busy, *bulk, viewer):
            thread.join(60)
        assert order[0] == "busy" and order[1] == "viewer", order
        assert sorted(order[2:]) == ["bulk0", "bulk1", "bulk2"]
    finally:
        pool.close()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` (a decompression-bomb header)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    head = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_stored_pictures_are_decoded_in_the_child(monkeypatch) -> None:
    """Signature crops and specimens are PNGs cut from outside bytes (or synced from another
    workstation): a child decodes them to grey pixels; this process only counts them."""
    from desk_app.sandbox import api

    sandbox = Sandbox(Limits(timeout_s=60), size=1)
    monkeypatch.setattr(api, "default_sandbox", lambda: sandbox)
    try:
        scribble = Image.new("RGB", (700, 180), "white")
        ImageDraw.Draw(scribble).line([(20, 150), (680, 30)], fill="black", width=6)
        good, cut = _png(scribble), _png(scribble)[:200]
        shown = api.picture_pixels(
            [good, b"GIF89a not a png", cut, _png_claiming(60_000, 60_000)], 128
        )
        assert shown[1:] == [None, None, None]
        page = shown[0]
        assert page is not None and page.format == "Grayscale8"
        assert (page.width, page.height) == (498, 128)  # scaled to the height asked for
        assert len(page.samples) == page.stride * page.height and min(page.samples) < 60
        assert api.picture_pixels([], 128) == []
    finally:
        sandbox.close()


def test_a_job_taking_the_child_warm_up_is_starting_shares_its_hello(monkeypatch) -> None:
    """warm_up() reads the hello of a child that stays idle meanwhile; a job that takes that child
    at the same moment must not read the same pipe too (one of them used to wait for a message
    the other had taken: the review pane's pictures hung for the start timeout)."""
    import threading
    import time

    from desk_app.sandbox import pool as pool_module

    monkeypatch.setattr(pool_module, "START_TIMEOUT_S", 15.0)  # the bug fails in 15 s, not 90
    sandbox = Sandbox(Limits(timeout_s=30), size=1)
    try:
        warmed: dict[str, object] = {}
        warming = threading.Thread(target=lambda: warmed.update(sandbox.warm_up()))
        warming.start()
        time.sleep(0.1)  # the child is importing MuPDF (half a second at least): no hello yet
        assert sandbox.call("probe", seconds=0.0) == "awake"
        warming.join(30)
        assert not warming.is_alive()
        assert warmed["pid"] in sandbox.pids()  # one child: the same one served both
    finally:
        sandbox.close()
