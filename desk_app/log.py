"""Logging: a rotating file in the log folder, with personal data scrubbed before it is written.

Code never logs SSNs, dates of birth or PINs on purpose; :class:`RedactingFilter` is the safety net
that masks anything shaped like one (9-digit or ``123-45-6789`` numbers, dates, ``pin=...``) in
case a message or an exception text carries one by accident.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import re
import sys
from pathlib import Path
from typing import IO

_PATTERNS = [
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[ssn]"),
    (re.compile(r"(?<![\d-])\d{9}(?![\d-])"), "[number]"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?!T\d)"), "[date]"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "[date]"),
    (re.compile(r"(?i)(pin\w*\s*[=:]\s*)\S+"), r"\1[pin]"),
    (re.compile(r"(?i)(password\s*[=:]\s*)\S+"), r"\1[secret]"),
]

_fault_file: IO[str] | None = None


def redact(text: str) -> str:
    """Mask anything in ``text`` that looks like an SSN, a date of birth, a PIN or a password."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = redact(message), None
        return True


def setup(log_dir: Path, *, level: int = logging.INFO, console: bool = False) -> Path:
    """Install the rotating file handler (and optionally stderr) and faulthandler.

    Returns:
        The path of the log file.
    """
    global _fault_file
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "desk_app.log"
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_desk_app", False):
            root.removeHandler(old)
            old.close()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    handler: logging.Handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    handlers = [handler]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(RedactingFilter())
        h._desk_app = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(level)
    if _fault_file is None:
        _fault_file = open(log_dir / "faulthandler.log", "a", encoding="utf-8")  # noqa: SIM115
        faulthandler.enable(_fault_file)
    return log_file
