"""Students of a double degree, their results, study plans, requirements and exceptions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
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
from jointdegree.catalog.models import AcademicTerm, Course, Institution, Partnership, Programme
from jointdegree.db import Base, Credits, UTCDateTime, str_enum, utcnow


class NameScript(enum.StrEnum):
    LATIN = "latin"
    HAN = "han"  # Chinese characters


class Student(Base):
    """A student of one double degree (partnership), enrolled in both programmes."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed with the cohort (ix_students_partnership_cohort): lists filter by both.
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="RESTRICT"))
    # The student's own login, when they have one (students see only their own records).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                unique=True)
    cohort: Mapped[str] = mapped_column(String(16))  # intake, e.g. "2026"
    family_name: Mapped[str | None] = mapped_column(String(100))  # Latin script
    given_names: Mapped[str | None] = mapped_column(String(150))
    name_han: Mapped[str | None] = mapped_column(String(60))  # 王小明
    primary_script: Mapped[NameScript] = mapped_column(str_enum(NameScript, "name_script"),
                                                       default=NameScript.LATIN)
    email: Mapped[str] = mapped_column(String(254))
    nationality: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    partnership: Mapped[Partnership] = relationship()
    user: Mapped[User | None] = relationship()
    numbers: Mapped[list[StudentNumber]] = relationship(
        cascade="all, delete-orphan", order_by="StudentNumber.institution_id")
    certifications: Mapped[list[LanguageCertification]] = relationship(
        cascade="all, delete-orphan", order_by="LanguageCertification.taken_on")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("family_name IS NOT NULL OR name_han IS NOT NULL", name="has_a_name"),
        CheckConstraint("length(nationality) = 2", name="nationality_alpha2"),
        Index("ix_students_partnership_cohort", "partnership_id", "cohort"),
    )

    @property
    def latin_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_name) if p)

    @property
    def display_name(self) -> str:
        """The primary script first, the other in brackets: "王小明 (Xiaoming Wang)"."""
        latin, han = self.latin_name, self.name_han or ""
        first, second = (han, latin) if self.primary_script is NameScript.HAN else (latin, han)
        first, second = (first or second), (second if first else "")
        return f"{first} ({second})" if second else first

    def number_at(self, institution_id: int) -> str | None:
        return next((n.number for n in self.numbers if n.institution_id == institution_id), None)

    def __repr__(self) -> str:
        return f"<Student {self.id}>"


class StudentNumber(Base):
    """The student's number at one institution (each partner numbers its students)."""

    __tablename__ = "student_numbers"

    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"),
                                            primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), primary_key=True)
    number: Mapped[str] = mapped_column(String(32))

    institution: Mapped[Institution] = relationship()

    __table_args__ = (UniqueConstraint("institution_id", "number"),)


class LanguageCertification(Base):
    """A language certificate (DELF/DALF/TCF, HSK…) with its level and date."""

    __tablename__ = "language_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"),
                                            index=True)
    exam: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    taken_on: Mapped[date] = mapped_column(Date)


class Attempt(enum.StrEnum):
    FIRST = "first"  # session 1 / 正考
    RESIT = "resit"  # session 2 (rattrapage) / 补考
    RETAKE = "retake"  # the course taken again / 重修


class ResultStatus(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    COMPENSATED = "compensated"  # validated by compensation (jury decision)
    RECOGNISED = "recognised"  # recognised from the partner
    IN_PROGRESS = "in_progress"


class Result(Base):
    """One attempt at one course: the native grade as recorded, never overwritten by a
    conversion (conversions are derived when shown)."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"),
                                           index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("academic_terms.id", ondelete="RESTRICT"))
    attempt: Mapped[Attempt] = mapped_column(str_enum(Attempt, "result_attempt"),
                                             default=Attempt.FIRST)
    # The grade as written on the course's scale ("14.5", "85", "B"); None while in progress.
    grade: Mapped[str | None] = mapped_column(String(16))
    scale: Mapped[str] = mapped_column(String(32))  # the scale code the grade is on
    credits_earned: Mapped[Decimal] = mapped_column(Credits())
    status: Mapped[ResultStatus] = mapped_column(str_enum(ResultStatus, "result_status"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship()
    course: Mapped[Course] = relationship()
    term: Mapped[AcademicTerm] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("student_id", "course_id", "term_id", "attempt"),
        Index("ix_results_student", "student_id", "term_id"),
        CheckConstraint("credits_earned >= 0", name="credits_not_negative"),
    )


class RequirementSet(Base):
    """A programme's degree requirements as a document (see ``planning/requirements.py``)."""

    __tablename__ = "requirement_sets"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    programme: Mapped[Programme] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ExceptionKind(enum.StrEnum):
    """Degree Works' vocabulary, so registrars recognise them."""

    SUBSTITUTE = "substitute"
    ALSO_ALLOW = "also_allow"
    APPLY_HERE = "apply_here"
    FORCE_COMPLETE = "force_complete"
    WAIVE = "waive"


class StudentException(Base):
    """An exception to one programme's requirements for one student, with its reason and the
    registrar who approved it. Withdrawn, never deleted."""

    __tablename__ = "student_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"),
                                            index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"))
    kind: Mapped[ExceptionKind] = mapped_column(str_enum(ExceptionKind, "exception_kind"))
    rule_id: Mapped[str | None] = mapped_column(String(100))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    replaces_course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship()
    course: Mapped[Course | None] = relationship(foreign_keys=[course_id])
    replaces: Mapped[Course | None] = relationship(foreign_keys=[replaces_course_id])
    approved_by: Mapped[User | None] = relationship()


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a registrar's approval
    APPROVED = "approved"  # a learning agreement: changing it needs a new approval


class StudyPlan(Base):
    """A student's path, semester by semester. Every change bumps ``revision``; an approval
    records the revision (and a snapshot) it approved."""

    __tablename__ = "study_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, "plan_status"),
                                               default=PlanStatus.DRAFT)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship()
    semesters: Mapped[list[PlanSemester]] = relationship(
        cascade="all, delete-orphan", order_by="PlanSemester.position",
        back_populates="plan")
    comments: Mapped[list[PlanComment]] = relationship(
        cascade="all, delete-orphan", order_by="PlanComment.at")
    approvals: Mapped[list[PlanApproval]] = relationship(
        cascade="all, delete-orphan", order_by="PlanApproval.at")

    __mapper_args__ = {"version_id_col": version}


class PlanSemester(Base):
    """One semester of a plan: at one campus (a term of that institution), or remote."""

    __tablename__ = "plan_semesters"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    term_id: Mapped[int] = mapped_column(ForeignKey("academic_terms.id", ondelete="RESTRICT"))
    remote: Mapped[bool] = mapped_column(default=False)  # followed by videoconference

    plan: Mapped[StudyPlan] = relationship(back_populates="semesters")
    term: Mapped[AcademicTerm] = relationship()
    courses: Mapped[list[Course]] = relationship(secondary="plan_courses",
                                                 order_by="Course.code")

    __table_args__ = (UniqueConstraint("plan_id", "position"),
                      UniqueConstraint("plan_id", "term_id"))


class PlanCourse(Base):
    __tablename__ = "plan_courses"

    semester_id: Mapped[int] = mapped_column(
        ForeignKey("plan_semesters.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"),
                                           primary_key=True, index=True)


class PlanComment(Base):
    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"),
                                         index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class PlanApproval(Base):
    """A registrar's approval of one revision of a plan, with what was approved."""

    __tablename__ = "plan_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("study_plans.id", ondelete="CASCADE"),
                                         index=True)
    revision: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snapshot: Mapped[dict[str, Any]]  # semesters and course codes as approved
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institution: Mapped[Institution] = relationship()
    user: Mapped[User | None] = relationship()
