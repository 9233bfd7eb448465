"""Results: one by one, by course roster, or by file — the same checks everywhere.

A result is an institution's own record: only the registrar of the course's institution enters
or corrects it. The grade is kept exactly as written on the course's scale; conversions are
derived when shown (``matching/grading.py``), never stored in its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record, snapshot
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, is_admin, is_registrar_of, policy
from jointdegree.bulk import collector_paused
from jointdegree.catalog.models import AcademicTerm, Course, Institution
from jointdegree.catalog.records import RowError
from jointdegree.catalog.services import _Errors, check_version, commit_versioned
from jointdegree.catalog.transfer import FileProblem, Layout, read_rows
from jointdegree.db import session
from jointdegree.errors import NotFound
from jointdegree.matching.grades import GradeError, Scale
from jointdegree.matching.grading import all_scales
from jointdegree.planning.models import (
    Attempt,
    PlanCourse,
    PlanSemester,
    Result,
    ResultStatus,
    Student,
    StudentNumber,
    StudyPlan,
)
from jointdegree.teaching.models import TeachingAssignment

RESULT_FIELDS = ("course_id", "term_id", "attempt", "grade", "scale", "credits_earned", "status")
COLUMNS = ("student_number", "course", "term", "attempt", "grade", "status", "credits")
RESULTS_FILE = Layout(COLUMNS, frozenset({"student_number", "course", "term"}))
COUNTED = (ResultStatus.PASSED, ResultStatus.COMPENSATED, ResultStatus.RECOGNISED)


# -- permissions ----------------------------------------------------------------------------------

@policy("result.record")
def _result_record(user: User, course: Any) -> bool:
    """Only the registrar of the course's own institution enters or corrects its results."""
    return is_admin(user) or is_registrar_of(user, getattr(course, "institution_id", None))


@policy("roster.read")
def _roster_read(user: User, offering: Any) -> bool:
    """``offering``: (course, term). The course's registrar, or a professor who teaches it."""
    course, term = offering
    if is_admin(user) or is_registrar_of(user, course.institution_id):
        return True
    return user.role is Role.PROFESSOR and session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.course_id == course.id, TeachingAssignment.term_id == term.id,
        TeachingAssignment.professor_id == user.id)) is not None


# -- reading --------------------------------------------------------------------------------------

def results_of(student: Student) -> list[Result]:
    return list(session.scalars(
        select(Result).where(Result.student_id == student.id)
        .options(selectinload(Result.course).selectinload(Course.institution),
                 selectinload(Result.term))
        .join(AcademicTerm, AcademicTerm.id == Result.term_id)
        .order_by(AcademicTerm.starts_on, Result.course_id, Result.attempt)))


def get_result(result_id: int) -> Result:
    result = session.get(Result, result_id)
    if result is None:
        raise NotFound(_l("No result record #%(id)s.", id=result_id))
    return result


def assignments_of(professor: User) -> list[TeachingAssignment]:
    """The course offerings a professor teaches (their rosters)."""
    return list(session.scalars(select(TeachingAssignment).where(
        TeachingAssignment.professor_id == professor.id).options(
        selectinload(TeachingAssignment.course), selectinload(TeachingAssignment.term))
        .join(AcademicTerm, AcademicTerm.id == TeachingAssignment.term_id)
        .order_by(AcademicTerm.starts_on)))


# -- checking one result --------------------------------------------------------------------------

@dataclass
class Checked:
    """A result's values once checked: what gets written."""

    grade: str | None
    status: ResultStatus
    credits_earned: Decimal
    attempt: Attempt


def _scale_of(course: Course, scales: Mapping[str, Scale]) -> Scale:
    return scales[course.institution.grading_scale]


def check_values(course: Course, data: Mapping[str, Any], scales: Mapping[str, Scale],
                 errors: _Errors) -> Checked | None:
    """Grade, status, credits and attempt of one result, each error beside its field."""
    scale = _scale_of(course, scales)
    raw_grade = str(data.get("grade") or "").strip()
    grade: Decimal | str | None = None
    if raw_grade:
        try:
            value: Decimal | str = Decimal(raw_grade.replace(",", ".")) if scale.is_numeric \
                else raw_grade
            grade = scale.check(value)
        except (InvalidOperation, GradeError):
            errors.add("grade", _l("%(grade)s is not a grade of %(scale)s (%(range)s).",
                                   grade=raw_grade, scale=scale.code, range=scale.describe()))
    status_text = str(data.get("status") or "").strip()
    try:
        attempt = Attempt(str(data.get("attempt") or "first").strip())
    except ValueError:
        errors.add("attempt", _l("Choose first attempt, resit or retake."))
        attempt = Attempt.FIRST
    if status_text:
        try:
            status = ResultStatus(status_text)
        except ValueError:
            errors.add("status", _l("Unknown status."))
            return None
    elif grade is None:
        status = ResultStatus.IN_PROGRESS
    else:
        status = ResultStatus.PASSED if scale.is_pass(grade) else ResultStatus.FAILED
    if grade is None and raw_grade:
        return None
    if grade is not None and status is ResultStatus.IN_PROGRESS:
        errors.add("status", _l("A result with a grade is not in progress."))
    if grade is None and status in (ResultStatus.PASSED, ResultStatus.FAILED,
                                    ResultStatus.COMPENSATED):
        errors.add("grade", _l("Give the grade."))
    if grade is not None and status is ResultStatus.PASSED and not scale.is_pass(grade):
        errors.add("status", _l("%(grade)s is below the pass mark of %(scale)s: the course is "
                                "failed (or validated by compensation).", grade=raw_grade,
                                scale=scale.code))
    if status in (ResultStatus.FAILED, ResultStatus.COMPENSATED) and grade is not None \
            and scale.is_pass(grade):
        errors.add("status", _l("%(grade)s is a pass on %(scale)s.", grade=raw_grade,
                                scale=scale.code))
    credits = _credits(course, data, status, errors)
    if credits is None:
        return None
    return Checked(grade=None if grade is None else _text(grade), status=status,
                   credits_earned=credits, attempt=attempt)


def _text(grade: Decimal | str) -> str:
    return format(grade, "f") if isinstance(grade, Decimal) else grade


def _credits(course: Course, data: Mapping[str, Any], status: ResultStatus,
             errors: _Errors) -> Decimal | None:
    """Credits earned: the course's own by default when counted, zero otherwise."""
    raw = str(data.get("credits_earned") or data.get("credits") or "").strip()
    if not raw:
        return course.credits if status in COUNTED else Decimal(0)
    try:
        credits = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        credits = None
    if credits is None or not credits.is_finite() or credits < 0 or credits > course.credits \
            or credits != credits.quantize(Decimal("0.1")):
        errors.add("credits_earned", _l("Between 0 and the course's %(credits)s credits, with at "
                                        "most one decimal.", credits=course.credits))
        return None
    if status not in COUNTED and credits:
        errors.add("credits_earned", _l("A course not passed earns no credits."))
        return None
    return credits


def _check_place(student: Student, course: Course, term: AcademicTerm | None,
                 errors: _Errors) -> None:
    if course.institution_id not in student.partnership.institution_ids():
        errors.add("course", _l("This course is not taught by a partner of the student's "
                                "double degree."))
    if term is None:
        errors.add("term", _l("Choose a term."))
    elif term.institution_id != course.institution_id:
        errors.add("term", _l("The term must belong to the course's institution."))


def _check_attempt(student: Student, course: Course, term_id: int | None, attempt: Attempt,
                   errors: _Errors, exclude: int | None = None) -> None:
    """A resit or retake follows a failed attempt; one result per course, term and attempt."""
    earlier = list(session.execute(select(Result.id, Result.term_id, Result.attempt,
                                          Result.status).where(
        Result.student_id == student.id, Result.course_id == course.id)))
    earlier = [row for row in earlier if row.id != exclude]
    if any(row.term_id == term_id and row.attempt == attempt for row in earlier):
        errors.add("attempt", _l("This attempt is already recorded: correct it instead."))
    if attempt is not Attempt.FIRST and not any(
            row.status == ResultStatus.FAILED for row in earlier):
        errors.add("attempt", _l("A resit or retake follows a failed attempt."))


# -- changing -------------------------------------------------------------------------------------

def record_result(student: Student, course: Course, term: AcademicTerm | None,
                  data: Mapping[str, Any], actor: User | None) -> Result:
    if actor is not None:
        authorize("result.record", course, user=actor)
    errors = _Errors()
    _check_place(student, course, term, errors)
    checked = check_values(course, data, all_scales(), errors)
    if checked is not None:
        _check_attempt(student, course, getattr(term, "id", None), checked.attempt, errors)
    errors.raise_if_any()
    assert checked is not None and term is not None  # noqa: S101 — errors raised otherwise
    result = Result(student_id=student.id, course_id=course.id, term_id=term.id,
                    scale=course.institution.grading_scale, recorded_by_id=getattr(
                        actor, "id", None), **vars(checked))
    session.add(result)
    session.flush()
    record("result.record", result, actor=actor, after=snapshot(result, RESULT_FIELDS),
           institution_id=course.institution_id)
    commit_versioned()
    return result


def correct_result(result: Result, data: Mapping[str, Any], actor: User | None,
                   expected_version: int | None = None) -> Result:
    """Change a recorded grade or status; the audit log keeps what it was."""
    if actor is not None:
        authorize("result.record", result.course, user=actor)
    check_version(result, expected_version)
    errors = _Errors()
    merged = {"grade": result.grade, "status": result.status.value,
              "attempt": result.attempt.value,
              "credits_earned": str(result.credits_earned)} | dict(data)
    if "grade" in data and "status" not in data:
        merged.pop("status")  # a new grade decides passed/failed again
    if ("grade" in data or "status" in data) and "credits_earned" not in data:
        merged.pop("credits_earned")
    checked = check_values(result.course, merged, all_scales(), errors)
    if checked is not None and checked.attempt is not result.attempt:
        _check_attempt(result.student, result.course, result.term_id, checked.attempt, errors,
                       exclude=result.id)
    errors.raise_if_any()
    assert checked is not None  # noqa: S101
    before = snapshot(result, RESULT_FIELDS)
    for key, value in vars(checked).items():
        setattr(result, key, value)
    result.recorded_by_id = getattr(actor, "id", None)
    session.flush()
    record("result.correct", result, actor=actor, before=before,
           after=snapshot(result, RESULT_FIELDS), institution_id=result.course.institution_id)
    commit_versioned()
    return result


# -- rosters --------------------------------------------------------------------------------------

@dataclass
class RosterLine:
    student: Student
    result: Result | None  # the latest attempt in this term


def roster(course: Course, term: AcademicTerm) -> list[RosterLine]:
    """Students who planned the course in that term or have a result for it (one query each)."""
    planned = select(StudyPlan.student_id).join(
        PlanSemester, PlanSemester.plan_id == StudyPlan.id).join(
        PlanCourse, PlanCourse.semester_id == PlanSemester.id).where(
        PlanSemester.term_id == term.id, PlanCourse.course_id == course.id)
    resulted = select(Result.student_id).where(Result.course_id == course.id,
                                               Result.term_id == term.id)
    students = list(session.scalars(
        select(Student).where(Student.id.in_(planned.union(resulted)))
        .options(selectinload(Student.numbers))
        .order_by(Student.family_name, Student.name_han, Student.id)))
    latest: dict[int, Result] = {}
    order = list(Attempt)
    for result in session.scalars(select(Result).where(Result.course_id == course.id,
                                                       Result.term_id == term.id)):
        kept = latest.get(result.student_id)
        if kept is None or order.index(result.attempt) > order.index(kept.attempt):
            latest[result.student_id] = result
    return [RosterLine(s, latest.get(s.id)) for s in students]


def record_roster(course: Course, term: AcademicTerm, grades: Mapping[int, str],
                  actor: User | None) -> dict[int, dict[str, Any]]:
    """Grades typed on a roster page (student id → grade), saved all together or not at all.

    Returns the errors by student id (nothing is saved when there is any). A student who
    already has a result for this attempt gets it corrected."""
    if actor is not None:
        authorize("result.record", course, user=actor)
    lines = {line.student.id: line for line in roster(course, term)}
    scales = all_scales()
    problems: dict[int, dict[str, Any]] = {}
    planned: list[tuple[RosterLine, Checked]] = []
    for student_id, grade in grades.items():
        line = lines.get(student_id)
        if line is None or not str(grade or "").strip():
            continue
        errors = _Errors()
        checked = check_values(course, {"grade": grade}, scales, errors)
        if errors.fields or checked is None:
            problems[student_id] = errors.fields
        else:
            planned.append((line, checked))
    if problems:
        return problems
    for line, checked in planned:
        existing = line.result
        if existing is not None and existing.grade == checked.grade:
            continue
        if existing is not None:
            before = snapshot(existing, RESULT_FIELDS)
            for key in ("grade", "status", "credits_earned"):
                setattr(existing, key, getattr(checked, key))
            session.flush()
            record("result.correct", existing, actor=actor, before=before,
                   after=snapshot(existing, RESULT_FIELDS), institution_id=course.institution_id)
        else:
            result = Result(student_id=line.student.id, course_id=course.id, term_id=term.id,
                            scale=course.institution.grading_scale,
                            recorded_by_id=getattr(actor, "id", None), **vars(checked))
            session.add(result)
            session.flush()
            record("result.record", result, actor=actor, after=snapshot(result, RESULT_FIELDS),
                   institution_id=course.institution_id)
    commit_versioned()
    return {}


# -- files ----------------------------------------------------------------------------------------

@dataclass
class ResultImportReport:
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


_FIELD_COLUMN = {"grade": "grade", "status": "status", "credits_earned": "credits",
                 "attempt": "attempt", "course": "course", "term": "term"}


@collector_paused()
def import_results(institution: Institution, data: bytes, filename: str, actor: User | None,
                   dry_run: bool = False) -> ResultImportReport:
    """A results file of one institution: every row checked, then all saved or none."""
    if actor is not None:
        authorize("institution.edit", institution, user=actor)
    try:
        rows = read_rows(data, filename, RESULTS_FILE)
    except FileProblem as problem:
        return ResultImportReport(errors=problem.errors)
    report = ResultImportReport(rows=len(rows))
    students = {n.number: n.student_id for n in session.scalars(
        select(StudentNumber).where(StudentNumber.institution_id == institution.id))}
    courses = {c.code: c for c in session.scalars(
        select(Course).where(Course.institution_id == institution.id))}
    terms = {t.code: t for t in session.scalars(
        select(AcademicTerm).where(AcademicTerm.institution_id == institution.id))}
    existing = {(r.student_id, r.course_id, r.term_id, r.attempt.value): r.status
                for r in session.scalars(select(Result).join(Course).where(
                    Course.institution_id == institution.id))}
    scales = all_scales()
    seen: dict[tuple[int, int, int, str], int] = {}
    new: list[Result] = []
    for line, row in rows:
        errors: list[RowError] = []
        number = (row.get("student_number") or "").strip()
        student_id = students.get(number)
        if student_id is None:
            errors.append(RowError(line, "student_number", number, "no_student"))
        code = (row.get("course") or "").strip()
        course = courses.get(code)
        if course is None:
            errors.append(RowError(line, "course", code, "no_course"))
        term_code = (row.get("term") or "").strip()
        term = terms.get(term_code)
        if term is None:
            errors.append(RowError(line, "term", term_code, "term"))
        if course is None:
            report.errors += errors
            continue
        field_errors = _Errors()
        checked = check_values(course, row, scales, field_errors)
        for name, message in field_errors.fields.items():
            column = _FIELD_COLUMN.get(name, name)
            errors.append(RowError(line, column, (row.get(column) or "").strip(), "message",
                                   {"message": str(message)}))
        if checked is not None and student_id is not None and term is not None:
            key = (student_id, course.id, term.id, checked.attempt.value)
            if key in existing:
                errors.append(RowError(line, "attempt", checked.attempt.value, "recorded"))
            elif key in seen:
                errors.append(RowError(line, "course", code, "duplicate",
                                       {"first": str(seen[key])}))
            seen.setdefault(key, line)
        if errors:
            report.errors += errors
            continue
        assert checked is not None and student_id is not None and term is not None  # noqa: S101
        new.append(Result(student_id=student_id, course_id=course.id, term_id=term.id,
                          scale=institution.grading_scale,
                          recorded_by_id=getattr(actor, "id", None), **vars(checked)))
    report.created = len(new)
    if report.errors or dry_run:
        return report
    session.add_all(new)
    session.flush()
    record("results.import", institution, actor=actor,
           after={"file": filename, "sha256": hashlib.sha256(data).hexdigest(),
                  "results": len(new)}, institution_id=institution.id)
    session.commit()
    report.applied = True
    return report


def template_rows() -> Sequence[dict[str, str]]:
    """The example a registrar downloads to start a results file."""
    return [{"student_number": "22001234", "course": "INF-M1-BDD", "term": "2026-S1",
             "attempt": "first", "grade": "14.5", "status": "", "credits": ""},
            {"student_number": "22001234", "course": "INF-M1-ALG", "term": "2026-S1",
             "attempt": "resit", "grade": "10", "status": "", "credits": ""}]
