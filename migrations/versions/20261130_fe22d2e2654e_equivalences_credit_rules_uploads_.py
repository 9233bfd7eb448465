"""equivalences, credit rules, uploads, syllabi

Two-sided approval and faculty review of equivalences; per-partnership credit rules and the
credit tolerance; uploaded files (import previews, syllabi); EWP identifiers of institutions.

Revision ID: fe22d2e2654e
Revises: c1c2893e11ed
Create Date: 2026-11-30 09:45:29.222811
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fe22d2e2654e"
down_revision = "c1c2893e11ed"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_uploads_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "course_syllabi",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_syllabi_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["uploads.id"],
            name=op.f("fk_course_syllabi_upload_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course_syllabi")),
    )
    op.create_table(
        "credit_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("ects_per_cn", sa.Numeric(6, 3), nullable=False),
        sa.Column("hours_per_ects", sa.Numeric(5, 2), nullable=False),
        sa.Column("contact_hours_per_cn", sa.Numeric(5, 2), nullable=False),
        sa.Column("step", sa.Numeric(4, 2), nullable=False),
        sa.Column("cn_step", sa.Numeric(4, 2), nullable=False),
        sa.Column("rounding", sa.String(length=16), nullable=False),
        sa.Column("credited", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_credit_rules_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_credit_rules_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_rules")),
        sa.UniqueConstraint(
            "partnership_id", "kind", name=op.f("uq_credit_rules_partnership_id_kind")
        ),
    )
    op.create_table(
        "equivalences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "approved",
                "rejected",
                "expired",
                name="equivalence_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("first_year", sa.SmallInteger(), nullable=False),
        sa.Column("last_year", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_needed", sa.Boolean(), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_year IS NULL OR last_year >= first_year", name=op.f("ck_equivalences_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_equivalences_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["users.id"],
            name=op.f("fk_equivalences_proposed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_equivalences_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivalences")),
    )
    with op.batch_alter_table("equivalences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equivalences_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index("ix_equivalences_status", ["partnership_id", "status"], unique=False)

    op.create_table(
        "equivalence_courses",
        sa.Column("equivalence_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_equivalence_courses_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["equivalence_id"],
            ["equivalences.id"],
            name=op.f("fk_equivalence_courses_equivalence_id_equivalences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("equivalence_id", "course_id", name=op.f("pk_equivalence_courses")),
    )
    with op.batch_alter_table("equivalence_courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equivalence_courses_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "equivalence_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equivalence_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "approve",
                "reject",
                name="equivalence_decision",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["equivalence_id"],
            ["equivalences.id"],
            name=op.f("fk_equivalence_decisions_equivalence_id_equivalences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_equivalence_decisions_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_equivalence_decisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equivalence_decisions")),
    )
    with op.batch_alter_table("equivalence_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equivalence_decisions_equivalence_id"), ["equivalence_id"], unique=False
        )

    op.create_table(
        "faculty_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equivalence_id", sa.Integer(), nullable=False),
        sa.Column("professor_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column(
            "recommendation",
            sa.Enum(
                "approve",
                "reject",
                "revise",
                name="review_recommendation",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["equivalence_id"],
            ["equivalences.id"],
            name=op.f("fk_faculty_reviews_equivalence_id_equivalences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["professor_id"],
            ["users.id"],
            name=op.f("fk_faculty_reviews_professor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_faculty_reviews_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faculty_reviews")),
    )
    with op.batch_alter_table("faculty_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faculty_reviews_equivalence_id"), ["equivalence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_faculty_reviews_professor_id"), ["professor_id"], unique=False
        )

    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hei_id", sa.String(length=100), nullable=True))

    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tolerance", sa.Numeric(3, 2), server_default="0.25", nullable=False)
        )


def downgrade() -> None:

    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("tolerance")

    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("hei_id")

    with op.batch_alter_table("faculty_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faculty_reviews_professor_id"))
        batch_op.drop_index(batch_op.f("ix_faculty_reviews_equivalence_id"))

    op.drop_table("faculty_reviews")
    with op.batch_alter_table("equivalence_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equivalence_decisions_equivalence_id"))

    op.drop_table("equivalence_decisions")
    with op.batch_alter_table("equivalence_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equivalence_courses_course_id"))

    op.drop_table("equivalence_courses")
    with op.batch_alter_table("equivalences", schema=None) as batch_op:
        batch_op.drop_index("ix_equivalences_status")
        batch_op.drop_index(batch_op.f("ix_equivalences_partnership_id"))

    op.drop_table("equivalences")
    op.drop_table("credit_rules")
    op.drop_table("course_syllabi")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_owner_id"))

    op.drop_table("uploads")
