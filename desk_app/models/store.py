"""The database: engine and pragmas, safe opening, migrations with a backup, unit of work.

Opening never modifies a file it cannot vouch for: a corrupt file, one locked by another process,
a read-only folder, or a schema from a newer desk_app each raise :class:`StoreError` with a clear
message before anything is written. Only when the file is sound and older than this release is it
backed up (SQLite online backup) and migrated with the Alembic scripts shipped in the package.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from desk_app.errors import StoreError
from desk_app.models import invariants
from desk_app.models.base import Base, SyncMixin, utcnow
from desk_app.models.migrations import HEAD_REVISION, KNOWN_REVISIONS
from desk_app.models.readpath import ReaderPool

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Actor:
    """Who is acting, and where: stamped on every row written and every audit event."""

    username: str
    workstation_id: str
    role: str = ""


SYSTEM_ACTOR = Actor("system", "local", "security_admin")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA cache_size=-32000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections get WAL, ``synchronous=FULL``, FKs and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


def _stamp_rows(session: Session, _ctx: Any, _instances: Any) -> None:
    """before_flush: fill the sync bookkeeping columns from the unit of work's actor."""
    actor: Actor = session.info.get("actor", SYSTEM_ACTOR)
    if session.info.get("applying_remote"):
        return  # the sync engine writes server values verbatim
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, SyncMixin):
            obj.created_at = obj.created_at or now
            obj.updated_at = now
            obj.updated_by = actor.username
            obj.workstation_id = actor.workstation_id
            obj.row_version = obj.row_version or 1
    for obj in session.dirty:
        if isinstance(obj, SyncMixin) and session.is_modified(obj, include_collections=False):
            if type(obj).__name__ == "AuditEvent":
                raise StoreError("audit events are append-only")
            obj.row_version = (obj.row_version or 0) + 1
            obj.updated_at = now
            obj.updated_by = actor.username
            obj.workstation_id = actor.workstation_id
    for obj in session.deleted:
        if isinstance(obj, SyncMixin) and not session.info.get("allow_hard_delete"):
            raise StoreError(f"{type(obj).__name__} rows are never deleted; use soft_delete()")


class UnitOfWork:
    """One operation's transaction: ``with store.uow(actor) as uow: ...; uow.commit()``.

    The session is opened on the thread that enters the block and never leaves it. Leaving the
    block without ``commit()`` rolls back.
    """

    def __init__(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.session: Session
        self.after_commit: list[Any] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self.store.session_factory()
        self.session.info["actor"] = self.actor
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        callbacks, self.after_commit = self.after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.session.rollback()


class Store:
    """An open database with its session factory."""

    def __init__(
        self,
        engine: Engine,
        path: Path | None = None,
        session_hooks: Sequence[Callable[[sessionmaker[Session]], None]] = (),
    ) -> None:
        self.engine = engine
        self.path = path
        self.session_factory = sessionmaker(engine, expire_on_commit=False)
        # list pages and searches read through bare DBAPI cursors (file-backed SQLite only: an
        # in-memory database lives in one connection, which the engine's pool must keep)
        self.reader = (
            ReaderPool(engine) if engine.dialect.name == "sqlite" and path is not None else None
        )
        event.listen(self.session_factory, "before_flush", _stamp_rows)
        # the rules that hold after every commit, whatever path made the change
        invariants.install(self.session_factory)
        # what the layers above hang on every session (the workstation's sync outbox capture,
        # installed by the composition root: the store knows nothing of sync)
        for hook in session_hooks:
            hook(self.session_factory)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def uow(self, actor: Actor) -> UnitOfWork:
        return UnitOfWork(self, actor)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session for queries (rolled back and closed at the end)."""
        session = self.session_factory()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def reading(
        self,
    ) -> AbstractContextManager[Callable[[Select[Any], Mapping[str, Any]], Sequence[Any]]]:
        """``with store.reading() as read: rows = read(stmt, params)``: list statements on one
        connection, through :attr:`reader` when the store has one, else through a Core
        connection (the same values either way). Rows are tuples, or lists when a column is
        converted."""
        if self.reader is not None:
            return self.reader.reading()
        return self._core_reading()

    @contextmanager
    def _core_reading(self) -> Iterator[Callable[[Select[Any], Mapping[str, Any]], Sequence[Any]]]:
        with self.engine.connect() as conn:
            yield lambda stmt, params: conn.execute(stmt, dict(params)).all()

    def read_rows(self, stmt: Select[Any], params: Mapping[str, Any]) -> Sequence[Any]:
        """All rows of one list statement (see :meth:`reading`)."""
        with self.reading() as read:
            return read(stmt, params)

    def dispose(self) -> None:
        if self.reader is not None:
            self.reader.close()
        self.engine.dispose()


# --- opening an SQLite file safely ----------------------------------------------------------


def _check_folder(path: Path) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {folder}: {exc.strerror}") from exc
    if not _folder_writable(folder) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(
            f"the data folder {folder} is read-only",
            hint="choose another folder with --data-dir or ask IT to grant write access",
        )


def _folder_writable(folder: Path) -> bool:
    """Probe with a real file: permission bits alone say nothing for an administrator account
    or a read-only share."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-probe-")
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def _read_revision(path: Path) -> str | None:
    """Read the schema revision without writing anything (read-only URI connection)."""
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != SQLITE_HEADER:
        raise StoreError(f"{path.name} is not a desk_app database (damaged or another file type)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            conn.execute(
                "PRAGMA quick_check(1)"
            ).fetchone() if path.stat().st_size < 64_000_000 else None
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" not in tables:
                return None if not tables else "unknown"
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise StoreError(
                f"{path.name} is locked by another process", hint="close the other desk_app"
            ) from exc
        raise StoreError(
            f"{path.name} is damaged and cannot be opened ({exc})",
            hint="restore it from the backups folder",
        ) from exc


def _check_not_locked(path: Path) -> None:
    conn = sqlite3.connect(str(path), timeout=1.5, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise StoreError(
            f"{path.name} is locked by another process",
            hint="close the other desk_app or wait for it to finish",
        ) from exc
    finally:
        conn.close()


def backup_sqlite(path: Path, backups: Path, label: str) -> Path:
    """Copy the database with SQLite's online backup API; returns the backup path."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"{path.stem}-{label}-{stamp}.sqlite3"
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def open_sqlite(
    path: Path,
    *,
    backups: Path | None = None,
    migrate: bool = True,
    session_hooks: Sequence[Callable[[sessionmaker[Session]], None]] = (),
) -> Store:
    """Open (creating or migrating as needed) the embedded database at ``path``.

    ``session_hooks`` are called once with the store's session factory (event listeners).

    Raises:
        StoreError: the file is damaged, locked, read-only, or from a newer schema.
    """
    _check_folder(path)
    revision = _read_revision(path) if path.exists() and path.stat().st_size else None
    if revision == "unknown" or (revision is not None and revision not in KNOWN_REVISIONS):
        raise StoreError(
            f"{path.name} was written by a newer desk_app (schema {revision})",
            hint="install the newer desk_app; this one will not touch the file",
        )
    if path.exists():
        _check_not_locked(path)
    engine = make_engine(f"sqlite:///{path}")
    if revision != HEAD_REVISION:
        if not migrate:
            raise StoreError(f"{path.name} needs a schema upgrade")
        if revision is not None and backups is not None:
            saved = backup_sqlite(path, backups, f"before-{HEAD_REVISION}")
            log.info("database backed up to %s before migrating", saved.name)
        upgrade(engine)
    return Store(engine, path, session_hooks)


def open_url(url: str, *, migrate: bool = True) -> Store:
    """Open a database by URL (PostgreSQL for the central store, ``sqlite://`` in tests)."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the packaged Alembic migrations up to ``revision`` on ``engine``."""
    from desk_app.models.migrations import run_upgrade

    run_upgrade(engine, revision)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


__all__ = ["Actor", "Base", "Store", "UnitOfWork", "open_sqlite", "open_url", "make_engine"]
