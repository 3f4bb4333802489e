"""The central database as the authority: operator roles, rights, and server init / upgrade.

Who may change what is decided on the server, by the caller's role in the central ``staff``
table (never by the workstation): the rows of :data:`TABLE_ROLES` go into ``sync_table_right``,
which the SECURITY DEFINER function ``desk_apply_push`` (revision 0006_auth) reads for every
staged row. Database roles only open the door:

- the **deployment role** (the one whose URL ``server init`` is given) owns the schema and runs
  the migrations; nobody works as it;
- ``desk_operator`` holds what every operator's login needs: SELECT on the tables and EXECUTE on
  the three functions (apply a push, store a document original, anchor the audit head), and no
  table write of any kind; ``desk_security_admin`` and ``desk_cert_specialist`` are members of
  it, ``desk_auditor`` reads only (no EXECUTE);
- each operator logs in as their own role (GSSAPI, a client certificate with CN = role, or
  SCRAM), named exactly like their central staff username.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from desk_app.errors import KnownError
from desk_app.models.base import synced_tables

SECURITY_ADMIN = "security_admin"
CERT_SPECIALIST = "certification_specialist"

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
}

OPERATOR_GROUP = "desk_operator"
GROUP_ROLES = {
    SECURITY_ADMIN: "desk_security_admin",
    CERT_SPECIALIST: "desk_cert_specialist",
    "auditor": "desk_auditor",
}
FUNCTIONS = (
    "desk_key_check(text, text)",
    "desk_apply_push(text, text[])",
    "desk_store_blob(text, bytea, text)",
    "desk_anchor(text, integer, text)",
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
    _ensure_role(conn, OPERATOR_GROUP)
    for group in GROUP_ROLES.values():
        _ensure_role(conn, group)
    for role in (GROUP_ROLES[SECURITY_ADMIN], GROUP_ROLES[CERT_SPECIALIST]):
        conn.exec_driver_sql(f"GRANT {OPERATOR_GROUP} TO {role}")
    readers = f"{OPERATOR_GROUP}, {GROUP_ROLES['auditor']}"
    conn.exec_driver_sql("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {readers}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {readers}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, {readers}")
    conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {readers}")
    for signature in FUNCTIONS:
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {signature} TO {OPERATOR_GROUP}")
    conn.exec_driver_sql("DELETE FROM sync_table_right")
    conn.execute(
        text("INSERT INTO sync_table_right (table_name, role) VALUES (:t, :r)"),
        [{"t": t, "r": r} for t, roles in sorted(TABLE_ROLES.items()) for r in sorted(roles)],
    )


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
