"""Educator evidence as entered from documents; background checks beside fingerprints

Revision ID: 0006_edu
Revises: 0005
Create Date: written by hand

Each evidence item, assessment score and transcript records the document it was entered from;
experience records its employer, FTE, whether it was contracted, and its dates; the educator row
keeps the background-check result and date beside the fingerprint result. Every new column has
a server default or is nullable, so existing rows (and the central database) take it as is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import desk_app.models.base

revision = "0006_edu"
down_revision = "0006_auth"
branch_labels = None
depends_on = None

DOCUMENT = sa.String(length=200)


def upgrade() -> None:
    with op.batch_alter_table("educator") as batch:
        batch.add_column(
            sa.Column("fingerprint_document", DOCUMENT, server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "background_status", sa.String(length=24), server_default="none", nullable=False
            )
        )
        batch.add_column(sa.Column("background_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("background_document", DOCUMENT, server_default="", nullable=False)
        )
    for table in ("assessment_score", "transcript_record"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("document_ref", DOCUMENT, server_default="", nullable=False))
    with op.batch_alter_table("certificate_application") as batch:
        for name, size in (("kind", 24), ("claimed_by", 64), ("decision", 16), ("decided_by", 64)):
            batch.add_column(
                sa.Column(name, sa.String(length=size), server_default="", nullable=False)
            )
        batch.add_column(
            sa.Column("decision_note", sa.String(length=500), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("claimed_at", desk_app.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("certificate_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_certificate_application_certificate_id_certificate"),
            "certificate",
            ["certificate_id"],
            ["id"],
        )
    with op.batch_alter_table("certificate") as batch:
        batch.create_index(
            "ix_certificate_status_expiry", ["status", "expiration_date"], unique=False
        )
    with op.batch_alter_table("requirement_evidence") as batch:
        batch.add_column(sa.Column("employer", DOCUMENT, server_default="", nullable=False))
        batch.add_column(
            sa.Column(
                "fte",
                sa.Numeric(precision=4, scale=2).with_variant(
                    sa.Numeric(precision=4, scale=2, asdecimal=False), "sqlite"
                ),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("contracted", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("document_ref", DOCUMENT, server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("requirement_evidence") as batch:
        for name in ("document_ref", "end_date", "start_date", "contracted", "fte", "employer"):
            batch.drop_column(name)
    with op.batch_alter_table("certificate_application") as batch:
        batch.drop_constraint(
            op.f("fk_certificate_application_certificate_id_certificate"), type_="foreignkey"
        )
        for name in (
            "certificate_id",
            "claimed_at",
            "decision_note",
            "decided_by",
            "decision",
            "claimed_by",
            "kind",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("certificate") as batch:
        batch.drop_index("ix_certificate_status_expiry")
    for table in ("transcript_record", "assessment_score"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("document_ref")
    with op.batch_alter_table("educator") as batch:
        for name in (
            "background_document",
            "background_date",
            "background_status",
            "fingerprint_document",
        ):
            batch.drop_column(name)
