"""Exceptions to a programme's requirements for one student (substitute, also allow, apply
here, force complete, waive): granted by that programme's registrar with a reason, audited,
withdrawn rather than deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record, snapshot
from jointdegree.auth.models import User
from jointdegree.auth.policy import authorize, is_admin, is_registrar_of, policy
from jointdegree.catalog.models import Course, Programme
from jointdegree.catalog.services import _Errors
from jointdegree.db import session, utcnow
from jointdegree.errors import Conflict, NotFound
from jointdegree.planning.models import ExceptionKind, Student, StudentException
from jointdegree.planning.requirement_sets import requirements_of

FIELDS = ("kind", "rule_id", "course_id", "replaces_course_id", "reason", "withdrawn_at")
NEEDS_RULE = (ExceptionKind.ALSO_ALLOW, ExceptionKind.APPLY_HERE, ExceptionKind.FORCE_COMPLETE,
              ExceptionKind.WAIVE)
NEEDS_COURSE = (ExceptionKind.SUBSTITUTE, ExceptionKind.ALSO_ALLOW, ExceptionKind.APPLY_HERE)


@policy("exception.grant")
def _exception_grant(user: User, programme: Any) -> bool:
    """Only the registrar of the programme's institution bends its rules."""
    return is_admin(user) or is_registrar_of(user, getattr(programme, "institution_id", None))


def exceptions_of(student: Student, include_withdrawn: bool = False) -> list[StudentException]:
    statement = select(StudentException).where(StudentException.student_id == student.id)
    if not include_withdrawn:
        statement = statement.where(StudentException.withdrawn_at.is_(None))
    return list(session.scalars(statement.options(
        selectinload(StudentException.course), selectinload(StudentException.replaces),
        selectinload(StudentException.approved_by)).order_by(StudentException.created_at)))


def grant(student: Student, programme: Programme, data: Mapping[str, Any], actor: User | None
          ) -> StudentException:
    if actor is not None:
        authorize("exception.grant", programme, user=actor)
    errors = _Errors()
    if programme not in student.partnership.programmes:
        errors.add("programme", _l("The programme must be one of the student's two degrees."))
    try:
        kind = ExceptionKind(str(data.get("kind") or ""))
    except ValueError:
        errors.add("kind", _l("Choose the kind of exception."))
        kind = None
    rule_id = str(data.get("rule_id") or "").strip() or None
    if kind in NEEDS_RULE:
        known = {rule.id for rule in requirements_of(programme).walk()}
        if rule_id not in known:
            errors.add("rule_id", _l("Choose a requirement of this programme."))
    course = _course(data.get("course_id"), student, errors, "course_id",
                     required=kind in NEEDS_COURSE)
    replaces = _course(data.get("replaces_course_id"), student, errors, "replaces_course_id",
                       required=kind is ExceptionKind.SUBSTITUTE)
    if replaces is not None and replaces.institution_id != programme.institution_id:
        errors.add("replaces_course_id", _l("The replaced course must be one of the "
                                            "programme's own courses."))
    reason = str(data.get("reason") or "").strip()
    if not reason:
        errors.add("reason", _l("Say why: the reason is kept with the exception."))
    errors.raise_if_any()
    row = StudentException(
        student_id=student.id, programme_id=programme.id, kind=kind,
        rule_id=rule_id if kind in NEEDS_RULE else None,
        course_id=course.id if course is not None and kind in NEEDS_COURSE else None,
        replaces_course_id=replaces.id if kind is ExceptionKind.SUBSTITUTE and replaces else None,
        reason=reason, approved_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    record("exception.grant", row, actor=actor, after=snapshot(row, FIELDS),
           institution_id=programme.institution_id)
    session.commit()
    return row


def _course(value: Any, student: Student, errors: _Errors, field: str, required: bool
            ) -> Course | None:
    if value in (None, ""):
        if required:
            errors.add(field, _l("Choose a course."))
        return None
    try:
        course = session.get(Course, int(value))
    except (TypeError, ValueError):
        course = None
    if course is None or course.institution_id not in student.partnership.institution_ids():
        errors.add(field, _l("Choose a course of one of the two partners."))
        return None
    return course


def withdraw(exception: StudentException, actor: User | None) -> None:
    if actor is not None:
        authorize("exception.grant", exception.programme, user=actor)
    if exception.withdrawn_at is not None:
        raise Conflict(_l("This exception is already withdrawn."), code="already_withdrawn")
    before = snapshot(exception, FIELDS)
    exception.withdrawn_at = utcnow()
    record("exception.withdraw", exception, actor=actor, before=before,
           after=snapshot(exception, FIELDS), institution_id=exception.programme.institution_id)
    session.commit()


def get_exception(exception_id: int) -> StudentException:
    row = session.get(StudentException, exception_id)
    if row is None:
        raise NotFound(_l("No exception #%(id)s.", id=exception_id))
    return row
