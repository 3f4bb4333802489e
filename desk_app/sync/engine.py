"""One sync run: check the audit anchor, push everything pending, anchor the head, pull.

Every run leaves a :class:`~desk_app.models.sync_state.SyncRun` row behind (ok / failed /
rollback), written in its own transactions so a failed run is still in the history.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from desk_app import collector
from desk_app.errors import KnownError
from desk_app.models import auditchain as audit
from desk_app.models.audit import AuditEvent
from desk_app.models.auditkey import NEVER, ChainKey
from desk_app.models.base import utcnow
from desk_app.models.staff import Staff
from desk_app.models.store import Actor, Store
from desk_app.models.sync_state import AnchoredHead, OutboxEntry, SyncConflict, SyncRun
from desk_app.sync import faults
from desk_app.sync.payload import to_python
from desk_app.sync.pull import pull_all
from desk_app.sync.push import READ_AHEAD, finish, pending, recover, send
from desk_app.sync.server import ServerLink
from desk_app.sync.types import PushOutcome

log = logging.getLogger(__name__)

PUSH_BATCH = 5000
PULL_BATCH = 5000


class RollbackDetected(KnownError):
    """The local audit chain is behind (or differs from) the head anchored on the server."""


class SyncStopped(KnownError):
    """The operator stopped a sync between two batches."""


@dataclass(frozen=True)
class SyncSummary:
    run_id: int
    pushed: int
    merged: int
    conflicts: int
    pulled: int
    blobs_sent: int
    pending: int


@dataclass
class SyncEngine:
    """Syncs one local store with one server as one operator (its actor names the workstation)."""

    store: Store
    actor: Actor
    server: ServerLink
    server_key: str
    blob_root: Path | None = None
    push_batch: int = PUSH_BATCH
    pull_batch: int = PULL_BATCH
    # batches of outbox entries read per pass (the GUI's background sync reads one: smaller
    # windows keep each batch's work, and so the GUI thread's waits for the GIL, short)
    read_ahead: int = READ_AHEAD
    # a sync beside the GUI collects the young garbage generations once per batch (the collector
    # is paused for the whole transfer, and the GUI thread's garbage must not pile up meanwhile)
    beside_gui: bool = False
    # check values of the agency keys this workstation holds (name -> value): compared with the
    # central ones before anything moves, so closed data is never sealed with a stray key
    key_checks: dict[str, str] = field(default_factory=dict)
    # told after each pushed batch (done, total, what); and asked there, and before the pull,
    # whether the operator wants the run to stop: a stop between batches is as safe as a crash
    # there (the next run recovers), and what was pushed stays pushed
    progress: Callable[[int, int, str], None] | None = None
    stopped: Callable[[], bool] | None = None
    _total: int = field(default=0, init=False, repr=False)  # changes pending at the start

    def _step(self, done: int, total: int, what: str) -> None:
        if self.progress is not None:
            self.progress(done, total, what)
        if self.stopped is not None and self.stopped():
            raise SyncStopped(
                f"sync stopped by the operator after {done:,} of {total:,} change(s)",
                hint="the rest waits for the next sync",
            )

    # the agency's check values as the central database keeps them (filled by a run, kept by
    # the caller so the next start can refuse stray keys before any work)
    central_key_checks: dict[str, str] = field(default_factory=dict)
    # this workstation's audit signing key (public half and keyed era), registered centrally at
    # the first sync and compared at every later one
    audit_key: ChainKey | None = None

    def run(self) -> SyncSummary:
        """One full sync. Raises KnownError (server unreachable, rollback detected, stopped...)."""
        run_id = self._start_run()
        counts = {"pushed": 0, "merged": 0, "conflicts": 0, "pulled": 0, "blobs_sent": 0}
        self._total = self.pending() if self.progress is not None else 0
        try:
            self.check_anchor(run_id)
            self.require_central_operator()
            self.require_agency_keys()
            self.require_registered_audit_key()
            head = self._local_head()
            self.push(counts, before_run=run_id)
            self.adopt_server_roles()
            if head is not None:
                self.server.anchor(self.actor.workstation_id, *head)
                self._remember_anchor(*head)
            faults.point("sync.anchored")
            self._step(self._total, self._total, "Pulling the central database's changes…")
            with collector.paused():
                counts["pulled"] = pull_all(
                    self.store, self.server, self.server_key, self.pull_batch, tidy=self.beside_gui
                )
        except RollbackDetected:
            raise
        except SyncStopped as exc:
            self._finish_run(run_id, "stopped", counts, str(exc))
            raise
        except DBAPIError as exc:
            self._finish_run(run_id, "failed", counts, f"central database unreachable: {exc.orig}")
            raise KnownError(
                "the central database is unreachable or refused the sync",
                hint=str(exc.orig).strip().splitlines()[0] if exc.orig else None,
            ) from exc
        except BaseException as exc:
            self._finish_run(run_id, "failed", counts, f"{type(exc).__name__}: {exc}")
            raise
        self._finish_run(run_id, "ok", counts, "")
        return SyncSummary(
            run_id,
            counts["pushed"],
            counts["merged"],
            counts["conflicts"],
            counts["pulled"],
            counts["blobs_sent"],
            self.pending(),
        )

    def push(
        self, counts: dict[str, int] | None = None, before_run: int | None = None
    ) -> dict[str, int]:
        """Push everything pending (the first half of :meth:`run`); returns the counts.

        When the previous run did not end well (a crash, a kill, an error), batches it sent may
        have committed on the server without their outbox entries being removed here: those are
        found and dropped first (:func:`recover`). After a clean run there is nothing to find.

        Raises:
            KnownError: the workstation is enrolled to another operator (or this login is not an
                active one), or the server refused the push as a whole.
        """
        counts = (
            counts
            if counts is not None
            else {"pushed": 0, "merged": 0, "conflicts": 0, "blobs_sent": 0}
        )
        # the server takes the workstation only from an enrolment of this login (never from the
        # rows): the first push enrols it, and a name another operator holds stops here
        self.server.enrol(self.actor.workstation_id)
        with collector.paused():
            if not self._previous_run_clean(before_run):
                recover(self.store, self.server, self.push_batch)
            self._push_all(counts)
        return counts

    def _previous_run_clean(self, before_run: int | None) -> bool:
        stmt = select(SyncRun.status).where(SyncRun.server == self.server_key)
        if before_run is not None:
            stmt = stmt.where(SyncRun.id < before_run)
        with self.store.read() as s:
            status = s.execute(stmt.order_by(SyncRun.id.desc()).limit(1)).scalar()
        return status is None or status == "ok"

    def _push_all(self, counts: dict[str, int]) -> None:
        """Push everything pending, as a pipeline of three threads: this one sends batch i to the
        server while a reader reads batch i+1 from SQLite and a finisher removes batch i-1's
        outbox entries. At most two sent batches await their local finish (:data:`IN_FLIGHT`,
        which is what :func:`recover` checks after a crash)."""
        with (
            ThreadPoolExecutor(1, thread_name_prefix="sync-read") as reader,
            ThreadPoolExecutor(1, thread_name_prefix="sync-finish") as finisher,
        ):
            whole_rows = False
            while True:
                if self._pass(reader, finisher, counts, whole_rows):
                    whole_rows = False
                elif whole_rows:
                    return
                else:
                    # nothing whole to send in the window (or nothing pending): a last pass
                    # reads whole rows, so rows whose entries run past the window still go
                    whole_rows = True

    def _pass(
        self,
        reader: ThreadPoolExecutor,
        finisher: ThreadPoolExecutor,
        counts: dict[str, int],
        whole_rows: bool,
    ) -> int:
        """One pass over the outbox (:func:`pending`); returns the batches sent."""
        # the pass's reading (generator and connection) stays on the reader thread
        batches = pending(self.store, self.push_batch, self.read_ahead, whole_rows)
        finishing: Future[None] | None = None
        sent = 0
        try:
            ahead = reader.submit(next, batches, None)
            while (groups := ahead.result()) is not None:
                ahead = reader.submit(next, batches, None)
                if self.beside_gui:
                    collector.collect_young()
                if not groups:
                    continue
                outcome = send(self.store, self.actor, self.server, groups, self.blob_root)
                sent += 1
                if finishing is not None:
                    finishing.result()
                finishing = finisher.submit(finish, self.store, self.actor, groups, outcome)
                self._count(outcome, counts)
                total = max(self._total, counts["pushed"])
                self._step(
                    counts["pushed"], total, f"Pushed {counts['pushed']:,} of {total:,} changes"
                )
        finally:
            # every sent batch is finished here before the pass ends, whatever happened; the
            # next pass reads the outbox afresh
            reader.submit(batches.close).result()
            if finishing is not None:
                finishing.result()
        return sent

    @staticmethod
    def _count(outcome: PushOutcome, counts: dict[str, int]) -> None:
        counts["pushed"] += len(outcome.applied) + len(outcome.already)
        counts["merged"] += len(outcome.merged)
        counts["conflicts"] += len(outcome.conflicts)
        counts["blobs_sent"] += outcome.blobs_sent

    # --- roles come from the server ---------------------------------------------------------
    def require_central_operator(self) -> None:
        """Refuse to sync as a login the central staff table does not know (or has switched
        off); a local staff row that says otherwise (a fresh folder's self-made Security
        Administrator) is switched off here, since roles are the server's."""
        if self.server.operator_role() is not None:
            return
        login = self.server.operator
        with self.store.engine.begin() as conn:
            conn.execute(update(Staff).where(Staff.username == login).values(active=False))
        raise KnownError(
            f"{login} is not an active operator of the central database",
            hint="a Security Administrator adds you on the Staff page; until then nothing syncs",
        )

    def require_agency_keys(self) -> None:
        """Refuse to work with keys other than the agency's (their check values kept centrally)."""
        for name, value in sorted(self.key_checks.items()):
            central = self.server.key_check(name, value)
            if central is not None:
                self.central_key_checks[name] = central
            if central is not None and central != value:
                raise KnownError(
                    f"this workstation's {name} is not the agency's: nothing was synced",
                    hint="import the agency keys (desk-app keys import) before working",
                )

    def require_registered_audit_key(self) -> None:
        """Register this workstation's public audit key (first sync) or refuse to sync when the
        central database holds another: someone else signed this workstation's history."""
        if self.audit_key is None or self.audit_key.from_seq == NEVER:
            return  # nothing signed in this data folder yet: nothing to register
        ws = self.actor.workstation_id
        self.server.enrol(ws)  # a key is registered only for a workstation enrolled to this login
        held = self.server.register_audit_key(
            ws, self.audit_key.public_hex, self.audit_key.from_seq
        )
        if held is not None and held != self.audit_key.public_hex:
            raise KnownError(
                f"the central database holds another audit key for workstation {ws}: "
                "nothing was synced",
                hint="a reinstalled workstation or a copied data folder; IT security checks it",
            )

    # --- roles come from the server (refused staff rows) ---------------------------------------------------------
    def adopt_server_roles(self) -> int:
        """Staff rows the central database refused are replaced by its own (or, for an operator
        it does not know, switched off here): a self-made Security Administrator stays local
        for one session at most. Returns how many rows were replaced."""
        with self.store.read() as s:
            refused = s.scalars(
                select(SyncConflict).where(
                    SyncConflict.table_name == "staff", SyncConflict.resolved_at.is_(None)
                )
            ).all()
            keys = [(c.id, c.row_id) for c in refused]
        for conflict_id, row_id in keys:
            found = self.server.row("staff", row_id)
            values = to_python("staff", found[1]) if found else {"active": False}
            values.pop("id", None)
            with self.store.engine.begin() as conn:
                conn.execute(update(Staff).where(Staff.id == uuid.UUID(row_id)).values(**values))
                conn.execute(
                    delete(OutboxEntry).where(
                        OutboxEntry.table_name == "staff", OutboxEntry.row_id == row_id
                    )
                )
                conn.execute(
                    update(SyncConflict)
                    .where(SyncConflict.id == conflict_id)
                    .values(resolved_at=utcnow(), resolution="server")
                )
        return len(keys)

    # --- audit anchor ----------------------------------------------------------------------
    def _local_head(self) -> tuple[int, str] | None:
        with self.store.read() as s:
            found = s.execute(
                select(AuditEvent.seq, AuditEvent.hash)
                .where(AuditEvent.workstation_id == self.actor.workstation_id)
                .order_by(AuditEvent.seq.desc())
                .limit(1)
            ).first()
        return (int(found[0]), str(found[1])) if found else None

    def check_anchor(self, run_id: int) -> None:
        """Refuse to sync a database whose audit chain is behind its anchored head."""
        anchored = self.server.anchored_head(self.actor.workstation_id)
        if anchored is None:
            return
        seq, digest = anchored
        with self.store.read() as s:
            local = s.execute(
                select(AuditEvent.hash).where(
                    AuditEvent.workstation_id == self.actor.workstation_id, AuditEvent.seq == seq
                )
            ).scalar()
        if local == digest:
            return
        problem = (
            f"this workstation's audit log ends before event {seq}, which the central database "
            f"anchored"
            if local is None
            else f"audit event {seq} differs from the anchored one"
        )
        message = f"local database rolled back or replaced: {problem}"
        with self.store.uow(self.actor) as uow:
            audit.record(
                uow,
                "sync.rollback_detected",
                record_type="audit_event",
                summary=message,
                details={"anchored_seq": seq},
            )
            uow.commit()
        self._finish_run(run_id, "rollback", {}, message)
        log.error("%s", message)
        raise RollbackDetected(message, hint="do not keep working on this copy; call IT security")

    def _remember_anchor(self, seq: int, digest: str) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                AnchoredHead.__table__.delete().where(  # type: ignore[attr-defined]
                    AnchoredHead.workstation_id == self.actor.workstation_id
                )
            )
            conn.execute(
                AnchoredHead.__table__.insert().values(  # type: ignore[attr-defined]
                    workstation_id=self.actor.workstation_id,
                    seq=seq,
                    hash=digest,
                    anchored_at=utcnow(),
                )
            )

    # --- history ---------------------------------------------------------------------------
    def _start_run(self) -> int:
        with self.store.engine.begin() as conn:
            result = conn.execute(
                SyncRun.__table__.insert().values(  # type: ignore[attr-defined]
                    started_at=utcnow(), server=self.server_key, status="running"
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def _finish_run(self, run_id: int, status: str, counts: dict[str, int], message: str) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(finished_at=utcnow(), status=status, message=message[:2000], **counts)
            )

    def pending(self) -> int:
        with self.store.read() as s:
            return int(s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one())

    def open_conflicts(self) -> int:
        with self.store.read() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(SyncConflict)
                    .where(SyncConflict.resolved_at.is_(None))
                ).scalar_one()
            )
