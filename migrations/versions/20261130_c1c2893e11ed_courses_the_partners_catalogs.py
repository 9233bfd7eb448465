"""courses: the partners' catalogs (languages, terms offered, prerequisites)

Revision ID: c1c2893e11ed
Revises: 7806c0affeb8
Create Date: 2026-11-30 09:41:48.116758
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c1c2893e11ed"
down_revision = "7806c0affeb8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title_fr", sa.String(length=300), nullable=True),
        sa.Column("title_zh", sa.String(length=300), nullable=True),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("description_fr", sa.Text(), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("outcomes_fr", sa.Text(), nullable=True),
        sa.Column("outcomes_zh", sa.Text(), nullable=True),
        sa.Column("outcomes_en", sa.Text(), nullable=True),
        sa.Column("credits", sa.Numeric(5, 1), nullable=False),
        sa.Column("contact_hours", sa.Numeric(6, 1), nullable=True),
        sa.Column("self_study_hours", sa.Numeric(6, 1), nullable=True),
        sa.Column("national_level", sa.String(length=32), nullable=False),
        sa.Column(
            "cycle",
            sa.Enum(
                "bachelor",
                "master",
                "doctorate",
                name="course_cycle",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("isced", sa.String(length=4), nullable=True),
        sa.Column(
            "delivery",
            sa.Enum(
                "on_campus",
                "remote",
                "hybrid",
                name="course_delivery",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "lecture",
                "lab",
                "thesis",
                "internship",
                name="course_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "retired",
                name="course_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("credits > 0", name=op.f("ck_courses_credits_positive")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_courses_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_courses_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("institution_id", "code", name=op.f("uq_courses_institution_id_code")),
    )
    op.create_index("ix_courses_institution_status", "courses", ["institution_id", "status"])

    op.create_table(
        "course_languages",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_languages_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "language", name=op.f("pk_course_languages")),
    )
    op.create_table(
        "course_prerequisites",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "course_id <> prerequisite_id", name=op.f("ck_course_prerequisites_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["courses.id"],
            name=op.f("fk_course_prerequisites_prerequisite_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "prerequisite_id", name=op.f("pk_course_prerequisites")
        ),
    )
    op.create_table(
        "course_terms",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_terms_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_course_terms_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("course_id", "term_id", name=op.f("pk_course_terms")),
    )


def downgrade() -> None:
    op.drop_table("course_terms")
    op.drop_table("course_prerequisites")
    op.drop_table("course_languages")
    op.drop_index("ix_courses_institution_status", table_name="courses")

    op.drop_table("courses")
