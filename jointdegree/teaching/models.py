"""Professors, who teaches what, stays, teaching windows and closures, weekly lectures with
their exceptions, and calendar feeds."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointdegree.auth.models import User
from jointdegree.catalog.models import AcademicTerm, Course, Institution
from jointdegree.db import Base, UTCDateTime, str_enum, utcnow


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


class ProfessorProfile(Base):
    """A professor's names in the three languages and subjects (the account has the rest)."""

    __tablename__ = "professor_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    subjects: Mapped[str | None] = mapped_column(Text)  # e.g. "databases; distributed systems"

    user: Mapped[User] = relationship()


class Stay(Base):
    """Dates a visiting professor spends at the partner campus; stays of one professor never
    overlap (the service refuses it)."""

    __tablename__ = "stays"

    id: Mapped[int] = mapped_column(primary_key=True)
    professor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    host_institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    arrives_on: Mapped[date] = mapped_column(Date)
    departs_on: Mapped[date] = mapped_column(Date)
    host_contact: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    professor: Mapped[User] = relationship()
    host: Mapped[Institution] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("departs_on >= arrives_on", name="departs_after_arrival"),)


class TeachingWindow(Base):
    """The hours an institution teaches, in its own zone (default 08:00–20:00)."""

    __tablename__ = "teaching_windows"

    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class Closure(Base):
    """An institution's break (Spring Festival, French school holidays…), inclusive dates."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)


class DayRule(Base):
    """A registrar's decision about one date: teaching or not, or following another weekday's
    timetable (a Saturday that runs Tuesday's classes)."""

    __tablename__ = "day_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    teaching: Mapped[bool] = mapped_column(Boolean)
    follows_weekday: Mapped[int | None] = mapped_column(SmallInteger)  # 0 = Monday
    note: Mapped[str] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("institution_id", "day"),
                      CheckConstraint("follows_weekday IS NULL OR follows_weekday BETWEEN 0 AND 6",
                                      name="weekday_range"))


class LectureMode(enum.StrEnum):
    REMOTE = "remote"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


class LectureSeries(Base):
    """A weekly lecture of a course offering: wall-clock time fixed in ``zone`` over the term
    (RFC 5545 semantics), with cancelled or moved weeks as exceptions."""

    __tablename__ = "lecture_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("teaching_assignments.id", ondelete="RESTRICT"), index=True)
    zone: Mapped[str] = mapped_column(String(64))  # the reference zone (IANA)
    first_date: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)  # local wall-clock time in ``zone``
    fold: Mapped[int | None] = mapped_column(SmallInteger)  # chosen for an ambiguous time
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    until: Mapped[date] = mapped_column(Date)
    mode: Mapped[LectureMode] = mapped_column(str_enum(LectureMode, "lecture_mode"))
    room: Mapped[str | None] = mapped_column(String(120))
    video_link: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[str] = mapped_column(String(100))  # a cohort or group: "NICE-HAIKOU-CS 2026"
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    assignment: Mapped[TeachingAssignment] = relationship()
    exceptions: Mapped[list[LectureException]] = relationship(
        cascade="all, delete-orphan", order_by="LectureException.original_date")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration_range"),
        CheckConstraint("until >= first_date", name="until_after_first"),
    )


class LectureException(Base):
    """One week of a series cancelled, or moved to another local date and time."""

    __tablename__ = "lecture_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("lecture_series.id", ondelete="CASCADE"))
    original_date: Mapped[date] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    moved_to: Mapped[datetime | None] = mapped_column(DateTime)  # naive local time in the zone
    moved_fold: Mapped[int | None] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("series_id", "original_date"),)


class CalendarFeed(Base):
    """A secret, revocable iCalendar address: a professor's, a course offering's or a
    student's lectures. Only a hash of the secret is kept."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "professor", "offering", "student"
    target_id: Mapped[int] = mapped_column(Integer)  # user, assignment or student id
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
