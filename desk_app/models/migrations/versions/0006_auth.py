"""Central database only: the server decides every write (apply function, append-only audit)

Revision ID: 0006_auth
Revises: 0005
Create Date: written by hand

On PostgreSQL only (a workstation's SQLite file is untouched):

- ``sync_change.operator``: the database role that pushed the change (``session_user``).
- ``sync_table_right``: which central staff role may change which synced table (filled by
  ``desk-app server init`` / ``upgrade`` from :mod:`desk_app.sync.authority`).
- ``desk_apply_push(workstation, tables)``: applies the staged push of the calling session as the
  schema's owner (SECURITY DEFINER, ``search_path`` pinned), after set-based checks of every
  staged row against the caller's role in the central ``staff`` table; ``updated_by`` comes from
  ``session_user``, never from the rows; refused rows are returned with the reason.
- ``desk_store_blob`` and ``desk_anchor``: the other two writes a workstation may ask for.
- ``audit_event`` is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for everyone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_auth"
down_revision = "0005"
branch_labels = None
depends_on = None

APPLY_PUSH = r"""
CREATE OR REPLACE FUNCTION desk_apply_push(p_workstation text, p_tables text[])
RETURNS TABLE (table_name text, row_id uuid, reason text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_user text := session_user;
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
                format('a %s may not change %s', replace(v_role, '_', ' '), replace(t, '_', ' ')));
            CONTINUE;
        END IF;
        IF t = 'audit_event' THEN
            RETURN QUERY SELECT * FROM desk_check_audit_stage();
        END IF;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(CASE a.attname WHEN 'updated_by' THEN '$1'
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
                USING v_user;
            GET DIAGNOSTICS n = ROW_COUNT;
        EXCEPTION WHEN integrity_constraint_violation OR check_violation THEN
            -- e.g. a unique code two workstations took offline: refuse those rows only
            FOR r IN EXECUTE format('SELECT id FROM pg_temp.%I', st) LOOP
                BEGIN
                    EXECUTE format('INSERT INTO public.%I (%s) SELECT %s FROM pg_temp.%I '
                                   'WHERE id = $2 ON CONFLICT (id) DO UPDATE SET %s',
                                   t, cols, sel, st, sets)
                        USING v_user, r.id;
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
            USING p_workstation, v_user;
    END LOOP;
END
$fn$
"""

# Each staged audit event must continue its workstation's chain: the next seq after the stored
# head (or after another staged event), linked by prev_hash. A staged event at a seq the central
# database already holds is a rewrite. Refused events leave their successors unlinked, which are
# refused in the next round.
CHECK_AUDIT_STAGE = r"""
CREATE OR REPLACE FUNCTION desk_check_audit_stage()
RETURNS TABLE (table_name text, row_id uuid, reason text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    n bigint := 1;
BEGIN
    RETURN QUERY
    DELETE FROM pg_temp.sync_stage_audit_event s USING public.audit_event c
     WHERE c.workstation_id = s.workstation_id AND c.seq = s.seq
    RETURNING 'audit_event'::text, s.id,
              format('rewrites audit event %s of workstation %s, which the central database '
                     'already holds', s.seq, s.workstation_id);
    WHILE n > 0 LOOP
        RETURN QUERY
        DELETE FROM pg_temp.sync_stage_audit_event s
         WHERE NOT (
                (s.seq = 1 AND s.prev_hash = repeat('0', 64))
             OR EXISTS (SELECT 1 FROM public.audit_event c WHERE c.workstation_id = s.workstation_id
                        AND c.seq = s.seq - 1 AND c.hash = s.prev_hash)
             OR EXISTS (SELECT 1 FROM pg_temp.sync_stage_audit_event p
                        WHERE p.workstation_id = s.workstation_id AND p.seq = s.seq - 1
                        AND p.hash = s.prev_hash))
        RETURNING 'audit_event'::text, s.id,
                  format('audit event %s does not continue workstation %s''s chain held '
                         'centrally (rewritten history)', s.seq, s.workstation_id);
        GET DIAGNOSTICS n = ROW_COUNT;
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
    VALUES (p_sha, length(p_data), p_data, p_workstation) ON CONFLICT (sha256) DO NOTHING;
END
$fn$
"""

# The anchor moves only forward, and only onto an event the central database holds.
ANCHOR = r"""
CREATE OR REPLACE FUNCTION desk_anchor(p_workstation text, p_seq integer, p_hash text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
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

# The agency keys' check values: the first Security Administrator to sync with keys sets them;
# every workstation compares its own before working (a check value reveals nothing of the key).
KEY_CHECK = r"""
CREATE OR REPLACE FUNCTION desk_key_check(p_name text, p_value text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
    v text;
BEGIN
    SELECT k.check_value INTO v FROM public.sync_key_check k WHERE k.name = p_name;
    IF v IS NULL AND EXISTS (SELECT 1 FROM public.staff s WHERE s.username = session_user
                             AND s.role = 'security_admin' AND s.active
                             AND s.deleted_at IS NULL) THEN
        INSERT INTO public.sync_key_check (name, check_value, set_by)
        VALUES (p_name, p_value, session_user);
        v := p_value;
    END IF;
    RETURN v;
END
$fn$
"""

APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION desk_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $fn$
BEGIN
    RAISE EXCEPTION 'desk_app: audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION desk_audit_append_only();
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION desk_audit_append_only();
"""

FUNCTIONS = (
    "desk_key_check(text, text)",
    "desk_apply_push(text, text[])",
    "desk_check_audit_stage()",
    "desk_store_blob(text, bytea, text)",
    "desk_anchor(text, integer, text)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column(
        "sync_change",
        sa.Column("operator", sa.String(length=64), server_default="", nullable=False),
    )
    op.create_table(
        "sync_table_right",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "role", name="sync_table_right_pkey"),
    )
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    op.create_table(
        "sync_key_check",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column(
            "set_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name="sync_key_check_pkey"),
    )
    for sql in (CHECK_AUDIT_STAGE, APPLY_PUSH, STORE_BLOB, ANCHOR, KEY_CHECK, APPEND_ONLY):
        cursor.execute(sql)  # no parameters: the text goes as written (its % are format()'s)
    for signature in FUNCTIONS:  # nobody runs them until server init grants them
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS desk_audit_append_only()")
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_table("sync_key_check")
    op.drop_table("sync_table_right")
    op.drop_column("sync_change", "operator")
