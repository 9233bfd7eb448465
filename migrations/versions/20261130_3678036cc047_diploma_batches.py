"""diploma batches: one institution's issuance run over a cohort, with its progress

Reviewed by hand: a new table only (no data to move); the status is a CHECK-constrained
string like the other enums; the counters start at zero and the problems list empty.

Revision ID: 3678036cc047
Revises: 882ec0fe5c99
Create Date: 2026-11-30 14:20:55.208733
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3678036cc047"
down_revision = "882ec0fe5c99"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diploma_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=16), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("signatory_title", sa.String(length=200), nullable=False),
        sa.Column("conferred_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "finished",
                name="diploma_batch_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("not_eligible", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_diploma_batches_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_diploma_batches_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_diploma_batches_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diploma_batches")),
    )
    with op.batch_alter_table("diploma_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_diploma_batches_partnership_id"), ["partnership_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("diploma_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diploma_batches_partnership_id"))

    op.drop_table("diploma_batches")
