"""The dual degree audit of one student: load everything once, express the student's courses in
each degree's own terms, run the pure engine (``audit.py``) for both degrees.

Per degree, a course taken at the partner counts in one of two ways:

* through an approved equivalence whose partner side the student has complete (passed or
  planned): it stands for the degree's own course(s), with the credits the partners agreed on
  (the home course's) and the grades converted by the partnership's grade rule;
* otherwise on its own, with credits converted by the partnership's credit rule.

Nothing here writes to the database; what-if changes only alter the items handed to the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.catalog.models import (
    AcademicTerm,
    Course,
    CourseStatus,
    Institution,
    Partnership,
    Programme,
)
from jointdegree.db import as_id, session
from jointdegree.errors import ValidationFailed
from jointdegree.i18n import content_language, localized
from jointdegree.matching import rules as credit_rules
from jointdegree.matching.credits import Conversion, RuleSet
from jointdegree.matching.credits import convert as convert_credits
from jointdegree.matching.grades import GradeConversion
from jointdegree.matching.grading import GradeConverter
from jointdegree.matching.models import Equivalence, EquivalenceStatus
from jointdegree.planning.audit import (
    AuditException,
    Certification,
    DegreeAudit,
    Item,
    Message,
    RuleResult,
    audit,
)
from jointdegree.planning.models import (
    Attempt,
    Result,
    ResultStatus,
    Student,
    StudentException,
    StudentNumber,
    StudyPlan,
)
from jointdegree.planning.requirements import Requirements

_STATE = {ResultStatus.PASSED: "passed", ResultStatus.COMPENSATED: "passed",
          ResultStatus.RECOGNISED: "recognised", ResultStatus.FAILED: "failed",
          ResultStatus.IN_PROGRESS: "in_progress"}
COUNTED = (ResultStatus.PASSED, ResultStatus.COMPENSATED, ResultStatus.RECOGNISED)
_STRENGTH = {"passed": 4, "recognised": 4, "in_progress": 2, "planned": 1, "failed": 0}
_ATTEMPTS = list(Attempt)


# -- what the student took or plans ---------------------------------------------------------------

@dataclass(frozen=True)
class Taken:
    """One course of the student's path: its best result, or planned in a semester."""

    course: Course
    term: AcademicTerm | None
    state: str  # passed / recognised / failed / in_progress / planned
    grade: str | None  # as recorded, on ``scale``
    scale: str
    credits: Decimal  # earned (counted results) or the course's own (others)
    result: Result | None = None
    jury_compensated: bool = False
    what_if: bool = False
    # Read from the ORM once per student (the two degrees' passes use them many times).
    course_id: int = 0
    institution_id: int = 0


@dataclass(frozen=True)
class WhatIf:
    add: tuple[tuple[int, int], ...] = ()  # (term id, course id)
    remove: tuple[int, ...] = ()  # course ids taken out of the plan

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def parse_what_if(add: str | None, remove: str | None) -> WhatIf:
    """``add=term:course,…`` and ``remove=course,…`` from a URL, refused when malformed."""
    pairs: list[tuple[int, int]] = []
    for part in (add or "").split(","):
        if not part.strip():
            continue
        term, _sep, course = part.strip().partition(":")
        term_id, course_id = as_id(term), as_id(course)  # not "²", nor past the key range
        if term_id is None or course_id is None:
            message = _l("Write added courses as term:course ids, e.g. 12:345.")
            raise ValidationFailed(message, fields={"add": message})
        pairs.append((term_id, course_id))
    removed: list[int] = []
    for part in (remove or "").split(","):
        if not part.strip():
            continue
        course_id = as_id(part)
        if course_id is None:
            message = _l("Write removed courses as course ids separated by commas.")
            raise ValidationFailed(message, fields={"remove": message})
        removed.append(course_id)
    return WhatIf(tuple(pairs[:40]), tuple(removed[:40]))


def _best(results: Sequence[Result]) -> dict[int, Result]:
    """Per course, the result that decides: a counted one, else the latest attempt."""
    best: dict[int, Result] = {}
    for result in results:
        kept = best.get(result.course_id)
        if kept is None or _rank(result) > _rank(kept):
            best[result.course_id] = result
    return best


def _rank(result: Result) -> tuple[int, str, int]:
    return (_STRENGTH[_STATE[result.status]], result.term.starts_on.isoformat(),
            _ATTEMPTS.index(result.attempt))


def path_of(results: Sequence[Result], plan: StudyPlan | None, what_if: WhatIf,
            extra: Mapping[int, tuple[AcademicTerm, Course]]) -> list[Taken]:
    """The student's courses: best results, then plan courses not taken yet, then what-if
    additions; what-if removals drop planned courses.

    A plan course counts as planned unless the course is passed or under way, or was failed in
    that semester or later (the semester happened). A course failed earlier and planned again
    is a retake: the planned attempt replaces the failed one."""
    best = _best(results)
    taken = {}
    for course_id, r in best.items():
        course = r.course
        taken[course_id] = Taken(course, r.term, _STATE[r.status], r.grade, r.scale,
                                 r.credits_earned if r.status in COUNTED else course.credits, r,
                                 r.status is ResultStatus.COMPENSATED, False, course_id,
                                 course.institution_id)
    removed = set(what_if.remove)
    for semester in plan.semesters if plan is not None else ():
        for course in semester.courses:
            known = taken.get(course.id)
            if course.id in removed or (known is not None and (
                    known.state != "failed" or (known.term is not None and
                                                known.term.starts_on >= semester.term.starts_on))):
                continue
            taken[course.id] = Taken(course, semester.term, "planned", None,
                                     course.institution.grading_scale, course.credits,
                                     course_id=course.id, institution_id=course.institution_id)
    for _term_id, course_id in what_if.add:
        known = taken.get(course_id)
        if course_id not in extra or (known is not None and known.state != "failed"):
            continue
        term, course = extra[course_id]
        taken[course_id] = Taken(course, term, "planned", None,
                                 course.institution.grading_scale, course.credits, what_if=True,
                                 course_id=course.id, institution_id=course.institution_id)
    return list(taken.values())


# -- the partnership's shared data, read once -----------------------------------------------------

@dataclass
class Shared:
    """What every audit of a partnership's students needs: requirements, equivalences, rules."""

    partnership: Partnership
    requirements: dict[int, Requirements]  # programme id → parsed requirements
    equivalences: list[Equivalence]
    credit_rules: RuleSet
    grades: GradeConverter
    _credits: dict[tuple[int, Decimal, str], Conversion] = field(default_factory=dict)
    _sides: dict[int, list[tuple[Equivalence, list[Course], list[Course]]]] = field(
        default_factory=dict)
    _facts: dict[int, tuple[str, int, str, str | None]] = field(default_factory=dict)
    _home_grades: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)

    def sides(self, home_id: int) -> list[tuple[Equivalence, list[Course], list[Course]]]:
        """Each approved equivalence split into the degree's own courses and the partner's
        (worked out once per degree, not once per student)."""
        found = self._sides.get(home_id)
        if found is None:
            found = self._sides[home_id] = [
                (e, [c for c in e.courses if c.institution_id == home_id],
                 [c for c in e.courses if c.institution_id != home_id])
                for e in self.equivalences]
        return found

    def facts(self, course: Course) -> tuple[str, int, str, str | None]:
        """(code, institution id, kind, ISCED) of a course, read from the ORM object once."""
        found = self._facts.get(course.id)
        if found is None:
            found = self._facts[course.id] = (course.code, course.institution_id,
                                              course.kind.value, course.isced)
        return found

    def home_grade(self, scale: str, grade: str) -> Decimal | None:
        """A grade recorded on the degree's own numeric scale, checked once per distinct value."""
        key = (scale, grade)
        if key not in self._home_grades:
            try:
                value = self.grades.scale(scale).check(Decimal(grade))
            except (ArithmeticError, ValueError):
                value = None
            self._home_grades[key] = _numeric(value)
        return self._home_grades[key]

    @classmethod
    def load(cls, partnership: Partnership) -> Shared:
        from jointdegree.planning.requirement_sets import requirements_of

        requirements = {p.id: requirements_of(p) for p in partnership.programmes}
        equivalences = list(session.scalars(
            select(Equivalence).where(Equivalence.partnership_id == partnership.id,
                                      Equivalence.status == EquivalenceStatus.APPROVED)
            .options(selectinload(Equivalence.courses).selectinload(Course.institution))
            .order_by(Equivalence.id)))
        return cls(partnership, requirements, equivalences,
                   credit_rules.rule_set(partnership), GradeConverter(partnership))

    def credits_in(self, course: Course, amount: Decimal, system: str) -> Conversion:
        key = (course.id, amount, system)
        done = self._credits.get(key)
        if done is None:
            done = convert_credits(amount, course.institution.credit_system.value, system,
                                   self.credit_rules, course.kind.value,
                                   contact_hours=course.contact_hours,
                                   total_hours=credit_rules.total_hours(course))
            self._credits[key] = done
        return done


# -- one degree -----------------------------------------------------------------------------------

@dataclass
class ItemView:
    """What the page shows for one engine item: the course(s) behind it and the conversions."""

    key: str
    taken: tuple[Taken, ...]  # one course, or the partner side of an equivalence
    state: str
    credits: Decimal  # in the degree's system
    grade: Decimal | None  # on the degree's scale (numeric), for the average
    stands_for: tuple[Course, ...] = ()  # the degree's own courses, through an equivalence
    equivalence: Equivalence | None = None
    credit_conversion: Conversion | None = None
    grade_conversions: tuple[GradeConversion, ...] = ()
    grade_problem: str | None = None

    @property
    def codes(self) -> str:
        return " + ".join(t.course.code for t in self.taken)


@dataclass
class DegreeReport:
    programme: Programme
    institution: Institution
    requirements: Requirements
    audit: DegreeAudit
    items: dict[str, ItemView]
    exceptions: dict[int, StudentException]

    def rule_label(self, rule_id: str, locale: str | None = None) -> str:
        try:
            return self.requirements.rule(rule_id).label_text(locale or content_language())
        except KeyError:
            return rule_id



def _numeric(value: Any) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _degree_items(shared: Shared, programme: Programme, path: Sequence[Taken]
                  ) -> dict[str, ItemView]:
    home = programme.institution
    home_id = home.id
    system, scale = home.credit_system.value, home.grading_scale
    views: dict[str, ItemView] = {}
    used: set[int] = set()
    present = {t.course_id: t for t in path if t.state != "failed"}
    for equivalence, ours, theirs in shared.sides(home_id):
        if not ours or not theirs or not all(c.id in present for c in theirs):
            continue
        sides = tuple(present[c.id] for c in theirs)
        year = max(int(t.term.academic_year[:4]) for t in sides if t.term is not None) \
            if any(t.term for t in sides) else equivalence.first_year
        if year < equivalence.first_year or (equivalence.last_year is not None
                                             and year > equivalence.last_year):
            continue
        if any(t.course_id in used for t in sides):
            continue  # a partner course stands for one set of the degree's courses only
        used.update(t.course_id for t in sides)
        state = min((t.state for t in sides), key=_STRENGTH.__getitem__)
        conversions, problem = _grades(shared, sides, scale)
        grade = _weighted([(c.value, t.credits) for c, t in conversions])
        for course in ours:
            key = f"eq{equivalence.id}:{course.id}"
            views[key] = ItemView(key, sides, state, course.credits, grade if not problem
                                  else None, (course,), equivalence,
                                  grade_conversions=tuple(c for c, _t in conversions),
                                  grade_problem=problem)
    for taken in path:
        if taken.course_id in used:
            continue
        key = str(taken.course_id)
        if taken.institution_id == home_id:
            grade = _grade_here(shared, taken, scale)
            views[key] = ItemView(key, (taken,), taken.state, taken.credits, grade)
            continue
        try:
            conversion = shared.credits_in(taken.course, taken.credits, system)
        except ValueError:
            continue  # a rule the partnership marked "not credited" for this kind
        if not conversion.amount and taken.state != "failed":
            continue
        conversions, problem = _grades(shared, (taken,), scale)
        views[key] = ItemView(key, (taken,), taken.state, conversion.amount,
                              _numeric(conversions[0][0].value) if conversions else None,
                              credit_conversion=conversion,
                              grade_conversions=tuple(c for c, _t in conversions),
                              grade_problem=problem)
    return views


def _grade_here(shared: Shared, taken: Taken, scale: str) -> Decimal | None:
    if taken.grade is None:
        return None
    if taken.scale == scale:
        return shared.home_grade(scale, taken.grade)
    conversions, _problem = _grades(shared, (taken,), scale)
    return _numeric(conversions[0][0].value) if conversions else None


def _grades(shared: Shared, taken: Iterable[Taken], scale: str
            ) -> tuple[list[tuple[GradeConversion, Taken]], str | None]:
    """Each graded course's grade on ``scale`` (the partnership's rule), or the problem."""
    conversions = []
    for t in taken:
        if t.grade is None:
            continue
        try:
            conversions.append((shared.grades.convert(t.scale, scale, t.grade), t))
        except ValidationFailed as exc:
            return [], str(exc.message)
    return conversions, None


def _weighted(pairs: Sequence[tuple[Any, Decimal]]) -> Decimal | None:
    numeric = [(value, weight) for value, weight in pairs if isinstance(value, Decimal)]
    total = sum((w for _v, w in numeric), Decimal(0))
    if not numeric or not total:
        return None
    return (sum((v * w for v, w in numeric), Decimal(0)) / total).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


def _engine_items(shared: Shared, views: Mapping[str, ItemView], home: Institution
                  ) -> list[Item]:
    items = []
    home_id = home.id
    for view in views.values():
        code, institution_id, kind, isced = shared.facts(view.taken[0].course)
        if view.stands_for:
            _own_code, _id, kind, isced = shared.facts(view.stands_for[0])
            code = view.codes
        term = view.taken[-1].term
        items.append(Item(
            key=view.key, code=code, institution="home" if institution_id == home_id
            else "partner", kind=kind, isced=isced, credits=view.credits, grade=view.grade,
            state=view.state, term=term.code if term is not None else None,
            counts_for=frozenset(shared.facts(c)[0] for c in view.stands_for)))
    return items


def _engine_exceptions(rows: Sequence[StudentException], programme: Programme,
                       views: Mapping[str, ItemView]) -> list[AuditException]:
    """Exceptions name courses; the engine names items: a course maps to the item it is in."""
    by_course: dict[int, str] = {}
    for view in views.values():
        for taken in view.taken:
            by_course.setdefault(taken.course_id, view.key)
    found = []
    for row in rows:
        if row.programme_id != programme.id or row.withdrawn_at is not None:
            continue
        item_key = by_course.get(row.course_id) if row.course_id is not None else None
        if row.course_id is not None and item_key is None:
            item_key = f"course:{row.course_id}"  # not taken: the engine says it was not used
        found.append(AuditException(row.id, row.kind.value, row.rule_id, item_key,
                                    row.replaces.code if row.replaces is not None else None))
    return found


def audit_degree(shared: Shared, programme: Programme, path: Sequence[Taken],
                 student: Student, exceptions: Sequence[StudentException]) -> DegreeReport:
    views = _degree_items(shared, programme, path)
    requirements = shared.requirements[programme.id]
    result = audit(requirements, _engine_items(shared, views, programme.institution),
                   certifications=[Certification(c.exam, c.level, c.taken_on)
                                   for c in student.certifications],
                   exceptions=_engine_exceptions(exceptions, programme, views))
    return DegreeReport(programme, programme.institution, requirements, result, views,
                        {row.id: row for row in exceptions})


# -- the student ----------------------------------------------------------------------------------

@dataclass
class StudentAudit:
    student: Student
    plan: StudyPlan | None
    what_if: WhatIf
    path: list[Taken]
    degrees: list[DegreeReport]
    shared: Shared  # the partnership's data it was audited with (the credit chart reuses it)


def _results(student: Student) -> list[Result]:
    return list(session.scalars(select(Result).where(Result.student_id == student.id).options(
        selectinload(Result.course).selectinload(Course.institution),
        selectinload(Result.term))))


def default_plan(student: Student) -> StudyPlan | None:
    """The plan an audit uses when none is named: the latest approved, else the latest."""
    plans = list(session.scalars(select(StudyPlan).where(StudyPlan.student_id == student.id)
                                 .order_by(StudyPlan.updated_at.desc(), StudyPlan.id.desc())))
    approved = [p for p in plans if p.approved_revision is not None]
    chosen = (approved or plans or [None])[0]
    if chosen is None:
        return None
    from jointdegree.planning.plans import get_plan

    return get_plan(chosen.id)


def _what_if_courses(what_if: WhatIf) -> dict[int, tuple[AcademicTerm, Course]]:
    """Added courses, checked: offered in that term, at one of the partners."""
    if not what_if.add:
        return {}
    courses = {c.id: c for c in session.scalars(select(Course).where(
        Course.id.in_([c for _t, c in what_if.add])).options(selectinload(Course.terms),
                                                             selectinload(Course.institution)))}
    found: dict[int, tuple[AcademicTerm, Course]] = {}
    for term_id, course_id in what_if.add:
        course = courses.get(course_id)
        term = next((t for t in course.terms if t.id == term_id), None) if course else None
        if course is None or term is None:
            message = _l("%(course)s is not offered in that term.",
                         course=course.code if course is not None else course_id)
            raise ValidationFailed(message, fields={"add": message})
        found[course_id] = (term, course)
    return found


def audit_student(student: Student, plan: StudyPlan | None = None,
                  what_if: WhatIf | None = None, shared: Shared | None = None,
                  results: list[Result] | None = None) -> StudentAudit:
    """Both degrees, side by side. A constant number of queries, whatever the student's size.

    ``results``: the student's results with their course, its institution and the term loaded,
    when the caller has them already (the transcript lists them too).
    """
    from jointdegree.planning.exceptions import exceptions_of

    what_if = what_if or WhatIf()
    extra = _what_if_courses(what_if)
    for _term, course in extra.values():
        if course.institution_id not in student.partnership.institution_ids():
            message = _l("Only courses of the two partners can be added.")
            raise ValidationFailed(message, fields={"add": message})
    shared = shared or Shared.load(student.partnership)
    path = path_of(_results(student) if results is None else results, plan, what_if, extra)
    exceptions = exceptions_of(student)
    degrees = [audit_degree(shared, programme, path, student, exceptions)
               for programme in student.partnership.programmes]
    return StudentAudit(student, plan, what_if, path, degrees, shared)


def find_student(text: str) -> Student | None:
    """A student by id or by their number at either institution (the CLI's argument)."""
    number = session.scalar(select(StudentNumber.student_id).where(
        StudentNumber.number == text.strip()))
    if number is not None:
        return session.get(Student, number)
    student_id = as_id(text)
    return session.get(Student, student_id) if student_id is not None else None


# -- what the plan and audit pages show beside the audit -----------------------------------------

def counts_toward(report: StudentAudit, total_only: str) -> dict[int, list[tuple[str, str]]]:
    """Course id → [(degree institution code, requirement label)] for the plan page."""
    found: dict[int, list[tuple[str, str]]] = {}
    for degree in report.degrees:
        for key, rule_id in degree.audit.assignment.items():
            view = degree.items.get(key)
            if view is None:
                continue
            text = degree.rule_label(rule_id) if rule_id else total_only
            for taken in view.taken:
                found.setdefault(taken.course.id, []).append((degree.institution.code, text))
    return found


def what_if_choices(report: StudentAudit) -> list[tuple[str, str]]:
    """Courses a what-if may add: active courses offered in the plan's terms, not yet taken."""
    if report.plan is None:
        return []
    taken = {t.course.id for t in report.path}
    terms = {s.term_id: s.term for s in report.plan.semesters}
    rows = session.scalars(select(Course).join(Course.terms).where(
        AcademicTerm.id.in_(terms), Course.status == CourseStatus.ACTIVE).options(
        selectinload(Course.terms)).order_by(Course.code)).unique()
    choices = []
    for course in rows:
        if course.id in taken:
            continue
        for term in course.terms:
            if term.id in terms:
                choices.append((f"{term.id}:{course.id}", f"{term.code} · {course.code} — "
                                f"{localized(course, 'title')}"))
    return choices


# -- wording --------------------------------------------------------------------------------------

def message_text(message: Message, report: DegreeReport) -> str:
    """A message of the engine in the reader's language, rule ids shown as their labels."""
    from jointdegree.labels import AUDIT_MESSAGE_TEXT, audit_count_text

    try:
        counted = audit_count_text(message.key, dict(message.params))
    except (KeyError, TypeError, ValueError):
        counted = None
    if counted is not None:
        return counted
    params = dict(message.params)
    for name in ("rule", "rules", "alternatives"):
        if name in params:
            ids = params[name] if isinstance(params[name], list | tuple) else [params[name]]
            params[name] = ", ".join(report.rule_label(str(i)) for i in ids)
    if "item" in params and str(params["item"]) in report.items:
        params["item"] = report.items[str(params["item"])].codes
    for name, value in params.items():
        if isinstance(value, list | tuple):
            params[name] = ", ".join(
                " + ".join(v) if isinstance(v, list | tuple) else str(v) for v in value)
    key = message.key
    if key == "course_missing" and not params.get("options"):
        key = "course_missing_here"  # no equivalent at the partner: do not print an empty list
    template = AUDIT_MESSAGE_TEXT.get(key)
    try:
        return str(template) % params if template is not None else message.english()
    except (KeyError, TypeError, ValueError):
        return message.english()


def flatten(rules: Iterable[RuleResult], depth: int = 0) -> list[tuple[int, RuleResult]]:
    """Rules in document order with their depth, for the page and the CLI."""
    rows = []
    for rule in rules:
        rows.append((depth, rule))
        rows += flatten(rule.children, depth + 1)
    return rows


def text_lines(report: StudentAudit) -> list[str]:
    """The CLI's plain-text audit (English unless the app runs in another locale)."""
    lines = [f"{report.student.display_name} — {report.student.partnership.code}"
             + (f" — plan {report.plan.id} “{report.plan.name}” rev. {report.plan.revision}"
                if report.plan is not None else " — results only")]
    for degree in report.degrees:
        totals = degree.audit.totals
        lines.append("")
        lines.append(f"{degree.institution.code} {degree.programme.code}: "
                     f"{degree.audit.status.value} — {totals.completed} credits earned, "
                     f"{totals.expected} with the plan")
        for depth, rule in flatten(degree.audit.rules):
            figures = "" if rule.required is None else \
                f" {rule.counted}/{rule.required} (plan {rule.expected})"
            lines.append(f"{'  ' * (depth + 1)}[{rule.status.value}] "
                         f"{degree.rule_label(rule.id)}{figures}")
            for message in rule.missing:
                lines.append(f"{'  ' * (depth + 2)}- {message_text(message, degree)}")
    return lines


def to_api(report: StudentAudit) -> Any:
    from jointdegree.api.planning_schemas import AuditOut, DegreeAuditOut
    from jointdegree.matching.explain import explain

    degrees = []
    for degree in report.degrees:
        data = degree.audit.to_dict()
        _add_texts(data, degree)
        data["items"] = {key: {
            "courses": [{"id": t.course.id, "code": t.course.code,
                         "institution": t.course.institution.code,
                         "term": t.term.code if t.term else None, "state": t.state,
                         "grade": t.grade, "scale": t.scale} for t in view.taken],
            "stands_for": [c.code for c in view.stands_for],
            "equivalence": view.equivalence.id if view.equivalence else None,
            "credits": str(view.credits),
            "grade": None if view.grade is None else str(view.grade),
            "credit_conversion": explain(view.credit_conversion)
            if view.credit_conversion else None,
            "grade_conversions": [{"from": str(c.original), "from_scale": c.from_scale,
                                   "to": str(c.value), "to_scale": c.to_scale,
                                   "method": c.method.value, "explanation": explain(c)}
                                  for c in view.grade_conversions]}
            for key, view in degree.items.items()}
        degrees.append(DegreeAuditOut(
            programme=degree.programme.id, institution=degree.institution.code,
            credit_system=degree.institution.credit_system.value,
            scale=degree.institution.grading_scale, audit=data))
    return AuditOut(student=report.student.id,
                    plan=report.plan.id if report.plan is not None else None,
                    what_if=bool(report.what_if), degrees=degrees)


def _add_texts(data: Any, degree: DegreeReport) -> None:
    """Beside every {key, params} message of the engine's JSON, its text in the request's
    language; beside every rule, its label."""
    if isinstance(data, dict):
        if "key" in data and "params" in data and isinstance(data["params"], dict):
            data["text"] = message_text(Message(data["key"], data["params"]), degree)
        if "id" in data and "status" in data and "type" in data:
            data["label_text"] = degree.rule_label(str(data["id"]))
        for value in list(data.values()):
            _add_texts(value, degree)
    elif isinstance(data, list):
        for value in data:
            _add_texts(value, degree)



# -- many students (reports, the benchmark) --------------------------------------------------------

@dataclass(frozen=True)
class Loaded:
    student: Student
    results: list[Result]
    exceptions: list[StudentException]


def load_batches(student_ids: Sequence[int], batch: int = 500) -> Iterable[list[Loaded]]:
    """Students with their results and exceptions, ``batch`` at a time: three queries per batch
    (courses and terms come once, through the session's identity map)."""
    for start in range(0, len(student_ids), batch):
        chunk = list(student_ids[start:start + batch])
        found = list(session.scalars(select(Student).where(Student.id.in_(chunk)).options(
            selectinload(Student.certifications)).order_by(Student.id)))
        by_student: dict[int, list[Result]] = {s.id: [] for s in found}
        for result in session.scalars(select(Result).where(Result.student_id.in_(chunk)).options(
                selectinload(Result.course).selectinload(Course.institution),
                selectinload(Result.term))):
            by_student[result.student_id].append(result)
        excepted: dict[int, list[StudentException]] = {s.id: [] for s in found}
        for row in session.scalars(select(StudentException).where(
                StudentException.student_id.in_(chunk),
                StudentException.withdrawn_at.is_(None)).options(
                selectinload(StudentException.replaces))):
            excepted[row.student_id].append(row)
        yield [Loaded(s, by_student[s.id], excepted[s.id]) for s in found]


def audit_many(partnership: Partnership, student_ids: Sequence[int], batch: int = 500
               ) -> Iterable[StudentAudit]:
    """Results-only audits of many students of one partnership (shared data read once)."""
    shared = Shared.load(partnership)
    for loaded in load_batches(student_ids, batch):
        for item in loaded:
            path = path_of(item.results, None, WhatIf(), {})
            degrees = [audit_degree(shared, programme, path, item.student, item.exceptions)
                       for programme in partnership.programmes]
            yield StudentAudit(item.student, None, WhatIf(), path, degrees, shared)
