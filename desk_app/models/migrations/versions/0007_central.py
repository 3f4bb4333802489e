"""Central database only: enrolled workstations, and closed columns read by role

Revision ID: 0007_central
Revises: 0006_gov
Create Date: written by hand

On PostgreSQL only (a workstation's SQLite file is untouched):

- ``sync_workstation``: which operator each workstation name belongs to. A workstation enrols
  itself for the signed-in operator (``desk_enrol_workstation``) the first time it syncs; a name
  that another operator holds is refused. Every write function checks the name it is given
  against it (``desk_workstation_of``), and ``desk_apply_push`` stamps ``workstation_id`` from
  that checked name, never from the staged rows (an audit event of another workstation is
  refused: its workstation is part of its hash chain). The enrolments the change log already
  implies are taken over.
- ``sync_closed_column``: the closed columns and the central roles that may read them (written
  by ``server init`` / ``upgrade`` from :mod:`desk_app.sync.closed`). No operator login may
  SELECT them directly (column privileges); ``desk_read_rows`` returns rows with what the
  caller's central role may not read left out, and ``desk_read_blob`` a document original only
  to the roles that may read a form's PIN.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_central"
down_revision = "0006_gov"
branch_labels = None
depends_on = None

WORKSTATION_OF = r"""
CREATE OR REPLACE FUNCTION desk_workstation_of(p_workstation text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
    v_owner text;
BEGIN
    SELECT w.operator INTO v_owner FROM public.sync_workstation w
     WHERE w.workstation_id = p_workstation;
    IF v_owner IS NULL THEN
        RAISE EXCEPTION 'desk_app: workstation % is not enrolled with the central database',
            p_workstation USING ERRCODE = 'insufficient_privilege',
            HINT = 'a sync enrols its workstation for the signed-in operator first';
    END IF;
    IF v_owner <> session_user THEN
        RAISE EXCEPTION 'desk_app: workstation % is enrolled to %, not to %',
            p_workstation, v_owner, session_user USING ERRCODE = 'insufficient_privilege',
            HINT = 'each operator syncs under a workstation name of their own '
                   '(Settings > General > Workstation name)';
    END IF;
    RETURN p_workstation;
END
$fn$
"""

ENROL = r"""
CREATE OR REPLACE FUNCTION desk_enrol_workstation(p_workstation text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.staff s WHERE s.username = session_user AND s.active
                   AND s.deleted_at IS NULL) THEN
        RAISE EXCEPTION 'desk_app: % is not an active operator in the central staff table',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(p_workstation, '') = '' OR length(p_workstation) > 64
       OR p_workstation = 'server' OR p_workstation ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'desk_app: % is not a workstation name', quote_literal(p_workstation)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- first come: a name nobody holds becomes the caller's; anyone else's is refused below
    INSERT INTO public.sync_workstation (workstation_id, operator)
    VALUES (p_workstation, session_user) ON CONFLICT (workstation_id) DO NOTHING;
    RETURN desk_workstation_of(p_workstation);
END
$fn$
"""

WITHOUT_SEALED = r"""
CREATE OR REPLACE FUNCTION desk_without_sealed(p jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $fn$
    SELECT CASE WHEN jsonb_typeof(p) = 'object' THEN
        coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(p) e
                  WHERE NOT (jsonb_typeof(e.value) = 'string'
                             AND starts_with(e.value #>> '{}', 'sealed:'))), '{}'::jsonb)
    ELSE p END
$fn$
"""

READ_ROWS = r"""
CREATE OR REPLACE FUNCTION desk_read_rows(p_table text, p_ids uuid[])
RETURNS TABLE (id uuid, row_version integer, body jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_role text;
    v_body text := 'to_jsonb(t)';
    c record;
BEGIN
    -- the schema's owner (the deployment role, IT's) owns the tables and reads them whole
    IF session_user <> current_user THEN
        SELECT s.role INTO v_role FROM public.staff s
         WHERE s.username = session_user AND s.active AND s.deleted_at IS NULL;
        IF v_role IS NULL THEN
            RAISE EXCEPTION 'desk_app: % is not an active operator in the central staff table',
                session_user USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.sync_table_right r WHERE r.table_name = p_table) THEN
        RAISE EXCEPTION 'desk_app: % is not a synced table', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR c IN SELECT k.column_name, k.kind FROM public.sync_closed_column k
              WHERE k.table_name = p_table AND v_role IS NOT NULL
                AND NOT (v_role = ANY (k.readers)) LOOP
        IF c.kind = 'sealed' THEN
            v_body := format('jsonb_set(%s, %L, coalesce(desk_without_sealed(to_jsonb(t.%I)), '
                             '''null''::jsonb))', v_body, ARRAY[c.column_name], c.column_name);
        ELSE
            v_body := format('(%s - %L)', v_body, c.column_name);
        END IF;
    END LOOP;
    RETURN QUERY EXECUTE format('SELECT t.id, t.row_version, %s FROM public.%I t '
                                'WHERE t.id = ANY ($1)', v_body, p_table) USING p_ids;
END
$fn$
"""

# A document original (a form as received, PIN and all) for the roles that may read a form's PIN.
READ_BLOB = r"""
CREATE OR REPLACE FUNCTION desk_read_blob(p_sha text)
RETURNS bytea LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
    v_role text;
BEGIN
    IF session_user <> current_user THEN
        SELECT s.role INTO v_role FROM public.staff s
         WHERE s.username = session_user AND s.active AND s.deleted_at IS NULL;
        IF v_role IS NULL OR NOT EXISTS (
                SELECT 1 FROM public.sync_closed_column k WHERE k.table_name = 'sync_blob'
                AND k.column_name = 'data' AND v_role = ANY (k.readers)) THEN
            RAISE EXCEPTION 'desk_app: % may not open document originals (they hold PINs)',
                coalesce(CASE WHEN v_role ~ '^[aeiou]' THEN 'an ' ELSE 'a ' END
                         || replace(v_role, '_', ' '), session_user)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN (SELECT b.data FROM public.sync_blob b WHERE b.sha256 = p_sha);
END
$fn$
"""

# As revision 0006_auth's, with the workstation checked (desk_workstation_of) and stamped from
# the checked name, and an audit event of another workstation refused.
APPLY_PUSH = r"""
CREATE OR REPLACE FUNCTION desk_apply_push(p_workstation text, p_tables text[])
RETURNS TABLE (table_name text, row_id uuid, reason text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_user text := session_user;
    v_ws text;
    v_role text;
    t text;
    st text;
    cols text;
    sel text;
    sets text;
    n bigint;
    total bigint;
    r record;
    v_detail text;
    v_msg text;
    keep text[] := ARRAY['sync_base', 'sync_op', 'sync_columns', 'sync_change_ids', 'row_version',
                         'updated_at', 'updated_by', 'workstation_id', 'last_seen_at'];
BEGIN
    PERFORM pg_advisory_xact_lock(6164928);  -- sync.server_schema.PUSH_LOCK
    v_ws := desk_workstation_of(p_workstation);  -- refuses a name not enrolled to this login
    SELECT s.role INTO v_role FROM public.staff s
     WHERE s.username = v_user AND s.active AND s.deleted_at IS NULL;
    FOREACH t IN ARRAY p_tables LOOP
        IF NOT EXISTS (SELECT 1 FROM public.sync_table_right r WHERE r.table_name = t) THEN
            RAISE EXCEPTION 'desk_app: % is not a synced table', t
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        st := 'sync_stage_' || t;
        IF v_role IS NULL THEN
            RETURN QUERY EXECUTE format(
                'DELETE FROM pg_temp.%I RETURNING %L::text, id, %L::text', st, t,
                v_user || ' is not an active operator in the central staff table');
            CONTINUE;
        END IF;
        IF t = 'staff' AND v_role <> 'security_admin' THEN
            -- an operator's own sign-in time is the one staff change anyone may send
            RETURN QUERY EXECUTE format(
                'DELETE FROM pg_temp.%I s WHERE NOT EXISTS (SELECT 1 FROM public.staff c '
                'WHERE c.id = s.id AND c.username = $1 AND s.username = $1 '
                'AND (to_jsonb(c) - $2) = (to_jsonb(s) - $2)) '
                'RETURNING %L::text, s.id, %L::text', st, t,
                'only a Security Administrator may change operators and their roles')
                USING v_user, keep;
        ELSIF NOT EXISTS (SELECT 1 FROM public.sync_table_right r
                          WHERE r.table_name = t AND r.role = v_role) THEN
            RETURN QUERY EXECUTE format(
                'DELETE FROM pg_temp.%I RETURNING %L::text, id, %L::text', st, t,
                format('%s %s may not change %s',
                       CASE WHEN v_role ~ '^[aeiou]' THEN 'an' ELSE 'a' END,
                       replace(v_role, '_', ' '), replace(t, '_', ' ')));
            CONTINUE;
        END IF;
        IF t = 'audit_event' THEN
            -- an event's workstation is part of its chain: it is refused, not restamped
            RETURN QUERY
            DELETE FROM pg_temp.sync_stage_audit_event s WHERE s.workstation_id <> v_ws
            RETURNING 'audit_event'::text, s.id,
                      format('audit event %s of workstation %s was sent from workstation %s',
                             s.seq, s.workstation_id, v_ws);
            RETURN QUERY SELECT * FROM desk_check_audit_stage();
        END IF;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE
                          WHEN a.attname = 'updated_by' THEN '$1'
                          WHEN a.attname = 'workstation_id' AND t <> 'audit_event' THEN '$3'
                          ELSE quote_ident(a.attname) END, ', ' ORDER BY a.attnum),
               string_agg(CASE WHEN a.attname = 'id' THEN NULL
                          ELSE format('%1$I = EXCLUDED.%1$I', a.attname) END, ', ')
               -- a row never goes back to (or stays at) a version the server holds
               || format(' WHERE public.%I.row_version < EXCLUDED.row_version', t)
          INTO cols, sel, sets
          FROM pg_attribute a
         WHERE a.attrelid = ('public.' || quote_ident(t))::regclass AND a.attnum > 0
           AND NOT a.attisdropped;
        EXECUTE format('SELECT count(*) FROM pg_temp.%I', st) INTO total;
        BEGIN
            EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM pg_temp.%I '
                           'ON CONFLICT (id) DO UPDATE SET %s', t, cols, sel, st, sets)
                USING v_user, NULL::uuid, v_ws;
            GET DIAGNOSTICS n = ROW_COUNT;
        EXCEPTION WHEN integrity_constraint_violation OR check_violation THEN
            -- e.g. a unique code two workstations took offline: refuse those rows only
            FOR r IN EXECUTE format('SELECT id FROM pg_temp.%I', st) LOOP
                BEGIN
                    EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM pg_temp.%I '
                                   'WHERE id = $2 ON CONFLICT (id) DO UPDATE SET %s',
                                   t, cols, sel, st, sets)
                        USING v_user, r.id, v_ws;
                    GET DIAGNOSTICS n = ROW_COUNT;
                    IF n = 0 THEN
                        EXECUTE format('DELETE FROM pg_temp.%I WHERE id = $1', st) USING r.id;
                        table_name := t;
                        row_id := r.id;
                        reason := 'the central row is at the same or a newer version';
                        RETURN NEXT;
                    END IF;
                EXCEPTION WHEN integrity_constraint_violation OR check_violation THEN
                    GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL, v_msg = MESSAGE_TEXT;
                    EXECUTE format('DELETE FROM pg_temp.%I WHERE id = $1', st) USING r.id;
                    table_name := t;
                    row_id := r.id;
                    reason := 'refused by the central database: '
                              || coalesce(nullif(v_detail, ''), v_msg);
                    RETURN NEXT;
                END;
            END LOOP;
            EXECUTE format('SELECT count(*) FROM pg_temp.%I', st) INTO total;
            n := total;
        END;
        IF n <> total THEN
            -- the workstation resolves every row whose central version moved (under the push
            -- lock, so nothing moves meanwhile): only a doctored push sends an older row
            RAISE EXCEPTION 'desk_app: % of % % rows sent are not newer than the central rows',
                total - n, total, t USING ERRCODE = 'insufficient_privilege';
        END IF;
        EXECUTE format(
            'INSERT INTO public.sync_change (table_name, row_id, row_version, op, columns, '
            'change_id, change_ids, base_version, workstation, operator) '
            'SELECT %L, id, row_version, sync_op, sync_columns, sync_change_ids[1], '
            'sync_change_ids, sync_base, $1, $2 FROM pg_temp.%I', t, st)
            USING v_ws, v_user;
    END LOOP;
END
$fn$
"""

STORE_BLOB = r"""
CREATE OR REPLACE FUNCTION desk_store_blob(p_sha text, p_data bytea, p_workstation text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    -- the bytes are sealed with the agency key, so their hash cannot be checked here; a stored
    -- original is never replaced, so a wrong upload can only add an unused blob
    INSERT INTO public.sync_blob (sha256, size, data, workstation)
    VALUES (p_sha, length(p_data), p_data, desk_workstation_of(p_workstation))
    ON CONFLICT (sha256) DO NOTHING;
END
$fn$
"""

# The anchor moves only forward, only onto an event the central database holds, and only for a
# workstation enrolled to the caller.
ANCHOR = r"""
CREATE OR REPLACE FUNCTION desk_anchor(p_workstation text, p_seq integer, p_hash text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
    PERFORM desk_workstation_of(p_workstation);
    IF NOT EXISTS (SELECT 1 FROM public.audit_event c WHERE c.workstation_id = p_workstation
                   AND c.seq = p_seq AND c.hash = p_hash) THEN
        RETURN;
    END IF;
    INSERT INTO public.sync_audit_anchor (workstation, seq, hash)
    VALUES (p_workstation, p_seq, p_hash)
    ON CONFLICT (workstation) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,
        anchored_at = now() WHERE sync_audit_anchor.seq <= EXCLUDED.seq;
END
$fn$
"""

# the enrolments the change log implies: each workstation to the operator who pushed from it last
TAKE_OVER = """
INSERT INTO sync_workstation (workstation_id, operator)
SELECT DISTINCT ON (workstation) workstation, operator FROM sync_change
 WHERE workstation <> 'server' AND operator <> ''
 ORDER BY workstation, seq DESC
ON CONFLICT (workstation_id) DO NOTHING
"""

NEW_FUNCTIONS = (
    "desk_workstation_of(text)",
    "desk_enrol_workstation(text)",
    "desk_without_sealed(jsonb)",
    "desk_read_rows(text, uuid[])",
    "desk_read_blob(text)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "sync_workstation",
        sa.Column("workstation_id", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column(
            "enrolled_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("workstation_id", name="sync_workstation_pkey"),
    )
    op.create_table(
        "sync_closed_column",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("column_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("readers", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "column_name", name="sync_closed_column_pkey"),
    )
    op.execute(TAKE_OVER)
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    functions = (WORKSTATION_OF, ENROL, WITHOUT_SEALED, READ_ROWS, READ_BLOB)
    for sql in (*functions, APPLY_PUSH, STORE_BLOB, ANCHOR):
        cursor.execute(sql)  # no parameters: the text goes as written (its % are format()'s)
    for signature in NEW_FUNCTIONS:  # nobody runs them until server init grants them
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def _previous() -> object:
    """Revision 0006_auth's module (its functions are what a downgrade puts back)."""
    path = Path(__file__).with_name("0006_auth.py")
    spec = importlib.util.spec_from_file_location("desk_app_0006_auth", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    previous = _previous()
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for name in ("APPLY_PUSH", "STORE_BLOB", "ANCHOR"):
        cursor.execute(getattr(previous, name))
    for signature in reversed(NEW_FUNCTIONS):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_table("sync_closed_column")
    op.drop_table("sync_workstation")
