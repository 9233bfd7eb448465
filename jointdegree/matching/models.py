"""Credit rules agreed by a partnership, and course equivalences with two-sided approval."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointdegree.auth.models import User
from jointdegree.catalog.models import Course, Institution, Partnership
from jointdegree.db import Base, ExactDecimal, UTCDateTime, str_enum, utcnow


class CreditRuleRow(Base):
    """One partnership's rule for one kind of course ("any" = the default rule)."""

    __tablename__ = "credit_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "any", "lecture", "lab", "thesis", ...
    method: Mapped[str] = mapped_column(String(16))  # "ratio" or "workload"
    ects_per_cn: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3))
    hours_per_ects: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    contact_hours_per_cn: Mapped[Decimal] = mapped_column(ExactDecimal(5, 2))
    step: Mapped[Decimal] = mapped_column(ExactDecimal(4, 2))
    cn_step: Mapped[Decimal] = mapped_column(ExactDecimal(4, 2))
    rounding: Mapped[str] = mapped_column(String(16))
    credited: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("partnership_id", "kind"),)


class EquivalenceStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Equivalence(Base):
    """A set of courses at one partner counted as a set at the other, for a range of years."""

    __tablename__ = "equivalences"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"), index=True)
    status: Mapped[EquivalenceStatus] = mapped_column(
        str_enum(EquivalenceStatus, "equivalence_status"), default=EquivalenceStatus.PROPOSED)
    first_year: Mapped[int] = mapped_column(SmallInteger)  # academic year starting in it
    last_year: Mapped[int | None] = mapped_column(SmallInteger)  # None: open-ended
    note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a course in it changed in a way that matters; cleared by a registrar's review.
    review_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    partnership: Mapped[Partnership] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary="equivalence_courses",
                                                 order_by="Course.code")
    decisions: Mapped[list[EquivalenceDecision]] = relationship(
        back_populates="equivalence", order_by="EquivalenceDecision.at",
        cascade="all, delete-orphan")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("last_year IS NULL OR last_year >= first_year", name="year_range"),
        Index("ix_equivalences_status", "partnership_id", "status"),
    )

    def side(self, institution_id: int) -> list[Course]:
        return [c for c in self.courses if c.institution_id == institution_id]


class EquivalenceCourse(Base):
    __tablename__ = "equivalence_courses"

    equivalence_id: Mapped[int] = mapped_column(
        ForeignKey("equivalences.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), primary_key=True, index=True)


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class EquivalenceDecision(Base):
    """One institution's approval or rejection (who, when, why): the two-sided record."""

    __tablename__ = "equivalence_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    equivalence_id: Mapped[int] = mapped_column(
        ForeignKey("equivalences.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "equivalence_decision"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    equivalence: Mapped[Equivalence] = relationship(back_populates="decisions")
    institution: Mapped[Institution] = relationship()
    user: Mapped[User | None] = relationship()


class Recommendation(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REVISE = "revise"


class FacultyReview(Base):
    """A registrar asks a professor for a recommendation on a proposed equivalence."""

    __tablename__ = "faculty_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    equivalence_id: Mapped[int] = mapped_column(
        ForeignKey("equivalences.id", ondelete="CASCADE"), index=True)
    professor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    question: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[Recommendation | None] = mapped_column(
        str_enum(Recommendation, "review_recommendation"))
    comment: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    equivalence: Mapped[Equivalence] = relationship()
    professor: Mapped[User] = relationship(foreign_keys=[professor_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class CourseSyllabus(Base):
    """The uploaded syllabus (PDF or text) of a course, for faculty review."""

    __tablename__ = "course_syllabi"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeScaleRow(Base):
    """A grading scale a registrar added for a new partner (the shipped ones live in code)."""

    __tablename__ = "grade_scales"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    definition: Mapped[dict[str, Any]]  # jointdegree.matching.grades.Scale.to_dict()
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class GradeRule(Base):
    """How a partnership converts grades from one scale to another (audited when changed)."""

    __tablename__ = "grade_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"))
    from_scale: Mapped[str] = mapped_column(String(32))
    to_scale: Mapped[str] = mapped_column(String(32))
    # "agreed_table", "pass_anchored_linear" or "grading_table"
    method: Mapped[str] = mapped_column(String(32))
    # An agreed table of the partnership's own ([[x, y], ...] or {band: band}); None: default.
    table: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("partnership_id", "from_scale", "to_scale"),)
