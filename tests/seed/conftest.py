"""A demo database seeded once for the seed tests (scale 0.02: 2,000 educators)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk_app.app import open_workstation_store
from desk_app.models.store import Actor, Store
from desk_app.paths import resolve
from desk_app.secrets import MemorySecrets
from desk_app.seed import SeedSummary, seed_database
from desk_app.services.context import ServiceContext
from desk_app.settings import Settings

SCALE = 0.02


@dataclass
class Seeded:
    ctx: ServiceContext
    store: Store
    summary: SeedSummary


def seed_into(folder: Path, scale: float = SCALE) -> Seeded:
    paths = resolve(folder)
    paths.ensure()
    store = open_workstation_store(paths.database, backups=paths.backups)
    ctx = ServiceContext(
        store=store,
        actor=Actor("seeder", "ws-seed", "security_admin"),
        secrets=MemorySecrets(),
        settings=Settings(paths.settings_file),
        paths=paths,
    )
    return Seeded(ctx, store, seed_database(ctx, scale))


@pytest.fixture(scope="package")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    result = seed_into(tmp_path_factory.mktemp("seeded") / "data")
    yield result
    result.store.dispose()
