"""The keyed audit chain: a signature on every event; workstations' public keys kept centrally

Revision ID: 0007_audit
Revises: 0006_gov
Create Date: written by hand

Both databases: ``audit_event.signature`` (the writing workstation's Ed25519 signature over the
event's hash, hex; empty for events written before signing began, which keep their links).

On PostgreSQL only:

- ``sync_audit_key``: each workstation's public audit key and the first event it signed,
  recorded at its first sync (``desk_register_audit_key``) and never replaced afterwards, so a
  later sync cannot swap in a key whose holder rewrote the history.
- ``desk_check_audit_stage()`` (the push's audit check, run by ``desk_apply_push``) also refuses
  an unsigned event of a registered workstation from its keyed era on: a history rewritten
  without the workstation's key cannot continue the central chain by dropping the signatures.
  PostgreSQL has no Ed25519 check of its own (pgcrypto has none), so the signatures themselves
  are checked by whoever holds the public key (``desk-app audit verify`` locally, ``audit verify
  --central`` for every workstation's central history).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audit"
down_revision = "0007_central"  # chained at the merge of wt-audit (was "0006_gov")
branch_labels = None
depends_on = None

REGISTER_KEY = r"""
CREATE OR REPLACE FUNCTION desk_register_audit_key(p_workstation text, p_public_key text,
                                                   p_from_seq integer)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
    v text;
BEGIN
    -- only a workstation enrolled to the signed-in login registers its key (0007_central)
    PERFORM desk_workstation_of(p_workstation);
    IF p_public_key !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'desk_app: not an Ed25519 public key' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM public.staff s WHERE s.username = session_user AND s.active
               AND s.deleted_at IS NULL) THEN
        INSERT INTO public.sync_audit_key (workstation, public_key, from_seq, registered_by)
        VALUES (p_workstation, p_public_key, p_from_seq, session_user)
        ON CONFLICT (workstation) DO NOTHING;
    END IF;
    SELECT k.public_key INTO v FROM public.sync_audit_key k WHERE k.workstation = p_workstation;
    RETURN v;
END
$fn$
"""

# 0006_auth's check, and then: a registered workstation's events from its keyed era on are signed
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
    DELETE FROM pg_temp.sync_stage_audit_event s USING public.sync_audit_key k
     WHERE k.workstation = s.workstation_id AND s.seq >= k.from_seq
       AND coalesce(s.signature, '') !~ '^[0-9a-f]{128}$'
    RETURNING 'audit_event'::text, s.id,
              format('audit event %s of workstation %s is not signed with the workstation''s '
                     'registered key (rewritten history)', s.seq, s.workstation_id);
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

FUNCTIONS = ("desk_register_audit_key(text, text, integer)",)


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(
            sa.Column("signature", sa.String(length=128), server_default="", nullable=False)
        )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "sync_audit_key",
        sa.Column("workstation", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column(
            "registered_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("workstation", name="sync_audit_key_pkey"),
    )
    cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    for sql in (REGISTER_KEY, CHECK_AUDIT_STAGE):
        cursor.execute(sql)  # no parameters: the text goes as written (its % are format()'s)
    for signature in FUNCTIONS:  # nobody runs it until server init / upgrade grants it
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        import importlib.util
        from pathlib import Path

        spec = importlib.util.spec_from_file_location(
            "rev_0006_auth", Path(__file__).with_name("0006_auth.py")
        )
        assert spec is not None and spec.loader is not None
        previous = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(previous)
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(previous.CHECK_AUDIT_STAGE)  # the check as it was before signatures
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        op.drop_table("sync_audit_key")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("signature")
