"""Who teaches which course in which term (rosters hang on it; lectures arrive with #7)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointdegree.auth.models import User
from jointdegree.catalog.models import AcademicTerm, Course
from jointdegree.db import Base, str_enum


class TeachingMode(enum.StrEnum):
    HOME = "home"  # teaches at their own institution
    REMOTE = "remote"  # teaches the partner's students by videoconference from home
    VISITING = "visiting"  # teaches in person during a stay at the partner


class TeachingAssignment(Base):
    """A professor teaches a course offering (course + term)."""

    __tablename__ = "teaching_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"),
                                           index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("academic_terms.id", ondelete="RESTRICT"))
    professor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"),
                                              index=True)
    mode: Mapped[TeachingMode] = mapped_column(str_enum(TeachingMode, "teaching_mode"),
                                               default=TeachingMode.HOME)
    version: Mapped[int] = mapped_column(Integer, default=1)

    course: Mapped[Course] = relationship()
    term: Mapped[AcademicTerm] = relationship()
    professor: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("course_id", "term_id", "professor_id"),)
