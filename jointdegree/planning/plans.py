"""Study plans: semesters at either campus (or remote), courses offered in those terms,
comments, submission and approval as a learning agreement.

Every change bumps the plan's revision. An approval records the revision it approved and a
snapshot of it; changing an approved plan sends it back to draft, so it needs a new approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, is_admin, policy
from jointdegree.catalog.models import (
    AcademicTerm,
    Course,
    CourseDelivery,
    CourseStatus,
    CreditSystem,
)
from jointdegree.catalog.services import check_version, commit_versioned
from jointdegree.db import session, utcnow
from jointdegree.errors import Conflict, NotFound, ValidationFailed
from jointdegree.matching import rules as credit_rules
from jointdegree.notifications.services import notify, register_kind
from jointdegree.planning.models import (
    PlanApproval,
    PlanComment,
    PlanSemester,
    PlanStatus,
    Result,
    ResultStatus,
    Student,
    StudyPlan,
)
from jointdegree.planning.students import registrar_of_partnership

MAX_LOAD_ECTS = Decimal(36)  # above this a semester's load gets a warning

register_kind("plan.submitted", _l("%(student)s submitted the study plan “%(plan)s” for "
                                   "approval."))
register_kind("plan.approved", _l("%(by)s approved your study plan “%(plan)s”."))
register_kind("plan.commented", _l("%(by)s commented on the study plan “%(plan)s”: %(body)s"))


# -- permissions ----------------------------------------------------------------------------------

def _owner(user: User, student: Student) -> bool:
    return student.user_id is not None and student.user_id == user.id


@policy("plan.edit")
def _plan_edit(user: User, student: Any) -> bool:
    """``student``: the plan's student. The student, and registrars (advisers) of the two
    partners."""
    return is_admin(user) or _owner(user, student) or registrar_of_partnership(
        user, student.partnership)


@policy("plan.approve")
def _plan_approve(user: User, student: Any) -> bool:
    return is_admin(user) or registrar_of_partnership(user, student.partnership)


# -- reading --------------------------------------------------------------------------------------

def plans_of(student: Student) -> list[StudyPlan]:
    return list(session.scalars(select(StudyPlan).where(StudyPlan.student_id == student.id)
                                .order_by(StudyPlan.created_at, StudyPlan.id)))


def get_plan(plan_id: int) -> StudyPlan:
    courses = selectinload(StudyPlan.semesters).selectinload(PlanSemester.courses)
    plan = session.scalar(select(StudyPlan).where(StudyPlan.id == plan_id).options(
        selectinload(StudyPlan.semesters).selectinload(PlanSemester.term),
        courses.selectinload(Course.institution),
        courses.selectinload(Course.prerequisites)))  # the page checks each course's
    if plan is None:
        raise NotFound(_l("No study plan #%(id)s.", id=plan_id))
    return plan


def snapshot_of(plan: StudyPlan) -> dict[str, Any]:
    """What an approval keeps: the semesters and course codes of the approved revision."""
    return {"revision": plan.revision, "semesters": [
        {"term": s.term.code, "institution": s.term.institution.code, "remote": s.remote,
         "courses": [c.code for c in s.courses]} for s in plan.semesters]}


def offered_courses(semester: PlanSemester) -> list[Course]:
    """What the student may pick in a semester: active courses offered in its term (remote
    semesters: only those taught by videoconference or hybrid)."""
    statement = (select(Course).join(Course.terms).where(
        AcademicTerm.id == semester.term_id, Course.status == CourseStatus.ACTIVE)
        .order_by(Course.code))
    if semester.remote:
        statement = statement.where(Course.delivery.in_((CourseDelivery.REMOTE,
                                                         CourseDelivery.HYBRID)))
    return list(session.scalars(statement))


def offered_by_semester(semesters: Sequence[PlanSemester]) -> dict[int, list[Course]]:
    """:func:`offered_courses` for every semester of a plan in one query (the plan page)."""
    terms = {s.term_id for s in semesters}
    rows = session.execute(select(AcademicTerm.id, Course).join(Course.terms).where(
        AcademicTerm.id.in_(terms), Course.status == CourseStatus.ACTIVE).order_by(Course.code))
    by_term: dict[int, list[Course]] = {}
    for term_id, course in rows:
        by_term.setdefault(term_id, []).append(course)
    return {s.id: [c for c in by_term.get(s.term_id, []) if not s.remote or c.delivery in (
        CourseDelivery.REMOTE, CourseDelivery.HYBRID)] for s in semesters}


# -- changes --------------------------------------------------------------------------------------

def _changed(plan: StudyPlan, actor: User | None, action: str, detail: dict[str, Any]) -> None:
    """Bump the revision; a change to an approved plan needs a new approval."""
    plan.revision += 1
    plan.updated_at = utcnow()
    if plan.status is not PlanStatus.DRAFT:
        detail = detail | {"status": {"from": plan.status.value, "to": "draft"}}
        plan.status = PlanStatus.DRAFT
    record(action, plan, actor=actor, after=detail | {"revision": plan.revision})


def create_plan(student: Student, name: str, actor: User | None) -> StudyPlan:
    if actor is not None:
        authorize("plan.edit", student, user=actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        message = _l("Give the plan a name (at most 100 characters).")
        raise ValidationFailed(message, fields={"name": message})
    plan = StudyPlan(student_id=student.id, student=student, name=name)
    session.add(plan)
    session.flush()
    record("plan.create", plan, actor=actor, after={"name": name})
    session.commit()
    return plan


def add_semester(plan: StudyPlan, term: AcademicTerm, remote: bool, actor: User | None,
                 expected_version: int | None = None) -> PlanSemester:
    if actor is not None:
        authorize("plan.edit", plan.student, user=actor)
    check_version(plan, expected_version)
    if term.institution_id not in plan.student.partnership.institution_ids():
        message = _l("The term must belong to one of the two partner institutions.")
        raise ValidationFailed(message, fields={"term": message})
    if any(s.term_id == term.id for s in plan.semesters):
        message = _l("This term is already in the plan.")
        raise ValidationFailed(message, fields={"term": message})
    if any(s.term.starts_on < term.ends_on and term.starts_on < s.term.ends_on
           for s in plan.semesters):
        message = _l("This term overlaps a semester already in the plan.")
        raise ValidationFailed(message, fields={"term": message})
    semester = PlanSemester(term_id=term.id, term=term, remote=remote, position=0)
    plan.semesters.append(semester)
    _renumber(plan)
    _changed(plan, actor, "plan.add_semester", {"term": term.code, "remote": remote})
    commit_versioned()
    return semester


def _renumber(plan: StudyPlan) -> None:
    ordered = sorted(plan.semesters, key=lambda s: s.term.starts_on)
    # Two passes so the (plan, position) unique constraint never sees a duplicate.
    for index, semester in enumerate(ordered, start=1):
        semester.position = 100 + index
    session.flush()
    for index, semester in enumerate(ordered, start=1):
        semester.position = index


def remove_semester(plan: StudyPlan, semester: PlanSemester, actor: User | None,
                    expected_version: int | None = None) -> None:
    if actor is not None:
        authorize("plan.edit", plan.student, user=actor)
    check_version(plan, expected_version)
    _semester_of(plan, semester.id)
    plan.semesters.remove(semester)
    session.flush()
    _renumber(plan)
    _changed(plan, actor, "plan.remove_semester", {"term": semester.term.code})
    commit_versioned()


def _semester_of(plan: StudyPlan, semester_id: int) -> PlanSemester:
    semester = next((s for s in plan.semesters if s.id == semester_id), None)
    if semester is None:
        raise NotFound(_l("This semester is not part of the plan."))
    return semester


def add_course(plan: StudyPlan, semester_id: int, course: Course, actor: User | None,
               expected_version: int | None = None) -> None:
    if actor is not None:
        authorize("plan.edit", plan.student, user=actor)
    check_version(plan, expected_version)
    semester = _semester_of(plan, semester_id)
    if course.id not in {c.id for c in offered_courses(semester)}:
        message = _l("%(code)s is not offered in %(term)s.", code=course.code,
                     term=semester.term.code) if not semester.remote else _l(
            "%(code)s is not offered by videoconference in %(term)s.", code=course.code,
            term=semester.term.code)
        raise ValidationFailed(message, fields={"course": message})
    if any(course.id in {c.id for c in s.courses} for s in plan.semesters):
        message = _l("%(code)s is already in the plan.", code=course.code)
        raise ValidationFailed(message, fields={"course": message})
    semester.courses.append(course)
    _changed(plan, actor, "plan.add_course", {"term": semester.term.code, "course": course.code})
    commit_versioned()


def remove_course(plan: StudyPlan, semester_id: int, course_id: int, actor: User | None,
                  expected_version: int | None = None) -> None:
    if actor is not None:
        authorize("plan.edit", plan.student, user=actor)
    check_version(plan, expected_version)
    semester = _semester_of(plan, semester_id)
    course = next((c for c in semester.courses if c.id == course_id), None)
    if course is None:
        raise NotFound(_l("This course is not in that semester."))
    semester.courses.remove(course)
    _changed(plan, actor, "plan.remove_course", {"term": semester.term.code,
                                                 "course": course.code})
    commit_versioned()


def _registrars(student: Student) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role == Role.REGISTRAR, User.active.is_(True),
        User.institution_id.in_(student.partnership.institution_ids()))))


def _link(plan: StudyPlan) -> str:
    return f"/plans/{plan.id}"  # stored with the notification: no request needed to build it


def comment(plan: StudyPlan, body: str, actor: User) -> PlanComment:
    authorize("plan.edit", plan.student, user=actor)
    body = (body or "").strip()
    if not body or len(body) > 4000:
        message = _l("Write a comment (at most 4000 characters).")
        raise ValidationFailed(message, fields={"body": message})
    note = PlanComment(plan_id=plan.id, author_id=actor.id, revision=plan.revision, body=body)
    plan.comments.append(note)
    readers = [u for u in [*_registrars(plan.student), plan.student.user]
               if u is not None and u.id != actor.id]
    notify(readers, "plan.commented", {"by": actor.display_name, "plan": plan.name,
                                       "body": body[:200]}, link=_link(plan))
    session.commit()
    return note


def submit(plan: StudyPlan, actor: User | None, expected_version: int | None = None) -> None:
    if actor is not None:
        authorize("plan.edit", plan.student, user=actor)
    check_version(plan, expected_version)
    if plan.status is not PlanStatus.DRAFT:
        raise Conflict(_l("Only a draft can be submitted."), code="not_draft")
    if not any(s.courses for s in plan.semesters):
        raise ValidationFailed(_l("Add courses before submitting the plan."))
    plan.status = PlanStatus.SUBMITTED
    record("plan.submit", plan, actor=actor, after={"revision": plan.revision})
    notify(_registrars(plan.student), "plan.submitted",
           {"student": plan.student.display_name, "plan": plan.name}, link=_link(plan))
    commit_versioned()


def approve(plan: StudyPlan, actor: User, expected_version: int | None = None) -> PlanApproval:
    """A registrar of either partner approves this revision: the learning agreement."""
    authorize("plan.approve", plan.student, user=actor)
    check_version(plan, expected_version)
    institution_id = actor.institution_id or plan.student.partnership.programme_a.institution_id
    if institution_id in approved_by(plan):
        raise Conflict(_l("Your institution already approved this revision."),
                       code="already_approved")
    approval = PlanApproval(plan_id=plan.id, revision=plan.revision, institution_id=institution_id,
                            user_id=actor.id, snapshot=snapshot_of(plan))
    plan.approvals.append(approval)
    plan.status, plan.approved_revision = PlanStatus.APPROVED, plan.revision
    record("plan.approve", plan, actor=actor, after={"revision": plan.revision},
           institution_id=institution_id)
    if plan.student.user is not None:
        notify([plan.student.user], "plan.approved", {"by": actor.display_name,
                                                      "plan": plan.name}, link=_link(plan))
    commit_versioned()
    return approval


def approved_by(plan: StudyPlan) -> set[int]:
    """Institutions that approved the plan's current revision (a learning agreement is signed
    by both: the sending and the receiving institution)."""
    return {a.institution_id for a in plan.approvals if a.revision == plan.revision}


def waiting_for(user: User) -> list[StudyPlan]:
    """Submitted (or approved-by-the-other-side) plans of the registrar's partnerships that their
    institution has not approved in their current revision."""
    from jointdegree.planning.students import visible_students

    students = visible_students(user).with_only_columns(Student.id)
    candidates = session.scalars(select(StudyPlan).where(
        StudyPlan.student_id.in_(students), StudyPlan.status != PlanStatus.DRAFT).options(
        selectinload(StudyPlan.approvals), selectinload(StudyPlan.student)).order_by(
        StudyPlan.updated_at))
    return [p for p in candidates if user.institution_id not in approved_by(p)]


# -- load and prerequisites -----------------------------------------------------------------------

@dataclass
class SemesterCheck:
    semester: PlanSemester
    ects: Decimal  # the load, in ECTS-equivalent credits
    overloaded: bool
    missing_prerequisites: dict[int, list[Course]] = field(default_factory=dict)


def check_plan(plan: StudyPlan, results: Sequence[Result]) -> list[SemesterCheck]:
    """Per semester: the ECTS-equivalent load (warning above 36) and the prerequisites that are
    neither passed nor planned in an earlier semester."""
    rules = credit_rules.rule_set(plan.student.partnership)
    passed = {r.course_id for r in results if r.status in (
        ResultStatus.PASSED, ResultStatus.COMPENSATED, ResultStatus.RECOGNISED)}
    earlier: set[int] = set(passed)
    checks = []
    for semester in plan.semesters:
        load = Decimal(0)
        missing: dict[int, list[Course]] = {}
        for course in semester.courses:
            if course.institution.credit_system is CreditSystem.ECTS:
                load += course.credits
            else:
                try:
                    load += credit_rules.to_system(course, CreditSystem.ECTS, rules).amount
                except ValueError:
                    continue
            lacking = [p for p in course.prerequisites if p.id not in earlier]
            if lacking:
                missing[course.id] = lacking
        checks.append(SemesterCheck(semester, load, load > MAX_LOAD_ECTS, missing))
        earlier |= {c.id for c in semester.courses}
    return checks
