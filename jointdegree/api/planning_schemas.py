"""Schemas of the students, results, plans, requirements and audit resources."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from jointdegree.api.pagination import ListQuery
from jointdegree.api.schemas import Schema
from jointdegree.db import MAX_ID

AttemptName = Literal["first", "resit", "retake"]
ResultStatusName = Literal["passed", "failed", "compensated", "recognised", "in_progress"]


class StudentNames(Schema):
    family: str | None = Field(None, max_length=100, description="Family name, Latin script",
                               examples=["Wang"])
    given: str | None = Field(None, max_length=150, description="Given names, Latin script",
                              examples=["Xiaoming"])
    han: str | None = Field(None, max_length=60, description="Name in Chinese characters",
                            examples=["王小明"])
    primary: Literal["latin", "han"] = Field("latin", description="Which script comes first")


class StudentOut(Schema):
    id: int
    names: StudentNames
    display_name: str
    email: str
    nationality: str
    birth_date: date | None
    partnership: str = Field(description="Partnership code")
    cohort: str
    numbers: dict[str, str] = Field(description="Student number by institution code")
    certifications: list[CertificationOut]
    version: int


class CertificationOut(Schema):
    exam: str
    level: str
    taken_on: date


class StudentPatch(Schema):
    names: StudentNames | None = None
    email: str | None = Field(None, max_length=254)
    nationality: str | None = Field(None, min_length=2, max_length=2)
    birth_date: date | None = None
    cohort: str | None = Field(None, max_length=16)
    numbers: dict[str, str] | None = Field(None, description="Number by institution code")


class StudentQuery(ListQuery):
    cohort: str | None = None
    partnership: str | None = Field(None, description="Partnership code")
    q: str | None = Field(None, max_length=100, description="Name, number or e-mail contains")


class ResultOut(Schema):
    id: int
    course: int = Field(description="Course id")
    course_code: str
    institution: str
    term: str = Field(description="Term code")
    attempt: AttemptName
    grade: str | None = Field(description="As recorded, on the scale `scale`")
    scale: str
    credits_earned: Decimal
    credit_system: Literal["ects", "cn"]
    status: ResultStatusName
    recorded_at: datetime
    version: int


class ResultIn(Schema):
    course: int = Field(ge=1, le=MAX_ID, description="Course id")
    term: str = Field(max_length=32, description="Term code of the course's institution")
    attempt: AttemptName = "first"
    grade: str | None = Field(None, max_length=16, examples=["14.5"])
    status: ResultStatusName | None = Field(
        None, description="Omit: from the grade (passed/failed), or in_progress without one")
    credits_earned: Decimal | None = Field(None, ge=0)


class SemesterIn(Schema):
    term: int = Field(ge=1, le=MAX_ID, description="Term id (of either partner)")
    remote: bool = False
    courses: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=40, description="Course ids")


class PlanIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    semesters: list[SemesterIn] = Field(default_factory=list, max_length=16)


class SemesterOut(Schema):
    position: int
    term: str
    institution: str
    remote: bool
    courses: list[str] = Field(description="Course codes")


class PlanOut(Schema):
    id: int
    name: str
    status: Literal["draft", "submitted", "approved"]
    revision: int
    approved_revision: int | None
    semesters: list[SemesterOut]
    version: int


class RequirementsOut(Schema):
    programme: int
    document: dict[str, Any] = Field(description="See the README: degree requirements as data")
    version: int | None = Field(description="None until the programme has requirements")


class RequirementsIn(Schema):
    document: dict[str, Any]


class AuditQuery(Schema):
    plan: int | None = Field(None, ge=1, le=MAX_ID,
                             description="Study plan id; without it, results only")
    add: str | None = Field(None, max_length=400,
                            description="What-if: course ids to add, term:course,… ")
    remove: str | None = Field(None, max_length=400, description="What-if: course ids to drop")


class DegreeAuditOut(Schema):
    programme: int
    institution: str
    credit_system: Literal["ects", "cn"]
    scale: str
    audit: dict[str, Any] = Field(description="Rules with status, counted credits and courses, "
                                              "what is missing, and the explanations (keys "
                                              "with parameters, and the text in the request's "
                                              "language)")


class AuditOut(Schema):
    student: int
    plan: int | None
    what_if: bool
    degrees: list[DegreeAuditOut]


StudentOut.model_rebuild()
