"""The central PostgreSQL side: one push batch per transaction, pulls by sequence, blobs, anchors.

A push batch arrives as typed rows in COPY text (written by the workstation's SQLite), is copied
into a temporary stage per table and applied from there with a handful of set-based statements;
the change log records which rows changed (table, id, version, columns, change ids), not the rows
themselves, which a pull reads from the tables. This keeps 100,000 rows within a small factor of a
bare ``COPY``. Rows whose server version differs from the workstation's base go through
:mod:`.policy` one by one: merged field by field, or refused as conflicts.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from desk_app.errors import KnownError
from desk_app.models.base import synced_tables
from desk_app.sync import faults
from desk_app.sync.authority import quoted
from desk_app.sync.payload import copy_columns
from desk_app.sync.policy import conflict_reason
from desk_app.sync.server_schema import PUSH_LOCK, ensure_server_schema
from desk_app.sync.types import Group, PushOutcome, ServerChange, ServerConflict

log = logging.getLogger(__name__)

# a push batch's rows wait in temporary tables (dropped at commit) named after their table, with
# the bookkeeping of each row's group in extra columns
STAGE = "sync_stage_"
STAGE_EXTRA = "sync_base integer, sync_op varchar(8), sync_columns text[], sync_change_ids uuid[]"
STAGE_COLUMNS = "sync_base, sync_op, sync_columns, sync_change_ids"


def _server_message(exc: psycopg.Error) -> str:
    """The server function's own sentence, without the ``desk_app:`` prefix."""
    text = (exc.diag.message_primary or str(exc)).strip()
    return text.removeprefix("desk_app:").strip()


class ServerLink:
    """A connection to the central database (the engine of ``open_url`` with the sync extras)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_server_schema(engine)
        with engine.connect() as conn:
            owner, operator = conn.exec_driver_sql(
                "SELECT pg_get_userbyid(proowner), session_user FROM pg_proc "
                "WHERE proname = 'desk_apply_push'"
            ).one()
        self.owner = str(owner)  # the schema's owner, as whom the apply function runs
        self.operator = str(operator)  # who this link signs in as: what updated_by becomes
        self._stage_columns: dict[str, str] = {}  # table -> its stage's column definitions
        self._enrolled: set[str] = set()

    # --- workstation enrolment ----------------------------------------------------------------
    def enrol(self, workstation: str) -> None:
        """Enrol ``workstation`` for this login (the first time) or confirm it is this login's.

        Raises:
            KnownError: the name is enrolled to another operator, or this login is not an
                active operator (the server's reason, in one line).
        """
        if workstation in self._enrolled:
            return
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("SELECT desk_enrol_workstation(%(w)s)", {"w": workstation})
        except DBAPIError as exc:
            if not isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
                raise
            raise KnownError(_server_message(exc.orig), hint=exc.orig.diag.message_hint) from exc
        self._enrolled.add(workstation)

    # --- push ----------------------------------------------------------------------------------
    def applied_ids(self, groups: list[tuple[str, str]]) -> set[str]:
        """Every change id of the groups the server has applied, among ``groups`` given as
        (row id, first change id) (recovery after a crash)."""
        if not groups:
            return set()
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT unnest(c.change_ids)::text FROM sync_change c "
                "JOIN unnest(%(rows)s::uuid[], %(ids)s::uuid[]) AS k (row_id, change_id) "
                "ON c.row_id = k.row_id AND c.change_id = k.change_id",
                {"rows": [r for r, _ in groups], "ids": [c for _, c in groups]},
            ).all()
        return {r[0] for r in rows}

    def missing_blobs(self, shas: list[str]) -> set[str]:
        if not shas:
            return set()
        with self.engine.connect() as conn:
            have = {
                r[0]
                for r in conn.exec_driver_sql(
                    "SELECT sha256 FROM sync_blob WHERE sha256 = ANY(%(s)s)", {"s": shas}
                )
            }
        return set(shas) - have

    def push_batch(
        self, groups: list[Group], workstation: str, blobs: dict[str, bytes] | None = None
    ) -> PushOutcome:
        """Apply one batch in one server transaction and say what happened to each row.

        The rows are staged in this session's temporary tables; the server function
        ``desk_apply_push`` decides and applies them (see :mod:`.authority`) and returns the rows
        it refused, each with its reason.
        """
        outcome = PushOutcome()
        by_table = self._by_table(groups)
        raw = self.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
                # The batch's rows meet the central tables by primary key: a few thousand index
                # probes. Left to itself the planner, with no statistics for the fresh stage and
                # stale ones for tables that grew by bulk pushes, hashes the whole central table
                # (or the applied-ids set) for every batch, which grows with the database.
                cur.execute("SET LOCAL enable_hashjoin = off")
                cur.execute("SET LOCAL enable_mergejoin = off")
                for name, members in by_table.items():
                    self._stage(cur, name, members)
                faults.point("server.staged")
                outcome.blobs_sent = self._store_blobs(cur, blobs or {}, workstation)
                for name in by_table:
                    self._resolve_mismatches(cur, name, workstation, outcome)
                self._apply(cur, list(by_table), workstation, outcome)
                faults.point("server.before_commit")
            raw.commit()
            # what is neither skipped, merged nor refused was applied as sent
            outcome.applied = (
                {g.key for g in groups}
                - outcome.already
                - set(outcome.merged)
                - set(outcome.conflicts)
            )
        except psycopg.errors.InsufficientPrivilege as exc:
            raw.rollback()
            raise KnownError(
                f"the central database refused this push: {_server_message(exc)}",
                hint=exc.diag.message_hint,
            ) from exc
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()
        return outcome

    @staticmethod
    def _by_table(groups: list[Group]) -> dict[str, list[Group]]:
        """The batch by table, parents before children (the order rows are applied and logged)."""
        known = synced_tables()
        unknown = {g.table for g in groups} - set(known)
        if unknown:
            raise KnownError(f"the workstation sent rows of unknown tables: {sorted(unknown)}")
        present: dict[str, list[Group]] = {}
        for g in groups:
            present.setdefault(g.table, []).append(g)
        return {name: present[name] for name in known if name in present}

    def _stage(self, cur: Any, name: str, groups: list[Group]) -> None:
        """COPY the table's rows, typed, into a temporary stage (dropped at commit) together
        with each row's base version, op, changed columns and change ids.

        The rows arrive as COPY text lines written by the workstation's SQLite; ids, table and
        column names are plain identifiers and uuids, so the rest of each line needs no escaping.
        """
        # (not LIKE the table: that needs SELECT on every column, closed ones included)
        cur.execute(
            f'CREATE TEMP TABLE "{STAGE}{name}" ({self._columns_of(cur, name)}, {STAGE_EXTRA}) '
            f"ON COMMIT DROP"
        )
        # the apply function runs as the schema's owner, which must read and trim the stage
        cur.execute(f'GRANT SELECT, DELETE ON "{STAGE}{name}" TO {quoted(self.owner)}')
        columns = ", ".join(f'"{c}"' for c in copy_columns(name))
        lines = [
            f"{g.line}\t{g.base}\t{g.op}\t{g.columns}\t{{{','.join(g.change_ids)}}}\n"
            for g in groups
        ]
        with cur.copy(f'COPY "{STAGE}{name}" ({columns}, {STAGE_COLUMNS}) FROM STDIN') as copy:
            for begin in range(0, len(lines), 2000):
                copy.write("".join(lines[begin : begin + 2000]).encode())

    def _columns_of(self, cur: Any, name: str) -> str:
        """The central table's columns and types (from the catalog, which every login reads)."""
        if name not in self._stage_columns:
            cur.execute(
                "SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), "
                "', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attnum > 0 AND NOT attisdropped",
                (f'public."{name}"',),
            )
            self._stage_columns[name] = cur.fetchone()[0]
        return self._stage_columns[name]

    def _store_blobs(self, cur: Any, blobs: dict[str, bytes], workstation: str) -> int:
        for sha, data in blobs.items():
            cur.execute("SELECT desk_store_blob(%s, %s, %s)", (sha, data, workstation))
        return len(blobs)

    def _resolve_mismatches(
        self, cur: Any, name: str, workstation: str, outcome: PushOutcome
    ) -> None:
        """Rows whose server version is not their base: already applied (a batch re-sent after a
        crash; its row has moved past the base, so it is always among these), merged field by
        field, or refused."""
        cur.execute(
            f"SELECT s.id, s.sync_base, s.sync_columns, to_jsonb(s), t.row_version, "
            f"(SELECT c.change_ids::text[] FROM sync_change c WHERE c.row_id = s.id "
            f"AND c.change_id = s.sync_change_ids[1]) "
            f'FROM "{STAGE}{name}" s JOIN "{name}" t ON t.id = s.id WHERE t.row_version <> s.sync_base'
        )
        found = cur.fetchall()
        # the central rows as this operator may read them (no role changes a table whose
        # closed columns it may not read: see desk_app.sync.closed)
        unsettled = [r[0] for r in found if r[5] is None]
        central: dict[uuid.UUID, dict[str, Any]] = {}
        if unsettled:
            cur.execute("SELECT id, body FROM desk_read_rows(%s, %s)", (name, unsettled))
            central = dict(cur.fetchall())
        for row_id, base, cols, mine, version, applied in found:
            key = (name, row_id.hex)
            if applied is not None:
                cur.execute(f'DELETE FROM "{STAGE}{name}" WHERE id = %s', (row_id,))
                outcome.already.add(key)
                outcome.already_ids.update(applied)
                continue
            theirs = central[row_id]
            theirs_cols = self._columns_since(cur, name, row_id, base)
            reason = conflict_reason(name, base, set(cols), theirs_cols)
            if reason is None:
                merged = dict(theirs)
                merged.update({c: mine.get(c) for c in cols})
                merged["row_version"] = max(version, mine["row_version"]) + 1
                # as the apply function stamps them
                merged["updated_by"] = self.operator
                merged["workstation_id"] = workstation
                columns = ", ".join(f'"{c}"' for c in copy_columns(name))
                cur.execute(
                    f'UPDATE "{STAGE}{name}" SET ({columns}) = (SELECT {columns} FROM '
                    f'jsonb_populate_record(NULL::"{name}", %s::jsonb)) WHERE id = %s',
                    (json.dumps(merged), row_id),
                )
                outcome.merged[key] = merged
            else:
                cur.execute(f'DELETE FROM "{STAGE}{name}" WHERE id = %s', (row_id,))
                outcome.conflicts[key] = ServerConflict(
                    name, row_id.hex, version, theirs, sorted(theirs_cols), reason
                )

    def _columns_since(self, cur: Any, name: str, row_id: uuid.UUID, base: int) -> set[str]:
        cur.execute(
            "SELECT DISTINCT unnest(columns) FROM sync_change WHERE table_name = %s "
            "AND row_id = %s AND row_version > %s",
            (name, row_id, base),
        )
        return {r[0] for r in cur.fetchall()}

    def _apply(self, cur: Any, tables: list[str], workstation: str, outcome: PushOutcome) -> None:
        """The server function applies the stage; each refused row becomes a conflict with the
        server's reason (a merged row it refused is no longer merged)."""
        cur.execute("SELECT * FROM desk_apply_push(%s, %s)", (workstation, tables))
        for name, row_id, reason in cur.fetchall():
            key = (name, row_id.hex)
            outcome.merged.pop(key, None)
            outcome.conflicts[key] = ServerConflict(
                name,
                row_id.hex,
                0,
                {},
                [],
                f"refused by the central database: {reason}"
                if not reason.startswith("refused by")
                else reason,
            )

    # --- pull ----------------------------------------------------------------------------------
    def pull(self, after_seq: int, limit: int) -> tuple[list[ServerChange], int]:
        """The next ``limit`` change-log entries after ``after_seq``, in seq order, each with its
        row; and the last seq read (``after_seq`` when there is nothing newer).

        The log holds no copy of the rows: each entry comes with the row as the central table
        holds it, less the closed columns this login's central role may not read
        (``desk_read_rows``; the workstation keeps its own values there, see :mod:`.pull`). An entry whose row has moved on to a newer version is left out, since the
        newer version's own, later entry brings it (so a child never arrives before a parent it
        was changed to point at).
        """
        with self.engine.connect() as conn:
            entries = conn.exec_driver_sql(
                "SELECT seq, table_name, row_id, row_version, workstation FROM sync_change "
                "WHERE seq > %(after)s ORDER BY seq LIMIT %(limit)s",
                {"after": after_seq, "limit": limit},
            ).all()
            if not entries:
                return [], after_seq
            ids: dict[str, list[uuid.UUID]] = {}
            for _seq, name, row_id, _version, _ws in entries:
                ids.setdefault(name, []).append(row_id)
            rows: dict[tuple[str, uuid.UUID], tuple[int, str]] = {}
            for name in self._by_name(ids):
                for row_id, version, body in conn.exec_driver_sql(
                    "SELECT id, row_version, body::text FROM desk_read_rows(%(t)s, %(ids)s)",
                    {"t": name, "ids": ids[name]},
                ):
                    rows[(name, row_id)] = (int(version), body)
        changes = []
        for seq, name, row_id, version, workstation in entries:
            current = rows.get((name, row_id))
            if current is not None and current[0] == version:
                changes.append(
                    ServerChange(
                        seq, name, row_id.hex, version, json.loads(current[1]), workstation
                    )
                )
        return changes, int(entries[-1][0])

    @staticmethod
    def _by_name(ids: dict[str, list[uuid.UUID]]) -> list[str]:
        unknown = set(ids) - set(synced_tables())
        if unknown:  # never written by push_batch; refuse rather than build SQL from them
            raise KnownError(f"the change log names unknown tables: {sorted(unknown)}")
        return sorted(ids)

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM sync_change").scalar_one()
            )

    def row(self, name: str, row_id: str) -> tuple[int, dict[str, Any]] | None:
        """The server's current version and portable row as this login may read it, or ``None``."""
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT row_version, body::text FROM desk_read_rows(%(t)s, ARRAY[%(id)s::uuid])",
                {"t": name, "id": uuid.UUID(row_id)},
            ).first()
        return (int(found[0]), json.loads(found[1])) if found else None

    def key_check(self, name: str, check_value: str) -> str | None:
        """The agency's check value for key ``name`` (set from ``check_value`` when none is kept
        yet and this login is a Security Administrator); ``None`` when none is kept."""
        with self.engine.begin() as conn:
            found = conn.exec_driver_sql(
                "SELECT desk_key_check(%(n)s, %(v)s)", {"n": name, "v": check_value}
            ).scalar()
        return str(found) if found is not None else None

    def operator_role(self) -> str | None:
        """This login's role in the central staff table (``None``: not an active operator)."""
        with self.engine.connect() as conn:
            role = conn.exec_driver_sql(
                "SELECT role FROM staff WHERE username = session_user AND active "
                "AND deleted_at IS NULL"
            ).scalar()
        return str(role) if role is not None else None

    # --- blobs and anchors ------------------------------------------------------------------
    def get_blob(self, sha: str) -> bytes | None:
        """A document original, sealed as it was uploaded (``None``: not held centrally).

        Raises:
            KnownError: this login's central role may not open document originals.
        """
        try:
            with self.engine.connect() as conn:
                data = conn.exec_driver_sql("SELECT desk_read_blob(%(s)s)", {"s": sha}).scalar()
        except DBAPIError as exc:
            if not isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
                raise
            raise KnownError(_server_message(exc.orig)) from exc
        return bytes(data) if data is not None else None

    def anchored_head(self, workstation: str) -> tuple[int, str] | None:
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT seq, hash FROM sync_audit_anchor WHERE workstation = %(w)s",
                {"w": workstation},
            ).first()
        return (int(found[0]), str(found[1])) if found else None

    def anchor(self, workstation: str, seq: int, digest: str) -> None:
        """Record ``workstation``'s audit-chain head; an anchor never moves backwards."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT desk_anchor(%(w)s, %(s)s, %(h)s)", {"w": workstation, "s": seq, "h": digest}
            )

    def register_audit_key(self, workstation: str, public_key: str, from_seq: int) -> str | None:
        """The public audit key the central database holds for ``workstation``: ``public_key``
        if none was registered yet (and this login is an active operator), else the one
        registered first, which is never replaced (:mod:`desk_app.models.auditkey`)."""
        with self.engine.begin() as conn:
            found = conn.exec_driver_sql(
                "SELECT desk_register_audit_key(%(w)s, %(k)s, %(s)s)",
                {"w": workstation, "k": public_key, "s": from_seq},
            ).scalar()
        return str(found) if found is not None else None

    def dispose(self) -> None:
        self.engine.dispose()
