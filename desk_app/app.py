"""Composition root: paths, settings, secrets, store, operator, services.

Both the GUI and the CLI start here. Nothing below this module knows how it was wired.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from desk_app import log as app_log
from desk_app.errors import ConflictError, StoreError, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.auditchain import HeadAnchor, anchor_heads
from desk_app.models.auditkey import AuditSigner, chain_scope, sign_new_events
from desk_app.models.store import Actor, Store, open_sqlite
from desk_app.paths import AppPaths, refusal_of, resolve
from desk_app.secrets import (
    ALLOW_FILE_ENV,
    NoKeyring,
    SecretStore,
    get_or_create_key,
    open_secrets,
)
from desk_app.services.context import ServiceContext
from desk_app.services.directory.dto import OperatorDTO
from desk_app.services.directory.first_start import record_first_start
from desk_app.services.directory.staff import (
    actor_for,
    identify_operator,
    os_username,
    record_session_start,
    workstation_name,
)
from desk_app.services.sync.keycheck import require_agency_keys
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
    held: HeldStart | None = None

    def finish_start(self) -> None:
        """What a held start left for later, in order (see :class:`HeldStart`), then the held
        audit heads. Idempotent.

        Raises:
            KnownError: the agency keys' check failed, or there is no keyring: no work may start.
            PermissionDenied: the operator's account was disabled meanwhile.
        """
        held, self.held = self.held, None
        if held is not None:
            try:
                held.finish(self)
            except NoKeyring as exc:  # the deferred store opened here, for the first time
                raise no_keyring(exc) from None
        self.release_anchor()

    def release_anchor(self) -> None:
        """Write the audit heads held back during start-up (see :class:`HeldAnchor`)."""
        if isinstance(self.anchor, HeldAnchor):
            self.anchor.release()

    def close(self) -> None:
        self.release_anchor()
        self.store.dispose()


@dataclass
class HeldStart:
    """The GUI's start, held: what reads the OS keyring waits until the first page shows.

    Opening the keyring loads every keyring plugin (0.1-1.3 s on these machines), and three
    start-up steps reach for it: the agency keys' check, signing the ``session.start`` event,
    and the keyed-era note. Each is an obligation before *work*, not before the window: the GUI
    runs :meth:`AppContext.finish_start` as the first job of the one writer thread, which waits
    for the first page, so every write of the session queues behind the check and the event. A
    failed check closes the window before any work (see ``views/main.py``).
    """

    signer: AuditSigner

    def finish(self, app: AppContext) -> None:
        require_agency_keys(app.paths.data_dir, app.secrets)
        record_session_start(app.store, app.operator)
        mark_keyed_era(app.store, app.services.actor, self.signer)


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


def file_secrets_allowed(paths: AppPaths) -> bool:
    """Whether secrets may live in a private file when there is no OS keyring (opt-in)."""
    if os.environ.get(ALLOW_FILE_ENV) == "1":
        return True
    return bool(Settings(paths.settings_file)["allow_file_secrets"])


def no_keyring(exc: NoKeyring) -> StoreError:
    """The refusal to start without a keyring, as the message the operator reads."""
    return StoreError(str(exc), hint=NoKeyring.hint)


def open_secret_store(paths: AppPaths) -> SecretStore:
    """The installation's secret store (for commands that need no operator session).

    Raises:
        StoreError: no OS keyring and the file fallback was not chosen.
    """
    try:
        return open_secrets(paths.data_dir / "secrets.json", file_secrets_allowed(paths))
    except NoKeyring as exc:
        raise no_keyring(exc) from None


def mark_keyed_era(store: Store, actor: Actor, signer: AuditSigner) -> None:
    """Say in the log where signing began on a chain that has unsigned events before it (the
    first start after an upgrade), with the public key that signs from there on."""
    began = signer.entered.get(actor.workstation_id)
    if began is None or began <= 1:
        return  # nothing signed by this process yet (the key stays unread), or a new chain
    key = signer.chain_key(actor.workstation_id)
    if key is None:
        return
    with store.uow(actor) as uow:
        audit.record(
            uow,
            "audit.keyed_chain_started",
            record_type="audit_event",
            summary=f"audit events of {actor.workstation_id} are signed from event {began} on",
            details={"from_seq": began, "public_key": key.public_hex},
        )
        uow.commit()


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

    ``hold_anchor``: the GUI's start: hold the audit anchor's writes, the agency keys' check and
    the ``session.start`` event until :meth:`AppContext.finish_start` (:class:`HeldStart`), so
    the OS keyring is not opened before the first page shows.
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
    try:
        secrets = secrets or open_secret_store(paths)
        if not hold_anchor:
            require_agency_keys(paths.data_dir, secrets)
        anchor = head_anchor(paths.data_dir, secrets, held=hold_anchor)
        anchor_heads(store.session_factory, anchor)
        signer = AuditSigner(secrets, chain_scope(paths.data_dir))
        sign_new_events(store.session_factory, signer)
        operator = identify_operator(
            store,
            username or os_username(),
            workstation_name(settings["workstation_name"]),
            record_start=not hold_anchor,
        )
        mark_keyed_era(store, actor_for(operator), signer)
    except NoKeyring as exc:  # a deferred store opens on first use
        store.dispose()
        raise no_keyring(exc) from None
    except BaseException:
        store.dispose()
        raise
    services = ServiceContext(
        store=store, actor=actor_for(operator), secrets=secrets, settings=settings, paths=paths
    )
    logger.info("opened %s as %s (%s)", paths.database.name, operator.username, operator.role)
    held = HeldStart(signer) if hold_anchor else None
    return AppContext(paths, settings, secrets, store, operator, services, created, anchor, held)


def is_new_installation(data_dir: str | Path | None = None) -> bool:
    """True when ``data_dir`` has no database yet: the next start is a first start."""
    database = resolve(data_dir).database
    return not database.exists() or database.stat().st_size == 0


def initialise(
    data_dir: str | Path | None = None,
    *,
    demo: bool,
    central_url: str = "",
    secrets: SecretStore | None = None,
    username: str | None = None,
    console_log: bool = False,
) -> AppContext:
    """Create a new database at ``data_dir`` on purpose (``desk-app init``, the first-run dialog).

    The signed-in account becomes the first Security Administrator (local only, see
    :mod:`desk_app.services.directory.first_start`) and the choice is audited. Demo data is
    written by the caller afterwards (the GUI seeds in a child process behind a progress dialog).
    A password in ``central_url`` goes to the secret store, never into the settings file.

    Raises:
        ConflictError: the folder already has a database.
        ValidationError: ``central_url`` is not a PostgreSQL address.
    """
    # here, not at the top: the sync area pulls in the PostgreSQL driver, which an ordinary start
    # loads only after the window is up
    from desk_app.services.sync.probe import central_url_problem
    from desk_app.services.sync.service import PASSWORD_SECRET

    if not is_new_installation(data_dir):
        raise ConflictError(
            f"{resolve(data_dir).database} already exists; init only starts a new database",
            hint="choose another folder with --data-dir",
        )
    url = central_url.strip()
    problem = central_url_problem(url) if url else ""
    if problem:
        raise ValidationError("central database", problem)
    ctx = open_app(data_dir, secrets=secrets, username=username, console_log=console_log)
    if url:
        parsed = make_url(url)
        if parsed.password:
            ctx.secrets.set(PASSWORD_SECRET, str(parsed.password))
            url = parsed._replace(password=None).render_as_string(hide_password=False)
        ctx.settings["sync_url"] = url
        ctx.settings.save()
    record_first_start(ctx.services, demo=demo, central=url)
    return ctx
