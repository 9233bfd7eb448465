"""The double-degree transcript as data: what every rendering (HTML, PDF, EMREX/ELMO, JSON) says.

Pure (no Flask, no database): :mod:`jointdegree.diplomas.transcripts` assembles a
:class:`Transcript` from the service's records once, and each renderer only lays it out, so the
PDF, the XML a partner imports and the JSON can never disagree about a grade or a total.

Numbers stay :class:`~decimal.Decimal`; grades stay the text the institution recorded (a band
code or a number as written), beside their conversion, which names its method.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jointdegree.matching.credits import Step

COUNTED = ("passed", "compensated", "recognised")
"""Result statuses whose credits are earned (and count in totals and averages)."""

# French honours ("mention" in the honours sense — not the field in the degree title), from the
# diploma average on 0–20. Chinese degrees carry none.
FRENCH_HONOURS = ((Decimal(16), "très bien"), (Decimal(14), "bien"), (Decimal(12), "assez bien"),
                  (Decimal(10), "passable"))


def honours(average: Decimal | None, scale: str) -> str | None:
    """The French honours of an average on 0–20, in French as the diploma prints them."""
    if average is None or scale != "fr-20":
        return None
    return next((name for low, name in FRENCH_HONOURS if average >= low), None)


@dataclass(frozen=True)
class Names:
    """A name in the languages the service holds it in (``fr``, ``zh``, ``en``)."""

    fr: str | None = None
    zh: str | None = None
    en: str | None = None

    def get(self, lang: str) -> str | None:
        return getattr(self, lang, None)

    def first(self, *langs: str) -> str:
        """The name in the first language present, for a place that needs exactly one."""
        for lang in (*langs, "fr", "en", "zh"):
            if value := self.get(lang):
                return value
        return ""

    def as_dict(self) -> dict[str, str]:
        return {lang: value for lang in ("fr", "zh", "en") if (value := self.get(lang))}


def names_of(obj: Any, prefix: str = "name") -> Names:
    """The ``<prefix>_fr/_zh/_en`` attributes of a record (institution, programme, course…)."""
    return Names(getattr(obj, f"{prefix}_fr", None), getattr(obj, f"{prefix}_zh", None),
                 getattr(obj, f"{prefix}_en", None))


@dataclass(frozen=True)
class InstitutionPart:
    code: str
    hei_id: str | None
    country: str  # ISO 3166-1 alpha-2
    names: Names
    credit_system: str  # "ects" or "cn"
    grading_scale: str  # scale code, e.g. "fr-20", "cn-100"


@dataclass(frozen=True)
class Line:
    """One course result, in its institution's terms and converted for the partner's."""

    institution: str  # institution code
    course_code: str
    titles: Names
    attempt: str  # first / resit / retake
    status: str  # passed / compensated / recognised / failed / in_progress
    credits: Decimal  # native: earned when counted, the course's credits otherwise
    credit_system: str
    converted_credits: Decimal | None
    converted_system: str
    credit_steps: tuple[Step, ...]
    grade: str | None  # as recorded, on ``scale``
    scale: str
    converted_grade: str | None
    converted_scale: str
    grade_steps: tuple[Step, ...]
    grade_method: str | None  # the conversion method's name (a key), None for identity
    isced: str | None = None
    languages: tuple[str, ...] = ()
    hours: Decimal | None = None  # contact + self-study hours, when the catalog has them
    contact_hours: Decimal | None = None  # hours of classes (ELMO's engagementHours)

    @property
    def counted(self) -> bool:
        return self.status in COUNTED

    def credits_in(self, system: str) -> Decimal | None:
        if system == self.credit_system:
            return self.credits
        return self.converted_credits if system == self.converted_system else None

    def grade_on(self, scale: str) -> str | None:
        if scale == self.scale:
            return self.grade
        return self.converted_grade if scale == self.converted_scale else None


@dataclass(frozen=True)
class Term:
    """A semester of one institution, with its results and totals in both credit systems."""

    institution: str
    code: str
    academic_year: str  # "2025-2026"
    names: Names
    starts_on: date
    ends_on: date
    lines: tuple[Line, ...]
    totals: Mapping[str, Decimal]  # credit system → credits earned this term


@dataclass(frozen=True)
class YearTotal:
    academic_year: str
    totals: Mapping[str, Decimal]  # credit system → credits earned that year (both campuses)


@dataclass(frozen=True)
class Degree:
    """One of the two degrees: its title (whose French "mention" is a field of study), its audit
    status, its average and honours — the honours are a different "mention" and are kept apart."""

    institution: InstitutionPart
    programme_code: str
    titles: Names  # e.g. "Master mention Informatique" — the field, not honours
    level: str  # bachelor / master / doctorate
    audit_status: str  # satisfied / not_yet / impossible / waived
    credits_completed: Decimal  # in the institution's system, as the audit counts them
    credits_required: Decimal
    average: Decimal | None  # on the institution's own scale, as the audit computes it
    honours: str | None  # "passable" … "très bien" (French degrees only; see ``honours``)
    documents: tuple[str, ...]  # what the graduate receives: 毕业证书 and 学位证书, or a diplôme


@dataclass(frozen=True)
class ScaleBand:
    code: str
    labels: Names
    low: Decimal | None
    high: Decimal | None
    passing: bool


@dataclass(frozen=True)
class ScaleLegend:
    """A grading scale explained, as the Diploma Supplement does, with its ECTS grading table
    (how often each passing grade was given in a named reference group) when the service has
    enough results to compute one."""

    code: str
    names: Names
    kind: str  # numeric / bands
    minimum: Decimal | None
    maximum: Decimal | None
    pass_mark: Decimal | None
    bands: tuple[ScaleBand, ...]
    distribution: tuple[tuple[str, int], ...] = ()  # grade → passing results, best first
    group: str | None = None  # who the distribution counts


@dataclass(frozen=True)
class Student:
    family_name: str
    given_names: str
    name_han: str | None
    birth_date: date | None
    nationality: str | None
    numbers: Mapping[str, str]  # institution code → student number there


@dataclass(frozen=True)
class Transcript:
    """Everything the double-degree transcript states."""

    issued_on: date
    student: Student
    partnership_code: str
    partnership_names: Names
    institutions: tuple[InstitutionPart, ...]  # the two partners, the French one first
    degrees: tuple[Degree, ...]
    terms: tuple[Term, ...]  # in calendar order, both campuses
    years: tuple[YearTotal, ...]
    averages: Mapping[str, Decimal | None]  # scale → credit-weighted average of every counted
    scales: tuple[ScaleLegend, ...]
    diploma_serial: str | None = None
    verification_code: str | None = None
    number: str = field(default="")

    def __post_init__(self) -> None:
        if not self.number:
            object.__setattr__(self, "number", document_number(self))

    def lines(self, institution: str | None = None) -> list[Line]:
        return [line for term in self.terms for line in term.lines
                if institution is None or line.institution == institution]

    def terms_of(self, institution: str) -> list[Term]:
        return [term for term in self.terms if term.institution == institution]

    def institution(self, code: str) -> InstitutionPart:
        return next(i for i in self.institutions if i.code == code)

    def degree_of(self, code: str) -> Degree | None:
        return next((d for d in self.degrees if d.institution.code == code), None)

    def text(self) -> str:
        """Every name and title the documents will print (checked against the fonts first)."""
        parts = [self.student.family_name, self.student.given_names,
                 self.student.name_han or "", *self.partnership_names.as_dict().values()]
        for institution in self.institutions:
            parts.extend(institution.names.as_dict().values())
        for degree in self.degrees:
            parts.extend(degree.titles.as_dict().values())
            parts.extend(degree.documents)
        for term in self.terms:
            parts.extend(term.names.as_dict().values())
            for line in term.lines:
                parts.extend((line.course_code, *line.titles.as_dict().values(),
                              line.grade or "", line.converted_grade or ""))
        for scale in self.scales:
            parts.extend(scale.names.as_dict().values())
            for band in scale.bands:
                parts.extend(band.labels.as_dict().values())
        return "\n".join(parts)


# -- arithmetic -----------------------------------------------------------------------------------

def credit_totals(lines: Iterable[Line], systems: Sequence[str]) -> dict[str, Decimal]:
    """Credits earned, per credit system: native where the line is native, converted otherwise."""
    totals = {system: Decimal(0) for system in systems}
    for line in lines:
        if not line.counted:
            continue
        for system in systems:
            amount = line.credits_in(system)
            if amount is not None:
                totals[system] += amount
    return totals


def weighted_average(lines: Iterable[Line], scale: str, system: str,
                     places: Decimal = Decimal("0.01")) -> Decimal | None:
    """Average of counted numeric grades on ``scale``, weighted by credits in ``system`` — the
    French moyenne (coefficient = ECTS) and the Chinese 加权平均成绩 (weight = 学分) alike.

    Recognised results without a grade, and band grades, take no part (they have no number)."""
    total = weight = Decimal(0)
    for line in lines:
        grade, credits = line.grade_on(scale), line.credits_in(system)
        if not line.counted or grade is None or credits is None or credits <= 0:
            continue
        try:
            value = Decimal(grade)
        except ArithmeticError:
            continue
        if not value.is_finite():
            continue
        total += value * credits
        weight += credits
    if weight == 0:
        return None
    return (total / weight).quantize(places, rounding=ROUND_HALF_UP)


# -- identity -------------------------------------------------------------------------------------

def to_data(transcript: Transcript) -> dict[str, Any]:
    """The transcript as JSON-safe data (numbers as strings): the JSON export and the input of
    the document number."""
    return _plain({
        "number": transcript.number, "issued_on": transcript.issued_on,
        "student": transcript.student, "partnership": {
            "code": transcript.partnership_code, "names": transcript.partnership_names},
        "institutions": transcript.institutions, "degrees": transcript.degrees,
        "terms": transcript.terms, "years": transcript.years,
        "averages": transcript.averages, "scales": transcript.scales,
        "diploma": {"serial": transcript.diploma_serial,
                    "verification_code": transcript.verification_code},
    })


def document_number(transcript: Transcript) -> str:
    """The same content gives the same number; any change (a corrected grade) gives another,
    so two printed transcripts with one number say the same thing."""
    data = to_data(transcript)
    data.pop("number", None)
    data.pop("issued_on", None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()[:10].upper()
    return f"RN-{transcript.partnership_code[:12].rstrip('-')}-{digest}"


def _plain(value: Any) -> Any:
    if value is None or type(value) in (str, int, bool):  # most of the leaves, first
        return value
    if isinstance(value, Names):
        return value.as_dict()
    if isinstance(value, Step):
        return {"key": value.key, "params": dict(value.params)}
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
