"""Courses, equivalences and credit conversions over the API (same services as the pages)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jointdegree.api.pagination import ListQuery, Page, paginate
from jointdegree.api.registry import endpoint, if_match_version
from jointdegree.api.schemas import (
    BandOut,
    ConversionIn,
    ConversionOut,
    CourseIn,
    CourseOut,
    CoursePatch,
    CourseQuery,
    EquivalenceIn,
    EquivalenceOut,
    EquivalenceQuery,
    EquivalenceSideOut,
    GradeConversionIn,
    GradeConversionOut,
    Names,
    RejectIn,
    ScaleOut,
    StepOut,
)
from jointdegree.auth.models import User
from jointdegree.catalog import courses as course_service
from jointdegree.catalog.models import Course, Partnership
from jointdegree.db import session
from jointdegree.errors import ValidationFailed
from jointdegree.i18n import content_language
from jointdegree.matching import equivalences as equivalence_service
from jointdegree.matching import grading
from jointdegree.matching import rules as rule_service
from jointdegree.matching.credits import Step
from jointdegree.matching.explain import explain
from jointdegree.matching.models import Decision, Equivalence

READ_ERRORS = (401, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 428)


def _names(course: Course, field: str) -> Names:
    return Names(fr=getattr(course, f"{field}_fr"), zh=getattr(course, f"{field}_zh"),
                 en=getattr(course, f"{field}_en"))


def course_out(course: Course) -> CourseOut:
    return CourseOut(
        id=course.id, institution=course.institution.code, code=course.code,
        titles=_names(course, "title"), descriptions=_names(course, "description"),
        outcomes=_names(course, "outcomes"), credits=course.credits,
        credit_system=course.institution.credit_system.value,
        contact_hours=course.contact_hours, self_study_hours=course.self_study_hours,
        level=course.national_level, cycle=course.cycle.value, isced=course.isced,
        languages=sorted(course.languages), terms=sorted(t.code for t in course.terms),
        delivery=course.delivery.value, kind=course.kind.value,
        prerequisites=sorted(p.code for p in course.prerequisites),
        status=course.status.value, version=course.version)


def _row(body: Any, partial: bool) -> dict[str, Any]:
    """A JSON body → the catalog file's row form (what the course service validates)."""
    sent = body.model_dump(exclude_unset=partial)
    row: dict[str, Any] = {}
    for field, prefix in (("titles", "title"), ("descriptions", "description"),
                          ("outcomes", "outcomes")):
        if field in sent and sent[field] is not None:
            for lang, text in sent[field].items():
                row[f"{prefix}_{lang}"] = text or ""
    for name in ("code", "credits", "contact_hours", "self_study_hours", "level", "isced",
                 "delivery", "kind", "status"):
        if name in sent:
            row[name] = "" if sent[name] is None else str(sent[name])
    for name in ("languages", "terms", "prerequisites"):
        if name in sent and sent[name] is not None:
            row[name] = ";".join(sent[name])
    return row


@endpoint("GET", "/courses", summary="Search both catalogs", tag="courses", query=CourseQuery,
          response=Page[CourseOut], errors=(400, 401))
def list_courses(user: User, query: CourseQuery) -> Any:
    """Text search in any language; filters combine. Sort by code, credits, institution."""
    filters = course_service.CourseFilters(
        q=query.q, institution=query.institution, cycle=query.level, isced=query.isced,
        credits_min=query.credits_min, credits_max=query.credits_max, language=query.language,
        term=query.term, delivery=query.delivery, status=query.status)
    statement = course_service.search_statement(filters).options(
        *course_service.LIST_OPTIONS, *course_service.DETAIL_OPTIONS)
    return paginate(statement, query, course_out, sortable=course_service.SORTABLE,
                    default_order=course_service.DEFAULT_ORDER)


@endpoint("GET", "/courses/<id:course_id>", summary="One course", tag="courses",
          response=CourseOut, errors=READ_ERRORS)
def get_course(user: User, course_id: int) -> CourseOut:
    return course_out(course_service.get_course(course_id))


@endpoint("POST", "/courses", summary="Add a course to a catalog", tag="courses",
          body=CourseIn, response=CourseOut, status=201, errors=WRITE_ERRORS)
def create_course(user: User, body: CourseIn) -> Any:
    """Registrars of the course's institution (and admins)."""
    from jointdegree.catalog.services import get_institution

    institution = get_institution(body.institution)
    course = course_service.create_course(institution, _row(body, partial=False), user)
    return course_out(course), {"Location": f"/api/v1/courses/{course.id}"}


@endpoint("PATCH", "/courses/<id:course_id>", summary="Change a course", tag="courses",
          body=CoursePatch, response=CourseOut, errors=WRITE_ERRORS, conditional=True)
def patch_course(user: User, course_id: int, body: CoursePatch) -> CourseOut:
    """Set "status": "retired" to retire it; courses are never deleted."""
    course = course_service.get_course(course_id)
    version = if_match_version()
    return course_out(course_service.update_course(course, _row(body, partial=True), user,
                                                   version))


# -- equivalences ---------------------------------------------------------------------------------

def equivalence_out(item: Equivalence, rules: dict[int, Any] | None = None) -> EquivalenceOut:
    """``rules``: a per-request cache of each partnership's rule set (lists stay one query)."""
    if rules is None:
        rules = {}
    if item.partnership_id not in rules:
        rules[item.partnership_id] = rule_service.rule_set(item.partnership)
    comparison = equivalence_service.compare(item, item.partnership,
                                             rules[item.partnership_id])
    return EquivalenceOut(
        id=item.id, partnership=item.partnership.code, status=item.status.value,
        first_year=item.first_year, last_year=item.last_year, note=item.note,
        sides=[EquivalenceSideOut(institution=side.institution.code,
                                  courses=[c.code for c in side.courses],
                                  credits=side.native_total, ects=side.ects_total)
               for side in comparison.sides],
        difference=(comparison.difference.quantize(Decimal("0.001"))
                    if comparison.difference is not None else None),
        warning=comparison.warning, review_needed=item.review_needed,
        approved_by=sorted({d.institution.code for d in item.decisions
                            if d.decision is Decision.APPROVE}),
        version=item.version)


def _partnership(code: str) -> Partnership:
    partnership = session.scalar(select(Partnership).where(Partnership.code == code.upper()))
    if partnership is None:
        message = _l("No partnership with code %(code)s.", code=code)
        raise ValidationFailed(message, fields={"partnership": message})
    return partnership


@endpoint("GET", "/equivalences", summary="List equivalences", tag="equivalences",
          query=EquivalenceQuery, response=Page[EquivalenceOut], errors=(400, 401))
def list_equivalences(user: User, query: EquivalenceQuery) -> Any:
    statement = select(Equivalence).options(*equivalence_service.LOAD)
    if query.partnership:
        statement = statement.where(Equivalence.partnership_id == _partnership(
            query.partnership).id)
    if query.status:
        statement = statement.where(Equivalence.status == query.status)
    if query.course:
        statement = statement.where(Equivalence.courses.any(Course.id == query.course))
    cache: dict[int, Any] = {}
    return paginate(statement, query, lambda item: equivalence_out(item, cache),
                    sortable={"id": Equivalence.id, "status": Equivalence.status,
                              "first_year": Equivalence.first_year},
                    default_order=(Equivalence.id,))


@endpoint("GET", "/equivalences/<id:equivalence_id>", summary="One equivalence",
          tag="equivalences", response=EquivalenceOut, errors=READ_ERRORS)
def get_equivalence(user: User, equivalence_id: int) -> EquivalenceOut:
    return equivalence_out(equivalence_service.get_equivalence(equivalence_id))


@endpoint("POST", "/equivalences", summary="Propose an equivalence", tag="equivalences",
          body=EquivalenceIn, response=EquivalenceOut, status=201, errors=WRITE_ERRORS)
def propose(user: User, body: EquivalenceIn) -> Any:
    """A registrar of either partner; their side counts as approving, the other is notified."""
    item = equivalence_service.propose(_partnership(body.partnership), body.courses,
                                       body.first_year, body.last_year, body.note, user)
    return equivalence_out(item), {"Location": f"/api/v1/equivalences/{item.id}"}


@endpoint("POST", "/equivalences/<id:equivalence_id>/approve",
          summary="Approve for the caller's institution", tag="equivalences",
          response=EquivalenceOut, errors=WRITE_ERRORS)
def approve(user: User, equivalence_id: int) -> EquivalenceOut:
    """Send If-Match to make sure you approve what you read (optional here)."""
    item = equivalence_service.get_equivalence(equivalence_id)
    return equivalence_out(equivalence_service.approve(item, user, _optional_version()))


@endpoint("POST", "/equivalences/<id:equivalence_id>/reject", summary="Reject, with a reason",
          tag="equivalences", body=RejectIn, response=EquivalenceOut, errors=WRITE_ERRORS)
def reject(user: User, equivalence_id: int, body: RejectIn) -> EquivalenceOut:
    item = equivalence_service.get_equivalence(equivalence_id)
    return equivalence_out(equivalence_service.reject(item, user, body.reason,
                                                      _optional_version()))


def _optional_version() -> int | None:
    from flask import request

    return if_match_version() if request.headers.get("If-Match") else None


# -- conversions ----------------------------------------------------------------------------------

def _steps(steps: tuple[Step, ...]) -> list[StepOut]:
    return [StepOut(key=step.key, params=dict(step.params)) for step in steps]


@endpoint("POST", "/conversions/credits", summary="Convert credits by a partnership's rule",
          tag="conversions", body=ConversionIn, response=ConversionOut, errors=(400, 401, 415))
def convert_credits(user: User, body: ConversionIn) -> ConversionOut:
    """Give `amount` (ratio rules) or hours (workload rules); the answer names the rule used."""
    partnership = _partnership(body.partnership)
    to_system = body.to_system or ("cn" if body.from_system == "ects" else "ects")
    result = rule_service.convert_amount(partnership, body.from_system, to_system, body.amount,
                                         body.kind, body.contact_hours, body.total_hours)
    rule = asdict(result.rule) if result.rule is not None else None
    if rule is not None:
        rule = {k: (str(v) if isinstance(v, Decimal) else getattr(v, "value", v))
                for k, v in rule.items()}
    return ConversionOut(amount=result.amount, exact=result.exact,
                         from_system=str(result.from_system), to_system=str(result.to_system),
                         method=str(result.method), kind=str(result.kind),
                         explanation=explain(result), steps=_steps(result.steps), rule=rule)


# -- grades ---------------------------------------------------------------------------------------

def _names_of(labels: Any) -> Names:
    return Names(fr=labels.get("fr"), zh=labels.get("zh"), en=labels.get("en"))


@endpoint("GET", "/scales", summary="Every grading scale", tag="grades", query=ListQuery,
          response=Page[ScaleOut], errors=(400, 401))
def list_scales(user: User, query: ListQuery) -> Any:
    """Shipped scales (fr-20, cn-100, cn-5, cn-gpa4, ects-letter) and registrar-defined ones."""
    from jointdegree.matching.grades import SHIPPED

    scales = list(grading.all_scales().values())
    items = [ScaleOut(code=s.code, names=_names_of(s.names), kind=s.kind.value,
                      minimum=s.minimum, maximum=s.maximum, pass_mark=s.pass_mark, step=s.step,
                      bands=[BandOut(code=b.code, labels=_names_of(b.labels), low=b.low,
                                     high=b.high, passing=b.passing, points=b.points)
                             for b in s.bands], builtin=s.code in SHIPPED)
             for s in scales]
    start = (query.page - 1) * query.per_page
    return {"items": [i.model_dump(mode="json") for i in items[start:start + query.per_page]],
            "total": len(items), "page": query.page, "per_page": query.per_page}


@endpoint("POST", "/conversions/grade", summary="Convert a grade by a partnership's rule",
          tag="conversions", body=GradeConversionIn, response=GradeConversionOut,
          errors=(400, 401, 404, 415))
def convert_grade(user: User, body: GradeConversionIn) -> GradeConversionOut:
    """The answer keeps the original grade and says which method and data were used."""

    partnership = _partnership(body.partnership)
    result = grading.convert_grade(partnership, body.from_scale, body.to_scale,
                                   str(body.grade))
    target = grading.get_scale(body.to_scale)
    lang = content_language()
    return GradeConversionOut(
        grade=str(result.original), from_scale=result.from_scale, to_scale=result.to_scale,
        value=str(result.value), label=target.label(result.value, lang),
        passing=target.is_pass(result.value), method=result.method.value,
        explanation=explain(result), steps=_steps(result.steps), data=dict(result.data))
