"""Seeding in a child process: the same rows as in-process, progress and errors come back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.app import open_workstation_store
from desk_app.crypto import FieldCipher
from desk_app.errors import KnownError
from desk_app.models.educators import Educator
from desk_app.models.store import Actor
from desk_app.secrets import MemorySecrets
from desk_app.seed import seed_database
from desk_app.seed.child import seed_in_child
from desk_app.services.context import ServiceContext

SCALE = 0.003


def _ctx(tmp_path, name: str, secrets: MemorySecrets) -> ServiceContext:
    (tmp_path / name).mkdir()
    store = open_workstation_store(tmp_path / name / "desk_app.sqlite3")
    return ServiceContext(
        store=store, actor=Actor("alice", "ws-1", "security_admin"), secrets=secrets
    )


def test_the_child_writes_what_the_seeder_writes_in_process(tmp_path) -> None:
    secrets = MemorySecrets()
    child_ctx = _ctx(tmp_path, "child", secrets)
    stages: list[tuple[str, float]] = []
    summary = seed_in_child(
        child_ctx, SCALE, lambda stage, fraction: stages.append((stage, fraction))
    )
    local = seed_database(_ctx(tmp_path, "local", MemorySecrets()), SCALE)
    assert summary.counts == local.counts and summary.total_rows > 1000
    assert [s for s, _ in stages][0] == "entities" and stages[-1][1] >= 0.95
    assert [f for _, f in stages] == sorted(f for _, f in stages)
    with child_ctx.store.read() as s:
        assert (
            s.execute(select(func.count()).select_from(Educator)).scalar_one()
            == summary.counts["educator"]
        )
        educator_id, ssn_cipher = s.execute(select(Educator.id, Educator.ssn_cipher).limit(1)).one()
    # closed data was encrypted with this installation's key, handed to the child through the pipe
    cipher = FieldCipher.from_secrets(secrets)
    assert len(cipher.decrypt(ssn_cipher, context=f"educator:{educator_id}:ssn".encode())) == 9
    child_ctx.store.dispose()


def test_a_known_refusal_in_the_child_comes_back_with_its_message(tmp_path) -> None:
    ctx = _ctx(tmp_path, "twice", MemorySecrets())
    seed_database(ctx, SCALE)
    with pytest.raises(KnownError, match="already holds entities"):
        seed_in_child(ctx, SCALE)
    with pytest.raises(KnownError, match="scale"):
        seed_in_child(ctx, 0)
    ctx.store.dispose()


def test_a_child_that_dies_is_a_clear_error() -> None:
    import multiprocessing

    from desk_app.seed.child import _wait

    class Gone:
        exitcode = -9

        def is_alive(self) -> bool:
            return False

        def join(self) -> None:
            pass

    ours, theirs = multiprocessing.Pipe()
    theirs.send(("progress", "entities", 0.0))
    theirs.close()  # killed after its first report
    seen: list[str] = []
    with pytest.raises(KnownError, match="stopped unexpectedly") as caught:
        _wait(ours, Gone(), lambda stage, _fraction: seen.append(stage))
    assert seen == ["entities"] and "exit code -9" in str(caught.value)
