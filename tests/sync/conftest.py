"""Sync fixtures: one private PostgreSQL for the session, a fresh central database per test, and
workstations (SQLite stores with their own workstation ids, sharing the agency's data key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.app import open_workstation_store
from desk_app.models.store import Actor, Store, make_engine, open_url
from desk_app.paths import AppPaths, resolve
from desk_app.secrets import MemorySecrets
from desk_app.services.context import ServiceContext
from desk_app.services.directory.staff import staff_id
from desk_app.settings import Settings
from desk_app.sync.authority import Operator, deploy, register_operator
from desk_app.sync.devserver import PostgresMissing, PrivatePostgres
from desk_app.sync.engine import SyncEngine, SyncSummary
from desk_app.sync.server import ServerLink

# the operators every test's central database knows (Security Administrators, SCRAM over TLS)
OPERATORS = {"alice": "alice-pw", "bob": "bob-pw"}


@pytest.fixture(scope="session")
def pg() -> Iterator[PrivatePostgres]:
    try:
        server = PrivatePostgres().start()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        for name, password in OPERATORS.items():
            server.add_login(name, password=password)
        template = server.create_database()
        engine = make_engine(server.url(template))  # the deployment role
        deploy(engine, [Operator(name, staff_id(name)) for name in OPERATORS])
        engine.dispose()
        server.template = template  # type: ignore[attr-defined]
        yield server
    finally:
        server.stop()


@pytest.fixture
def central_db(pg: PrivatePostgres) -> Iterator[str]:
    """A fresh central database (a copy of the deployed template); its name."""
    name = pg.create_database(template=pg.template)  # type: ignore[attr-defined]
    yield name
    pg.drop_database(name)


@pytest.fixture
def server_url(pg: PrivatePostgres, central_db: str) -> str:
    """alice's URL: her own login role, TLS verify-full against the test CA."""
    return pg.url(central_db, "alice")


@pytest.fixture
def owner_url(pg: PrivatePostgres, central_db: str) -> str:
    """The deployment role's URL (IT's, for setting up and inspecting; never a workstation's)."""
    return pg.url(central_db)


def _link(url: str) -> ServerLink:
    return ServerLink(open_url(url, migrate=False).engine)


@pytest.fixture
def server(server_url: str) -> Iterator[ServerLink]:
    """The central database as alice (ws-a's operator) sees it."""
    link = _link(server_url)
    yield link
    link.dispose()


@pytest.fixture
def owner(owner_url: str) -> Iterator[ServerLink]:
    link = _link(owner_url)
    yield link
    link.dispose()


@pytest.fixture
def enrol(pg: PrivatePostgres, owner_url: str):
    """Register another operator centrally, as IT and the Security Administrator would: a login
    role (SCRAM password ``<name>-pw``, or a client certificate) and a central staff row."""

    def enrol_one(username: str, role: str, *, cert: bool = False) -> None:
        if username not in pg.passwords and username not in ENROLLED:
            pg.add_login(username, password=None if cert else f"{username}-pw", cert=cert)
            ENROLLED.add(username)
        engine = make_engine(owner_url)
        try:
            with engine.begin() as conn:
                register_operator(conn, Operator(username, staff_id(username), role))
        finally:
            engine.dispose()

    return enrol_one


ENROLLED: set[str] = set()


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
def make_workstation(
    tmp_path: Path, pg: PrivatePostgres, central_db: str, shared_secrets: MemorySecrets
):
    made: list[Workstation] = []
    links: dict[str, ServerLink] = {}

    def make(
        name: str, username: str = "alice", role: str = "security_admin", **login: object
    ) -> Workstation:
        """A workstation whose operator connects as ``username`` (``login``: url() options)."""
        paths = resolve(tmp_path / name)
        paths.ensure()
        store = open_workstation_store(paths.database)
        ctx = ServiceContext(
            store=store,
            actor=Actor(username, name, role),
            secrets=shared_secrets,
            settings=Settings(paths.settings_file),
            paths=paths,
        )
        key = f"{username}:{sorted(login.items())}"
        if key not in links:
            links[key] = _link(pg.url(central_db, username, **login))  # type: ignore[arg-type]
        ws = Workstation(name, paths, store, ctx, links[key])
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.store.dispose()
    for link in links.values():
        link.dispose()


@pytest.fixture
def ws_a(make_workstation) -> Workstation:
    return make_workstation("ws-a", "alice")


@pytest.fixture
def ws_b(make_workstation) -> Workstation:
    return make_workstation("ws-b", "bob")


@pytest.fixture
def ws_carol(pg: PrivatePostgres, enrol, make_workstation) -> Workstation:
    """A Certification Specialist's workstation; carol signs in with a client certificate."""
    enrol("carol", "certification_specialist", cert=True)
    return make_workstation(
        "ws-c",
        "carol",
        "certification_specialist",
        cert=CERTS.setdefault("carol", pg.client_cert("carol")),
    )


CERTS: dict[str, tuple[Path, Path]] = {}
