"""students results plans requirements exceptions teaching assignments

Revision ID: e17b30fb6e77
Revises: a88c07f1af94
Create Date: 2026-11-30 11:47:34.653771
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e17b30fb6e77"
down_revision = "a88c07f1af94"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reviewed by hand: tables for #6 (students, results, plans, requirements, exceptions)
    # and the teaching assignments rosters need.
    op.create_table(
        "requirement_sets",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_requirement_sets_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_requirement_sets_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_requirement_sets")),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("cohort", sa.String(length=16), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column("given_names", sa.String(length=150), nullable=True),
        sa.Column("name_han", sa.String(length=60), nullable=True),
        sa.Column(
            "primary_script",
            sa.Enum(
                "latin",
                "han",
                name="name_script",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "family_name IS NOT NULL OR name_han IS NOT NULL", name=op.f("ck_students_has_a_name")
        ),
        sa.CheckConstraint("length(nationality) = 2", name=op.f("ck_students_nationality_alpha2")),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_students_partnership_id_partnerships"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_students_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("user_id", name=op.f("uq_students_user_id")),
    )
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.create_index(
            "ix_students_partnership_cohort", ["partnership_id", "cohort"], unique=False
        )

    op.create_table(
        "teaching_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("professor_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "home",
                "remote",
                "visiting",
                name="teaching_mode",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_teaching_assignments_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["professor_id"],
            ["users.id"],
            name=op.f("fk_teaching_assignments_professor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_teaching_assignments_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teaching_assignments")),
        sa.UniqueConstraint(
            "course_id",
            "term_id",
            "professor_id",
            name=op.f("uq_teaching_assignments_course_id_term_id_professor_id"),
        ),
    )
    with op.batch_alter_table("teaching_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teaching_assignments_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_teaching_assignments_professor_id"), ["professor_id"], unique=False
        )

    op.create_table(
        "language_certifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("exam", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_language_certifications_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_language_certifications")),
    )
    with op.batch_alter_table("language_certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_language_certifications_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column(
            "attempt",
            sa.Enum(
                "first",
                "resit",
                "retake",
                name="result_attempt",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("scale", sa.String(length=32), nullable=False),
        sa.Column("credits_earned", sa.Numeric(5, 1), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "passed",
                "failed",
                "compensated",
                "recognised",
                "in_progress",
                name="result_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("credits_earned >= 0", name=op.f("ck_results_credits_not_negative")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_results_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_results_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_results_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_results_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
        sa.UniqueConstraint(
            "student_id",
            "course_id",
            "term_id",
            "attempt",
            name=op.f("uq_results_student_id_course_id_term_id_attempt"),
        ),
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_course_id"), ["course_id"], unique=False)
        batch_op.create_index("ix_results_student", ["student_id", "term_id"], unique=False)

    op.create_table(
        "student_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "substitute",
                "also_allow",
                "apply_here",
                "force_complete",
                "waive",
                name="exception_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("rule_id", sa.String(length=100), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("replaces_course_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_student_exceptions_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_student_exceptions_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_student_exceptions_programme_id_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_course_id"],
            ["courses.id"],
            name=op.f("fk_student_exceptions_replaces_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_student_exceptions_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_student_exceptions")),
    )
    with op.batch_alter_table("student_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_student_exceptions_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "student_numbers",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_student_numbers_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_student_numbers_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("student_id", "institution_id", name=op.f("pk_student_numbers")),
        sa.UniqueConstraint(
            "institution_id", "number", name=op.f("uq_student_numbers_institution_id_number")
        ),
    )
    op.create_table(
        "study_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                name="plan_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("approved_revision", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_study_plans_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_plans")),
    )
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_plans_student_id"), ["student_id"], unique=False)

    op.create_table(
        "plan_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_plan_approvals_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["study_plans.id"],
            name=op.f("fk_plan_approvals_plan_id_study_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_plan_approvals_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_approvals")),
    )
    with op.batch_alter_table("plan_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_approvals_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_plan_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["study_plans.id"],
            name=op.f("fk_plan_comments_plan_id_study_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_comments")),
    )
    with op.batch_alter_table("plan_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_comments_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_semesters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["study_plans.id"],
            name=op.f("fk_plan_semesters_plan_id_study_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_plan_semesters_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_semesters")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_plan_semesters_plan_id_position")),
        sa.UniqueConstraint("plan_id", "term_id", name=op.f("uq_plan_semesters_plan_id_term_id")),
    )
    op.create_table(
        "plan_courses",
        sa.Column("semester_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_plan_courses_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["semester_id"],
            ["plan_semesters.id"],
            name=op.f("fk_plan_courses_semester_id_plan_semesters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("semester_id", "course_id", name=op.f("pk_plan_courses")),
    )
    with op.batch_alter_table("plan_courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_courses_course_id"), ["course_id"], unique=False)


def downgrade() -> None:
    # Reviewed by hand: tables for #6 (students, results, plans, requirements, exceptions)
    # and the teaching assignments rosters need.
    with op.batch_alter_table("plan_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_courses_course_id"))

    op.drop_table("plan_courses")
    op.drop_table("plan_semesters")
    with op.batch_alter_table("plan_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_comments_plan_id"))

    op.drop_table("plan_comments")
    with op.batch_alter_table("plan_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_approvals_plan_id"))

    op.drop_table("plan_approvals")
    with op.batch_alter_table("study_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_plans_student_id"))

    op.drop_table("study_plans")
    op.drop_table("student_numbers")
    with op.batch_alter_table("student_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_exceptions_student_id"))

    op.drop_table("student_exceptions")
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index("ix_results_student")
        batch_op.drop_index(batch_op.f("ix_results_course_id"))

    op.drop_table("results")
    with op.batch_alter_table("language_certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_language_certifications_student_id"))

    op.drop_table("language_certifications")
    with op.batch_alter_table("teaching_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teaching_assignments_professor_id"))
        batch_op.drop_index(batch_op.f("ix_teaching_assignments_course_id"))

    op.drop_table("teaching_assignments")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index("ix_students_partnership_cohort")

    op.drop_table("students")
    op.drop_table("requirement_sets")
