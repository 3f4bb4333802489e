"""The sync use cases: run a sync, show its state and history, resolve conflicts.

The central database's address is the ``sync_url`` setting, its TLS mode ``sync_sslmode``, and the
password the ``sync-password`` secret (never in settings). One :class:`ServerLink` per address is
kept for the process, so the schema check runs once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from desk_app.errors import KnownError, NotFound, ValidationError
from desk_app.models import auditchain as audit
from desk_app.models.auditkey import chain_keys, chain_scope
from desk_app.models.base import utcnow
from desk_app.models.store import open_url
from desk_app.models.sync_state import OutboxEntry, SyncConflict, SyncRun
from desk_app.rules.permissions import Perm
from desk_app.secrets import key_checks
from desk_app.services.context import Area, Changes, ServiceContext
from desk_app.services.listing import ListQuery
from desk_app.services.sync.dto import (
    ConflictDTO,
    ConflictFieldDTO,
    SyncRunDTO,
    SyncStatusDTO,
    SyncSummaryDTO,
)
from desk_app.services.sync.keycheck import remember_central_key_checks
from desk_app.sync.blobs import fetch_blob
from desk_app.sync.engine import SyncEngine
from desk_app.sync.engine import SyncStopped as SyncStopped  # re-exported: views name it
from desk_app.sync.payload import data_columns, display_value, read_rows, table, to_python
from desk_app.sync.server import ServerLink

PASSWORD_SECRET = "sync-password"
_links: dict[str, ServerLink] = {}
_links_lock = threading.Lock()


def server_url(ctx: ServiceContext, url: str | None = None) -> str:
    """The SQLAlchemy URL of the central database, password and TLS mode filled in.

    Raises:
        ValidationError: no central database is configured.
    """
    raw = (url or ctx.settings["sync_url"] or "").strip()
    if not raw:
        raise ValidationError("central database", "not configured (Settings > Sync)")
    parsed = make_url(raw)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    password = ctx.secrets.get(PASSWORD_SECRET)
    if password and not parsed.password:
        parsed = parsed.set(password=password)
    if "sslmode" not in parsed.query:
        parsed = parsed.update_query_dict({"sslmode": ctx.settings["sync_sslmode"]})
    mode = str(parsed.query.get("sslmode", ""))
    if mode not in TLS_MODES:
        raise KnownError(
            f"the central database is reached only over TLS (TLS mode {mode!r} is refused)",
            hint="set Settings > Sync > TLS mode to verify-full (the IT guide says why)",
        )
    return parsed.render_as_string(hide_password=False)


# the TLS modes a workstation may use: verify-full by default; never one that can fall back to
# plain text (disable, allow, prefer)
TLS_MODES = ("verify-full", "verify-ca", "require")


def connect_problem(exc: BaseException) -> KnownError:
    """A driver's connection error as one clear sentence for the operator."""
    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if "no encryption" in first:
        return KnownError("the central database refused a connection without TLS", hint=first)
    if "certificate" in first or "SSL" in first:
        return KnownError("the central database's TLS certificate could not be checked", hint=first)
    if "authentication failed" in first or "password" in first:
        return KnownError("the central database did not accept this operator's sign-in", hint=first)
    return KnownError("cannot reach the central database", hint=first)


def link_for(url: str) -> ServerLink:
    """The process-wide link to ``url`` (its schema checked, never changed, on first use)."""
    with _links_lock:
        if url not in _links:
            try:
                # never migrate: the central schema is the deployment role's (server upgrade)
                store = open_url(url, migrate=False)
                _links[url] = ServerLink(store.engine)
            except (OperationalError, DBAPIError) as exc:
                raise connect_problem(exc) from exc
        return _links[url]


def _key(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class SyncService:
    """Sync for one operator's session."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- running ------------------------------------------------------------------------------
    def engine(self, url: str | None = None, **kwargs: Any) -> SyncEngine:
        full = server_url(self.ctx, url)
        blobs = self.ctx.paths.blobs if self.ctx.paths is not None else None
        return SyncEngine(
            self.ctx.store,
            self.ctx.actor,
            link_for(full),
            _key(full),
            blobs,
            key_checks=key_checks(self.ctx.secrets),
            audit_key=chain_keys(
                self.ctx.secrets, chain_scope(self.ctx.paths.data_dir if self.ctx.paths else None)
            ).get(self.ctx.actor.workstation_id),
            **kwargs,
        )

    def run(
        self,
        url: str | None = None,
        *,
        background: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> SyncSummaryDTO:
        """Run one full sync (push, anchor, pull). Raises KnownError when it cannot finish.

        Args:
            url: the central database (default: the ``sync_url`` setting).
            background: smaller batches, read one at a time, for a sync beside the GUI thread.
            progress: told after each pushed batch (done, total, what).
            cancelled: asked after each batch and before the pull; once true, the run stops
                there (SyncStopped, a KnownError) and the rest waits for the next sync.
        """
        self.ctx.require(Perm.SYNC)
        sizes: dict[str, Any] = (
            {"push_batch": 2000, "pull_batch": 2000, "read_ahead": 1, "beside_gui": True}
            if background
            else {}
        )
        sizes.update(progress=progress, stopped=cancelled)
        try:
            engine = self.engine(url, **sizes)
        except KnownError as exc:
            self._record_unreachable(str(exc))
            raise
        try:
            s = engine.run()
        finally:
            if self.ctx.paths is not None:  # what the next start compares the keys with
                remember_central_key_checks(self.ctx.paths.data_dir, engine.central_key_checks)
        return SyncSummaryDTO(
            s.run_id, s.pushed, s.merged, s.conflicts, s.pulled, s.blobs_sent, s.pending
        )

    def _record_unreachable(self, message: str) -> None:
        """A run that could not even connect still belongs in the history (and makes us offline)."""
        now = utcnow()
        with self.ctx.store.engine.begin() as conn:
            conn.execute(
                insert(SyncRun).values(
                    started_at=now, finished_at=now, status="failed", message=message[:2000]
                )
            )

    def fetch_document(self, sha: str, url: str | None = None) -> Path:
        """The local path of a document original, downloaded from the central database if needed."""
        if self.ctx.paths is None:
            raise KnownError("no blob folder configured")
        return fetch_blob(
            link_for(server_url(self.ctx, url)), self.ctx.paths.blobs, sha, self.ctx.cipher
        )

    # --- state --------------------------------------------------------------------------------
    def status(self) -> SyncStatusDTO:
        with self.ctx.store.read() as s:
            pending = s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one()
            conflicts = s.execute(
                select(func.count())
                .select_from(SyncConflict)
                .where(SyncConflict.resolved_at.is_(None))
            ).scalar_one()
            last = s.scalars(
                select(SyncRun)
                .where(SyncRun.status != "running")
                .order_by(SyncRun.id.desc())
                .limit(1)
            ).first()
            last_ok = s.execute(
                select(func.max(SyncRun.finished_at)).where(SyncRun.status == "ok")
            ).scalar()
            return SyncStatusDTO(
                configured=bool(self.ctx.settings["sync_url"]),
                online=None if last is None else last.status in ("ok", "stopped"),
                pending=int(pending),
                conflicts=int(conflicts),
                last_sync_at=last_ok,
                last_status=last.status if last else "",
                last_message=last.message if last else "",
            )

    def history(self, limit: int = 100) -> list[SyncRunDTO]:
        with self.ctx.store.read() as s:
            runs = s.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)).all()
            return [
                SyncRunDTO(
                    r.id,
                    r.started_at,
                    r.finished_at,
                    r.status,
                    r.pushed,
                    r.pulled,
                    r.merged,
                    r.conflicts,
                    r.blobs_sent,
                    r.message,
                )
                for r in runs
            ]

    def record_state(self, table_name: str, row_id: str) -> str:
        """``conflict``, ``pending`` or ``synced`` for one record (shown on each record)."""
        hex_id = uuid.UUID(str(row_id)).hex
        with self.ctx.store.read() as s:
            if s.execute(
                select(SyncConflict.id).where(
                    SyncConflict.table_name == table_name,
                    SyncConflict.row_id == hex_id,
                    SyncConflict.resolved_at.is_(None),
                )
            ).first():
                return "conflict"
            if s.execute(
                select(OutboxEntry.seq).where(
                    OutboxEntry.table_name == table_name, OutboxEntry.row_id == hex_id
                )
            ).first():
                return "pending"
        return "synced"

    # --- conflicts ----------------------------------------------------------------------------
    def conflicts(self, include_resolved: bool = False) -> list[ConflictDTO]:
        with self.ctx.store.read() as s:
            stmt = select(SyncConflict).order_by(SyncConflict.id.desc())
            if not include_resolved:
                stmt = stmt.where(SyncConflict.resolved_at.is_(None))
            return [self._conflict_dto(c, self._mine(c)) for c in s.scalars(stmt.limit(500))]

    def _mine(self, c: SyncConflict) -> dict[str, Any]:
        import json

        with self.ctx.store.engine.connect() as conn:
            body = read_rows(conn, c.table_name, [c.row_id]).get(c.row_id)
        return json.loads(body) if body else dict(c.mine)

    def _conflict_dto(self, c: SyncConflict, mine: dict[str, Any]) -> ConflictDTO:
        fields = []
        for col in data_columns(c.table_name):
            fields.append(
                ConflictFieldDTO(
                    col,
                    _shown(col, mine.get(col)),
                    _shown(col, c.theirs.get(col)),
                    col in c.mine_columns,
                    col in c.theirs_columns,
                )
            )
        return ConflictDTO(
            c.id,
            c.table_name,
            c.table_name.replace("_", " ").capitalize(),
            c.row_id,
            c.reason,
            c.detected_at,
            c.base_version,
            c.mine_version,
            c.theirs_version,
            tuple(fields),
            c.resolved_at,
            c.resolution,
        )

    def resolve(self, conflict_id: int, choice: str, take_mine: tuple[str, ...] = ()) -> Changes:
        """Settle a conflict: keep ``mine``, keep ``theirs``, or ``merge`` (mine for ``take_mine``).

        Mine (or a merge that keeps any of mine) becomes a new change on top of the server's
        version, pushed at the next sync; theirs replaces the local row at once.
        """
        self.ctx.require(Perm.SYNC)
        if choice not in ("mine", "theirs", "merge"):
            raise ValidationError("resolution", "choose mine, theirs or merge")
        with self.ctx.uow() as uow:
            c = uow.session.get(SyncConflict, conflict_id)
            if c is None or c.resolved_at is not None:
                raise NotFound("that conflict is already resolved")
            if self.ctx.actor.role != "security_admin" and c.table_name in _ACCESS_TABLES:
                raise KnownError("only a Security Administrator may settle access conflicts")
            mine = self._mine(c)
            columns = data_columns(c.table_name)
            keep = (
                set(columns) if choice == "mine" else set(take_mine) if choice == "merge" else set()
            )
            unknown = keep - set(columns)
            if unknown:
                raise ValidationError("fields", f"unknown: {', '.join(sorted(unknown))}")
            if not mine and choice != "theirs":
                raise ValidationError(
                    "resolution",
                    "this record exists only on the central "
                    "database: fix the local record that clashes, then keep theirs",
                )
            if not c.theirs:
                self._settle_refused(uow, c, mine, choice)
            else:
                changed = sorted(k for k in keep if mine.get(k) != c.theirs.get(k))
                self._write(uow, c, mine, changed)
            c.resolved_at, c.resolution, c.resolved_by = utcnow(), choice, self.ctx.actor.username
            audit.record(
                uow,
                "sync.resolve",
                record_type=c.table_name,
                record_id=uuid.UUID(c.row_id),
                summary=f"sync conflict on {c.table_name.replace('_', ' ')} settled: {choice}",
                details={"choice": choice, "theirs_version": c.theirs_version},
            )
            uow.commit()
        return Changes.of(Area.SYNC, _AREA.get(c.table_name, Area.RECORDS), ids=(c.row_id,))

    def _settle_refused(self, uow: Any, c: SyncConflict, mine: dict[str, Any], choice: str) -> None:
        """A row the central database refused (say, a code another workstation took first).

        Keeping mine sends the row again as it is now (fix it first); keeping theirs drops the
        local row, which never reached the central database.
        """
        t = table(c.table_name)
        row_id = uuid.UUID(c.row_id)
        uow.session.execute(
            delete(OutboxEntry).where(
                OutboxEntry.table_name == c.table_name, OutboxEntry.row_id == c.row_id
            )
        )
        if choice == "theirs":
            try:
                uow.session.execute(t.delete().where(t.c.id == row_id))
                uow.session.flush()
            except DBAPIError as exc:
                raise KnownError(
                    "other local records still refer to this one; fix them first"
                ) from exc
            return
        uow.session.execute(
            insert(OutboxEntry).values(
                change_id=str(uuid.uuid4()),
                table_name=c.table_name,
                row_id=c.row_id,
                op="insert",
                base_version=0,
                new_version=int(mine.get("row_version") or 1),
                columns=data_columns(c.table_name),
                captured_at=utcnow(),
            )
        )

    def _write(self, uow: Any, c: SyncConflict, mine: dict[str, Any], changed: list[str]) -> None:
        """Write the settled row locally and, if any of mine survives, queue it for the push."""
        row = dict(c.theirs)
        row.update({k: mine.get(k) for k in changed})
        version = c.theirs_version + (1 if changed else 0)
        row["row_version"] = version
        if changed:
            row.update(
                updated_by=self.ctx.actor.username,
                workstation_id=self.ctx.actor.workstation_id,
                updated_at=utcnow().isoformat(),
            )
        values = to_python(c.table_name, row)
        t = table(c.table_name)
        stmt = sqlite_insert(t).values(**values)
        # Core statements are not captured by the outbox: the queued change is written by hand
        uow.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"], set_={k: v for k, v in values.items() if k != "id"}
            )
        )
        uow.session.execute(
            delete(OutboxEntry).where(
                OutboxEntry.table_name == c.table_name, OutboxEntry.row_id == c.row_id
            )
        )
        if changed:
            uow.session.execute(
                insert(OutboxEntry).values(
                    change_id=str(uuid.uuid4()),
                    table_name=c.table_name,
                    row_id=c.row_id,
                    op="delete" if "deleted_at" in changed and row.get("deleted_at") else "update",
                    base_version=c.theirs_version,
                    new_version=version,
                    columns=changed,
                    captured_at=utcnow(),
                )
            )
        uow.session.execute(
            update(SyncConflict)
            .where(
                SyncConflict.table_name == c.table_name,
                SyncConflict.row_id == c.row_id,
                SyncConflict.resolved_at.is_(None),
                SyncConflict.id != c.id,
            )
            .values(resolved_at=utcnow(), resolution="superseded")
        )


_ACCESS_TABLES = frozenset({"role_grant", "user_manager_designation"})
_AREA = {
    "role_grant": Area.ACCESS,
    "user_manager_designation": Area.ACCESS,
    "user_account": Area.ACCESS,
    "educational_entity": Area.ENTITIES,
    "building": Area.ENTITIES,
    "educator": Area.EDUCATORS,
    "certificate": Area.EDUCATORS,
    "form_submission": Area.QUEUE,
}


def _shown(column: str, value: Any) -> str:
    if column == "pin_hash" and value:
        return "(PIN set)"
    return display_value(value)


class SyncHistorySource:
    """List source (count / fetch) of sync runs, newest first, for the Sync page."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def count(self, query: ListQuery) -> int:
        with self.ctx.store.read() as s:
            return int(s.execute(select(func.count()).select_from(SyncRun)).scalar_one())

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[SyncRunDTO]:
        with self.ctx.store.read() as s:
            runs = s.scalars(
                select(SyncRun).order_by(SyncRun.id.desc()).offset(offset).limit(limit)
            )
            return [
                SyncRunDTO(
                    r.id,
                    r.started_at,
                    r.finished_at,
                    r.status,
                    r.pushed,
                    r.pulled,
                    r.merged,
                    r.conflicts,
                    r.blobs_sent,
                    r.message,
                )
                for r in runs
            ]


class ConflictSource:
    """List source of open conflicts (with both versions side by side) for the Conflicts view."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.service = SyncService(ctx)

    def count(self, query: ListQuery) -> int:
        return self.service.status().conflicts

    def fetch(self, query: ListQuery, offset: int, limit: int) -> list[ConflictDTO]:
        return self.service.conflicts()[offset : offset + limit]
