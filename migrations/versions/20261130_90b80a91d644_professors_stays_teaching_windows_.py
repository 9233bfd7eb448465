"""professors stays teaching windows closures day rules lectures feeds

Revision ID: 90b80a91d644
Revises: e17b30fb6e77
Create Date: 2026-11-30 12:29:15.629725
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "90b80a91d644"
down_revision = "e17b30fb6e77"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reviewed by hand: the tables of #7 (professors, stays, teaching windows, closures, day
    # rules, weekly lectures with their exceptions, calendar feeds).
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("name_fr", sa.String(length=200), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_closures_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_closures_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_closures_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "day_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("teaching", sa.Boolean(), nullable=False),
        sa.Column("follows_weekday", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "follows_weekday IS NULL OR follows_weekday BETWEEN 0 AND 6",
            name=op.f("ck_day_rules_weekday_range"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_day_rules_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_rules")),
        sa.UniqueConstraint("institution_id", "day", name=op.f("uq_day_rules_institution_id_day")),
    )
    op.create_table(
        "teaching_windows",
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_teaching_windows_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institutions.id"],
            name=op.f("fk_teaching_windows_institution_id_institutions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("institution_id", name=op.f("pk_teaching_windows")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "professor_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name_fr", sa.String(length=200), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("name_en", sa.String(length=200), nullable=True),
        sa.Column("subjects", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_professor_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_professor_profiles")),
    )
    op.create_table(
        "stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professor_id", sa.Integer(), nullable=False),
        sa.Column("host_institution_id", sa.Integer(), nullable=False),
        sa.Column("arrives_on", sa.Date(), nullable=False),
        sa.Column("departs_on", sa.Date(), nullable=False),
        sa.Column("host_contact", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("departs_on >= arrives_on", name=op.f("ck_stays_departs_after_arrival")),
        sa.ForeignKeyConstraint(
            ["host_institution_id"],
            ["institutions.id"],
            name=op.f("fk_stays_host_institution_id_institutions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["professor_id"],
            ["users.id"],
            name=op.f("fk_stays_professor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stays")),
    )
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stays_professor_id"), ["professor_id"], unique=False)

    op.create_table(
        "lecture_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("fold", sa.SmallInteger(), nullable=True),
        sa.Column("duration_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "remote",
                "in_person",
                "hybrid",
                name="lecture_mode",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("room", sa.String(length=120), nullable=True),
        sa.Column("video_link", sa.String(length=500), nullable=True),
        sa.Column("audience", sa.String(length=100), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 15 AND 480", name=op.f("ck_lecture_series_duration_range")
        ),
        sa.CheckConstraint("until >= first_date", name=op.f("ck_lecture_series_until_after_first")),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["teaching_assignments.id"],
            name=op.f("fk_lecture_series_assignment_id_teaching_assignments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lecture_series")),
    )
    with op.batch_alter_table("lecture_series", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lecture_series_assignment_id"), ["assignment_id"], unique=False
        )

    op.create_table(
        "lecture_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("original_date", sa.Date(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("moved_to", sa.DateTime(), nullable=True),
        sa.Column("moved_fold", sa.SmallInteger(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["lecture_series.id"],
            name=op.f("fk_lecture_exceptions_series_id_lecture_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lecture_exceptions")),
        sa.UniqueConstraint(
            "series_id", "original_date", name=op.f("uq_lecture_exceptions_series_id_original_date")
        ),
    )


def downgrade() -> None:
    # Reviewed by hand: the tables of #7 (professors, stays, teaching windows, closures, day
    # rules, weekly lectures with their exceptions, calendar feeds).
    op.drop_table("lecture_exceptions")
    with op.batch_alter_table("lecture_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lecture_series_assignment_id"))

    op.drop_table("lecture_series")
    with op.batch_alter_table("stays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stays_professor_id"))

    op.drop_table("stays")
    op.drop_table("professor_profiles")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_owner_id"))

    op.drop_table("calendar_feeds")
    op.drop_table("teaching_windows")
    op.drop_table("day_rules")
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closures_institution_id"))

    op.drop_table("closures")
