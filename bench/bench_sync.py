"""Sync figures against a private PostgreSQL started for the run.

- push of 100,000 changed rows, against a plain ``COPY`` of the same rows (same run, same server);
- an incremental sync of 10 changes when both sides hold 1,000,000 rows;
- the longest GUI-thread block while the background scheduler syncs 100,000 rows.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from bench.harness import BenchEnv, Figure

PUSH_ROWS = 100_000
BIG_ROWS = 1_000_000


def _people(n: int, workstation: str) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "id": uuid.uuid4(),
            "row_version": 1,
            "created_at": now,
            "updated_at": now,
            "updated_by": "bench",
            "workstation_id": workstation,
            "deleted_at": None,
            "first_name": f"First{i}",
            "last_name": f"Last{i % 5000}",
            "last_name_search": f"last{i % 5000}",
            "title": "Superintendent" if i % 7 == 0 else "",
            "email": f"p{i}@district.example.org",
            "phone": f"573-555-{i % 10000:04d}",
        }
        for i in range(n)
    ]


def _workstation(folder: Path, name: str) -> Any:
    from desk_app.app import open_workstation_store
    from desk_app.models.store import Actor

    store = open_workstation_store(folder / f"{name}.sqlite3")
    return store, Actor("bench", name, "security_admin")


def _bulk_local(store: Any, rows: list[dict[str, Any]], with_outbox: bool) -> None:
    """Rows as a service would leave them: in the table and, when unsynced, in the outbox."""
    from desk_app.models.people import Person
    from desk_app.models.sync_state import OutboxEntry

    cols = ["first_name", "last_name", "last_name_search", "title", "email", "phone"]
    with store.engine.begin() as conn:
        for start in range(0, len(rows), 50_000):
            chunk = rows[start : start + 50_000]
            conn.execute(insert(Person), chunk)
            if with_outbox:
                conn.execute(
                    insert(OutboxEntry),
                    [
                        {
                            "change_id": str(uuid.uuid4()),
                            "table_name": "person",
                            "row_id": r["id"].hex,
                            "op": "insert",
                            "base_version": 0,
                            "new_version": 1,
                            "columns": cols,
                            "captured_at": r["created_at"],
                        }
                        for r in chunk
                    ],
                )


def _copy_reference(link: Any, rows: list[dict[str, Any]]) -> float:
    """Seconds for a bare COPY of the same rows into a same-shaped table."""
    from desk_app.sync.payload import table

    names = [c.name for c in table("person").columns]
    raw = link.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS person_copy (LIKE person INCLUDING ALL)")
        cur.execute("TRUNCATE person_copy")
        raw.commit()
        t0 = time.perf_counter()
        with cur.copy(f"COPY person_copy ({', '.join(names)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[n] for n in names])
        raw.commit()
        return time.perf_counter() - t0
    finally:
        raw.close()


def _engine(store: Any, actor: Any, link: Any, batch: int = 10_000) -> Any:
    from desk_app.sync.engine import SyncEngine

    return SyncEngine(store, actor, link, "central", None, push_batch=batch, pull_batch=batch)


def _push_figures(work: Path, link: Any, owner: Any) -> list[Figure]:
    rows = _people(PUSH_ROWS, "ws-push")
    store, actor = _workstation(work, "ws-push")
    _bulk_local(store, rows, with_outbox=True)
    copy_s = _copy_reference(owner, rows)
    t0 = time.perf_counter()
    _engine(store, actor, link).push()
    push_s = time.perf_counter() - t0
    store.dispose()
    return [
        Figure(
            "sync: push 100,000 changed rows",
            push_s,
            "s",
            "PostgreSQL COPY",
            copy_s,
            "<= 30 s and <= 5x COPY",
            push_s <= 30 and push_s <= 5 * copy_s,
        )
    ]


def _server_bulk(link: Any, rows: list[dict[str, Any]]) -> None:
    from desk_app.sync.payload import table

    names = [c.name for c in table("person").columns]
    raw = link.engine.raw_connection()
    try:
        with (
            raw.driver_connection.cursor() as cur,
            cur.copy(f"COPY person ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row([r[n] for n in names])
        raw.commit()
    finally:
        raw.close()


def _incremental_figure(work: Path, link: Any, owner: Any) -> Figure:
    from desk_app.models import auditchain as audit
    from desk_app.models.people import Person

    rows = _people(BIG_ROWS, "ws-big")
    store, actor = _workstation(work, "ws-big")
    _bulk_local(store, rows, with_outbox=False)
    _server_bulk(owner, rows)
    engine = _engine(store, actor, link)
    engine.run()  # catches up with the log (the push test's rows) and anchors
    ids = [r["id"] for r in rows[:: BIG_ROWS // 10]][:10]
    del rows
    with store.uow(actor) as uow:
        for i, pid in enumerate(ids):
            uow.session.get(Person, pid).phone = f"417-555-{i:04d}"
        audit.record_in(uow.session, actor, "bench.edit", summary="10 phone numbers")
        uow.commit()
    t0 = time.perf_counter()
    summary = engine.run()
    ms = (time.perf_counter() - t0) * 1000
    assert summary.pushed == 11 and summary.pending == 0, summary
    with store.engine.connect() as conn:
        total = conn.execute(select(text("count(*)")).select_from(text("person"))).scalar_one()
    store.dispose()
    return Figure(
        f"sync: incremental, 10 changes, {total:,}-row database",
        ms,
        "ms",
        "",
        None,
        "<= 200 ms",
        ms <= 200,
    )


def _gui_stall_figure(work: Path, url: str) -> Figure:
    from desk_app.qt import QApplication
    from desk_app.secrets import MemorySecrets
    from desk_app.services.context import ServiceContext
    from desk_app.settings import Settings
    from desk_app.views import ops
    from desk_app.views.watchdog import Watchdog
    from desk_app.views.widgets.sync_status import SyncScheduler

    app = QApplication.instance() or QApplication([])
    store, actor = _workstation(work, "ws-gui")
    _bulk_local(store, _people(PUSH_ROWS, "ws-gui"), with_outbox=True)
    settings = Settings(None)
    settings["sync_url"] = url
    ctx = ServiceContext(store=store, actor=actor, secrets=MemorySecrets(), settings=settings)
    scheduler = SyncScheduler(ctx)
    done: list[object] = []
    scheduler.sync_finished.connect(done.append)
    scheduler.sync_failed.connect(done.append)
    dog = Watchdog(threshold_ms=10)
    dog.start()
    scheduler.sync_now()
    deadline = time.monotonic() + 300
    while not done and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    dog.stop()
    scheduler.stop()
    ops.wait_for_all()
    app.processEvents()
    # Qt objects go before the interpreter shuts down, not during its final collection
    ops.bus.changed.disconnect(scheduler.on_changes)
    scheduler.deleteLater()
    dog.deleteLater()
    app.processEvents()
    store.dispose()
    worst = max((s.duration_ms for s in dog.stalls), default=0.0)
    ok = bool(done) and not isinstance(done[0], str) and worst <= 100
    return Figure(
        "sync: longest GUI-thread block, 100,000-row sync", worst, "ms", "", None, "<= 100 ms", ok
    )


def run(env: BenchEnv) -> list[Figure]:
    from desk_app.models.store import make_engine, open_url
    from desk_app.sync.authority import Operator, deploy
    from desk_app.sync.devserver import PrivatePostgres
    from desk_app.sync.server import ServerLink

    pg = PrivatePostgres().start()
    try:
        # deployed as an agency's would be: the schema the deployment role's, the benchmark's
        # operator a Security Administrator signing in with her own login over TLS; the COPY
        # reference and the server-side bulk rows go in as the deployment role
        pg.add_login("bench", password="bench-pw")
        name = pg.create_database()
        deployer = make_engine(pg.url(name))
        deploy(deployer, [Operator("bench", uuid.uuid4())])
        owner = ServerLink(deployer)
        url = pg.url(name, "bench")
        central = open_url(url, migrate=False)
        link = ServerLink(central.engine)
        work = env.scratch("sync")
        figures = _push_figures(work, link, owner)
        figures.append(_incremental_figure(work, link, owner))
        figures.append(_gui_stall_figure(work, url))
        link.dispose()
        owner.dispose()
        return figures
    finally:
        pg.stop()
