"""Sync fixtures: one private PostgreSQL for the session, a fresh central database per test, and
workstations (SQLite stores with their own workstation ids, sharing the agency's data key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.app import open_workstation_store
from desk_app.models.store import Actor, Store, open_url
from desk_app.paths import AppPaths, resolve
from desk_app.secrets import MemorySecrets
from desk_app.services.context import ServiceContext
from desk_app.settings import Settings
from desk_app.sync.devserver import PostgresMissing, PrivatePostgres
from desk_app.sync.engine import SyncEngine, SyncSummary
from desk_app.sync.server import ServerLink


@pytest.fixture(scope="session")
def pg() -> Iterator[PrivatePostgres]:
    try:
        server = PrivatePostgres().start()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        template = server.create_database()
        store = open_url(server.url(template))
        ServerLink(store.engine)
        store.dispose()
        server.template = template  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_url(pg: PrivatePostgres) -> Iterator[str]:
    name = pg.create_database(template=pg.template)  # type: ignore[attr-defined]
    yield pg.url(name)
    pg.drop_database(name)


@pytest.fixture
def server(server_url: str) -> Iterator[ServerLink]:
    store = open_url(server_url, migrate=False)
    link = ServerLink(store.engine)
    yield link
    link.dispose()


@pytest.fixture
def shared_secrets() -> MemorySecrets:
    """Both workstations of the agency hold the same data key (SSN / DOB ciphertexts sync as-is)."""
    return MemorySecrets()


@dataclass
class Workstation:
    name: str
    paths: AppPaths
    store: Store
    ctx: ServiceContext
    server: ServerLink
    push_batch: int = 5000
    pull_batch: int = 5000

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    def engine(self) -> SyncEngine:
        return SyncEngine(
            self.store,
            self.actor,
            self.server,
            "central",
            self.paths.blobs,
            self.push_batch,
            self.pull_batch,
        )

    def sync(self) -> SyncSummary:
        return self.engine().run()


@pytest.fixture
def make_workstation(tmp_path: Path, server: ServerLink, shared_secrets: MemorySecrets):
    made: list[Workstation] = []

    def make(name: str, username: str = "alice") -> Workstation:
        paths = resolve(tmp_path / name)
        paths.ensure()
        store = open_workstation_store(paths.database)
        ctx = ServiceContext(
            store=store,
            actor=Actor(username, name, "security_admin"),
            secrets=shared_secrets,
            settings=Settings(paths.settings_file),
            paths=paths,
        )
        ws = Workstation(name, paths, store, ctx, server)
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.store.dispose()


@pytest.fixture
def ws_a(make_workstation) -> Workstation:
    return make_workstation("ws-a", "alice")


@pytest.fixture
def ws_b(make_workstation) -> Workstation:
    return make_workstation("ws-b", "bob")
