"""Shared fixtures: a fresh SQLite database per test, in-memory secrets, offscreen Qt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR_ROUNDING_POLICY", "PassThrough")
# the app, bundles and children some tests start have no OS keyring on this machine: they keep
# their keys in the private file, chosen explicitly (this process uses the memory keyring below)
os.environ.setdefault("DESK_APP_ALLOW_FILE_SECRETS", "1")

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
import pytest  # noqa: E402

from desk_app.app import open_workstation_store  # noqa: E402
from desk_app.models.store import Actor, Store  # noqa: E402
from desk_app.paths import AppPaths, resolve  # noqa: E402
from desk_app.secrets import MemorySecrets  # noqa: E402
from desk_app.services.context import ServiceContext  # noqa: E402
from desk_app.settings import Settings  # noqa: E402

# the loopback IMAP server and the intake runner, for the intake and CLI tests alike
pytest_plugins = ["tests.plugin_imap"]


class _MemoryKeyring(keyring.backend.KeyringBackend):
    """Keeps the tests away from any real OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


_KEYRING = _MemoryKeyring()
keyring.set_keyring(_KEYRING)


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    """Each test starts with an empty OS keyring, as it starts with a new data folder (the
    workstation's audit signing key and its keyed era are kept there)."""
    _KEYRING.values.clear()
    yield


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    paths = resolve(tmp_path / "data")
    paths.ensure()
    return paths


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def store(app_paths: AppPaths) -> Iterator[Store]:
    s = open_workstation_store(app_paths.database, backups=app_paths.backups)
    yield s
    s.dispose()


@pytest.fixture
def make_ctx(store: Store, secrets: MemorySecrets, app_paths: AppPaths):
    """Build a ServiceContext for a given role (default Security Administrator)."""

    def make(
        role: str = "security_admin", username: str = "alice", workstation: str = "ws-test"
    ) -> ServiceContext:
        return ServiceContext(
            store=store,
            actor=Actor(username, workstation, role),
            secrets=secrets,
            settings=Settings(app_paths.settings_file),
            paths=app_paths,
        )

    return make


@pytest.fixture
def ctx(make_ctx) -> ServiceContext:
    return make_ctx()
