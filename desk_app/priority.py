"""Background work below the GUI: the scheduling priority of threads and processes that compute
while an operator waits on the window.

On a two-core workstation the sandbox children (a PDF to render, a fax to decode, an intake
batch) and the PIN comparison (Argon2, a tenth of a second of one core) can keep both cores busy;
at the same priority as the GUI thread, the window then waits its turn for tens of milliseconds
at a time. Lowered, they still take every cycle the GUI leaves, so a busy machine finishes them
no later and an idle one just as fast.

Only work that runs without the interpreter lock is lowered (the children are other processes;
Argon2 releases the lock): a lowered thread that held the lock would keep the GUI thread waiting
for longer, not shorter.
"""

from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10  # POSIX: added to the caller's niceness (19 is the lowest)
BELOW_NORMAL_PRIORITY_CLASS = 0x00004000  # Windows: a child process's creation flag
_THREAD_PRIORITY_BELOW_NORMAL = -1


def lower_this_process() -> str:
    """Put the calling process below normal priority; returns what applied (``""``: nothing).
    A sandbox child calls it at its start, before any job (on Windows its parent already
    created it below normal)."""
    if sys.platform == "win32":
        return "below-normal"
    try:
        os.nice(BACKGROUND_NICE)
    except OSError:
        return ""
    return f"nice+{BACKGROUND_NICE}"


def lower_this_thread() -> bool:
    """Put the calling thread below normal priority (a thread pool's initializer); returns
    whether it applied. Linux sets the niceness of one thread given its id; other POSIX systems
    would lower the whole process, so there it does nothing."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        import ctypes

        kernel = ctypes.WinDLL("kernel32")
        return bool(
            kernel.SetThreadPriority(kernel.GetCurrentThread(), _THREAD_PRIORITY_BELOW_NORMAL)
        )
    if not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(now + BACKGROUND_NICE, 19))
    except OSError:
        return False
    return True
