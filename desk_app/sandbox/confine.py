"""The walls around a sandbox child: limits per job, a clean environment, no network.

Parent side: :func:`child_environment` (what the child may see of the environment: nothing
secret, no data folder, a throw-away HOME so no keyring is found) and, on Windows,
:class:`WindowsJob` (a Job Object that caps memory and CPU and kills the child when the parent
lets go of it). Child side: :func:`confine_self`, run before the child reads any request:
``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (CPU seconds; set again before each job), no files
written, no core dumps, a network namespace of its own where Linux allows it, and a priority
below the GUI's (:mod:`desk_app.priority`); on Windows the child drops itself to low integrity.
What applied is reported back in the child's hello so the health check (and the benchmark) can
say it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from desk_app.priority import BELOW_NORMAL_PRIORITY_CLASS, lower_this_process

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class Limits:
    """The limits of one sandboxed job (and of the child that runs it)."""

    max_bytes: int = 25 * 1024 * 1024  # input size, checked in the parent before sending
    max_pages: int = 60
    timeout_s: float = 30.0  # wall clock for the whole job, reply included
    cpu_s: int = 20  # CPU seconds per job (RLIMIT_CPU / the job object's process time)
    memory_mb: int = 1536  # address space (Linux) / committed memory (Windows)
    max_output: int = 64 * 1024 * 1024  # reply size; a bigger reply kills the child

    def as_wire(self) -> dict[str, float]:
        return {"max_bytes": self.max_bytes, "max_pages": self.max_pages, "cpu_s": self.cpu_s}


DEFAULT_LIMITS = Limits()

# what a Python child needs to start and nothing else (Windows needs SYSTEMROOT for its DLLs)
_KEEP = ("PATH", "SYSTEMROOT", "WINDIR", "LANG", "LC_ALL", "TZ", "QT_QPA_PLATFORM")


def child_environment(package_root: str) -> dict[str, str]:
    """The environment a child starts with: no secrets, no data-folder paths, an empty HOME."""
    env = {k: os.environ[k] for k in _KEEP if k in os.environ}
    empty = os.path.join(tempfile.gettempdir(), "desk-app-sandbox-home")
    os.makedirs(empty, mode=0o700, exist_ok=True)
    env.update(
        HOME=empty,
        USERPROFILE=empty,
        APPDATA=empty,
        LOCALAPPDATA=empty,
        XDG_DATA_HOME=empty,
        XDG_CONFIG_HOME=empty,
        TMPDIR=empty,
        PYTHONPATH=package_root,
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        OMP_NUM_THREADS="1",  # numpy / zxing-cpp: one core per child, the pool is the parallelism
    )
    return env


@dataclass
class Confinement:
    """What :func:`confine_self` managed to apply (reported in the child's hello)."""

    applied: list[str] = field(default_factory=list)
    network: str = "available"


def confine_self(limits: Limits, jobs_before_recycle: int) -> Confinement:
    """Child: limit this process before it reads any request."""
    done = Confinement()
    lowered = lower_this_process()  # below the GUI (and the parent's threads)
    if lowered:
        done.applied.append(lowered)
    if sys.platform == "win32":
        if _lower_integrity():
            done.applied.append("low-integrity")
        return done
    import resource

    memory = limits.memory_mb * 1024 * 1024
    cpu_budget = limits.cpu_s * (jobs_before_recycle + 2)
    for name, soft, hard in (
        ("RLIMIT_AS", memory, memory),
        ("RLIMIT_CPU", limits.cpu_s + 5, cpu_budget),
        ("RLIMIT_FSIZE", 0, 0),
        ("RLIMIT_CORE", 0, 0),
    ):
        try:
            resource.setrlimit(getattr(resource, name), (soft, hard))
            done.applied.append(name)
        except (ValueError, OSError, AttributeError):
            pass  # not permitted here: the wall clock and the parent's caps still hold
    done.network = _unshare_network()
    return done


def cpu_for_next_job(limits: Limits) -> None:
    """Child: allow the next job ``limits.cpu_s`` CPU seconds beyond what was used so far."""
    if sys.platform == "win32":
        return  # the job object caps the child's whole CPU time instead
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted = spent + max(int(limits.cpu_s), 1)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (wanted, hard))
    except (ValueError, OSError):
        pass


def _unshare_network() -> str:
    """A network namespace of our own (no interfaces but a down loopback), when allowed."""
    if not sys.platform.startswith("linux"):
        return "available"
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return "available"
    for flags, name in ((CLONE_NEWNET, "unshared"), (CLONE_NEWUSER | CLONE_NEWNET, "unshared")):
        if libc.unshare(flags) == 0:
            return name
    return "available"  # not permitted (a container without user namespaces): fall back silently


def _lower_integrity() -> bool:  # pragma: no cover - Windows only
    """Windows child: set this process's token to low integrity (S-1-16-4096).

    A process may always lower its own integrity level; a low-integrity process cannot write
    to the user's files, registry or keyring, nor talk to higher processes' windows.
    """
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    advapi, kernel = ctypes.WinDLL("advapi32", use_last_error=True), ctypes.WinDLL("kernel32")
    token = wintypes.HANDLE()
    TOKEN_ADJUST_DEFAULT, TOKEN_QUERY, TOKEN_INTEGRITY_LEVEL = 0x80, 0x8, 25
    if not advapi.OpenProcessToken(
        kernel.GetCurrentProcess(), TOKEN_ADJUST_DEFAULT | TOKEN_QUERY, ctypes.byref(token)
    ):
        return False
    sid = ctypes.c_void_p()
    try:
        if not advapi.ConvertStringSidToSidW("S-1-16-4096", ctypes.byref(sid)):
            return False

        class SidAndAttributes(ctypes.Structure):
            _fields_ = [("Sid", ctypes.c_void_p), ("Attributes", wintypes.DWORD)]

        label = SidAndAttributes(sid, 0x20)  # SE_GROUP_INTEGRITY
        size = ctypes.sizeof(label) + advapi.GetLengthSid(sid)
        return bool(
            advapi.SetTokenInformation(token, TOKEN_INTEGRITY_LEVEL, ctypes.byref(label), size)
        )
    finally:
        if sid:
            kernel.LocalFree(sid)
        kernel.CloseHandle(token)


class WindowsJob:  # pragma: no cover - Windows only
    """Parent, Windows: a Job Object holding one child (memory, CPU, kill when closed).

    The child is assigned before it is sent its first request (it only imports libraries until
    then), so no untrusted byte is parsed outside the job.
    """

    handle: Any = None

    def __init__(self, limits: Limits, jobs_before_recycle: int) -> None:
        if sys.platform != "win32":
            raise OSError("a job object exists on Windows only")
        import ctypes
        from ctypes import wintypes

        class IoCounters(ctypes.Structure):
            _fields_ = [(n, ctypes.c_ulonglong) for n in ("r", "w", "o", "rb", "wb", "ob")]

        class BasicLimits(ctypes.Structure):
            _fields_ = [
                ("PerProcessUserTimeLimit", ctypes.c_longlong),
                ("PerJobUserTimeLimit", ctypes.c_longlong),
                ("LimitFlags", wintypes.DWORD),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", wintypes.DWORD),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", wintypes.DWORD),
                ("SchedulingClass", wintypes.DWORD),
            ]

        class ExtendedLimits(ctypes.Structure):
            _fields_ = [
                ("BasicLimitInformation", BasicLimits),
                ("IoInfo", IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t),
            ]

        self._kernel: Any = ctypes.WinDLL("kernel32", use_last_error=True)
        self._kernel.CreateJobObjectW.restype = wintypes.HANDLE
        self.handle = self._kernel.CreateJobObjectW(None, None)
        if not self.handle:
            raise OSError(ctypes.get_last_error(), "CreateJobObjectW failed")
        info = ExtendedLimits()
        process_time, active, priority, memory, die, kill = 0x2, 0x8, 0x20, 0x100, 0x400, 0x2000
        flags = process_time | active | priority | memory | die | kill
        info.BasicLimitInformation.LimitFlags = flags
        info.BasicLimitInformation.PriorityClass = BELOW_NORMAL_PRIORITY_CLASS
        # 100 ns units: the child's whole CPU time until it is recycled
        cpu = limits.cpu_s * (jobs_before_recycle + 2)
        info.BasicLimitInformation.PerProcessUserTimeLimit = cpu * 10_000_000
        info.BasicLimitInformation.ActiveProcessLimit = 1  # the child cannot start others
        info.ProcessMemoryLimit = limits.memory_mb * 1024 * 1024
        extended_limit_information = 9
        if not self._kernel.SetInformationJobObject(
            self.handle, extended_limit_information, ctypes.byref(info), ctypes.sizeof(info)
        ):
            raise OSError(ctypes.get_last_error(), "SetInformationJobObject failed")

    def assign(self, process_handle: int) -> None:
        if sys.platform != "win32":
            return
        import ctypes

        if not self._kernel.AssignProcessToJobObject(self.handle, process_handle):
            raise OSError(ctypes.get_last_error(), "AssignProcessToJobObject failed")

    def close(self) -> None:
        if self.handle:
            self._kernel.CloseHandle(self.handle)  # KILL_ON_JOB_CLOSE ends the child
            self.handle = None
