"""Run the real GUI entry point (``python -m desk_app``) in a child process, offscreen.

A test of how the GUI starts or refuses to start runs it in its own process, as an operator
does: a window that got as far as its first page leaves Qt state (the active window, the focus
window) behind in a shared test process, which later keyboard tests then trip over.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desk_app.secrets import ALLOW_FILE_ENV


def run_gui_child(
    data: Path, *, allow_file_secrets: bool, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Start the GUI on ``data``; it must end by itself (a refusal) within ``timeout``."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop(ALLOW_FILE_ENV, None)
    if allow_file_secrets:
        env[ALLOW_FILE_ENV] = "1"
    return subprocess.run(
        [sys.executable, "-m", "desk_app", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
