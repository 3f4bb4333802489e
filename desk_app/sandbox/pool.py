"""Parent side: a small pool of warm sandbox children, and the one call that uses them.

Each child is a fresh interpreter (``python -I``) started with a clean environment
(:func:`~desk_app.sandbox.confine.child_environment`), talking over its standard input and output
in the :mod:`~desk_app.sandbox.wire` format only. A child is started ahead of need, serves jobs
one at a time, and is replaced after :attr:`Sandbox.recycle_after` jobs or after any error, so
a child that parsed something nasty never parses the next document. Every job runs under a
watchdog that kills the child when the wall-clock limit passes, whether it is still working or
half-way through writing its reply; a reply over the size cap, or of the wrong shape, kills it
too. The caller always gets :class:`~desk_app.pdf.errors.PdfRejected` with a reason, never a
hang, and this process never rebuilds anything but registered plain dataclasses.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Any

import desk_app
from desk_app.pdf.errors import PdfRejected
from desk_app.priority import BELOW_NORMAL_PRIORITY_CLASS
from desk_app.received import Received
from desk_app.sandbox import schema, wire
from desk_app.sandbox.confine import DEFAULT_LIMITS, Limits, WindowsJob, child_environment

log = logging.getLogger(__name__)

START_TIMEOUT_S = 90.0  # a child imports MuPDF, numpy and zxing first: slow on a loaded machine
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from desk_app.sandbox.child import main; main()"
)
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(desk_app.__file__)))


class _Broken(Exception):
    """The child broke a limit or the protocol; it is killed, the job refused with ``reason``."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


def _command(settings: str) -> list[str]:
    if getattr(sys, "frozen", False):  # a bundled build: the app's own executable is Python
        return [sys.executable, "--sandbox-child", settings]
    return [sys.executable, "-I", "-c", _BOOT, PACKAGE_ROOT, settings]


class _Armed:
    """One armed deadline; :meth:`cancel` disarms it."""

    __slots__ = ("worker", "deadline", "cancelled")

    def __init__(self, worker: Worker, deadline: float) -> None:
        self.worker, self.deadline, self.cancelled = worker, deadline, False

    def cancel(self) -> None:
        self.cancelled = True


class _Watchdog:
    """One thread for every deadline of every child (a timer thread per job costs ms when the
    machine is busy): it wakes at the earliest deadline and kills that child."""

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, worker: Worker, seconds: float) -> _Armed:
        armed = _Armed(worker, time.monotonic() + seconds)
        with self._cond:
            earliest = min((a.deadline for a in self._armed if not a.cancelled), default=None)
            self._armed.append(armed)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-watchdog", daemon=True
                )
                self._thread.start()
            elif earliest is None or armed.deadline < earliest:
                self._cond.notify()
        return armed

    def _run(self) -> None:
        with self._cond:
            while True:
                self._armed = [a for a in self._armed if not a.cancelled]
                now = time.monotonic()
                for armed in [a for a in self._armed if a.deadline <= now]:
                    armed.cancelled = True
                    armed.worker.expire()
                pending = [a.deadline for a in self._armed if not a.cancelled]
                # wake at the earliest deadline; look again now and then for new ones
                self._cond.wait(min(min(pending, default=now + 1.0) - now, 1.0))


_WATCHDOG = _Watchdog()


# what the document viewer and the keying station ask while an operator waits: served before
# bulk work queued for a child (an intake run keeps every child busy)
INTERACTIVE_JOBS = frozenset({"first_page", "info", "render", "search", "text"})

PIPE_BYTES = 1 << 20  # Linux's default pipe-max-size: a rendered page crosses in a few writes


def _widen_pipes(*fds: int) -> None:
    """Linux: 1 MB pipe buffers instead of 64 kB (fewer context switches per page image)."""
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    for fd in fds:
        try:
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
        except OSError:
            pass  # a lower pipe-max-size: the default buffer still works


class Worker:
    """One child process."""

    def __init__(self, limits: Limits, recycle_after: int) -> None:
        settings = json.dumps({"limits": limits.__dict__, "recycle_after": recycle_after})
        env = child_environment(PACKAGE_ROOT)
        # CREATE_NO_WINDOW, and below the GUI's priority from the start
        flags = 0x08000000 | BELOW_NORMAL_PRIORITY_CLASS if sys.platform == "win32" else 0
        self.proc = subprocess.Popen(
            _command(settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=env["HOME"],
            close_fds=True,
            creationflags=flags,
        )
        self._win_job: WindowsJob | None = None
        if sys.platform == "win32":  # pragma: no cover - assigned before its first request
            self._win_job = WindowsJob(limits, recycle_after)
            self._win_job.assign(int(self.proc._handle))  # type: ignore[attr-defined]
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin.fileno(), self.proc.stdout.fileno()
        _widen_pipes(self._in, self._out)
        self.hello: dict[str, Any] | None = None
        # the hello is read once, by whoever asks first: warm_up() reads it from a child that is
        # still idle, so a job's thread may take the child and ask at the same time; two readers
        # of one pipe would each wait for a message the other took (the job hung for the start
        # timeout, then failed)
        self._hello_lock = threading.Lock()
        self.jobs = 0
        self.recent: deque[str] = deque(maxlen=4)  # documents it holds open (viewer affinity)
        self._expired = False

    def _watch(self, seconds: float) -> _Armed:
        self._expired = False
        return _WATCHDOG.arm(self, seconds)

    def expire(self) -> None:
        """Watchdog thread: the deadline passed; only the signal here, the reading thread sees
        EOF and cleans up."""
        self._expired = True
        try:
            self.proc.kill()
        except OSError:
            pass

    def _receive(self, cap: int, seconds: float) -> Any:
        timer = self._watch(seconds)
        try:
            return wire.decode(wire.read_message(self._out, cap))
        except (EOFError, OSError, ValueError) as exc:
            raise self._why(exc, seconds) from None
        finally:
            timer.cancel()

    def _why(self, exc: Exception, seconds: float) -> _Broken:
        self.kill()
        if self._expired:
            return _Broken(f"reading the document took longer than {seconds:g} s", "timeout")
        code = self.proc.returncode
        if isinstance(exc, wire.Oversized):
            return _Broken(f"the reader process sent {exc}", "oversized_reply")
        if isinstance(exc, wire.WireError):
            return _Broken(f"the reader process sent a malformed reply ({exc})", "bad_reply")
        if code is not None and code == -getattr(signal, "SIGXCPU", -999):
            return _Broken("reading the document used more CPU time than allowed", "cpu")
        return _Broken(f"the document made the reader process crash (exit {code})", "crashed")

    def ready(self) -> dict[str, Any]:
        """The child's hello (what confinement applied), read from its pipe the first time; from
        any thread (see ``_hello_lock``)."""
        with self._hello_lock:
            if self.hello is None:
                reply = self._receive(64 * 1024, START_TIMEOUT_S)
                if not isinstance(reply, dict) or not isinstance(reply.get("hello"), dict):
                    self.kill()
                    raise _Broken("the reader process did not start properly", "bad_reply")
                self.hello = reply["hello"]
                log.info(
                    "sandbox child %s started: limits %s, network %s",
                    self.hello.get("pid"),
                    ", ".join(map(str, self.hello.get("applied", []))) or "none",
                    self.hello.get("network"),
                )
            return self.hello

    def run(self, request: bytes, limits: Limits) -> dict[str, Any]:
        self.ready()
        self.jobs += 1
        timer = self._watch(limits.timeout_s)
        try:
            wire.write_message(self._in, request)
        except OSError as exc:
            raise self._why(exc, limits.timeout_s) from None
        finally:
            timer.cancel()
        reply = self._receive(limits.max_output, limits.timeout_s)
        if not isinstance(reply, dict) or reply.get("status") not in (
            "ok",
            "rejected",
            "known",
            "error",
        ):
            self.kill()
            raise _Broken("the reader process sent a reply of the wrong shape", "bad_reply")
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that did not land
            log.warning("sandbox child %s did not stop", self.proc.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        if self._win_job is not None:  # pragma: no cover
            self._win_job.close()
            self._win_job = None


class Sandbox:
    """A pool of warm children serving jobs; see the module docstring.

    Args:
        limits: the default limits of a job (each call may pass its own).
        size: children kept running (one per core is plenty: each job is single-threaded).
        recycle_after: jobs a child serves before it is replaced.
    """

    def __init__(
        self, limits: Limits = DEFAULT_LIMITS, size: int = 2, recycle_after: int = 500
    ) -> None:
        self.limits = limits
        self.size = max(size, 1)
        self.recycle_after = recycle_after
        self._idle: list[Worker] = []
        self._busy = 0
        self._working: set[Worker] = set()  # children running a job now
        self._waiting_interactive = 0  # viewer jobs waiting for a child
        self._cond = threading.Condition()
        self._closed = False
        self.confinement: dict[str, Any] = {}

    def _spawn(self) -> Worker:
        return Worker(self.limits, self.recycle_after)

    def _acquire(self, key: str, job: str) -> Worker:
        # the viewer's jobs go before queued bulk work (intake keeps every child busy)
        first = job in INTERACTIVE_JOBS
        with self._cond:
            self._closed = False  # a call after close() starts the pool again
            self._waiting_interactive += int(first)
            try:
                while (not self._idle and self._busy >= self.size) or (
                    not first and self._waiting_interactive
                ):
                    self._cond.wait()
            finally:
                if first:
                    self._waiting_interactive -= 1
                    self._cond.notify_all()  # bulk work held back for it may go on
            self._busy += 1
            for worker in self._idle:
                if key and key in worker.recent:
                    self._idle.remove(worker)
                    return worker
            if self._idle:
                return self._idle.pop(0)
        try:
            return self._spawn()
        except OSError as exc:
            self._release(None)
            raise PdfRejected(f"the reader process cannot start ({exc})", "crashed") from exc

    def _release(self, worker: Worker | None) -> None:
        """Give ``worker`` back (``None``: it was discarded; a fresh one starts at once)."""
        with self._cond:
            self._busy -= 1
            if self._closed:
                if worker is not None:
                    worker.kill()
            elif worker is not None and worker.alive() and worker.jobs < self.recycle_after:
                self._idle.append(worker)
            else:
                if worker is not None:
                    worker.kill()
                try:  # warm: the replacement imports its libraries while nothing waits on it
                    self._idle.append(self._spawn())
                except OSError as exc:
                    log.warning("sandbox child could not be replaced: %s", exc)
            self._cond.notify_all()  # a waiting viewer job, or bulk work once none waits

    def call(self, job: str, *, limits: Limits | None = None, **params: Any) -> Any:
        """Run ``job`` in a child and return its checked result.

        ``Received`` parameters are sent as their bytes; nothing else of them is looked at.

        Raises:
            PdfRejected: the child refused the input, failed on it, broke a limit (it is then
                killed), or answered with something other than the job's result type.
        """
        limits = limits or self.limits
        key = ""
        size = 0
        for name, value in list(params.items()):
            if isinstance(value, Received):
                key = key or value.sha256
                params[name] = value = value.bytes_for_sandbox()
            if isinstance(value, bytes):
                size += len(value)
        if size > limits.max_bytes:
            raise PdfRejected(
                f"the file is {size / 1e6:.1f} MB, over the {limits.max_bytes / 1e6:.0f} MB limit",
                "too_big",
            )
        request = wire.encode({"job": job, "params": params, "limits": limits.as_wire()})
        worker = self._acquire(key, job)
        with self._cond:
            self._working.add(worker)
        try:
            reply = worker.run(request, limits)
        except _Broken as broken:
            self._release(None)
            worker.kill()
            log.warning("sandbox job %s: %s", job, broken.reason)
            raise PdfRejected(broken.reason, broken.code) from None
        except BaseException:
            self._release(None)
            worker.kill()
            raise
        finally:
            with self._cond:
                self._working.discard(worker)
        if worker.hello:
            self.confinement = worker.hello
        healthy = reply["status"] in ("ok", "rejected", "known")
        if healthy and key:
            worker.recent.append(key)
        self._release(worker if healthy else None)
        return self._result(job, reply)

    def _result(self, job: str, reply: dict[str, Any]) -> Any:
        for line in reply.get("log") or ():
            log.info("MuPDF (%s): %s", job, str(line)[:300])
        status = reply["status"]
        if status == "ok":
            try:
                return wire.expect(reply.get("result"), schema.RESULTS[job], job)
            except wire.WireError as exc:
                raise PdfRejected(
                    f"the reader process sent a malformed reply ({exc})", "bad_reply"
                ) from None
        if status == "rejected":
            raise PdfRejected(
                str(reply.get("reason", "refused"))[:500], str(reply.get("code", "rejected"))[:40]
            )
        message = str(reply.get("message", ""))[:500]
        if status == "known":
            raise _known_error(str(reply.get("error")), message)
        raise PdfRejected(
            f"the document could not be read ({reply.get('error')}: {message})"[:500], "malformed"
        )

    def warm_up(self) -> dict[str, Any]:
        """Start the children now and wait for the first one's hello (what confinement applied)."""
        with self._cond:
            while len(self._idle) + self._busy < self.size:
                self._idle.append(self._spawn())
            first = self._idle[0] if self._idle else None
        if first is not None:
            try:
                self.confinement = first.ready()
            except _Broken as broken:
                with self._cond:  # dead: the next job starts a fresh child instead
                    if first in self._idle:
                        self._idle.remove(first)
                raise PdfRejected(broken.reason, broken.code) from None
        return self.confinement

    def pids(self) -> list[int]:
        """The process ids of the children now running (for the benchmark's memory figure)."""
        with self._cond:
            return [w.proc.pid for w in [*self._idle, *self._working] if w.alive()]

    def close(self) -> None:
        """Stop every child (those busy stop when their job ends; a later call starts anew)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


def _known_error(name: str, message: str) -> Exception:
    if name == "SignatureReadError":
        from desk_app.pdf.signatures import SignatureReadError

        return SignatureReadError(message)
    if name == "MailUnreadable":
        from desk_app.sandbox.results import MailUnreadable

        return MailUnreadable(message)
    return KeyError(message)
