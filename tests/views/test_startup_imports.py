"""What the start to the Work queue's first rows imports: not the PDF engine, numpy, the OS
keyring or the PostgreSQL driver (each is imported when first needed, after the first rows), and
PySide6's per-import check reads no source through ``inspect``."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pymupdf", "numpy", "keyring", "psycopg", "pyhanko", "segno", "zxingcpp")

PROBE = f"""
import json, sys
import desk_app.views.main, desk_app.views.pages.queue
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_the_queue_page_and_the_start_path_leave_the_heavy_libraries_for_later() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_pysides_import_check_reads_the_file_not_inspect() -> None:
    import desk_app.qt  # noqa: F401 - installs the check
    import desk_app.views.main_window as a_view

    feature = sys.modules["shibokensupport.feature"]
    check = feature._mod_uses_pyside
    assert getattr(check, "desk_app_cheap", False)
    assert check(sys.modules["desk_app.qt"]) is True  # its source names PySide6
    assert check(a_view) is False
    assert check(json) is False
    assert check(sys) is False  # a built-in module: PySide's own answer


LOOP = """
import desk_app.qt
from desk_app.qt import QApplication, QLabel
app = QApplication([])
label = QLabel("x")
label.show()
for _ in range(20000):  # each void call took a reference from None (PySide6 6.12, Python 3.11)
    app.processEvents()
    label.update()
print("ok")
"""


def test_void_qt_calls_do_not_use_up_none() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOOP],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-500:]


def test_the_window_starts_without_building_every_commands_parser() -> None:
    from desk_app.cli import gui_arguments

    args = gui_arguments(["--data-dir", "d", "--take-in", "a.tif", "--verbose"])
    assert args is not None and args.command is None
    assert (args.data_dir, args.take_in, args.verbose) == ("d", ["a.tif"], True)
    assert gui_arguments([]) is not None
    for argv in (["queue", "list"], ["--help"], ["--version"], ["--data-dir", "d", "audit"]):
        assert gui_arguments(argv) is None  # the full parser handles these
