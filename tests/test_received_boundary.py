"""The boundary around received bytes, as a contract on the source (issue 12, must-show 1).

No view, service, intake step, command or the composition root parses outside bytes in this
process: none of them imports a parser library (MuPDF, Pillow, pyHanko, extract-msg, zxing-cpp,
the ``email`` parser), and none calls one of the PDF package's in-process parsing functions.
They go through :mod:`desk_app.sandbox.api`, whose jobs run in a child. And only the sandbox's
parent side and the blob store take the bytes out of a :class:`~desk_app.received.Received`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import desk_app
from desk_app.received import Received

ROOT = Path(desk_app.__file__).parent
GUARDED = ("views", "services", "intake", "commands", "app.py", "cli.py", "seed")
PARSER_LIBRARIES = ("pymupdf", "fitz", "PIL", "pyhanko", "extract_msg", "zxingcpp", "email.parser")
EMAIL_PARSE_CALLS = {"message_from_bytes", "message_from_string", "message_from_file"}
# Qt's own image and document decoders: pictures reach a view as pixels a child decoded
QT_DECODERS = {"loadFromData", "fromData", "QImageReader", "QMovie", "QSvgRenderer", "QPdfDocument"}
# the PDF package's functions that parse the bytes they are given, in this process
IN_PROCESS_PARSERS = {
    "desk_app.pdf.read": {"read_form", "read_document", "field_values", "scan_page"},
    "desk_app.pdf.render": {"render_page", "document_info", "search_text", "page_text"},
    "desk_app.pdf.signatures": {"read_digital_signatures", "find_ink"},
    "desk_app.pdf.safety": {"open_checked", "inspect", "check"},
    "desk_app.pdf.images": {"convert_image_to_pdf"},
}
# reviewed exceptions: each opens only documents the app itself generated
TRUSTED = {
    # the blank form layout of the catalogue (field boxes for keying), never a received file
    ("services/queue/keying.py", "pymupdf"),
    # the viewer's backend for the app's own letters and blank forms; received documents are
    # shown with untrusted_source=True, which selects desk_app.sandbox.api instead
    ("views/widgets/document_viewer.py", "desk_app.pdf.render"),
    ("views/widgets/print_support.py", "desk_app.pdf.render"),
    # the self-check turns pixels the sandbox rendered from a form it generated itself into a
    # PNG "scan" (encoding, not parsing; nothing from outside)
    ("commands/selfcheck.py", "PIL"),
}


def _guarded_files() -> list[Path]:
    files: list[Path] = []
    for name in GUARDED:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _violations(path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PARSER_LIBRARIES or alias.name in PARSER_LIBRARIES:
                    if (rel, alias.name.split(".")[0]) not in TRUSTED:
                        found.append(f"{rel}:{node.lineno} imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            top = node.module.split(".")[0]
            if (top in PARSER_LIBRARIES or node.module in PARSER_LIBRARIES) and (
                rel,
                top,
            ) not in TRUSTED:
                found.append(f"{rel}:{node.lineno} imports from {node.module}")
            if node.module == "email" and {a.name for a in node.names} & EMAIL_PARSE_CALLS:
                found.append(f"{rel}:{node.lineno} imports the email parser")
            parsers = IN_PROCESS_PARSERS.get(node.module, set())
            for alias in node.names:
                if alias.name in parsers:
                    found.append(f"{rel}:{node.lineno} imports {node.module}.{alias.name}")
            if node.module == "desk_app.pdf":
                for alias in node.names:
                    module = f"desk_app.pdf.{alias.name}"
                    if module in IN_PROCESS_PARSERS and (rel, module) not in TRUSTED:
                        found.append(f"{rel}:{node.lineno} imports {module}")
        elif isinstance(node, ast.Attribute) and node.attr in EMAIL_PARSE_CALLS:
            found.append(f"{rel}:{node.lineno} calls email.{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in QT_DECODERS:
            found.append(f"{rel}:{node.lineno} decodes an image with Qt ({node.attr})")
        elif isinstance(node, ast.Name) and node.id in QT_DECODERS:
            found.append(f"{rel}:{node.lineno} decodes with Qt ({node.id})")
    return found


def test_no_view_service_or_intake_step_parses_outside_bytes_in_process() -> None:
    problems = [v for path in _guarded_files() for v in _violations(path)]
    assert problems == []


def test_the_contract_catches_what_it_guards_against(tmp_path: Path) -> None:
    sneaky = ROOT / "intake" / "_contract_probe.py"
    sneaky.write_text(
        "import pymupdf\nfrom desk_app.pdf.read import read_form\nimport email\n"
        "email.message_from_bytes(b'')\nfrom PIL import Image\n"
        "QPixmap().loadFromData(b'png')\nQImage.fromData(b'png')\nQImageReader(buffer)\n"
    )
    try:
        assert len(_violations(sneaky)) == 7
    finally:
        sneaky.unlink()


def _unwrapping_calls() -> list[str]:
    calls = []
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in (
                "bytes_for_sandbox",
                "bytes_for_storage",
            ):
                calls.append(f"{path.relative_to(ROOT).as_posix()}:{node.attr}")
    return calls


def test_only_the_sandbox_parent_and_the_store_unwrap_received_bytes() -> None:
    allowed = {
        "sandbox/pool.py:bytes_for_sandbox",  # sends them to the child
        "intake/blobstore.py:bytes_for_storage",  # keeps the original
    }  # intake's normalised PDF stays Received now: nothing else unwraps
    assert set(_unwrapping_calls()) <= allowed


def test_received_is_not_bytes_for_a_parser() -> None:
    item = Received(b"%PDF-1.7 ...", "fax.pdf")
    assert not isinstance(item, bytes | bytearray | memoryview)
    with pytest.raises(TypeError):
        bytes(item)  # no buffer protocol: a parser cannot read it by accident
    assert item.head(4) == b"%PDF" and len(item) == 12 and item.sha256


def test_received_documents_keep_their_type_from_the_source_to_the_viewer() -> None:
    """Each place a document from outside is held is typed :class:`Received`, from the source
    (an arrival) through the blob store, intake's normalised PDF, the queue's document for the
    viewer and keying, the review checks, a returned attestation, to the verify commands."""
    import typing

    from desk_app.intake import analyse, blobstore, mail, sources
    from desk_app.services.educators import verification as certificates
    from desk_app.services.queue.listing import QueueList
    from desk_app.services.review import job, verification
    from desk_app.services.reviews import returns
    from desk_app.views.widgets import keying_station

    def hint(obj: object, name: str) -> object:
        return typing.get_type_hints(obj)[name]

    assert hint(sources.Arrival, "data") is Received
    assert hint(blobstore.BlobStore.get, "return") is Received
    assert hint(analyse.Normalised, "pdf") is Received
    assert hint(analyse.part_pdf, "return") is Received
    assert hint(mail.parse_mail, "data") is Received
    assert hint(QueueList.document_bytes, "return") is Received
    assert hint(job.VerificationJob, "pdf") == Received | None
    assert hint(verification.submission_pdf, "return") == Received | None
    assert hint(verification.verify_document, "pdf") is Received
    assert hint(returns._returned_pages, "return") is Received
    assert hint(keying_station._load, "pdf") is Received
    assert Received in typing.get_args(hint(certificates.verify_scan, "data"))


PROBE = """
from desk_app.intake.blobstore import BlobStore
from desk_app.pdf.read import read_form
from desk_app.pdf.render import render_page
from desk_app.pdf.signatures import read_digital_signatures
from desk_app.sandbox import api
from desk_app.services.queue.listing import QueueList


def a_service_that_parses_here(blobs: BlobStore, listing: QueueList) -> None:
    read_form(blobs.get("0" * 64))
    render_page(listing.document_bytes("x"), 0, 1.0)
    read_digital_signatures(blobs.get("1" * 64))


def the_way_it_is_done(blobs: BlobStore) -> None:
    api.read_form(blobs.get("0" * 64))
"""


def test_mypy_refuses_received_bytes_to_every_in_process_parser(tmp_path: Path) -> None:
    """The type checker, not only this file's contract, keeps received documents away from the
    PDF package's in-process parsers: a probe that hands them over fails to type-check, and
    the sandbox call beside it passes."""
    import subprocess
    import sys

    probe = tmp_path / "probe_parses_here.py"
    probe.write_text(PROBE, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--strict", str(probe)],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 3, run.stdout + run.stderr
    assert all('incompatible type "Received"; expected "bytes"' in e for e in errors), errors
    assert all(":17:" not in e for e in errors)  # the sandbox call type-checks
