"""The cyclic garbage collector, paused around bulk work.

Bulk work (a sync's push and pull, seeding demo data) builds hundreds of thousands of small
containers that reference counting frees; the cyclic collector never finds garbage among them, yet
it starts a pass every few hundred allocations, and the passes over the older generations grow
with everything the batch keeps alive: a tenth of seeding's time and three quarters of grouping
100,000 outbox entries, all of it holding the GIL, which the GUI thread then waits for.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_paused_lock = threading.Lock()
_paused_count = 0
_paused_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector switched off while the block runs (re-entrant, from any thread: it is on
    again when the last paused block ends, if it was on before the first). Whatever cycles appear
    meanwhile are collected by the passes after that."""
    global _paused_count, _paused_was_enabled
    with _paused_lock:
        if _paused_count == 0:
            _paused_was_enabled = gc.isenabled()
            gc.disable()
        _paused_count += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused_count -= 1
            if _paused_count == 0 and _paused_was_enabled:
                gc.enable()


def collect_young() -> None:
    """Collect the two young generations now, paused or not (a few milliseconds).

    For long bulk work beside a GUI: the pause is process-wide, so the garbage other threads make
    meanwhile (the GUI thread's signals and timers) piles up uncollected, and the first pass
    after a long pause would take it all at once while holding the GIL. Called once per batch,
    each pass stays small, and the old generation is never walked during the pause.
    """
    gc.collect(1)
