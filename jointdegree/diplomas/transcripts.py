"""Assemble a student's double-degree transcript from the service's records.

Every number on the transcript comes from the one place that computes it: credits through the
partnership's credit rule (:meth:`Shared.credits_in`), grades through its grade rule
(:class:`GradeConverter`), degree status and averages from the audit. The result is a pure
:class:`~jointdegree.diplomas.transcript.Transcript` that every rendering lays out.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from jointdegree.catalog.models import Course, Institution
from jointdegree.db import session
from jointdegree.diplomas import transcript as model
from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus
from jointdegree.errors import ValidationFailed
from jointdegree.matching.grades import Scale
from jointdegree.matching.grading import reference_table
from jointdegree.planning import auditing
from jointdegree.planning.models import Result, Student

_ATTEMPT_ORDER = {"first": 0, "resit": 1, "retake": 2}


def _institution(institution: Institution) -> model.InstitutionPart:
    return model.InstitutionPart(institution.code, institution.hei_id, institution.country,
                                 model.names_of(institution), institution.credit_system.value,
                                 institution.grading_scale)


def _results(student: Student) -> list[Result]:
    """The student's results with their term, course and institution in one joined query (the
    courses' long texts left out), and the courses' languages in a second."""
    course = joinedload(Result.course)
    return list(session.scalars(
        select(Result).where(Result.student_id == student.id).options(
            joinedload(Result.term), course.joinedload(Course.institution),
            course.selectinload(Course.language_rows),
            *(course.defer(getattr(Course, f"{text}_{lang}"))
              for text in ("description", "outcomes") for lang in ("fr", "zh", "en"))))
        .unique())


def _line(result: Result, shared: auditing.Shared, partner: Institution) -> model.Line:
    course = result.course
    home = course.institution
    counted = result.status.value in model.COUNTED
    credits = result.credits_earned if counted else course.credits
    try:
        conversion = shared.credits_in(course, credits, partner.credit_system.value)
    except ValueError:
        conversion = None  # the rule credits no such course on the other side (a thesis)
    converted_grade, grade_steps, method = None, (), None
    if result.grade is not None:
        try:
            converted = shared.grades.convert(result.scale, partner.grading_scale, result.grade)
        except ValidationFailed:
            pass  # no rule for this pair: the transcript prints the native grade only
        else:
            converted_grade = format(converted.value, "f") if isinstance(
                converted.value, Decimal) else converted.value
            grade_steps, method = converted.steps, converted.method.value
    hours = None
    if course.contact_hours is not None or course.self_study_hours is not None:
        hours = (course.contact_hours or Decimal(0)) + (course.self_study_hours or Decimal(0))
    return model.Line(
        institution=home.code, course_code=course.code, titles=model.names_of(course, "title"),
        attempt=result.attempt.value, status=result.status.value, credits=credits,
        credit_system=home.credit_system.value,
        converted_credits=conversion.amount if conversion is not None else None,
        converted_system=partner.credit_system.value,
        credit_steps=tuple(conversion.steps) if conversion is not None else (),
        grade=result.grade, scale=result.scale, converted_grade=converted_grade,
        converted_scale=partner.grading_scale, grade_steps=tuple(grade_steps),
        grade_method=method, isced=course.isced, languages=tuple(course.languages), hours=hours,
        contact_hours=course.contact_hours)


def _legend(scale: Scale, table: Any) -> model.ScaleLegend:
    bands = tuple(model.ScaleBand(b.code, model.Names(b.labels.get("fr"), b.labels.get("zh"),
                                                      b.labels.get("en")),
                                  b.low, b.high, b.passing) for b in scale.bands)
    distribution: tuple[tuple[str, int], ...] = ()
    if table is not None and table.size:
        distribution = tuple((format(row.grade, "f") if isinstance(row.grade, Decimal)
                              else row.grade, row.count) for row in table.rows())
    return model.ScaleLegend(
        scale.code, model.Names(scale.names.get("fr"), scale.names.get("zh"),
                                scale.names.get("en")),
        scale.kind.value, scale.minimum, scale.maximum, scale.pass_mark, bands, distribution,
        table.group if table is not None and table.size else None)


def assemble(student: Student, today: date | None = None) -> model.Transcript:
    """The transcript of ``student`` as of ``today``: every attempt, in calendar order."""
    partnership = student.partnership
    shared = auditing.Shared.load(partnership)
    results = _results(student)
    report = auditing.audit_student(student, shared=shared, results=results)
    institutions = sorted((p.institution for p in partnership.programmes),
                          key=lambda i: (i.country != "FR", i.code))
    by_id = {i.id: i for i in institutions}
    systems = [i.credit_system.value for i in institutions]

    grouped: dict[int, list[Result]] = defaultdict(list)
    for result in results:
        grouped[result.term_id].append(result)
    terms = []
    for results in sorted(grouped.values(), key=lambda rs: (rs[0].term.starts_on,
                                                             rs[0].term.code)):
        term = results[0].term
        partner = next(i for i in institutions if i.id != term.institution_id)
        lines = tuple(_line(r, shared, partner) for r in sorted(
            results, key=lambda r: (r.course.code, _ATTEMPT_ORDER.get(r.attempt.value, 9))))
        terms.append(model.Term(by_id[term.institution_id].code if term.institution_id in by_id
                                else term.institution.code, term.code, term.academic_year,
                                model.names_of(term), term.starts_on, term.ends_on, lines,
                                model.credit_totals(lines, systems)))
    years: dict[str, list[model.Line]] = defaultdict(list)
    for term in terms:
        years[term.academic_year].extend(term.lines)
    all_lines = [line for term in terms for line in term.lines]

    degrees = []
    for degree in report.degrees:
        institution = degree.institution
        average = degree.audit.average
        degrees.append(model.Degree(
            institution=_institution(institution), programme_code=degree.programme.code,
            titles=model.names_of(degree.programme), level=degree.programme.level.value,
            audit_status=degree.audit.status.value,
            credits_completed=degree.audit.totals.completed,
            credits_required=degree.programme.required_credits, average=average,
            honours=model.honours(average, institution.grading_scale),
            documents=documents_of(institution, degree.programme.level.value)))

    scales = []
    for institution in institutions:
        scale = shared.grades.scale(institution.grading_scale)
        scales.append(_legend(scale, _grading_table(partnership, scale, today)))
    issued = session.scalar(select(DiplomaRecord).where(
        DiplomaRecord.student_id == student.id, DiplomaRecord.status == DiplomaStatus.ISSUED))
    return model.Transcript(
        issued_on=today or datetime.now(UTC).date(),
        student=model.Student(student.family_name, student.given_names, student.name_han,
                              student.birth_date, student.nationality,
                              {n.institution.code: n.number for n in student.numbers}),
        partnership_code=partnership.code, partnership_names=model.names_of(partnership),
        institutions=tuple(_institution(i) for i in institutions),
        degrees=tuple(sorted(degrees, key=lambda d: [i.code for i in institutions].index(
            d.institution.code))),
        terms=tuple(terms),
        years=tuple(model.YearTotal(year, model.credit_totals(lines, systems))
                    for year, lines in years.items()),
        averages={i.grading_scale: model.weighted_average(all_lines, i.grading_scale,
                                                          i.credit_system.value)
                  for i in institutions},
        scales=tuple(scales),
        diploma_serial=issued.serial if issued is not None else None,
        verification_code=issued.verification_code if issued is not None else None)


# The legend's ECTS grading tables count three academic years of results: two heavy queries
# (0.1–0.2 s each at 600,000 results) whose answer moves slowly. A transcript shows them as of
# the last quarter of an hour; conversions by the grading-table method do not use this cache.
TABLE_SECONDS = 900
_TABLES: dict[tuple[str, int, str, date | None], tuple[float, Any]] = {}


def _grading_table(partnership: Any, scale: Scale, today: date | None) -> Any:
    key = (str(session.get_bind().engine.url), partnership.id, scale.code, today)
    now = time.monotonic()
    hit = _TABLES.get(key)
    if hit is not None and now - hit[0] < TABLE_SECONDS:
        return hit[1]
    if len(_TABLES) > 256:
        _TABLES.clear()
    table = reference_table(partnership, scale, today)
    _TABLES[key] = (now, table)
    return table


def documents_of(institution: Institution, level: str) -> tuple[str, ...]:
    """What a graduate receives from ``institution``: a Chinese graduate gets two documents
    (the graduation certificate and the degree certificate); a French one, the diploma."""
    if institution.country == "CN":
        return ("毕业证书", "学位证书")
    return (f"diplôme national de {FRENCH_DIPLOMAS.get(level, level)}",)


FRENCH_DIPLOMAS = {"bachelor": "licence", "master": "master", "doctorate": "doctorat"}
