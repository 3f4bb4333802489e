"""Tables only the central PostgreSQL database has, created idempotently next to the migrated schema.

- ``sync_change``: the server's change log: which row changed to which version, its changed
  columns and change ids (the rows themselves are read from their tables on pull). ``seq``
  (BIGSERIAL) is assigned inside the push transaction while it holds :data:`PUSH_LOCK`, so seq
  order is commit order and a pull by ``seq > checkpoint`` never skips a change that commits late.
  Each entry carries its group's change ids; row id and first change id are unique together
  (idempotency: a re-sent group is recognised by them and applies once).
- ``sync_blob``: document originals by SHA-256, uploaded before the rows that name them.
- ``sync_audit_anchor``: the newest audit-chain head each workstation has anchored.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

# transaction-level advisory lock key held by every push (serialises seq assignment)
PUSH_LOCK = 0x5E11C0

server_metadata = MetaData()

sync_change = Table(
    "sync_change", server_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("table_name", String(64), nullable=False),
    Column("row_id", Uuid, nullable=False),
    Column("row_version", Integer, nullable=False),
    Column("op", String(8), nullable=False),
    Column("columns", ARRAY(Text), nullable=False),
    Column("change_id", Uuid, nullable=False),  # the first change id of the pushed group
    Column("change_ids", ARRAY(Uuid), nullable=False),  # all of the group's change ids
    Column("base_version", Integer, nullable=False),  # the version the workstation changed
    Column("workstation", String(64), nullable=False),
    Column("applied_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    # a row's entries (uuids are unique across tables; a row has few entries), and a group by its
    # row and first change id: one index for both, each insert into a random-keyed index costing
    # as much as the row itself
    Index("uq_sync_change_row_change", "row_id", "change_id", unique=True),
)

sync_blob = Table(
    "sync_blob", server_metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("workstation", String(64), nullable=False, server_default=""),
    Column("uploaded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

sync_audit_anchor = Table(
    "sync_audit_anchor", server_metadata,
    Column("workstation", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("anchored_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


def ensure_server_schema(engine: Engine) -> None:
    """Create the server-only tables if they are missing (safe to call at every connect)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PUSH_LOCK})")
        server_metadata.create_all(conn, checkfirst=True)
        # The first sync design's log also held a JSON copy of every row, and every applied change
        # id had a row of its own in sync_applied; no release used it. Its change ids are in the
        # log's change_ids arrays.
        conn.exec_driver_sql("ALTER TABLE sync_change DROP COLUMN IF EXISTS payload")
        conn.exec_driver_sql("DROP TABLE IF EXISTS sync_applied")
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_sync_change_row")
        conn.exec_driver_sql("CREATE UNIQUE INDEX IF NOT EXISTS uq_sync_change_row_change "
                             "ON sync_change (row_id, change_id)")
