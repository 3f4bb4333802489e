"""The document viewer: first page fast, navigation, zoom modes, rotation, search, sharpness."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.pdf.generate import generate_form
from desk_app.qt import Qt
from desk_app.views.widgets.document_viewer import DocumentViewer


@pytest.fixture(scope="module")
def two_pages() -> bytes:
    return generate_form(
        "MO 500-2377", {"entity_name": "Boone County Clerk's Office", "entity_code": "P01234"}
    )


@pytest.fixture
def viewer(qtbot, two_pages: bytes) -> DocumentViewer:
    v = DocumentViewer()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    with qtbot.waitSignal(v.document_shown, timeout=10000) as shown:
        v.set_document(two_pages)
    assert shown.args == [2]
    return v


def _wait_rendered(qtbot, v: DocumentViewer) -> None:
    qtbot.waitUntil(
        lambda: v._key() in v._cache and v.view.image.cacheKey() == v._cache[v._key()].cacheKey(),
        timeout=10000,
    )


def test_opens_on_page_one_fit_to_width(qtbot, viewer: DocumentViewer) -> None:
    _wait_rendered(qtbot, viewer)
    assert viewer.page_label.text().strip() == "1 / 2"
    assert viewer.thumbs.count() == 2
    # fit width: the page fills the viewport width less the margin
    assert abs(viewer.view.width() - viewer.page_area.viewport().width()) <= 2
    qtbot.waitUntil(lambda: not viewer.thumbs.item(1).icon().isNull(), timeout=10000)


def test_keyboard_and_thumbnail_navigation(qtbot, viewer: DocumentViewer) -> None:
    with qtbot.waitSignal(viewer.page_changed) as changed:
        qtbot.keyClick(viewer.page_area, Qt.Key.Key_Right)
    assert changed.args == [1] and viewer.page_label.text().strip() == "2 / 2"
    qtbot.keyClick(viewer.page_area, Qt.Key.Key_Right)  # already on the last page
    assert viewer.page == 1
    qtbot.keyClick(viewer.page_area, Qt.Key.Key_Home)
    assert viewer.page == 0
    viewer.thumbs.setCurrentRow(1)
    assert viewer.page == 1
    qtbot.keyClick(viewer.page_area, Qt.Key.Key_PageUp)
    assert viewer.page == 0


def test_zoom_modes_and_rotation(qtbot, viewer: DocumentViewer) -> None:
    _wait_rendered(qtbot, viewer)
    viewer.set_mode("fit_page")
    _wait_rendered(qtbot, viewer)
    vp = viewer.page_area.viewport()
    assert viewer.view.height() <= vp.height() + 1 and viewer.view.width() <= vp.width() + 1
    viewer.set_mode("zoom", 1.0)
    _wait_rendered(qtbot, viewer)
    assert abs(viewer.view.width() - 24 - 816) <= 1  # 8.5 in at 96 dpi, plus the margin
    viewer.zoom_in()
    assert viewer.zoom_box.currentText() == "125 %"
    viewer.rotate(90)
    _wait_rendered(qtbot, viewer)
    assert abs(viewer.view.width() - 24 - 1320) <= 1 and abs(viewer.view.height() - 24 - 1020) <= 1
    assert viewer.rotation == {0: 90}


def test_search_moves_to_the_hit(qtbot, viewer: DocumentViewer) -> None:
    viewer.search_box.setText("ordinary email")
    viewer.find_next()
    qtbot.waitUntil(lambda: viewer.search_label.text().strip() == "1 of 1", timeout=10000)
    assert viewer.page == 1  # the PIN note is on page 2
    _wait_rendered(qtbot, viewer)
    assert len(viewer.view.hits) == 1 and viewer.view.current_hit == 0
    hit = viewer.view.hits[0]
    assert 0 < hit.left() < hit.right() < viewer.view.width() - 24
    viewer.search_box.setText("no such words anywhere")
    viewer.find_next()
    qtbot.waitUntil(lambda: "not found" in viewer.search_label.text(), timeout=10000)


def test_unreadable_document_reports_why(qtbot) -> None:
    v = DocumentViewer()
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.failed, timeout=10000) as failed:
        v.set_document(b"%PDF-1.4 broken")
    assert "PDF" in failed.args[0]


SHARPNESS_SCRIPT = """
import os, sys
from desk_app.qt import QApplication, QEventLoop
from desk_app.pdf.generate import generate_form
from desk_app.views.widgets.document_viewer import DocumentViewer
app = QApplication([])
v = DocumentViewer(); v.resize(900, 700); v.show()
loop = QEventLoop(); v.document_shown.connect(lambda n: loop.quit())
v.set_document(generate_form("MO 500-2356")); loop.exec()
img = v.view.image
v.grab().save(sys.argv[1])
print(v.devicePixelRatioF(), img.devicePixelRatio(), img.width(), v.view.width())
"""


@pytest.mark.parametrize("factor", ["1.5", "2"])
def test_sharp_at_high_dpi(tmp_path: Path, factor: str) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=factor)
    out = subprocess.run(
        [sys.executable, "-c", SHARPNESS_SCRIPT, str(tmp_path / "v.png")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    dpr, image_dpr, image_px, logical = (float(x) for x in out.stdout.split())
    assert dpr == image_dpr == float(factor)
    # one image pixel per device pixel: no upscaling blur
    assert abs(image_px - (logical - 24) * dpr) <= 3


def test_prints_at_300_dpi_through_qt(qtbot, tmp_path: Path, two_pages: bytes) -> None:
    import pymupdf

    from desk_app.views.widgets.pdf_images import to_qimage
    from desk_app.views.widgets.print_support import print_to_pdf_file, render_for_print

    pages = render_for_print(two_pages)
    assert [(p.width, p.height) for p in pages] == [(2550, 3300)] * 2
    printer = print_to_pdf_file([to_qimage(p) for p in pages], tmp_path / "printed.pdf", "test")
    assert printer.resolution() >= 300
    printed = pymupdf.open(tmp_path / "printed.pdf")
    assert printed.page_count == 2
    assert printed[0].rect.width == pytest.approx(612, abs=1)
    info = printed[0].get_image_info()
    assert info, "the page picture was not printed"
    bbox = pymupdf.Rect(info[0]["bbox"])
    assert info[0]["width"] / (bbox.width / 72) >= 299  # image pixels per printed inch


def test_save_as_pdf_writes_the_document_itself(
    qtbot, monkeypatch, tmp_path: Path, viewer: DocumentViewer, two_pages: bytes
) -> None:
    from desk_app.qt import QFileDialog

    target = tmp_path / "copy"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(target), "PDF documents (*.pdf)")),
    )
    saved = viewer.printing.save_as_pdf(viewer.pdf, "x.pdf")
    assert saved == tmp_path / "copy.pdf" and saved.read_bytes() == two_pages


def test_documents_from_outside_are_opened_in_the_sandbox(qtbot, two_pages: bytes) -> None:
    import pymupdf

    from desk_app.sandbox import api as sandbox

    v = DocumentViewer()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    with qtbot.waitSignal(v.document_shown, timeout=30000):
        v.set_document(two_pages, "fax", untrusted_source=True)
    assert v._backend is sandbox and v.printing.backend is sandbox
    assert sandbox.default_sandbox().pids()
    doc = pymupdf.open()
    doc.new_page()
    xref = doc.get_new_xref()
    doc.update_object(xref, "<< /S /JavaScript /JS (app.alert(1)) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    with qtbot.waitSignal(v.failed, timeout=30000) as failed:
        v.set_document(doc.tobytes(), "mail", untrusted_source=True)
    assert "JavaScript" in failed.args[0]
