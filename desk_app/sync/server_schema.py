"""Tables only the central PostgreSQL database has, created idempotently next to the migrated schema.

- ``sync_change``: the server's change log. ``seq`` (BIGSERIAL) is assigned inside the push
  transaction while it holds :data:`PUSH_LOCK`, so seq order is commit order and a pull by
  ``seq > checkpoint`` never skips a change that commits late.
- ``sync_applied``: every change id ever applied (idempotency: a re-sent change applies once).
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

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
    Column("payload", JSONB, nullable=False),
    Column("change_id", Uuid, nullable=False),  # the first change id of the pushed group
    Column("change_ids", ARRAY(Uuid), nullable=False),  # all of the group's change ids
    Column("base_version", Integer, nullable=False),  # the version the workstation changed
    Column("workstation", String(64), nullable=False),
    Column("applied_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_sync_change_row", "table_name", "row_id", "row_version"),
)

sync_applied = Table(
    "sync_applied", server_metadata,
    Column("change_id", Uuid, primary_key=True),
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
