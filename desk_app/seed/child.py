"""Seeding in a child process, so that the GUI's event loop never waits for it.

The seeder is tens of seconds of pure Python work. Run on a thread of the GUI process it competes
with the GUI thread for the interpreter lock, and the first-start progress dialog froze for 100 to
500 ms at a time. A spawned child does the work with an interpreter of its own: it opens the same
database file as the same operator, receives the two keys the seed encrypts closed data with
through the pipe (never on disk, never on its command line) and reports progress back the same way.
The seed is one transaction, so a child that dies leaves the database as it was.
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from desk_app.crypto import DATA_KEY, LOOKUP_KEY
from desk_app.errors import KnownError
from desk_app.models.store import Actor
from desk_app.secrets import get_or_create_key
from desk_app.seed.run import Progress, SeedSummary
from desk_app.services.context import ServiceContext

log = logging.getLogger(__name__)

POLL_S = 0.2


def seed_in_child(
    ctx: ServiceContext, scale: float = 1.0, progress: Progress | None = None
) -> SeedSummary:
    """:func:`desk_app.seed.seed_database` on ``ctx``'s database, run by a spawned child process.

    Blocks the calling thread (a worker's) until the child is done; ``progress`` is called on it.

    Raises:
        KnownError: what the seeder raised for a known reason (the database already holds data,
            a bad scale...), with its message; or the child died.
        RuntimeError: a bug in the child (its traceback is in this process's log).
    """
    path = ctx.store.path
    if path is None:
        raise RuntimeError("seeding in a child process needs a database file")
    report = progress or (lambda _stage, _fraction: None)
    keys = {}
    for name in (DATA_KEY, LOOKUP_KEY):
        get_or_create_key(ctx.secrets, name)  # made here first: the parent keeps using them
        keys[name] = ctx.secrets.get(name)
    spawn = multiprocessing.get_context("spawn")
    ours, theirs = spawn.Pipe()
    child = spawn.Process(
        target=_child_main,
        args=(str(path), ctx.actor, scale, theirs),
        name="desk-app-seed",
        daemon=True,
    )
    child.start()
    theirs.close()  # the child holds its end now: end-of-file here means it is gone
    try:
        ours.send(keys)
        return _wait(ours, child, report)
    finally:
        ours.close()
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()


def _died(child: Any) -> KnownError:
    return KnownError(
        "the demo-data process stopped unexpectedly",
        hint=f"exit code {child.exitcode}; the database was left as it was",
    )


def _wait(pipe: Connection, child: Any, report: Progress) -> SeedSummary:
    while True:
        if not pipe.poll(POLL_S):
            if child.is_alive() or pipe.poll(0):
                continue
            child.join()
            raise _died(child)
        try:
            message = pipe.recv()
        except EOFError:
            child.join()
            raise _died(child) from None
        kind = message[0]
        if kind == "progress":
            report(message[1], message[2])
        elif kind == "done":
            summary: SeedSummary = message[1]
            return summary
        elif kind == "known":
            raise KnownError(message[1], hint=message[2])
        else:
            log.error("demo-data process failed:\n%s", message[2])
            raise RuntimeError(f"the demo-data process failed: {message[1]}")


def _child_main(database: str, actor: Actor, scale: float, pipe: Connection) -> None:
    from desk_app.models.store import open_sqlite
    from desk_app.secrets import MemorySecrets
    from desk_app.seed import seed_database
    from desk_app.sync.outbox import install_capture

    store = None
    try:
        keys: dict[str, str] = pipe.recv()
        store = open_sqlite(Path(database), migrate=False, session_hooks=(install_capture,))
        ctx = ServiceContext(store=store, actor=actor, secrets=MemorySecrets(keys))
        summary = seed_database(
            ctx, scale, lambda stage, fraction: pipe.send(("progress", stage, fraction))
        )
        pipe.send(("done", summary))
    except KnownError as exc:
        pipe.send(("known", exc.message, exc.hint))
    except BaseException as exc:  # noqa: BLE001 - everything else is reported to the parent
        pipe.send(("bug", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        if store is not None:
            store.dispose()
        pipe.close()
