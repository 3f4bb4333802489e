"""Child side: the sandbox child's main loop (started by :mod:`desk_app.sandbox.pool`).

The channel is the child's standard input and output, taken over at once: file descriptors 0
and 1 are then pointed at the null device, so nothing a library prints (MuPDF writes its
errors to stdout) can reach, or corrupt, the channel. MuPDF's messages are collected instead
and sent back with each reply for the parent's log. The child confines itself
(:func:`desk_app.sandbox.confine.confine_self`), says hello with what applied, then answers one
request at a time until its input closes.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from desk_app.sandbox import wire
from desk_app.sandbox.confine import Limits, confine_self, cpu_for_next_job

MAX_REQUEST = 200 * 1024 * 1024


def _take_channel() -> tuple[int, int]:
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        msvcrt.setmode(read_fd, os.O_BINARY)
        msvcrt.setmode(write_fd, os.O_BINARY)
    return read_fd, write_fd


def main() -> None:
    """Run the child: ``argv[2]`` is the JSON of its :class:`Limits` and recycle count."""
    read_fd, write_fd = _take_channel()
    settings = json.loads(sys.argv[2])
    limits = Limits(**settings["limits"])
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    from desk_app.sandbox import schema  # noqa: F401 - registers the result types
    from desk_app.sandbox.jobs import JOBS, Context

    confined = confine_self(limits, int(settings["recycle_after"]))
    hello = {
        "hello": {"pid": os.getpid(), "applied": confined.applied, "network": confined.network}
    }
    wire.write_message(write_fd, wire.encode(hello))
    while True:
        try:
            request = wire.decode(wire.read_message(read_fd, MAX_REQUEST))
        except EOFError:
            return
        job, params, job_limits = request["job"], request["params"], request["limits"]
        if job == "babble":  # a reply far over any cap, for the tests
            _babble(write_fd, int(params["size"]))
            continue
        if job == "garble":  # a reply that is not the format at all
            wire.write_message(write_fd, b"\x00\x00\x00\x05{oops" + b"}")
            continue
        Context.max_bytes = int(job_limits["max_bytes"])
        Context.max_pages = int(job_limits["max_pages"])
        cpu_for_next_job(Limits(cpu_s=int(job_limits["cpu_s"])))
        reply = _run(JOBS, job, params)
        reply["log"] = pymupdf.TOOLS.mupdf_warnings(reset=True)[-4000:]
        wire.write_message(write_fd, wire.encode_parts(reply))


def _run(jobs: dict[str, Any], job: str, params: dict[str, Any]) -> dict[str, Any]:
    from desk_app.pdf.errors import PdfRejected
    from desk_app.sandbox.schema import KNOWN_ERRORS

    try:
        return {"status": "ok", "result": jobs[job](**params)}
    except PdfRejected as exc:
        return {"status": "rejected", "reason": exc.reason[:500], "code": exc.code[:40]}
    except MemoryError:
        reason = "the document needs more memory than allowed"
        return {"status": "rejected", "reason": reason, "code": "memory"}
    except Exception as exc:  # noqa: BLE001 - any failure on hostile input is "unreadable"
        name = type(exc).__name__
        status = "known" if name in KNOWN_ERRORS else "error"
        return {"status": status, "error": name, "message": str(exc)[:500]}


def _babble(fd: int, size: int) -> None:
    os.write(fd, size.to_bytes(8, "big"))
    chunk = b"\0" * (1 << 20)
    try:
        for _ in range(size // len(chunk)):
            os.write(fd, chunk)
    except OSError:
        return  # the parent refused to read on and killed us
