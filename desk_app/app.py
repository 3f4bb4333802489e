"""Composition root: paths, settings, secrets, store, operator, services.

Both the GUI and the CLI start here. Nothing below this module knows how it was wired.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desk_app import log as app_log
from desk_app.errors import StoreError
from desk_app.models.auditchain import HeadAnchor, anchor_heads
from desk_app.models.store import Store, open_sqlite
from desk_app.paths import AppPaths, refusal_of, resolve
from desk_app.secrets import SecretStore, get_or_create_key, open_secrets
from desk_app.services.context import ServiceContext
from desk_app.services.directory.dto import OperatorDTO
from desk_app.services.directory.staff import (
    actor_for,
    identify_operator,
    os_username,
    workstation_name,
)
from desk_app.settings import Settings
from desk_app.sync.outbox import install_capture

logger = logging.getLogger(__name__)


def open_workstation_store(
    path: Path, *, backups: Path | None = None, migrate: bool = True
) -> Store:
    """The workstation's embedded database, wired for sync: every change of a synced row is
    captured in the sync outbox in the same transaction (:mod:`desk_app.sync.outbox`)."""
    return open_sqlite(path, backups=backups, migrate=migrate, session_hooks=(install_capture,))


@dataclass
class AppContext:
    """One opened installation: everything the GUI or a CLI command needs."""

    paths: AppPaths
    settings: Settings
    secrets: SecretStore
    store: Store
    operator: OperatorDTO
    services: ServiceContext
    created: bool  # the database did not exist before this start
    anchor: HeadAnchor | None = None

    def release_anchor(self) -> None:
        """Write the audit heads held back during start-up (see :class:`HeldAnchor`)."""
        if isinstance(self.anchor, HeldAnchor):
            self.anchor.release()

    def close(self) -> None:
        self.release_anchor()
        self.store.dispose()


AUDIT_ANCHOR_KEY = "audit-anchor-key"


def head_anchor(
    data_dir: Path, secrets: SecretStore, create: bool = True, held: bool = False
) -> HeadAnchor:
    """The audit head anchored in ``audit-anchor.json`` under a key from the secret store
    (``held``: a :class:`HeldAnchor`, whose writes wait for its release)."""

    def key() -> bytes | None:
        if create:
            return get_or_create_key(secrets, AUDIT_ANCHOR_KEY)
        found = secrets.get(AUDIT_ANCHOR_KEY)
        return base64.urlsafe_b64decode(found) if found else None

    return (HeldAnchor if held else HeadAnchor)(data_dir / "audit-anchor.json", key)


class HeldAnchor(HeadAnchor):
    """An anchor that holds the heads back until :meth:`release`, for the GUI's start.

    Writing the anchor needs its key, and the first key read opens the OS keyring, which loads
    every keyring plugin: 0.3-1.3 s here, spent on the GUI thread by the ``session.start`` event's
    commit before the window could show. Held heads (the newest per workstation) are written at
    release, which the window asks for once its first page has painted, and at close. A crash in
    between leaves the anchor a few events behind, never ahead, which is what the anchor promises
    after any crash between a commit and its write.
    """

    def __init__(self, path: Path, key: Callable[[], bytes | None]) -> None:
        super().__init__(path, key)
        self._held: dict[str, tuple[int, str]] | None = {}
        self._held_lock = threading.Lock()

    def write(self, workstation: str, seq: int, digest: str) -> None:
        with self._held_lock:
            if self._held is not None:
                if seq > self._held.get(workstation, (0, ""))[0]:
                    self._held[workstation] = (seq, digest)
                return
        super().write(workstation, seq, digest)

    def release(self) -> None:
        with self._held_lock:
            held, self._held = self._held, None
        for workstation, (seq, digest) in sorted((held or {}).items()):
            super().write(workstation, seq, digest)


def open_app(
    data_dir: str | Path | None = None,
    *,
    secrets: SecretStore | None = None,
    username: str | None = None,
    console_log: bool = False,
    hold_anchor: bool = False,
) -> AppContext:
    """Open the installation at ``data_dir`` (or the per-user folders).

    Raises:
        StoreError: the database cannot be opened safely (see :mod:`desk_app.models.store`).
        PermissionDenied: the OS user is not an operator of this database.

    ``hold_anchor``: hold the audit anchor's writes until :meth:`AppContext.release_anchor` (the
    GUI's start, so the keyring is not opened before the window shows).
    """
    paths = resolve(data_dir)
    refusal = refusal_of(paths)
    if refusal:
        # before anything is created there: a network or cloud-synced folder is refused untouched
        raise StoreError(
            refusal, hint="choose a folder on this computer's own disk with --data-dir"
        )
    try:
        paths.ensure()
    except OSError as exc:
        raise StoreError(f"cannot use the data folder {paths.data_dir}: {exc.strerror}") from exc
    app_log.setup(paths.log_dir, console=console_log)
    settings = Settings(paths.settings_file)
    created = not paths.database.exists() or paths.database.stat().st_size == 0
    store = open_workstation_store(paths.database, backups=paths.backups)
    secrets = secrets or open_secrets(paths.data_dir / "secrets.json")
    anchor = head_anchor(paths.data_dir, secrets, held=hold_anchor)
    anchor_heads(store.session_factory, anchor)
    operator = identify_operator(
        store, username or os_username(), workstation_name(settings["workstation_name"])
    )
    services = ServiceContext(
        store=store, actor=actor_for(operator), secrets=secrets, settings=settings, paths=paths
    )
    logger.info("opened %s as %s (%s)", paths.database.name, operator.username, operator.role)
    return AppContext(paths, settings, secrets, store, operator, services, created, anchor)
