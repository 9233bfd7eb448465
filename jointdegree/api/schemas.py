"""Request and response schemas (pydantic v2). The OpenAPI document is generated from these.

Credits are decimals: they travel as JSON strings ("7.5") so no client turns them into floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jointdegree.api.pagination import ListQuery
from jointdegree.db import MAX_ID


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(Schema):
    """A text in French, Simplified Chinese and English (any may be missing)."""

    fr: str | None = Field(None, max_length=300, examples=["Master mention Informatique"])
    zh: str | None = Field(None, max_length=300, examples=["计算机科学硕士"])
    en: str | None = Field(None, max_length=300, examples=["Master in Computer Science"])


def names_of(obj: Any, field: str = "name") -> Names:
    return Names(fr=getattr(obj, f"{field}_fr"), zh=getattr(obj, f"{field}_zh"),
                 en=getattr(obj, f"{field}_en"))


def names_to_fields(names: Names | None, field: str = "name", partial: bool = False
                    ) -> dict[str, Any]:
    """``Names`` → ``{"name_fr": …}``; with ``partial``, only the languages that were sent."""
    if names is None:
        return {}
    sent = names.model_dump(exclude_unset=partial)
    return {f"{field}_{lang}": value for lang, value in sent.items()}


CreditSystemName = Literal["ects", "cn"]
LevelName = Literal["bachelor", "master", "doctorate"]
StatusName = Literal["draft", "active", "closed"]
RoleName = Literal["admin", "registrar", "professor", "student"]


class InstitutionOut(Schema):
    code: str
    names: Names
    city: Names
    country: str = Field(description="ISO 3166-1 alpha-2")
    timezone: str = Field(description="IANA time zone", examples=["Europe/Paris"])
    credit_system: CreditSystemName
    grading_scale: str = Field(examples=["fr-20"])
    version: int = Field(description="Changes on every update; send it back in If-Match.")


class InstitutionIn(Schema):
    code: str = Field(max_length=32, examples=["UCA"])
    names: Names
    city: Names = Names()
    country: str = Field(min_length=2, max_length=2, examples=["FR"])
    timezone: str = Field(examples=["Europe/Paris"])
    credit_system: CreditSystemName
    grading_scale: str = Field(max_length=32, examples=["fr-20"])


class InstitutionPatch(Schema):
    names: Names | None = None
    city: Names | None = None
    country: str | None = Field(None, min_length=2, max_length=2)
    timezone: str | None = None
    credit_system: CreditSystemName | None = None
    grading_scale: str | None = Field(None, max_length=32)


class InstitutionQuery(ListQuery):
    country: str | None = Field(None, description="ISO country code, e.g. CN")
    credit_system: CreditSystemName | None = None


class ProgrammeOut(Schema):
    id: int
    institution: str = Field(description="Institution code")
    code: str
    names: Names
    level: LevelName
    required_credits: Decimal = Field(description="In the institution's own credit system")
    credit_system: CreditSystemName
    duration_semesters: int
    active: bool
    version: int


class ProgrammeIn(Schema):
    institution: str = Field(description="Institution code", examples=["UCA"])
    code: str = Field(max_length=32, examples=["M-INFO"])
    names: Names
    level: LevelName
    required_credits: Decimal = Field(gt=0, examples=["120"])
    duration_semesters: int = Field(ge=1, le=16)
    active: bool = True


class ProgrammePatch(Schema):
    names: Names | None = None
    level: LevelName | None = None
    required_credits: Decimal | None = Field(None, gt=0)
    duration_semesters: int | None = Field(None, ge=1, le=16)
    active: bool | None = None


class ProgrammeQuery(ListQuery):
    institution: str | None = Field(None, description="Institution code")
    level: LevelName | None = None
    active: bool | None = None


class ProgrammeRef(Schema):
    id: int
    code: str
    institution: str
    names: Names


class PartnershipOut(Schema):
    id: int
    code: str
    names: Names
    status: StatusName
    first_intake_year: int
    programmes: list[ProgrammeRef] = Field(min_length=2, max_length=2)
    version: int


class PartnershipIn(Schema):
    code: str = Field(max_length=32)
    names: Names
    programme_a: int = Field(ge=1, le=MAX_ID,
                             description="Programme id at the first institution")
    programme_b: int = Field(ge=1, le=MAX_ID,
                             description="Programme id at the partner institution")
    first_intake_year: int = Field(ge=1990, le=2100)
    status: StatusName = "draft"


class PartnershipPatch(Schema):
    names: Names | None = None
    status: StatusName | None = None
    first_intake_year: int | None = Field(None, ge=1990, le=2100)


class PartnershipQuery(ListQuery):
    status: StatusName | None = None
    institution: str | None = Field(None, description="Partnerships involving this institution")


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    role: RoleName
    institution: str | None
    locale: str | None
    timezone: str | None
    version: int


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine code, e.g. validation_failed, stale_version")
    message: str = Field(description="Human message in the request's Accept-Language")
    fields: dict[str, str] = Field(description="Per-field messages (validation errors)")


class ErrorOut(Schema):
    error: ErrorDetail


LangCode = str
DeliveryName = Literal["on_campus", "remote", "hybrid"]
KindName = Literal["lecture", "lab", "thesis", "internship"]
CourseStatusName = Literal["active", "retired"]


class CourseOut(Schema):
    id: int
    institution: str
    code: str
    titles: Names
    descriptions: Names
    outcomes: Names
    credits: Decimal = Field(description="In the institution's own credit system")
    credit_system: CreditSystemName
    contact_hours: Decimal | None
    self_study_hours: Decimal | None
    level: str = Field(description="As the institution names it: licence, master, 本科, 研究生…")
    cycle: LevelName
    isced: str | None = Field(description="ISCED-F 2013 field code")
    languages: list[str]
    terms: list[str] = Field(description="Codes of the terms when it is offered")
    delivery: DeliveryName
    kind: KindName
    prerequisites: list[str] = Field(description="Codes of required courses")
    status: CourseStatusName
    version: int


class CourseIn(Schema):
    """A new course; fields as in the catalog import file."""

    institution: str = Field(examples=["UCA"])
    code: str = Field(max_length=32, examples=["M1-INF-02"])
    titles: Names
    descriptions: Names = Names()
    outcomes: Names = Names()
    credits: Decimal = Field(gt=0, examples=["6"])
    contact_hours: Decimal | None = Field(None, gt=0)
    self_study_hours: Decimal | None = Field(None, gt=0)
    level: str = Field(examples=["master", "研究生"])
    isced: str | None = Field(None, pattern=r"^\d{4}$")
    languages: list[str] = []
    terms: list[str] = []
    delivery: DeliveryName = "on_campus"
    kind: KindName = "lecture"
    prerequisites: list[str] = []
    status: CourseStatusName = "active"


class CoursePatch(Schema):
    code: str | None = Field(None, max_length=32)
    titles: Names | None = None
    descriptions: Names | None = None
    outcomes: Names | None = None
    credits: Decimal | None = Field(None, gt=0)
    contact_hours: Decimal | None = Field(None, gt=0)
    self_study_hours: Decimal | None = Field(None, gt=0)
    level: str | None = None
    isced: str | None = Field(None, pattern=r"^\d{4}$")
    languages: list[str] | None = None
    terms: list[str] | None = None
    delivery: DeliveryName | None = None
    kind: KindName | None = None
    prerequisites: list[str] | None = None
    status: CourseStatusName | None = None


class CourseQuery(ListQuery):
    q: str | None = Field(None, description="Text in any language (code, titles); accents "
                                            "optional, Chinese substrings match")
    institution: str | None = None
    level: LevelName | None = Field(None, description="The common cycle")
    isced: str | None = Field(None, description="ISCED-F code or its prefix, e.g. 06")
    credits_min: Decimal | None = None
    credits_max: Decimal | None = None
    language: str | None = None
    term: str | None = None
    delivery: DeliveryName | None = None
    status: CourseStatusName | None = "active"


class EquivalenceSideOut(Schema):
    institution: str
    courses: list[str]
    credits: Decimal = Field(description="Total in the institution's own system")
    ects: Decimal | None = Field(description="Total converted to ECTS by the partnership's rules")


class EquivalenceOut(Schema):
    id: int
    partnership: str
    status: Literal["proposed", "approved", "rejected", "expired"]
    first_year: int
    last_year: int | None
    note: str | None
    sides: list[EquivalenceSideOut]
    difference: Decimal | None = Field(description="Relative difference of the ECTS totals")
    warning: bool = Field(description="The difference exceeds the partnership's tolerance")
    review_needed: bool
    approved_by: list[str] = Field(description="Institutions that approved")
    version: int


class EquivalenceIn(Schema):
    partnership: str = Field(description="Partnership code")
    courses: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=2, max_length=100, description="Course ids from both institutions")
    first_year: int = Field(ge=1990, le=2100)
    last_year: int | None = Field(None, ge=1990, le=2100)
    note: str | None = None


class EquivalenceQuery(ListQuery):
    partnership: str | None = None
    status: Literal["proposed", "approved", "rejected", "expired"] | None = None
    course: int | None = Field(None, ge=1, le=MAX_ID,
                               description="Equivalences that include this course id")


class RejectIn(Schema):
    reason: str = Field(min_length=1)


class ConversionIn(Schema):
    partnership: str
    from_system: CreditSystemName
    to_system: CreditSystemName | None = Field(None, description="Default: the other system")
    amount: Decimal | None = Field(None, gt=0)
    kind: KindName = "lecture"
    contact_hours: Decimal | None = Field(None, gt=0)
    total_hours: Decimal | None = Field(None, gt=0)


class StepOut(Schema):
    """One step of a conversion's calculation, for clients that word it themselves."""

    key: str = Field(description="Stable message key, e.g. credits_ratio_to_ects or "
                                 "grade_rounded; each key has one English template",
                     examples=["credits_ratio_to_ects"])
    params: dict[str, str] = Field(description="The template's %(name)s parameters, already "
                                               "written as text (numbers as the English "
                                               "explanation shows them, scale codes, table names)",
                                   examples=[{"amount": "4", "ratio": "1.5", "exact": "6"}])


class ConversionOut(Schema):
    amount: Decimal
    exact: Decimal
    from_system: CreditSystemName
    to_system: CreditSystemName
    method: str
    kind: KindName
    explanation: str = Field(description="The calculation, in the request's language "
                                         "(Accept-Language)")
    steps: list[StepOut] = Field(description="The same calculation as message keys and "
                                             "parameters, in order")
    rule: dict[str, Any] | None


class BandOut(Schema):
    code: str
    labels: Names
    low: Decimal | None
    high: Decimal | None
    passing: bool
    points: Decimal | None


class ScaleOut(Schema):
    code: str
    names: Names
    kind: Literal["numeric", "bands"]
    minimum: Decimal | None
    maximum: Decimal | None
    pass_mark: Decimal | None
    step: Decimal | None
    bands: list[BandOut]
    builtin: bool = Field(description="Shipped with jointdegree (stable code)")


class GradeConversionIn(Schema):
    partnership: str
    from_scale: str = Field(examples=["cn-100"])
    to_scale: str = Field(examples=["fr-20"])
    grade: Decimal | str = Field(description="A number on a numeric scale, a band code otherwise",
                                 examples=["85"])


class GradeConversionOut(Schema):
    grade: str = Field(description="The original grade, unchanged")
    from_scale: str
    to_scale: str
    value: str = Field(description="The converted grade (number as text, or band code)")
    label: str = Field(description="The converted grade's label in the request's language")
    passing: bool
    method: str
    explanation: str = Field(description="The calculation, in the request's language "
                                         "(Accept-Language)")
    steps: list[StepOut] = Field(description="The same calculation as message keys and "
                                             "parameters, in order")
    data: dict[str, Any] = Field(description="What the conversion used (table, group, …)")
