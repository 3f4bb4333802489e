"""Background work for views: named thread pools, operation objects, and the change bus.

Usage (the Anki pattern)::

    op(service.update, entity_id, version, name=new_name).success(self.on_saved).run(
        pool="writer", initiator=self)

The callable runs on a pool thread (it opens its own unit of work there); ``success`` and
``failure`` callbacks run on the GUI thread. When the result is (or carries, see
:func:`changes_in`) a :class:`Changes`, the change bus fires once after the success callback, so
every page refreshes only what changed and can skip the refresh it initiated itself. Nothing else
emits the bus.

Pools (the Picard pattern): ``general`` for parsing and rendering, ``writer`` (one thread) for
database writes and sync so they never race, ``instant`` (one thread) for feedback that must not
queue behind long jobs (search as you type, page counts).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from desk_app.errors import KnownError
from desk_app.qt import QObject, QRunnable, QThreadPool, Signal
from desk_app.services.context import Changes

log = logging.getLogger(__name__)


class Pool(StrEnum):
    """The three pools. A name that is not one of them is refused: a mistyped ``"writter"`` once
    quietly made a fourth pool, and its writes raced the real writer's."""

    GENERAL = "general"
    WRITER = "writer"
    INSTANT = "instant"


_pools: dict[Pool, QThreadPool] = {}


def pool(name: Pool | str) -> QThreadPool:
    """Return the named pool, creating it on first use.

    Raises:
        ValueError: ``name`` is not one of :class:`Pool`.
    """
    try:
        key = Pool(name)
    except ValueError:
        raise ValueError(
            f"no thread pool named {name!r} (one of {', '.join(p.value for p in Pool)})"
        ) from None
    if key not in _pools:
        p = QThreadPool()
        p.setObjectName(f"pool-{key.value}")
        p.setMaxThreadCount(
            max(2, QThreadPool.globalInstance().maxThreadCount()) if key is Pool.GENERAL else 1
        )
        _pools[key] = p
    return _pools[key]


def changes_in(result: Any) -> Changes | None:
    """The :class:`Changes` an operation's result carries: the result itself, its ``changes``
    attribute (a decision's result), or the first Changes of a tuple (intake's report and
    changes). The bus fires for these only, so no view emits it by hand."""
    if isinstance(result, Changes):
        return result
    carried = getattr(result, "changes", None)
    if isinstance(carried, Changes):
        return carried
    if isinstance(result, tuple):
        return next((item for item in result if isinstance(item, Changes)), None)
    return None


def wait_for_all(timeout_ms: int = 30000) -> bool:
    """Wait for every pool to drain (shutdown, tests)."""
    return all(p.waitForDone(timeout_ms) for p in _pools.values())


class ChangeBus(QObject):
    """The one app-wide signal that data changed.

    Signals:
        changed(Changes, object): what changed, and the initiator (or ``None``).
    """

    changed = Signal(object, object)


bus = ChangeBus()


def _default_failure(exc: BaseException, tb: str) -> None:
    if isinstance(exc, KnownError):
        log.warning("operation failed: %s", exc)
    else:
        log.error("operation crashed: %s\n%s", type(exc).__name__, tb)


_failure_handler: list[Callable[[BaseException, str], None]] = [_default_failure]


def set_failure_handler(
    handler: Callable[[BaseException, str], None],
) -> Callable[[BaseException, str], None]:
    """Install the app-wide handler for failures that no ``.failure()`` callback took; returns
    the one it replaces (to put back when the window that installed it is gone)."""
    previous = _failure_handler[0]
    _failure_handler[0] = handler
    return previous


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object, str)
    step = Signal(int, int, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            self.relay.failed.emit(exc, traceback.format_exc())
        else:
            self.relay.done.emit(result)


_running: set[Operation] = set()


class Operation:
    """A call to run off the GUI thread with callbacks on the GUI thread."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._initiator: object | None = None
        self._orphaned = False  # the initiating QObject was destroyed before the result came
        self._on_settled: Callable[[], None] | None = None
        self._cancel = threading.Event()
        self._relay = _Relay()
        self._relay.done.connect(self._finish)
        self._relay.failed.connect(self._fail)

    def success(self, callback: Callable[[Any], None]) -> Operation:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Operation:
        self._on_failure = callback
        return self

    def with_progress(self, on_step: Callable[[int, int, str], None]) -> Operation:
        """Report progress and allow a cancel: the call also gets the keyword arguments
        ``progress(done, total, what)`` (``total`` 0 when unknown), delivered to ``on_step`` on
        the GUI thread, and ``cancelled()``, true once :meth:`cancel` was called, which the
        call checks at its safe points (between items, between batches) and stops there."""
        self._kwargs["progress"] = self._relay.step.emit
        self._kwargs["cancelled"] = self._cancel.is_set
        self._relay.step.connect(
            lambda done, total, what: None if self._orphaned else on_step(done, total, what)
        )
        return self

    def cancel(self) -> None:
        """Ask the call to stop at its next safe point (see :meth:`with_progress`)."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def settled(self, callback: Callable[[], None]) -> Operation:
        """Call ``callback`` on the GUI thread when the call ended, whichever way (before the
        success or failure callback): a progress display hides itself here."""
        self._on_settled = callback
        return self

    def run(
        self, pool_name: Pool | str = Pool.GENERAL, initiator: object | None = None
    ) -> Operation:
        """Start on ``pool_name``. When ``initiator`` is a QObject that is destroyed before the
        result arrives, the callbacks are skipped (they would touch deleted widgets)."""
        target = pool(pool_name)  # an unknown pool name fails here, before anything runs
        self._initiator = initiator
        if isinstance(initiator, QObject):
            initiator.destroyed.connect(self._on_initiator_destroyed)
        _running.add(self)
        target.start(_Job(lambda: self._fn(*self._args, **self._kwargs), self._relay))
        return self

    def _on_initiator_destroyed(self) -> None:
        self._orphaned = True
        self._initiator = None

    def _settle(self) -> None:
        _running.discard(self)
        if self._on_settled is not None and not self._orphaned:
            self._on_settled()
        if isinstance(
            self._initiator, QObject
        ):  # don't keep this operation alive with the initiator
            self._initiator.destroyed.disconnect(self._on_initiator_destroyed)

    def _finish(self, result: Any) -> None:
        self._settle()
        if self._on_success is not None and not self._orphaned:
            self._on_success(result)
        changes = changes_in(result)
        if changes is not None and changes.areas:
            bus.changed.emit(changes, self._initiator)

    def _fail(self, exc: BaseException, tb: str) -> None:
        self._settle()
        if self._orphaned:
            if not isinstance(exc, KnownError):
                _failure_handler[0](exc, tb)  # a bug is a bug even if nobody waits for the answer
            return
        if self._on_failure is not None and isinstance(exc, KnownError):
            self._on_failure(exc)
        else:
            _failure_handler[0](exc, tb)
            if self._on_failure is not None:
                self._on_failure(exc)


def op(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Operation:
    """Build an :class:`Operation` for ``fn(*args, **kwargs)``."""
    return Operation(fn, *args, **kwargs)
