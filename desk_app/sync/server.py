"""The central PostgreSQL side: one push batch per transaction, pulls by sequence, blobs, anchors.

A push batch is copied (``COPY``) straight into the change log and applied from there with a
handful of set-based statements, which keeps 100,000 rows within a small factor of a bare ``COPY``.
Rows whose server version differs from the workstation's base go through :mod:`.policy` one by
one: merged field by field, or refused as conflicts.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import psycopg
from sqlalchemy import Engine

from desk_app.errors import KnownError
from desk_app.models.base import synced_tables
from desk_app.sync import faults
from desk_app.sync.payload import table
from desk_app.sync.policy import conflict_reason
from desk_app.sync.server_schema import PUSH_LOCK, ensure_server_schema
from desk_app.sync.types import Group, PushOutcome, ServerChange, ServerConflict

log = logging.getLogger(__name__)



class ServerLink:
    """A connection to the central database (the engine of ``open_url`` with the sync extras)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_server_schema(engine)
        self._upserts: dict[str, str] = {}

    # --- push ----------------------------------------------------------------------------------
    def applied_ids(self, change_ids: list[str]) -> set[str]:
        """Which of ``change_ids`` the server has already applied (recovery after a crash)."""
        if not change_ids:
            return set()
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT change_id::text FROM sync_applied WHERE change_id = ANY(%(ids)s::uuid[])",
                {"ids": change_ids}).all()
        return {r[0] for r in rows}

    def missing_blobs(self, shas: list[str]) -> set[str]:
        if not shas:
            return set()
        with self.engine.connect() as conn:
            have = {r[0] for r in conn.exec_driver_sql(
                "SELECT sha256 FROM sync_blob WHERE sha256 = ANY(%(s)s)", {"s": shas})}
        return set(shas) - have

    def push_batch(self, groups: list[Group], workstation: str,
                   blobs: dict[str, bytes] | None = None) -> PushOutcome:
        """Apply one batch in one server transaction and say what happened to each row."""
        outcome = PushOutcome()
        raw = self.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (PUSH_LOCK,))
                # under the lock every earlier push has committed: this batch's log rows are
                # exactly those after ``start``, and it is they that get applied
                cur.execute("SELECT coalesce(max(seq), 0) FROM sync_change")
                start = int(cur.fetchone()[0])
                self._stage(cur, groups, workstation)
                faults.point("server.staged")
                outcome.blobs_sent = self._store_blobs(cur, blobs or {}, workstation)
                self._drop_already_applied(cur, outcome, start)
                self._resolve_mismatches(cur, outcome, start)
                self._apply(cur, outcome, start)
                cur.execute("INSERT INTO sync_applied (change_id) "
                            "SELECT unnest(change_ids) FROM sync_change WHERE seq > %s", (start,))
                faults.point("server.before_commit")
            raw.commit()
            # what is neither skipped, merged nor refused was applied as sent
            outcome.applied = ({g.key for g in groups} - outcome.already - set(outcome.merged)
                               - set(outcome.conflicts))
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()
        return outcome

    def _stage(self, cur: Any, groups: list[Group], workstation: str) -> None:
        """COPY the batch straight into the change log (rolled back with the batch if it fails).

        COPY's text format is written by hand: per-value adaptation costs more than the COPY
        itself. Only the payload can hold a backslash (JSON escapes) and JSON text has no raw tab
        or newline; ids, table and column names are plain identifiers and uuids.
        """
        ws = workstation.replace("\\", "").replace("\t", " ").replace("\n", " ")
        lines = [
            f"{g.table}\t{g.row_id}\t{g.new}\t{g.op}\t{{{','.join(g.columns)}}}\t"
            f"{g.payload.replace(chr(92), chr(92) * 2)}\t{g.change_ids[0]}\t"
            f"{{{','.join(g.change_ids)}}}\t{g.base}\t{ws}\n"
            for g in groups
        ]
        with cur.copy("COPY sync_change (table_name, row_id, row_version, op, columns, payload, "
                      "change_id, change_ids, base_version, workstation) FROM STDIN") as copy:
            for begin in range(0, len(lines), 2000):
                copy.write("".join(lines[begin:begin + 2000]).encode())

    def _store_blobs(self, cur: Any, blobs: dict[str, bytes], workstation: str) -> int:
        for sha, data in blobs.items():
            cur.execute("INSERT INTO sync_blob (sha256, size, data, workstation) VALUES (%s, %s, %s, %s)"
                        " ON CONFLICT (sha256) DO NOTHING", (sha, len(data), data, workstation))
        return len(blobs)

    def _drop_already_applied(self, cur: Any, outcome: PushOutcome, start: int) -> None:
        cur.execute("DELETE FROM sync_change c USING sync_applied a WHERE c.seq > %s AND "
                    "a.change_id = c.change_id RETURNING c.table_name, replace(c.row_id::text, '-', '')",
                    (start,))
        outcome.already.update((t, r) for t, r in cur.fetchall())

    def _tables(self, cur: Any, start: int) -> list[str]:
        cur.execute("SELECT DISTINCT table_name FROM sync_change WHERE seq > %s", (start,))
        present = {r[0] for r in cur.fetchall()}
        unknown = present - set(synced_tables())
        if unknown:
            raise KnownError(f"the workstation sent rows of unknown tables: {sorted(unknown)}")
        return [t for t in synced_tables() if t in present]

    def _resolve_mismatches(self, cur: Any, outcome: PushOutcome, start: int) -> None:
        """Rows changed on the server since the base: merge field by field or refuse."""
        for name in self._tables(cur, start):
            cur.execute(
                f'SELECT c.seq, c.row_id, c.base_version, c.columns, c.payload, t.row_version, '
                f'to_jsonb(t) FROM sync_change c JOIN "{name}" t ON t.id = c.row_id '
                f'WHERE c.seq > %s AND c.table_name = %s AND t.row_version <> c.base_version',
                (start, name))
            for seq, row_id, base, cols, mine, version, theirs in cur.fetchall():
                theirs_cols = self._columns_since(cur, name, row_id, base, start)
                key = (name, row_id.hex)
                reason = conflict_reason(name, base, set(cols), theirs_cols)
                if reason is None:
                    merged = dict(theirs)
                    merged.update({c: mine.get(c) for c in cols})
                    merged["row_version"] = max(version, mine["row_version"]) + 1
                    cur.execute("UPDATE sync_change SET payload = %s::jsonb, row_version = %s "
                                "WHERE seq = %s", (json.dumps(merged), merged["row_version"], seq))
                    outcome.merged[key] = merged
                else:
                    cur.execute("DELETE FROM sync_change WHERE seq = %s", (seq,))
                    outcome.conflicts[key] = ServerConflict(name, row_id.hex, version, theirs,
                                                            sorted(theirs_cols), reason)

    def _columns_since(self, cur: Any, name: str, row_id: uuid.UUID, base: int, start: int) -> set[str]:
        cur.execute("SELECT DISTINCT unnest(columns) FROM sync_change WHERE table_name = %s "
                    "AND row_id = %s AND row_version > %s AND seq <= %s", (name, row_id, base, start))
        return {r[0] for r in cur.fetchall()}

    def _upsert_sql(self, name: str, one_row: bool = False) -> str:
        key = f"{name}:{one_row}"
        if key not in self._upserts:
            cols = [c.name for c in table(name).columns if c.name != "id"]
            sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols)
            where = "c.seq = %s" if one_row else "c.seq > %s"
            self._upserts[key] = (
                f'INSERT INTO "{name}" SELECT r.* FROM sync_change c '
                f'CROSS JOIN LATERAL jsonb_populate_record(NULL::"{name}", c.payload) r '
                f'WHERE {where} AND c.table_name = %s ORDER BY c.seq ON CONFLICT (id) DO UPDATE SET {sets}')
        return self._upserts[key]

    def _apply(self, cur: Any, outcome: PushOutcome, start: int) -> None:
        cur.execute("SAVEPOINT apply_batch")
        try:
            for name in self._tables(cur, start):
                cur.execute(self._upsert_sql(name), (start, name))
            cur.execute("RELEASE SAVEPOINT apply_batch")
        except psycopg.errors.IntegrityError:
            # e.g. two workstations created the same code offline: find the rows the central
            # database refuses, turn them into conflicts, and apply the rest
            cur.execute("ROLLBACK TO SAVEPOINT apply_batch")
            self._apply_row_by_row(cur, outcome, start)


    def _apply_row_by_row(self, cur: Any, outcome: PushOutcome, start: int) -> None:
        cur.execute("SELECT seq, table_name, row_id FROM sync_change WHERE seq > %s", (start,))
        order = {n: i for i, n in enumerate(synced_tables())}
        for seq, name, row_id in sorted(cur.fetchall(), key=lambda r: (order[r[1]], r[0])):
            cur.execute("SAVEPOINT apply_row")
            try:
                cur.execute(self._upsert_sql(name, one_row=True), (seq, name))
                cur.execute("RELEASE SAVEPOINT apply_row")
            except psycopg.errors.IntegrityError as exc:
                cur.execute("ROLLBACK TO SAVEPOINT apply_row")
                cur.execute("DELETE FROM sync_change WHERE seq = %s", (seq,))
                detail = (exc.diag.message_detail or exc.diag.message_primary or str(exc)).strip()
                outcome.conflicts[(name, row_id.hex)] = ServerConflict(
                    name, row_id.hex, 0, {}, [], f"refused by the central database: {detail}")

    # --- pull ----------------------------------------------------------------------------------
    def pull(self, after_seq: int, limit: int) -> list[ServerChange]:
        """The next ``limit`` change-log entries after ``after_seq``, in seq order."""
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT seq, table_name, replace(row_id::text, '-', ''), row_version, payload::text,"
                " workstation FROM sync_change WHERE seq > %(after)s ORDER BY seq LIMIT %(limit)s",
                {"after": after_seq, "limit": limit}).all()
        return [ServerChange(s, t, r, v, json.loads(p), w) for s, t, r, v, p, w in rows]

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM sync_change").scalar_one())

    def row(self, name: str, row_id: str) -> tuple[int, dict[str, Any]] | None:
        """The server's current version and portable row, or ``None``."""
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                f'SELECT row_version, to_jsonb(t)::text FROM "{name}" t WHERE id = %(id)s',
                {"id": uuid.UUID(row_id)}).first()
        return (int(found[0]), json.loads(found[1])) if found else None

    # --- blobs and anchors ------------------------------------------------------------------
    def get_blob(self, sha: str) -> bytes | None:
        with self.engine.connect() as conn:
            data = conn.exec_driver_sql("SELECT data FROM sync_blob WHERE sha256 = %(s)s",
                                        {"s": sha}).scalar()
        return bytes(data) if data is not None else None

    def anchored_head(self, workstation: str) -> tuple[int, str] | None:
        with self.engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT seq, hash FROM sync_audit_anchor WHERE workstation = %(w)s",
                {"w": workstation}).first()
        return (int(found[0]), str(found[1])) if found else None

    def anchor(self, workstation: str, seq: int, digest: str) -> None:
        """Record ``workstation``'s audit-chain head; an anchor never moves backwards."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO sync_audit_anchor (workstation, seq, hash) VALUES (%(w)s, %(s)s, %(h)s) "
                "ON CONFLICT (workstation) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, "
                "anchored_at = now() WHERE sync_audit_anchor.seq <= EXCLUDED.seq",
                {"w": workstation, "s": seq, "h": digest})

    def dispose(self) -> None:
        self.engine.dispose()
