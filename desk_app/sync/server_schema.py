"""Tables only the central PostgreSQL database has (created by migration 0005; described here).

- ``sync_change``: the server's change log: which row changed to which version, its changed
  columns and change ids (the rows themselves are read from their tables on pull). ``seq``
  (BIGSERIAL) is assigned inside the push transaction while it holds :data:`PUSH_LOCK`, so seq
  order is commit order and a pull by ``seq > checkpoint`` never skips a change that commits late.
  Each entry carries its group's change ids; row id and first change id are unique together
  (idempotency: a re-sent group is recognised by them and applies once).
- ``sync_blob``: document originals by SHA-256, uploaded before the rows that name them.
- ``sync_audit_anchor``: the newest audit-chain head each workstation has anchored.
- ``sync_table_right`` (revision 0006_auth): which central staff role may change which synced
  table, read by the server function ``desk_apply_push`` (see :mod:`.authority`).
- ``sync_key_check`` (revision 0006_auth): the agency keys' check values (``desk_key_check``).
- ``sync_workstation`` (revision 0007_central): the operator each workstation name is enrolled
  to; the write functions accept only a workstation enrolled to the signed-in login.
- ``sync_closed_column`` (revision 0007_central): closed columns and the central roles that may
  read them (:mod:`.closed`), read by ``desk_read_rows``.
- ``sync_audit_key`` (revision 0007_audit): each workstation's public audit key and the first
  event it signed, registered once (``desk_register_audit_key``, :mod:`desk_app.models.auditkey`).
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
    inspect,
)
from sqlalchemy.dialects.postgresql import ARRAY

from desk_app.errors import KnownError

# transaction-level advisory lock key held by every push (serialises seq assignment)
PUSH_LOCK = 0x5E11C0

server_metadata = MetaData()

sync_change = Table(
    "sync_change",
    server_metadata,
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
    # the database role that pushed it (session_user, stamped by desk_apply_push)
    Column("operator", String(64), nullable=False, server_default=""),
    Column("applied_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    # a row's entries (uuids are unique across tables; a row has few entries), and a group by its
    # row and first change id: one index for both, each insert into a random-keyed index costing
    # as much as the row itself
    Index("uq_sync_change_row_change", "row_id", "change_id", unique=True),
)

sync_blob = Table(
    "sync_blob",
    server_metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("workstation", String(64), nullable=False, server_default=""),
    Column("uploaded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

sync_audit_anchor = Table(
    "sync_audit_anchor",
    server_metadata,
    Column("workstation", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("anchored_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


sync_table_right = Table(
    "sync_table_right",
    server_metadata,
    Column("table_name", String(64), primary_key=True),
    Column("role", String(32), primary_key=True),
)


sync_key_check = Table(
    "sync_key_check",
    server_metadata,
    Column("name", String(32), primary_key=True),
    Column("check_value", String(64), nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


sync_workstation = Table(
    "sync_workstation",
    server_metadata,
    Column("workstation_id", String(64), primary_key=True),
    Column("operator", String(64), nullable=False),
    Column("enrolled_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


sync_closed_column = Table(
    "sync_closed_column",
    server_metadata,
    Column("table_name", String(64), primary_key=True),
    Column("column_name", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("readers", ARRAY(Text), nullable=False),
)


sync_audit_key = Table(
    "sync_audit_key",
    server_metadata,
    Column("workstation", String(64), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("from_seq", Integer, nullable=False),
    Column("registered_by", String(64), nullable=False),
    Column("registered_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


def ensure_server_schema(engine: Engine) -> None:
    """Refuse a central database that is not at this version's schema.

    Workstations never run DDL centrally: the deployment role brings the schema up to date with
    ``desk-app server init`` / ``server upgrade`` (:mod:`.authority`).
    """
    from desk_app.models.migrations import HEAD_REVISION

    visible = set(inspect(engine).get_table_names())
    missing = set(server_metadata.tables) - visible
    if "alembic_version" not in visible:
        raise KnownError(
            "this login sees no desk_app schema on the central database",
            hint="IT prepares it with `desk-app server init` and gives the login the "
            "desk_operator role (see the IT guide)",
        )
    if missing:
        raise KnownError(
            f"the central database lacks the sync tables {sorted(missing)}",
            hint="IT brings it up to date with `desk-app server upgrade` (see the IT guide)",
        )
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if version != HEAD_REVISION:
        raise KnownError(
            f"the central database is at schema {version}, this desk_app needs {HEAD_REVISION}",
            hint="IT brings it up to date with `desk-app server upgrade` (see the IT guide)",
        )
