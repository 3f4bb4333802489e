"""The central database as the authority: operator roles, rights, and server init / upgrade.

Who may change what is decided on the server, by the caller's role in the central ``staff``
table (never by the workstation): the rows of :data:`TABLE_ROLES` go into ``sync_table_right``,
which the SECURITY DEFINER function ``desk_apply_push`` (revision 0006_auth) reads for every
staged row. Database roles only open the door:

- the **deployment role** (the one whose URL ``server init`` is given) owns the schema and runs
  the migrations; nobody works as it;
- ``desk_operator`` holds what every operator's login needs: SELECT on the tables (closed
  columns left out, see :mod:`.closed`) and EXECUTE on the functions in :data:`FUNCTIONS` (enrol a
  workstation, apply a push, read rows, store a document original, anchor the audit head, check
  the keys, register the workstation's audit key), and no table write of any kind;
  ``desk_security_admin``, ``desk_cert_specialist`` and ``desk_auditor`` are members of it (the
  Auditor pushes only the audit events of its own workstation: the server function refuses
  everything else it sends);
- each operator logs in as their own role (GSSAPI, a client certificate with CN = role, or
  SCRAM), named exactly like their central staff username, and syncs from workstations enrolled
  to that login (``sync_workstation``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, text

from desk_app.errors import KnownError
from desk_app.models.base import synced_tables
from desk_app.sync.closed import closed_by_table, closed_rows, unreadable_by_writers

SECURITY_ADMIN = "security_admin"
CERT_SPECIALIST = "certification_specialist"
AUDITOR = "auditor"

# which central staff role may change each synced table; the Auditor changes nothing
_ADMIN_TABLES = {
    "county",
    "educational_entity",
    "building",
    "entity_officer",
    "web_application",
    "application_role",
    "user_account",
    "role_grant",
    "user_manager_designation",
    "signature_attestation",
    "signature_specimen",
    "signer_certificate",
    "staff",
    "access_review_campaign",
    "access_review_item",
}
_CERT_TABLES = {
    "certificate_classification",
    "educator",
    "certificate",
    "certificate_application",
    "requirement_evidence",
    "transcript_record",
    "assessment_score",
    "educator_document",
}
_QUEUE_TABLES = {
    "person",
    "form_submission",
    "submission_document",
    "verification_result",
    "audit_event",
    "request_token",
}

TABLE_ROLES: dict[str, frozenset[str]] = {
    **{t: frozenset({SECURITY_ADMIN}) for t in _ADMIN_TABLES},
    **{t: frozenset({CERT_SPECIALIST}) for t in _CERT_TABLES},
    **{t: frozenset({SECURITY_ADMIN, CERT_SPECIALIST}) for t in _QUEUE_TABLES},
    # every operator's actions are traced: each pushes its own workstation's audit chain
    "audit_event": frozenset({SECURITY_ADMIN, CERT_SPECIALIST, AUDITOR}),
}

OPERATOR_GROUP = "desk_operator"
GROUP_ROLES = {
    SECURITY_ADMIN: "desk_security_admin",
    CERT_SPECIALIST: "desk_cert_specialist",
    AUDITOR: "desk_auditor",
}
FUNCTIONS = (
    "desk_enrol_workstation(text)",
    "desk_read_rows(text, uuid[])",
    "desk_read_blob(text)",
    "desk_key_check(text, text)",
    "desk_apply_push(text, text[])",
    "desk_store_blob(text, bytea, text)",
    "desk_anchor(text, integer, text)",
    "desk_register_audit_key(text, text, integer)",
)


def quoted(role: str) -> str:
    """A role name as a quoted identifier (operator roles carry ``DOMAIN\\user``)."""
    return '"' + role.replace('"', '""') + '"'


def _ensure_role(conn: Connection, role: str, options: str = "NOLOGIN") -> None:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if found is None:
        conn.exec_driver_sql(f"CREATE ROLE {quoted(role)} {options}")


def install_rights(conn: Connection) -> None:
    """Group roles, grants and the table rights: run by the deployment role after migrating."""
    missing = set(synced_tables()) - set(TABLE_ROLES)
    if missing:
        raise KnownError(f"no central rights declared for the tables {sorted(missing)}")
    blind = unreadable_by_writers(TABLE_ROLES)
    if blind:
        raise KnownError(f"closed columns changed by roles that may not read them: {blind}")
    _ensure_role(conn, OPERATOR_GROUP)
    for group in GROUP_ROLES.values():
        _ensure_role(conn, group)
        conn.exec_driver_sql(f"GRANT {OPERATOR_GROUP} TO {group}")
    readers = f"{OPERATOR_GROUP}, {', '.join(GROUP_ROLES.values())}"
    conn.exec_driver_sql("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {readers}")
    # (revoking a table's rights revokes its column rights too: a re-run starts clean)
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {readers}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, {readers}")
    conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {readers}")
    _withhold_closed_columns(conn, readers)
    for signature in FUNCTIONS:
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {signature} TO {OPERATOR_GROUP}")
    conn.exec_driver_sql("DELETE FROM sync_table_right")
    conn.execute(
        text("INSERT INTO sync_table_right (table_name, role) VALUES (:t, :r)"),
        [{"t": t, "r": r} for t, roles in sorted(TABLE_ROLES.items()) for r in sorted(roles)],
    )
    conn.exec_driver_sql("DELETE FROM sync_closed_column")
    conn.execute(
        text(
            "INSERT INTO sync_closed_column (table_name, column_name, kind, readers) "
            "VALUES (:t, :c, :k, :r)"
        ),
        closed_rows(),
    )


def _withhold_closed_columns(conn: Connection, readers: str) -> None:
    """Tables with closed columns: SELECT on every other column only. Nobody reads a closed
    column directly, whatever their role: ``desk_read_rows`` decides by the central staff table,
    which a Security Administrator changes at once, where a login's group role would lag."""
    for name, closed in sorted(closed_by_table().items()):
        columns = [c["name"] for c in inspect(conn).get_columns(name) if c["name"] not in closed]
        conn.exec_driver_sql(f'REVOKE SELECT ON "{name}" FROM {readers}')
        listed = ", ".join(f'"{c}"' for c in columns)
        conn.exec_driver_sql(f'GRANT SELECT ({listed}) ON "{name}" TO {readers}')


@dataclass(frozen=True)
class Operator:
    """An operator registered centrally by IT (the first Security Administrator)."""

    username: str
    staff_id: uuid.UUID
    role: str = SECURITY_ADMIN


def register_operator(conn: Connection, op: Operator, login: bool = True) -> bool:
    """The operator's central staff row and login role (if missing); returns True if added.

    Only the deployment role runs this (``server init``); afterwards operators are added by a
    Security Administrator through the apply function, and IT creates their login roles.
    """
    if login:
        _ensure_role(conn, op.username, "LOGIN")
        conn.exec_driver_sql(f"GRANT {GROUP_ROLES[op.role]} TO {quoted(op.username)}")
    exists = conn.execute(
        text("SELECT 1 FROM staff WHERE username = :u"), {"u": op.username}
    ).first()
    if exists is not None:
        return False
    conn.execute(
        text(
            "INSERT INTO staff (id, row_version, created_at, updated_at, updated_by, "
            "workstation_id, username, display_name, role, email, active) VALUES "
            "(:id, 1, now() at time zone 'utc', now() at time zone 'utc', :by, 'server', :u, "
            ":name, :role, '', true)"
        ),
        {
            "id": op.staff_id,
            "by": conn.exec_driver_sql("SELECT session_user").scalar(),
            "u": op.username,
            "name": op.username.split("\\")[-1].title(),
            "role": op.role,
        },
    )
    # logged like a pushed row, so every workstation's next pull brings the operator
    conn.execute(
        text(
            "INSERT INTO sync_change (table_name, row_id, row_version, op, columns, change_id, "
            "change_ids, base_version, workstation, operator) VALUES ('staff', :id, 1, 'insert', "
            "'{}', :c, ARRAY[CAST(:c AS uuid)], 0, 'server', session_user)"
        ),
        {"id": op.staff_id, "c": uuid.uuid4()},
    )
    return True


def deploy(engine: Engine, operators: list[Operator] = (), login: bool = True) -> None:  # type: ignore[assignment]
    """``server init`` / ``upgrade``: migrate as the deployment role, then grants and rights."""
    from desk_app.models.store import upgrade

    upgrade(engine)
    with engine.begin() as conn:
        install_rights(conn)
        for op in operators:
            register_operator(conn, op, login)
