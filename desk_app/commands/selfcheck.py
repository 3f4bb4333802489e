"""``desk-app selfcheck``: prove that this installation can do the desk's work, one line per check.

Made for the frozen bundle, where a module or data file left out of the build shows only when it
is needed (Alembic's ``env.py`` once was): run right after a build (``scripts/build-bundle.sh``)
and by IT after an install, it opens and migrates a fresh database in a temporary folder, seeds a
tiny one, prints a form, renders it through the PDF sandbox child as a fax would arrive and reads
the values back, verifies it, screenshots every page offscreen and loads the PostgreSQL driver.
Nothing outside the temporary folder is touched: no per-user data folder, no Credential Manager
entry (the secrets are in memory). Exit 0 when every check passed, 1 naming the failed ones.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_FAILED = 1
SEED_SCALE = 0.002  # a few hundred rows: enough for every page to show something
FAX_ZOOM = 200 / 72  # a fine-mode fax is 200 dpi; the data barcode needs about that
CHECK_VALUES = {
    "entity_name": "Selfcheck R-I",
    "entity_code": "048-078",
    "signer_name": "Ann Smith",
    "signer_title": "Superintendent",
    "signed_date": "11/20/2026",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "selfcheck", help="check this installation: database, PDF sandbox, pages, drivers"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (its path is printed)"
    )
    parser.set_defaults(func=cmd_selfcheck)


@dataclass
class Run:
    """What the checks share: the temporary folder and what earlier checks produced."""

    folder: Path
    app: Any = None
    printed: bytes = b""
    failed: list[str] = field(default_factory=list)


def check_database(run: Run) -> str:
    from desk_app.app import open_app
    from desk_app.models.migrations import HEAD_REVISION
    from desk_app.secrets import MemorySecrets

    run.app = open_app(run.folder / "data", secrets=MemorySecrets())
    with run.app.store.read() as s:
        from sqlalchemy import text

        revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    if revision != HEAD_REVISION:
        raise RuntimeError(f"migrated to {revision}, expected {HEAD_REVISION}")
    return f"created and migrated to {revision}"


def check_seed(run: Run) -> str:
    from desk_app.seed import seed_database

    summary = seed_database(run.app.services, scale=SEED_SCALE)
    return f"{sum(summary.counts.values())} rows in {summary.seconds:.1f} s"


def check_sandbox_read(run: Run) -> str:
    """A printed form, rendered by the sandbox child, arrives as a fax image and is read back."""
    from PIL import Image

    from desk_app.pdf.fill import add_data_barcode, fill_form, flatten
    from desk_app.pdf.generate import generate_form
    from desk_app.sandbox import api as sandbox

    run.printed = flatten(add_data_barcode(fill_form(generate_form("MO 500-2356"), CHECK_VALUES)))
    page = sandbox.render_pages(run.printed, zoom=FAX_ZOOM, pages=[0])[0]
    mode = "RGBA" if page.format == "RGBA8888" else "RGB"
    image = Image.frombuffer(
        mode, (page.width, page.height), page.samples, "raw", mode, page.stride, 1
    )
    scan = io.BytesIO()
    image.convert("L").save(scan, "PNG")
    reading = sandbox.read_form(sandbox.image_to_pdf(scan.getvalue()))
    wrong = {
        k: reading.values.get(k) for k, v in CHECK_VALUES.items() if reading.values.get(k) != v
    }
    if reading.form_number != "MO 500-2356" or wrong:
        raise RuntimeError(f"read back {reading.form_number or 'no form'}, differing: {wrong}")
    return (
        f"{reading.form_number} read back from a {page.width}x{page.height} scan ({reading.source})"
    )


def check_verify(run: Run) -> str:
    from desk_app.received import Received
    from desk_app.services.review import verification

    if not run.printed:
        raise RuntimeError("no printed form (the sandbox check failed)")
    # checked as any file handed to "verify" is: through the sandbox
    report = verification.verify_document(run.app.services, Received(run.printed, "self-check"))
    return f"{len(report.checks)} checks ran on {report.form_number}"


def check_pages(run: Run) -> str:
    from desk_app.qt import QImage, QSize
    from desk_app.views import screenshot
    from desk_app.views.main import make_qapp
    from desk_app.views.pages import PAGE_ORDER

    make_qapp()
    shots = run.folder / "screenshots"
    for key in PAGE_ORDER:
        out = screenshot.render(run.app, key, shots / f"{key}.png", QSize(1280, 800))
        if QImage(str(out)).isNull():
            raise RuntimeError(f"page {key}: the screenshot is empty")
    return f"{len(PAGE_ORDER)} pages: {', '.join(PAGE_ORDER)}"


def check_postgres_driver(run: Run) -> str:
    import psycopg
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://selfcheck@127.0.0.1:1/none")
    try:
        dbapi = engine.dialect.loaded_dbapi
    finally:
        engine.dispose()
    return f"psycopg {psycopg.__version__} ({psycopg.pq.__impl__}, libpq {psycopg.pq.version()}) via {dbapi.__name__}"


def check_keyring(run: Run) -> str:
    """The Credential Manager backend must be the one keyring picks on Windows (read-only check)."""
    import keyring

    backend = type(keyring.get_keyring())
    name = f"{backend.__module__}.{backend.__name__}"
    if sys.platform == "win32" and not backend.__module__.startswith("keyring.backends.Windows"):
        raise RuntimeError(f"keyring chose {name}, not Windows Credential Manager")
    return name


CHECKS: list[tuple[str, Callable[[Run], str], bool]] = [
    # name, check, needs the database
    ("database", check_database, False),
    ("seed", check_seed, True),
    ("sandbox", check_sandbox_read, False),
    ("verify", check_verify, True),
    ("pages", check_pages, True),
    ("postgres-driver", check_postgres_driver, False),
    ("keyring", check_keyring, False),
]


def run_checks(folder: Path, out: Any = None) -> list[str]:
    """Run every check with ``folder`` as the scratch space; the names of those that failed."""
    out = out or sys.stdout
    run = Run(folder)
    try:
        for name, check, needs_database in CHECKS:
            started = time.perf_counter()
            if needs_database and run.app is None:
                run.failed.append(name)
                print(f"FAIL {name}: not run, the database did not open", file=out, flush=True)
                continue
            try:
                detail = check(run)
            except Exception as exc:  # noqa: BLE001 - each check reports its own failure
                run.failed.append(name)
                print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=out, flush=True)
                continue
            took = time.perf_counter() - started
            print(f"ok   {name}: {detail} [{took:.1f} s]", file=out, flush=True)
    finally:
        if run.app is not None:
            run.app.close()
    return run.failed


def cmd_selfcheck(args: argparse.Namespace) -> int:
    # the pages are drawn offscreen; the platform must be chosen before Qt starts
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    frozen = "frozen bundle" if getattr(sys, "frozen", False) else "source"
    print(f"selfcheck of desk_app ({frozen}, {sys.executable})", flush=True)
    holder = tempfile.TemporaryDirectory(prefix="desk_app-selfcheck-")
    try:
        failed = run_checks(Path(holder.name))
    finally:
        if args.keep:
            print(f"kept {holder.name}")
        else:
            holder.cleanup()
    if failed:
        print(f"desk-app: selfcheck failed: {', '.join(failed)}", file=sys.stderr)
        return EXIT_FAILED
    print("selfcheck passed")
    return 0
