"""Students, their results and study plans, programme requirements and the degree audit.

Thin handlers over ``planning/*``: the permissions (a student sees only their own records,
registrars the students of their partnerships) are the same ones the web pages use.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from jointdegree.api.pagination import ListQuery, Page, paginate
from jointdegree.api.planning_schemas import (
    AuditOut,
    AuditQuery,
    CertificationOut,
    PlanIn,
    PlanOut,
    RequirementsIn,
    RequirementsOut,
    ResultIn,
    ResultOut,
    SemesterOut,
    StudentNames,
    StudentOut,
    StudentPatch,
    StudentQuery,
)
from jointdegree.api.registry import endpoint, if_match_version
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize
from jointdegree.catalog import services as catalog
from jointdegree.catalog.courses import get_course
from jointdegree.catalog.models import AcademicTerm, Course, Partnership
from jointdegree.db import session
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.planning import auditing, plans, requirement_sets, results, students
from jointdegree.planning.models import (
    PlanSemester,
    Result,
    Student,
    StudentNumber,
    StudyPlan,
)

READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415)


def student_out(student: Student) -> StudentOut:
    codes = {p.institution_id: p.institution.code for p in student.partnership.programmes}
    return StudentOut(
        id=student.id, names=StudentNames(family=student.family_name, given=student.given_names,
                                          han=student.name_han,
                                          primary=student.primary_script.value),
        display_name=student.display_name, email=student.email,
        nationality=student.nationality, birth_date=student.birth_date,
        partnership=student.partnership.code, cohort=student.cohort,
        numbers={codes.get(n.institution_id, str(n.institution_id)): n.number
                 for n in student.numbers},
        certifications=[CertificationOut(exam=c.exam, level=c.level, taken_on=c.taken_on)
                        for c in student.certifications],
        version=student.version)


def _student(user: User, student_id: int) -> Student:
    student = students.get_student(student_id)
    authorize("student.read", student, user=user)
    return student


@endpoint("GET", "/students", summary="List students", tag="students", query=StudentQuery,
          response=Page[StudentOut], errors=(400, 401))
def list_students(user: User, query: StudentQuery) -> Any:
    """Registrars: the students of their institution's double degrees; a student: themself."""
    statement = students.visible_students(user).options(
        selectinload(Student.numbers), selectinload(Student.certifications),
        selectinload(Student.partnership).selectinload(Partnership.programme_a),
        selectinload(Student.partnership).selectinload(Partnership.programme_b))
    if query.cohort:
        statement = statement.where(Student.cohort == query.cohort)
    if query.partnership:
        statement = statement.where(Student.partnership_id.in_(
            select(Partnership.id).where(Partnership.code == query.partnership.upper())))
    if query.q:
        like = f"%{query.q.strip().lower()}%"
        statement = statement.where(or_(
            func.lower(Student.family_name).like(like), func.lower(Student.given_names).like(like),
            Student.name_han.like(f"%{query.q.strip()}%"), func.lower(Student.email).like(like),
            Student.id.in_(select(StudentNumber.student_id).where(
                func.lower(StudentNumber.number).like(like)))))
    return paginate(statement, query, student_out,
                    sortable={"id": Student.id, "cohort": Student.cohort,
                              "family_name": Student.family_name},
                    default_order=(Student.cohort, Student.family_name, Student.id))


@endpoint("GET", "/students/<id:student_id>", summary="One student", tag="students",
          response=StudentOut, errors=READ_ERRORS)
def get_student(user: User, student_id: int) -> StudentOut:
    return student_out(_student(user, student_id))


@endpoint("PATCH", "/students/<id:student_id>", summary="Change a student's record",
          tag="students", body=StudentPatch, response=StudentOut, errors=WRITE_ERRORS,
          conditional=True)
def patch_student(user: User, student_id: int, body: StudentPatch) -> StudentOut:
    """Registrars of either partner. Send If-Match with the ETag you read."""
    student = _student(user, student_id)
    version = if_match_version()
    changes = body.model_dump(exclude_unset=True, exclude={"names"})
    if body.names is not None:
        names = body.names.model_dump(exclude_unset=True)
        changes |= {"family_name": names.get("family"), "given_names": names.get("given"),
                    "name_han": names.get("han"), "primary_script": body.names.primary}
    return student_out(students.update_student(student, changes, user,
                                               expected_version=version))


# -- results --------------------------------------------------------------------------------------

def result_out(result: Result) -> ResultOut:
    return ResultOut(id=result.id, course=result.course_id, course_code=result.course.code,
                     institution=result.course.institution.code, term=result.term.code,
                     attempt=result.attempt.value, grade=result.grade, scale=result.scale,
                     credits_earned=result.credits_earned,
                     credit_system=result.course.institution.credit_system.value,
                     status=result.status.value, recorded_at=result.recorded_at,
                     version=result.version)


@endpoint("GET", "/students/<id:student_id>/results", summary="A student's results",
          tag="students", query=ListQuery, response=Page[ResultOut], errors=READ_ERRORS)
def list_results(user: User, student_id: int, query: ListQuery) -> Any:
    """The grades exactly as recorded, each on its course's own scale."""
    student = _student(user, student_id)
    statement = select(Result).where(Result.student_id == student.id).join(
        AcademicTerm, AcademicTerm.id == Result.term_id).options(
        selectinload(Result.course).selectinload(Course.institution), selectinload(Result.term))
    return paginate(statement, query, result_out,
                    sortable={"term": AcademicTerm.starts_on, "id": Result.id},
                    default_order=(AcademicTerm.starts_on, Result.id))


@endpoint("POST", "/students/<id:student_id>/results", summary="Record a result",
          tag="students", body=ResultIn, response=ResultOut, status=201, errors=WRITE_ERRORS)
def create_result(user: User, student_id: int, body: ResultIn) -> Any:
    """The registrar of the course's institution. Status defaults from the grade."""
    student = _student(user, student_id)
    course = get_course(body.course)
    term = session.scalar(select(AcademicTerm).where(
        AcademicTerm.institution_id == course.institution_id, AcademicTerm.code == body.term))
    data = body.model_dump(exclude={"course", "term"})
    data["credits_earned"] = "" if body.credits_earned is None else str(body.credits_earned)
    data["status"] = body.status or ""
    result = results.record_result(student, course, term, data, user)
    return result_out(result), {"Location": f"/api/v1/students/{student.id}/results"}


# -- plans ----------------------------------------------------------------------------------------

def plan_out(plan: StudyPlan) -> PlanOut:
    return PlanOut(id=plan.id, name=plan.name, status=plan.status.value, revision=plan.revision,
                   approved_revision=plan.approved_revision, version=plan.version,
                   semesters=[SemesterOut(position=s.position, term=s.term.code,
                                          institution=s.term.institution.code, remote=s.remote,
                                          courses=[c.code for c in s.courses])
                              for s in plan.semesters])


@endpoint("GET", "/students/<id:student_id>/plans", summary="A student's study plans",
          tag="students", query=ListQuery, response=Page[PlanOut], errors=READ_ERRORS)
def list_plans(user: User, student_id: int, query: ListQuery) -> Any:
    student = _student(user, student_id)
    statement = select(StudyPlan).where(StudyPlan.student_id == student.id).options(
        selectinload(StudyPlan.semesters).selectinload(PlanSemester.term)
        .selectinload(AcademicTerm.institution),
        selectinload(StudyPlan.semesters).selectinload(PlanSemester.courses))
    return paginate(statement, query, plan_out, sortable={"id": StudyPlan.id},
                    default_order=(StudyPlan.id,))


@endpoint("POST", "/students/<id:student_id>/plans", summary="Create a study plan",
          tag="students", body=PlanIn, response=PlanOut, status=201, errors=WRITE_ERRORS)
def create_plan(user: User, student_id: int, body: PlanIn) -> Any:
    """The student, or a registrar of either partner; semesters and courses are checked as on
    the plan page (offered in that term, not twice)."""
    student = _student(user, student_id)
    plan = plans.create_plan(student, body.name, user)
    for semester_in in body.semesters:
        term = session.get(AcademicTerm, semester_in.term)
        if term is None:
            raise ValidationFailed(_l("No term #%(id)s.", id=semester_in.term),
                                   fields={"semesters": _l("Unknown term.")})
        semester = plans.add_semester(plan, term, semester_in.remote, user)
        for course_id in semester_in.courses:
            plans.add_course(plan, semester.id, get_course(course_id), user)
    return plan_out(plans.get_plan(plan.id)), {
        "Location": f"/api/v1/students/{student.id}/plans"}


# -- audit ----------------------------------------------------------------------------------------

@endpoint("GET", "/students/<id:student_id>/audit", summary="Dual degree audit",
          tag="students", query=AuditQuery, response=AuditOut, errors=(400, *READ_ERRORS))
def audit(user: User, student_id: int, query: AuditQuery) -> AuditOut:
    """Both degrees' requirements against the results (and the plan, if given): per rule the
    status (satisfied / not_yet / impossible / waived), credits counted, the courses that
    counted with their conversions, and what is missing. ``add``/``remove`` try changes
    without saving them (what-if)."""
    student = _student(user, student_id)
    plan = None
    if query.plan is not None:
        plan = plans.get_plan(query.plan)
        if plan.student_id != student.id:
            raise NotFound(_l("No study plan #%(id)s.", id=query.plan))
    what_if = auditing.parse_what_if(query.add, query.remove)
    report = auditing.audit_student(student, plan, what_if)
    return auditing.to_api(report)


# -- requirements ---------------------------------------------------------------------------------

def _requirements_out(programme_id: int) -> RequirementsOut:
    programme = catalog.get_programme(programme_id)
    row = requirement_sets.requirement_set(programme)
    return RequirementsOut(programme=programme.id,
                           document=requirement_sets.document_of(programme),
                           version=row.version if row is not None else None)


@endpoint("GET", "/programmes/<id:programme_id>/requirements", summary="Degree requirements",
          tag="programmes", response=RequirementsOut, errors=READ_ERRORS)
def get_requirements(user: User, programme_id: int) -> RequirementsOut:
    return _requirements_out(programme_id)


@endpoint("PUT", "/programmes/<id:programme_id>/requirements",
          summary="Replace the degree requirements", tag="programmes", body=RequirementsIn,
          response=RequirementsOut, errors=WRITE_ERRORS, conditional=True)
def put_requirements(user: User, programme_id: int, body: RequirementsIn) -> RequirementsOut:
    """The programme's registrars. Every problem comes back at once, keyed by its path in the
    document (``rules[2].min_credits``). If-Match is required once requirements exist."""
    programme = catalog.get_programme(programme_id)
    row = requirement_sets.requirement_set(programme)
    version = if_match_version() if row is not None else None
    requirement_sets.save_requirements(programme, body.document, user, expected_version=version)
    return _requirements_out(programme_id)

