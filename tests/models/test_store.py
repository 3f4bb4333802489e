"""Opening the embedded database: good files open, bad ones are refused untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.errors import StoreError, ValidationError
from desk_app.models.entities import EducationalEntity
from desk_app.models.migrations import HEAD_REVISION
from desk_app.models.store import Actor, open_sqlite


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_has_wal_fk_and_full_sync(tmp_path: Path) -> None:
    store = open_sqlite(tmp_path / "db.sqlite3")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert (
            conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            == HEAD_REVISION
        )
    store.dispose()


def test_rows_are_stamped_and_versioned(store) -> None:
    with store.uow(Actor("alice", "ws-1")) as uow:
        e = EducationalEntity(kind="lea", code="048-078", name="Kirksville R-III")
        uow.session.add(e)
        uow.commit()
    assert isinstance(e.id, uuid.UUID)
    assert (e.row_version, e.updated_by, e.workstation_id) == (1, "alice", "ws-1")
    assert e.created_at.tzinfo is not None
    with store.uow(Actor("bob", "ws-2")) as uow:
        again = uow.session.get(EducationalEntity, e.id)
        again.phone = "660-555-0100"
        uow.commit()
    assert (again.row_version, again.updated_by, again.workstation_id) == (2, "bob", "ws-2")
    assert again.updated_at >= e.updated_at


def test_synced_rows_cannot_be_hard_deleted(store) -> None:
    with store.uow(Actor("alice", "ws-1")) as uow:
        e = EducationalEntity(kind="ihe", code="002516", name="Truman State University")
        uow.session.add(e)
        uow.commit()
    with store.uow(Actor("alice", "ws-1")) as uow:
        uow.session.delete(uow.session.get(EducationalEntity, e.id))
        with pytest.raises(StoreError, match="soft_delete"):
            uow.session.flush()
    with store.uow(Actor("alice", "ws-1")) as uow:
        row = uow.session.get(EducationalEntity, e.id)
        row.soft_delete()
        uow.commit()
    with store.read() as s:
        assert s.execute(select(EducationalEntity.deleted_at)).scalar_one() is not None


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("lea", "48-078", "County-district code must look like 048-078"),
        ("lea", "000-001", "county part"),
        ("ihe", "12345", "Institution code"),
        ("nonpublic", "P00001", "Entity code must look like N04567"),
        ("charter", "048-078", "unknown entity kind"),
    ],
)
def test_codes_are_validated_at_the_model_boundary(kind: str, code: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EducationalEntity(kind=kind, code=code, name="X")


def test_code_given_before_kind_is_still_checked() -> None:
    e = EducationalEntity()
    e.code = "12-345"
    with pytest.raises(ValidationError, match="048-078"):
        e.kind = "lea"


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    before = _digest(db)
    with pytest.raises(StoreError, match="not a desk_app database"):
        open_sqlite(db, backups=tmp_path / "b")
    assert _digest(db) == before
    assert not (tmp_path / "b").exists()


def test_damaged_pages_are_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    open_sqlite(db).dispose()
    data = bytearray(db.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # trash the second page (schema tables) keeping the header
    db.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    before = _digest(db)
    with pytest.raises(StoreError, match="damaged|not a desk_app"):
        open_sqlite(db, backups=tmp_path / "b")
    assert _digest(db) == before


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    open_sqlite(db).dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num='9999'")
    conn.close()
    before = _digest(db)
    with pytest.raises(StoreError, match="newer desk_app"):
        open_sqlite(db, backups=tmp_path / "b")
    assert _digest(db) == before


def test_locked_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    open_sqlite(db).dispose()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys,time;c=sqlite3.connect(sys.argv[1],isolation_level=None);"
            "c.execute('BEGIN EXCLUSIVE');print('locked',flush=True);time.sleep(30)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="locked by another process"):
            open_sqlite(db, backups=tmp_path / "b")
    finally:
        holder.kill()
        holder.wait()


def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    """The folder is made read-only for real: chmod for an ordinary user, the immutable
    attribute for root (root ignores permission bits, as an administrator account would)."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "db.sqlite3"
    open_sqlite(db).dispose()
    before = _digest(db)
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(folder), str(db)], check=True)
    else:
        os.chmod(folder, 0o555)
        os.chmod(db, 0o444)
    try:
        with pytest.raises(StoreError, match="read-only"):
            open_sqlite(db)
        assert _digest(db) == before
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder), str(db)], check=True)
        os.chmod(folder, 0o755)
        os.chmod(db, 0o644)
