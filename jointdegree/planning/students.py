"""Students of a double degree: who may see them, creating and editing them, certificates.

A student belongs to a partnership, so the registrars of *both* partners see and edit the
identity record; results stay each institution's own (see ``results.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from jointdegree.audit.services import record, snapshot
from jointdegree.auth.models import Role, User
from jointdegree.auth.policy import authorize, is_admin, policy
from jointdegree.catalog.models import Partnership, Programme
from jointdegree.catalog.services import _date, _Errors, check_version, commit_versioned
from jointdegree.db import session
from jointdegree.errors import NotFound, ValidationFailed
from jointdegree.planning.languages import CEFR_EXAMS, EXAMS, level_rank
from jointdegree.planning.models import (
    LanguageCertification,
    NameScript,
    Student,
    StudentNumber,
)

STUDENT_FIELDS = ("family_name", "given_names", "name_han", "primary_script", "email",
                  "nationality", "birth_date", "cohort")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_COHORT = re.compile(r"^\d{4}$")
_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·\u00b7 ]+$")


# -- permissions ----------------------------------------------------------------------------------

def registrar_of_partnership(user: User, partnership: Partnership | None) -> bool:
    return (partnership is not None and user.role is Role.REGISTRAR
            and user.institution_id in partnership.institution_ids())


@policy("student.read")
def _student_read(user: User, student: Any) -> bool:
    """The student themself, and the registrars of the two partners."""
    return (is_admin(user) or (student.user_id is not None and student.user_id == user.id)
            or registrar_of_partnership(user, student.partnership))


@policy("student.edit")
def _student_edit(user: User, student: Any) -> bool:
    """Identity, numbers and certificates: either partner's registrar."""
    return is_admin(user) or registrar_of_partnership(user, student.partnership)


@policy("student.create")
def _student_create(user: User, partnership: Any) -> bool:
    return is_admin(user) or registrar_of_partnership(user, partnership)


# -- reading --------------------------------------------------------------------------------------

def visible_students(user: User) -> Select[tuple[Student]]:
    """Students the user may see: the API list and the web list share this one filter."""
    statement = select(Student)
    if is_admin(user):
        return statement
    if user.role is Role.REGISTRAR:
        programmes = select(Programme.id).where(Programme.institution_id == user.institution_id)
        return statement.join(Partnership, Partnership.id == Student.partnership_id).where(
            or_(Partnership.programme_a_id.in_(programmes),
                Partnership.programme_b_id.in_(programmes)))
    return statement.where(Student.user_id == user.id)


def list_students(user: User, query: str | None = None, cohort: str | None = None,
                  partnership_id: int | None = None) -> list[Student]:
    statement = visible_students(user).options(selectinload(Student.numbers))
    if query:
        like = f"%{query.strip().lower()}%"
        numbers = select(StudentNumber.student_id).where(
            func.lower(StudentNumber.number).like(like))
        statement = statement.where(or_(
            func.lower(Student.family_name).like(like), func.lower(Student.given_names).like(like),
            Student.name_han.like(f"%{query.strip()}%"), func.lower(Student.email).like(like),
            Student.id.in_(numbers)))
    if cohort:
        statement = statement.where(Student.cohort == cohort)
    if partnership_id:
        statement = statement.where(Student.partnership_id == partnership_id)
    return list(session.scalars(statement.order_by(Student.cohort, Student.family_name,
                                                   Student.name_han, Student.id)))


def get_student(student_id: int) -> Student:
    student = session.get(Student, student_id)
    if student is None:
        raise NotFound(_l("No student record #%(id)s.", id=student_id))
    return student


def student_of(user: User) -> Student | None:
    """The student record of a logged-in student (None for other roles)."""
    if user.role is not Role.STUDENT:
        return None
    return session.scalar(select(Student).where(Student.user_id == user.id))


# -- validation -----------------------------------------------------------------------------------

def _text(data: Mapping[str, Any], field: str, limit: int) -> str | None:
    value = str(data.get(field) or "").strip()
    return value[:limit] if value else None


def _validate(data: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    values: dict[str, Any] = {
        "family_name": _text(data, "family_name", 100),
        "given_names": _text(data, "given_names", 150),
        "name_han": _text(data, "name_han", 60),
    }
    if not values["family_name"] and not values["name_han"]:
        errors.add("family_name", _l("Give the family name in Latin script or the name in "
                                     "Chinese characters."))
    if values["name_han"] and not _HAN.match(values["name_han"]):
        errors.add("name_han", _l("Use Chinese characters only."))
    script = str(data.get("primary_script") or "latin")
    if script not in {s.value for s in NameScript}:
        errors.add("primary_script", _l("Choose Latin script or Chinese characters."))
    elif script == "han" and not values["name_han"]:
        errors.add("name_han", _l("The primary name is in Chinese characters: give it."))
    values["primary_script"] = NameScript(script) if script in {"latin", "han"} else None
    try:
        values["email"] = validate_email(str(data.get("email") or "").strip(),
                                         check_deliverability=False).normalized
    except EmailNotValidError:
        errors.add("email", _l("Enter a valid e-mail address."))
    nationality = str(data.get("nationality") or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", nationality):
        errors.add("nationality", _l("Use the two-letter country code (FR, CN…)."))
    values["nationality"] = nationality
    values["birth_date"] = _date(data.get("birth_date"), errors, "birth_date")
    cohort = str(data.get("cohort") or "").strip()
    if not _COHORT.match(cohort):
        errors.add("cohort", _l("Give the intake year, e.g. 2026."))
    values["cohort"] = cohort
    return values



def _numbers(partnership: Partnership, data: Mapping[str, Any], errors: _Errors,
             student_id: int | None) -> dict[int, str]:
    """Student numbers by institution, from ``numbers: {institution code: number}``."""
    given = data.get("numbers") or {}
    if not isinstance(given, Mapping):
        errors.add("numbers", _l("Give the numbers by institution code."))
        return {}
    institutions = {p.institution.code: p.institution for p in partnership.programmes}
    numbers: dict[int, str] = {}
    for code, raw in given.items():
        field = f"number_{code}"
        if code not in institutions:
            errors.add(field, _l("%(code)s is not a partner of this double degree.", code=code))
            continue
        number = str(raw or "").strip()
        if not number:
            continue
        if not _NUMBER.match(number):
            errors.add(field, _l("Use 1 to 32 letters, digits, dots, dashes or underscores."))
            continue
        taken = session.scalar(select(StudentNumber.student_id).where(
            StudentNumber.institution_id == institutions[code].id,
            StudentNumber.number == number))
        if taken is not None and taken != student_id:
            errors.add(field, _l("Another student already has this number."))
            continue
        numbers[institutions[code].id] = number
    return numbers


def _set_numbers(student: Student, numbers: Mapping[int, str]) -> None:
    current = {n.institution_id: n for n in student.numbers}
    for institution_id, number in numbers.items():
        if institution_id in current:
            current[institution_id].number = number
        else:
            student.numbers.append(StudentNumber(institution_id=institution_id, number=number))


def _view(student: Student) -> dict[str, Any]:
    return snapshot(student, STUDENT_FIELDS) | {
        "numbers": {n.institution_id: n.number for n in student.numbers}}


# -- changing -------------------------------------------------------------------------------------

def create_student(partnership: Partnership, data: Mapping[str, Any], actor: User | None
                   ) -> Student:
    if actor is not None:
        authorize("student.create", partnership, user=actor)
    errors = _Errors()
    values = _validate(data, errors)
    numbers = _numbers(partnership, data, errors, None)
    errors.raise_if_any()
    student = Student(partnership_id=partnership.id, partnership=partnership, **values)
    _set_numbers(student, numbers)
    # A student login with the same address becomes this record's owner.
    student.user = session.scalar(select(User).where(
        func.lower(User.email) == values["email"].lower(), User.role == Role.STUDENT))
    session.add(student)
    session.flush()
    record("student.create", student, actor=actor, after=_view(student),
           institution_id=getattr(actor, "institution_id", None))
    commit_versioned()
    return student


def update_student(student: Student, changes: Mapping[str, Any], actor: User | None,
                   expected_version: int | None = None) -> Student:
    if actor is not None:
        authorize("student.edit", student, user=actor)
    check_version(student, expected_version)
    errors = _Errors()
    current = {name: getattr(student, name) for name in STUDENT_FIELDS}
    current["primary_script"] = student.primary_script.value
    values = _validate(current | {k: v for k, v in changes.items() if k in STUDENT_FIELDS},
                       errors)
    numbers = _numbers(student.partnership, changes, errors, student.id)
    errors.raise_if_any()
    before = _view(student)
    for key, value in values.items():
        setattr(student, key, value)
    _set_numbers(student, numbers)
    session.flush()
    record("student.update", student, actor=actor, before=before, after=_view(student),
           institution_id=getattr(actor, "institution_id", None))
    commit_versioned()
    return student


def add_certification(student: Student, data: Mapping[str, Any], actor: User | None
                      ) -> LanguageCertification:
    """DELF/DALF/TCF/TEF at a CEFR level, or HSK 1–9, with the date it was passed."""
    if actor is not None:
        authorize("student.edit", student, user=actor)
    errors = _Errors()
    exam = str(data.get("exam") or "").strip().upper()
    level = str(data.get("level") or "").strip().upper()
    if exam not in EXAMS:
        errors.add("exam", _l("Choose DELF, DALF, TCF, TEF or HSK."))
    elif level_rank(exam, level) is None:
        errors.add("level", _l("Use a CEFR level (A1…C2) for %(exam)s.", exam=exam)
                   if exam in CEFR_EXAMS else _l("Use an HSK level from 1 to 9."))
    taken_on = _date(data.get("taken_on"), errors, "taken_on", required=True)
    errors.raise_if_any()
    certification = LanguageCertification(student_id=student.id, exam=exam, level=level,
                                          taken_on=taken_on)
    student.certifications.append(certification)
    session.flush()
    record("certification.add", student, actor=actor,
           after={"exam": exam, "level": level, "taken_on": taken_on.isoformat()},
           institution_id=getattr(actor, "institution_id", None))
    session.commit()
    return certification


def link_user(student: Student, user: User) -> None:
    """Give a student record its login (demo and the CLI); no audit of its own."""
    if user.role is not Role.STUDENT:
        raise ValidationFailed(_l("Only a student account can own a student record."))
    student.user = user
    session.flush()
