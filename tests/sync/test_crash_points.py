"""The client interrupted at every fault point of push and pull, in-process and by SIGKILL:
no committed change lost, none applied twice, both workstations converge."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from desk_app.models.auditchain import verify_chain
from desk_app.models.entities import EducationalEntity
from desk_app.sync import faults
from desk_app.sync.faults import InjectedFault
from tests.sync.helpers import add_entity, assert_applied_once, assert_converged, edit, outbox_ids


def _entity_ids(ws) -> list:
    with ws.store.read() as s:
        return list(s.scalars(select(EducationalEntity.id).order_by(EducationalEntity.code)))


class KillAt:
    """Raise at the n-th fault point reached (counting from 1); remember where it struck."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.seen = 0
        self.struck: str | None = None

    def __call__(self, name: str) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.struck = name
            raise InjectedFault(name)


def _sync_with_kills(ws, captured: set[str], kills: list[tuple[str, str, int]]) -> None:
    """Sync ``ws``, killing it at point 1, then 2, 3... until a run completes untouched."""
    n = 1
    while True:
        captured |= outbox_ids(ws)
        hook = KillAt(n)
        faults.set_hook(hook)
        try:
            ws.sync()
        except InjectedFault:
            kills.append((f"{ws.name}/{len(captured)}", hook.struck or "", n))
            n += 1
            continue
        finally:
            faults.set_hook(None)
        return


def test_killed_at_every_point_of_push_and_pull(ws_a, ws_b, server) -> None:
    for ws in (ws_a, ws_b):
        ws.push_batch = ws.pull_batch = 4
    captured: set[str] = set()
    kills: list[tuple[str, str, int]] = []
    add_entity(ws_a, "048-001", "Seed district")
    _sync_with_kills(ws_a, captured, kills)
    _sync_with_kills(ws_b, captured, kills)
    for rnd in range(5):
        for i in range(3):
            add_entity(ws_a, f"048-{10 * rnd + i + 10:03d}", f"District A{rnd}{i}")
        add_entity(ws_b, f"049-{rnd + 10:03d}", f"District B{rnd}", county_code="049")
        ids = _entity_ids(ws_b)
        edit(ws_b, EducationalEntity, ids[0], city=f"City {rnd}")  # B owns cities
        edit(ws_a, EducationalEntity, _entity_ids(ws_a)[0], phone=f"555-{rnd}")  # A owns phones
        _sync_with_kills(ws_a, captured, kills)
        _sync_with_kills(ws_b, captured, kills)
    ws_a.sync()
    ws_b.sync()
    ws_a.sync()
    distinct = {(run, n) for run, _, n in kills}  # each a different moment of a different state
    assert len(distinct) >= 50, f"only {len(distinct)} interruptions"
    print(f"{len(distinct)} interruptions")
    assert {p for _, p, _ in kills} >= {
        "push.selected",
        "server.staged",
        "server.before_commit",
        "push.server_committed",
        "push.before_local_commit",
        "pull.fetched",
        "pull.before_local_commit",
    }
    assert_applied_once(server, captured)
    assert_converged(server, ws_a, ws_b)
    for ws in (ws_a, ws_b):
        with ws.store.read() as s:
            assert verify_chain(s).ok


CHILD = Path(__file__).with_name("sync_child.py")


def test_sigkill_mid_sync_loses_nothing(ws_a, ws_b, server, server_url) -> None:
    with ws_a.ctx.uow() as uow:
        from desk_app.models.entities import County

        county = County(code="050", name="Big County")
        uow.session.add(county)
        for i in range(1500):
            uow.session.add(
                EducationalEntity(
                    kind="lea",
                    code=f"050-{i % 1000:03d}" if i < 1000 else f"051-{i % 1000:03d}",
                    name=f"D{i}",
                    county=county,
                )
            )
        uow.commit()
    captured = outbox_ids(ws_a)
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(ws_a.paths.database), server_url, ws_a.name],
        env=dict(os.environ, PYTHONPATH=str(Path.cwd())),
    )
    deadline = time.monotonic() + 60
    logged = 0
    while time.monotonic() < deadline and logged < 300:
        with server.engine.connect() as conn:
            logged = conn.exec_driver_sql("SELECT count(*) FROM sync_change").scalar_one()
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert 300 <= logged < len(captured), "the kill did not land mid-sync"
    ws_a.sync()
    ws_b.sync()
    assert_applied_once(server, captured)
    assert_converged(server, ws_a, ws_b)
