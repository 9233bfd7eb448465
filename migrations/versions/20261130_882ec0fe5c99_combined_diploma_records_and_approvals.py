"""combined diploma records and approvals

Revision ID: 882ec0fe5c99
Revises: 1bb465385627
Create Date: 2026-11-30 13:22:17.835216
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "882ec0fe5c99"
down_revision = "1bb465385627"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reviewed by hand: the combined diploma records of #8 and their two-sided approvals.
    op.create_table(
        "diploma_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "issued",
                "revoked",
                name="diploma_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("conferred_on", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=True),
        sa.Column("verification_code", sa.String(length=32), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_diploma_records_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["diploma_records.id"],
            name=op.f("fk_diploma_records_replaces_id_diploma_records"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_diploma_records_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_diploma_records_student_id_students"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diploma_records")),
        sa.UniqueConstraint("serial", name=op.f("uq_diploma_records_serial")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_diploma_records_verification_code")),
    )
    with op.batch_alter_table("diploma_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diploma_records_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "diploma_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("signatory_title", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_diploma_approvals_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["diploma_records.id"],
            name=op.f("fk_diploma_approvals_record_id_diploma_records"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_diploma_approvals_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diploma_approvals")),
        sa.UniqueConstraint(
            "record_id",
            "institution_id",
            name=op.f("uq_diploma_approvals_record_id_institution_id"),
        ),
    )
    with op.batch_alter_table("diploma_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diploma_approvals_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    # Reviewed by hand: the combined diploma records of #8 and their two-sided approvals.
    with op.batch_alter_table("diploma_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diploma_approvals_record_id"))

    op.drop_table("diploma_approvals")
    with op.batch_alter_table("diploma_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diploma_records_student_id"))

    op.drop_table("diploma_records")
