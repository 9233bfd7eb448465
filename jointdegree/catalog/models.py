"""The partners and their degree programmes: what every other feature hangs on."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jointdegree.db import Base, Credits, ExactDecimal, Hours, UTCDateTime, str_enum, utcnow


class CreditSystem(enum.StrEnum):
    ECTS = "ects"  # European Credit Transfer System
    CN = "cn"  # 学分, Chinese credit hours


class DegreeLevel(enum.StrEnum):
    """The common cycle both countries' degrees map to.

    licence / 本科 → bachelor, master / 硕士 → master, doctorat / 博士 → doctorate.
    """

    BACHELOR = "bachelor"
    MASTER = "master"
    DOCTORATE = "doctorate"


class PartnershipStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"



class MultilingualName:
    """Mixin: ``name_fr``, ``name_zh``, ``name_en``; services require at least one."""

    name_fr: Mapped[str | None] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))


class Institution(MultilingualName, Base):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # Erasmus Without Paper / SCHAC identifier, e.g. "univ-cotedazur.fr" (EWP exports).
    hei_id: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    city_fr: Mapped[str | None] = mapped_column(String(120))
    city_zh: Mapped[str | None] = mapped_column(String(120))
    city_en: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Asia/Shanghai
    credit_system: Mapped[CreditSystem] = mapped_column(str_enum(CreditSystem, "credit_system"))
    # Code of the institution's native grading scale ("fr-20", "cn-100"); scales arrive in #5.
    grading_scale: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    programmes: Mapped[list[Programme]] = relationship(
        back_populates="institution", order_by="Programme.code")
    terms: Mapped[list[AcademicTerm]] = relationship(
        back_populates="institution", order_by="AcademicTerm.starts_on")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    def __repr__(self) -> str:
        return f"<Institution {self.code}>"


class Programme(MultilingualName, Base):
    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    level: Mapped[DegreeLevel] = mapped_column(str_enum(DegreeLevel, "degree_level"))
    # Credits the degree requires, in the institution's own credit system.
    required_credits: Mapped[Decimal] = mapped_column(Credits())
    duration_semesters: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    institution: Mapped[Institution] = relationship(back_populates="programmes")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("institution_id", "code"),
        CheckConstraint("required_credits > 0", name="required_credits_positive"),
        CheckConstraint("duration_semesters BETWEEN 1 AND 16", name="duration_range"),
    )

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"


class AcademicTerm(MultilingualName, Base):
    """A semester (or other teaching period) of one institution's calendar."""

    __tablename__ = "academic_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    academic_year: Mapped[str] = mapped_column(String(9))  # "2026-2027"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    institution: Mapped[Institution] = relationship(back_populates="terms")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("institution_id", "code"),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )


class Partnership(MultilingualName, Base):
    """Two programmes of two institutions that together award a double degree."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    programme_a_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    programme_b_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    status: Mapped[PartnershipStatus] = mapped_column(
        str_enum(PartnershipStatus, "partnership_status"), default=PartnershipStatus.DRAFT)
    first_intake_year: Mapped[int] = mapped_column(SmallInteger)
    # Equivalences whose two sides differ by more than this share of credits get a warning.
    tolerance: Mapped[Decimal] = mapped_column(ExactDecimal(3, 2), default=Decimal("0.25"),
                                               server_default="0.25")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    programme_a: Mapped[Programme] = relationship(foreign_keys=[programme_a_id])
    programme_b: Mapped[Programme] = relationship(foreign_keys=[programme_b_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("programme_a_id", "programme_b_id"),
        CheckConstraint("programme_a_id <> programme_b_id", name="two_programmes"),
    )

    @property
    def programmes(self) -> tuple[Programme, Programme]:
        return (self.programme_a, self.programme_b)

    def institution_ids(self) -> set[int]:
        return {self.programme_a.institution_id, self.programme_b.institution_id}


class CourseDelivery(enum.StrEnum):
    ON_CAMPUS = "on_campus"
    REMOTE = "remote"  # by videoconference
    HYBRID = "hybrid"


class CourseKind(enum.StrEnum):
    """Kinds convert credits differently (a 学分 of lab is more hours than one of lecture)."""

    LECTURE = "lecture"
    LAB = "lab"
    THESIS = "thesis"
    INTERNSHIP = "internship"


class CourseStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"  # never deleted once used: retired instead


course_terms = Table(
    "course_terms", Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("academic_terms.id", ondelete="RESTRICT"), primary_key=True),
)

course_prerequisites = Table(
    "course_prerequisites", Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("prerequisite_id", ForeignKey("courses.id", ondelete="RESTRICT"), primary_key=True),
    CheckConstraint("course_id <> prerequisite_id", name="not_itself"),
)


class CourseLanguage(Base):
    """A language of instruction (ISO 639-1)."""

    __tablename__ = "course_languages"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)


class Course(Base):
    """A course of one institution's catalog, in that institution's own credit system."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(32))
    title_fr: Mapped[str | None] = mapped_column(String(300))
    title_zh: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_fr: Mapped[str | None] = mapped_column(Text)
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    outcomes_fr: Mapped[str | None] = mapped_column(Text)
    outcomes_zh: Mapped[str | None] = mapped_column(Text)
    outcomes_en: Mapped[str | None] = mapped_column(Text)
    credits: Mapped[Decimal] = mapped_column(Credits())
    contact_hours: Mapped[Decimal | None] = mapped_column(Hours())
    self_study_hours: Mapped[Decimal | None] = mapped_column(Hours())
    # The level as the institution names it (licence, 本科, 研究生…) and the common cycle.
    national_level: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[DegreeLevel] = mapped_column(str_enum(DegreeLevel, "course_cycle"))
    isced: Mapped[str | None] = mapped_column(String(4))  # ISCED-F 2013 detailed field
    delivery: Mapped[CourseDelivery] = mapped_column(
        str_enum(CourseDelivery, "course_delivery"), default=CourseDelivery.ON_CAMPUS)
    kind: Mapped[CourseKind] = mapped_column(str_enum(CourseKind, "course_kind"),
                                             default=CourseKind.LECTURE)
    status: Mapped[CourseStatus] = mapped_column(str_enum(CourseStatus, "course_status"),
                                                 default=CourseStatus.ACTIVE)
    # Code and titles folded for search (lower case, no accents; Chinese as is).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    institution: Mapped[Institution] = relationship()
    terms: Mapped[list[AcademicTerm]] = relationship(secondary=course_terms,
                                                     order_by="AcademicTerm.starts_on")
    prerequisites: Mapped[list[Course]] = relationship(
        secondary=course_prerequisites,
        primaryjoin="Course.id == course_prerequisites.c.course_id",
        secondaryjoin="Course.id == course_prerequisites.c.prerequisite_id",
        order_by="Course.code")
    language_rows: Mapped[list[CourseLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="CourseLanguage.language")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("institution_id", "code"),
        Index("ix_courses_institution_status", "institution_id", "status"),
        CheckConstraint("credits > 0", name="credits_positive"),
    )

    @property
    def languages(self) -> list[str]:
        return [row.language for row in self.language_rows]

    def __repr__(self) -> str:
        return f"<Course {self.code}>"
