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


_frozen_lock = threading.Lock()
_frozen_moments: set[str] = set()


def freeze_long_lived(moment: str) -> bool:
    """Move every object alive now into the collector's permanent generation, which no pass walks;
    once per ``moment`` (a name) per process. Returns whether it froze.

    For the GUI, called once what lives for the whole session exists (the start-up imports and
    the first page; the other pages' modules). A full pass walks every tracked container: once
    the pages are imported that is over a hundred milliseconds, all of it holding the GIL in
    whichever thread happened to allocate (a pool thread's query), while the GUI thread waits for
    the lock. Frozen, those objects are never walked again and a full pass walks only what came
    later. The young generations are collected first (a few milliseconds) so that little garbage
    is frozen with them; a frozen cycle is kept until the process ends, which is why each moment
    freezes once: a process that opens many windows (the tests) would otherwise freeze the
    garbage of the earlier ones.
    """
    with _frozen_lock:
        if moment in _frozen_moments:
            return False
        _frozen_moments.add(moment)
    gc.collect(1)
    gc.freeze()
    return True
