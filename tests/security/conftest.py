"""The security tests run on the demo, loaded once per run (each test still runs in a
transaction rolled back at the end).

For the authorization matrix, the ``scene`` fixture commits a few extras that give every role an
"own" and an "other" object: a third institution (EXT) with its registrar and a double degree
UCA–EXT, with its student, plan, result and equivalence (outside the Haikou registrar's reach), a
second faculty review, calendar feeds, issuance runs of both institutions; and one API token and
one logged-in session (cookie + CSRF token) per role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from jointdegree.demo import DEMO_PASSWORD
from tests.support import csrf_token, demo_database, login

ROLES = {  # actor name → e-mail (anonymous has none)
    "anonymous": None,
    "student": "student@example.org",
    "professor": "professor.nice@example.org",
    "registrar_uca": "registrar.nice@example.org",
    "registrar_hainanu": "registrar.haikou@example.org",
    "registrar_ext": "registrar.ext@example.org",  # of EXT, partner of UCA only (made here)
    "admin": "admin@example.org",
}


@dataclass
class Actor:
    name: str
    role: str | None = None  # None: not logged in
    user_id: int | None = None
    institution_id: int | None = None
    has_student: bool = False  # a student account linked to a student record
    cookie: str = ""  # the session cookie (logged in, with a CSRF secret)
    csrf: str = ""
    token: str | None = None  # an API bearer token


@dataclass
class Variant:
    """One object a route is called on: its URL parameters, and what the rules look at."""

    name: str
    params: dict[str, Any]
    target: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scene:
    actors: list[Actor]
    ids: dict[str, Any]
    sets: dict[str, list[Variant]]
    cookie_name: str = "session"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from demo_database(tmp_path_factory)


@pytest.fixture(scope="session")
def scene(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    from jointdegree import create_app
    from jointdegree.db import database

    app = create_app({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",  # the same as tests/conftest.py
        "TESTING": True,
        "KEYS_DIR": str(tmp_path_factory.getbasetemp() / "signing-keys"),
    })
    app.instance_path = str(tmp_path_factory.mktemp("matrix-instance"))
    try:
        with app.test_request_context():
            ids, sets = _extras()
        actors = _actors(app, ids)  # outside that context: each request has its own `g`
        yield Scene(actors, ids, sets, app.config.get("SESSION_COOKIE_NAME", "session"))
    finally:
        database(app).engine.dispose()


def _extras() -> tuple[dict[str, Any], dict[str, list[Variant]]]:
    """Commit the extra objects; return the ids and the named sets of variants."""
    from jointdegree.auth.models import Role, User
    from jointdegree.auth.services import create_user
    from jointdegree.auth.tokens import create_token
    from jointdegree.catalog import courses as course_service
    from jointdegree.catalog import services as catalog
    from jointdegree.catalog.models import AcademicTerm, Course, Partnership
    from jointdegree.db import session
    from jointdegree.diplomas import batches
    from jointdegree.diplomas.models import DiplomaRecord, DiplomaStatus
    from jointdegree.matching import equivalences
    from jointdegree.matching.models import Equivalence, EquivalenceStatus, FacultyReview
    from jointdegree.notifications.models import Notification
    from jointdegree.planning import plans, results, students
    from jointdegree.planning.models import (
        PlanSemester,
        PlanStatus,
        Result,
        Student,
        StudentException,
        StudyPlan,
    )
    from jointdegree.teaching import feeds
    from jointdegree.teaching.models import LectureSeries, TeachingAssignment

    users = {u.email: u for u in session.scalars(select(User))}
    uca, hainanu = catalog.get_institution("UCA"), catalog.get_institution("HAINANU")
    demo = session.scalar(select(Partnership).order_by(Partnership.id))
    m_info = demo.programme_a if demo.programme_a.institution_id == uca.id else demo.programme_b
    ms_cst = demo.programme_b if m_info is demo.programme_a else demo.programme_a

    # -- a third institution and a double degree UCA–EXT the Haikou registrar is no part of --
    ext = catalog.create_institution({
        "code": "EXT", "country": "DE", "timezone": "Europe/Berlin",
        "name_en": "External University", "credit_system": "ects", "grading_scale": "fr-20"},
        actor=None)
    users[ROLES["registrar_ext"]] = create_user(
        ROLES["registrar_ext"], DEMO_PASSWORD, Role.REGISTRAR, display_name="EXT registrar",
        institution_code="EXT")
    user_id = {name: users[email].id for name, email in ROLES.items() if email}
    m_ext = catalog.create_programme(ext, {
        "code": "M-EXT", "level": "master", "required_credits": "120", "duration_semesters": 4,
        "name_en": "External master"}, actor=None)
    foreign = catalog.create_partnership(m_info, m_ext, {
        "code": "NICE-EXT", "status": "active", "first_intake_year": 2024,
        "name_en": "Nice–External double degree"}, actor=None)
    outsider = students.create_student(foreign, {
        "family_name": "Muster", "given_names": "Erika", "primary_script": "latin",
        "email": "erika.muster@example.org", "nationality": "DE", "cohort": "2025",
        "numbers": {"UCA": "299999", "EXT": "E-0001"}}, None)
    uca_course = session.scalar(select(Course).where(Course.institution_id == uca.id,
                                                     Course.code == "M1-INF-02"))
    uca_term = session.scalar(select(AcademicTerm).where(
        AcademicTerm.institution_id == uca.id, AcademicTerm.id.in_(
            select(Result.term_id).where(Result.course_id == uca_course.id))))
    foreign_plan = plans.create_plan(outsider, "External path", None)
    foreign_semester = plans.add_semester(foreign_plan, uca_term, False, None)
    plans.add_course(foreign_plan, foreign_semester.id, uca_course, None)
    foreign_result = results.record_result(outsider, uca_course, uca_term, {"grade": "12"}, None)
    ext_course = course_service.create_course(ext, {
        "code": "EXT-101", "title_en": "External course", "credits": "6", "level": "master"},
        None)
    foreign_equivalence = equivalences.propose(
        foreign, [uca_course.id, ext_course.id], uca_term.starts_on.year, None, None,
        users[ROLES["registrar_uca"]])

    # -- the demo's own objects ------------------------------------------------------------------
    own = session.scalar(select(Student).where(Student.user_id == user_id["student"]))
    other = session.scalar(select(Student).where(
        Student.partnership_id == demo.id, Student.user_id.is_(None)).order_by(Student.id))
    graduate_record = session.scalar(select(DiplomaRecord).where(
        DiplomaRecord.status == DiplomaStatus.ISSUED).order_by(DiplomaRecord.id))

    def first_plan(student: Student, status: PlanStatus | None = None) -> StudyPlan:
        statement = select(StudyPlan).where(StudyPlan.student_id == student.id)
        if status is not None:
            statement = statement.where(StudyPlan.status == status)
        return session.scalar(statement.order_by(StudyPlan.id))

    own_plan, other_plan = first_plan(own), first_plan(other)
    other_approved = session.scalar(select(StudyPlan).where(
        StudyPlan.status == PlanStatus.APPROVED, StudyPlan.student_id != own.id,
        StudyPlan.student_id.in_(select(Student.id).where(Student.partnership_id == demo.id)))
        .order_by(StudyPlan.id))
    assert own_plan.status is PlanStatus.APPROVED, "the demo student's plan is approved"

    def semester_with_course(plan: StudyPlan) -> tuple[PlanSemester, Course]:
        semester = next(s for s in plan.semesters if s.courses)
        return semester, semester.courses[0]

    def result_of(student: Student, institution_id: int) -> Result:
        return session.scalar(select(Result).join(Course).where(
            Result.student_id == student.id, Course.institution_id == institution_id)
            .order_by(Result.id))

    proposed = session.scalar(select(Equivalence).where(
        Equivalence.partnership_id == demo.id, Equivalence.status == EquivalenceStatus.PROPOSED)
        .order_by(Equivalence.id))
    second_proposed = session.scalar(select(Equivalence).where(
        Equivalence.partnership_id == demo.id, Equivalence.status == EquivalenceStatus.PROPOSED,
        Equivalence.id != proposed.id).order_by(Equivalence.id))
    equivalences.request_review(second_proposed, users["professor.haikou@example.org"],
                                "Is the workload comparable?", users[ROLES["registrar_hainanu"]])
    review_own = session.scalar(select(FacultyReview).where(
        FacultyReview.professor_id == user_id["professor"]).order_by(FacultyReview.id))
    review_other = session.scalar(select(FacultyReview).where(
        FacultyReview.professor_id != user_id["professor"]).order_by(FacultyReview.id))
    exception = session.scalar(select(StudentException).order_by(StudentException.id))

    def assignment(professor_id: int, *, same: bool, institution_id: int | None = None
                   ) -> TeachingAssignment:
        rows = session.scalars(select(TeachingAssignment).where(
            (TeachingAssignment.professor_id == professor_id) if same
            else (TeachingAssignment.professor_id != professor_id))
            .order_by(TeachingAssignment.id))
        return next(a for a in rows
                    if institution_id is None or a.course.institution_id == institution_id)

    teach_uca = assignment(user_id["professor"], same=True, institution_id=uca.id)
    teach_hainanu = assignment(user_id["professor"], same=True, institution_id=hainanu.id)
    teach_other = assignment(user_id["professor"], same=False, institution_id=hainanu.id)

    feed_professor, secret = feeds.create_feed(users[ROLES["professor"]], "professor",
                                               user_id["professor"])
    feed_student, _ = feeds.create_feed(users[ROLES["student"]], "student", own.id)
    batch_uca = batches.start(demo, graduate_record.student.cohort, users[ROLES["registrar_uca"]],
                              "Directrice de la scolarité", date(2026, 7, 1))
    batch_hainanu = batches.start(demo, graduate_record.student.cohort,
                                  users[ROLES["registrar_hainanu"]], "教务处处长",
                                  date(2026, 7, 1))
    tokens = {name: create_token(users[email], "authorization matrix")
              for name, email in ROLES.items() if email}

    def notification_of(uid: int) -> Notification:
        found = session.scalar(select(Notification).where(Notification.user_id == uid)
                               .order_by(Notification.id))
        assert found is not None, f"the demo has a notification for user #{uid}"
        return found

    note_registrar = notification_of(user_id["registrar_uca"])
    note_student = notification_of(user_id["student"])
    session.commit()
    every_student = list(session.scalars(select(Student)))
    every_record = list(session.scalars(select(DiplomaRecord)))

    def of_student(student: Student) -> dict[str, Any]:
        return {"student_user": student.user_id,
                "partners": set(student.partnership.institution_ids())}

    def of_assignment(a: TeachingAssignment) -> dict[str, Any]:
        return {"institution": a.course.institution_id, "professor": a.professor_id}

    def series_of(a: TeachingAssignment) -> LectureSeries:
        return session.scalar(select(LectureSeries).where(LectureSeries.assignment_id == a.id)
                              .order_by(LectureSeries.id))

    def campuses_of(person: User) -> set[int]:
        """The professor's institution and those in a double degree with it."""
        return {person.institution_id} | {
            i for p in catalog.partnerships_of(person.institution) for i in p.institution_ids()}

    hainanu_course = teach_hainanu.course
    plan_rows = [("own", own_plan, own), ("other", other_plan, other),
                 ("foreign", foreign_plan, outsider)]
    sets: dict[str, list[Variant]] = {
        "-": [Variant("", {})],
        "institution": [
            Variant("UCA", {"code": "UCA"}, {"institution": uca.id, "version": uca.version}),
            Variant("HAINANU", {"code": "HAINANU"},
                    {"institution": hainanu.id, "version": hainanu.version}),
            Variant("EXT", {"code": "EXT"}, {"institution": ext.id, "version": ext.version})],
        "course": [
            Variant("uca", {"course_id": uca_course.id},
                    {"institution": uca.id, "version": uca_course.version}),
            Variant("hainanu", {"course_id": hainanu_course.id},
                    {"institution": hainanu.id, "version": hainanu_course.version})],
        "partnership": [
            Variant("demo", {"partnership_id": demo.id},
                    {"partners": set(demo.institution_ids()), "code": demo.code,
                     "version": demo.version}),
            Variant("foreign", {"partnership_id": foreign.id},
                    {"partners": set(foreign.institution_ids()), "code": foreign.code,
                     "version": foreign.version})],
        "programme": [
            Variant(p.code, {"programme_id": p.id}, {"institution": p.institution_id,
                                                     "version": p.version})
            for p in (m_info, ms_cst, m_ext)],
        "student": [
            Variant(name, {"student_id": s.id}, of_student(s) | {"version": s.version})
            for name, s in (("own", own), ("other", other), ("foreign", outsider))],
        "plan": [Variant(name, {"plan_id": p.id}, of_student(s) | {"version": p.version})
                 for name, p, s in plan_rows],
        "approved_plan": [
            Variant("own", {"plan_id": own_plan.id}, of_student(own)),
            Variant("other", {"plan_id": other_approved.id}, of_student(other_approved.student))],
        "plan_semester": [
            Variant(name, {"plan_id": p.id, "semester_id": semester_with_course(p)[0].id},
                    of_student(s) | {"version": p.version,
                                     "term": semester_with_course(p)[0].term_id})
            for name, p, s in plan_rows],
        "plan_course": [
            Variant(name, {"plan_id": p.id, "semester_id": semester_with_course(p)[0].id,
                           "course_id": semester_with_course(p)[1].id},
                    of_student(s) | {"version": p.version})
            for name, p, s in plan_rows],
        "result": [
            Variant(name, {"result_id": r.id},
                    of_student(r.student) | {"institution": r.course.institution_id})
            for name, r in (("own-uca", result_of(own, uca.id)),
                            ("own-hainanu", result_of(own, hainanu.id)),
                            ("other-uca", result_of(other, uca.id)),
                            ("foreign-uca", foreign_result))],
        "exception": [Variant("demo", {"exception_id": exception.id},
                              {"institution": exception.programme.institution_id})],
        "equivalence": [
            Variant(name, {"equivalence_id": e.id},
                    {"partners": set(e.partnership.institution_ids()), "version": e.version})
            for name, e in (("demo", proposed), ("foreign", foreign_equivalence))],
        "review": [Variant(name, {"review_id": r.id}, {"professor": r.professor_id})
                   for name, r in (("own", review_own), ("other", review_other))],
        "roster": [
            Variant(name, {"course_id": a.course_id, "term_id": a.term_id}, of_assignment(a))
            for name, a in (("own-uca", teach_uca), ("own-hainanu", teach_hainanu),
                            ("other", teach_other))],
        "assignment": [
            Variant(name, {"assignment_id": a.id}, of_assignment(a))
            for name, a in (("own-uca", teach_uca), ("own-hainanu", teach_hainanu),
                            ("other", teach_other))],
        "series": [
            Variant(name, {"series_id": series_of(a).id}, of_assignment(a))
            for name, a in (("own-uca", teach_uca), ("own-hainanu", teach_hainanu),
                            ("other", teach_other))],
        "professor": [
            Variant(name, {"user_id": person.id}, {"professor": person.id,
                                                   "institutions": campuses_of(person)})
            for name, person in (("own", users[ROLES["professor"]]),
                                 ("other", teach_other.professor),
                                 ("haikou", users["professor.haikou@example.org"]))],
        "token": [Variant(name, {"token_id": tokens[name].token.id}, {"owner": user_id[name]})
                  for name in ("student", "registrar_uca")],
        "notification": [
            Variant("registrar", {"notification_id": note_registrar.id},
                    {"owner": note_registrar.user_id}),
            Variant("student", {"notification_id": note_student.id},
                    {"owner": note_student.user_id})],
        "feed": [Variant(name, {"feed_id": f.id}, {"owner": f.owner_id, "kind": f.kind,
                                                   "target_id": f.target_id})
                 for name, f in (("professor", feed_professor), ("student", feed_student))],
        "feed_secret": [
            Variant("valid", {"secret": secret}, {"valid": True}),
            Variant("wrong", {"secret": "cal_" + "A" * 32}, {"valid": False}),
            Variant("unprefixed", {"secret": secret.removeprefix("cal_")}, {"valid": False})],
        "diploma": [Variant("issued", {"serial": graduate_record.serial},
                            of_student(graduate_record.student))],
        "verify_code": [
            Variant("valid", {"code": graduate_record.verification_code}, {"valid": True}),
            Variant("unknown", {"code": "ZZZZ-ZZZZ-ZZZZ"}, {"valid": False})],
        "batch": [Variant(name, {"batch_id": b.id}, {"institution": b.institution_id})
                  for name, b in (("uca", batch_uca), ("hainanu", batch_hainanu))],
    }
    ids = {
        "uca": uca.id, "hainanu": hainanu.id, "ext": ext.id,
        "demo_partnership": demo.code, "foreign_partnership": foreign.code,
        "m_info": m_info.id, "ms_cst": ms_cst.id, "m_ext": m_ext.id,
        "uca_course": uca_course.id, "hainanu_course": hainanu_course.id,
        "ext_course": ext_course.id,
        "uca_term": uca_term.id, "uca_term_code": uca_term.code,
        "hainanu_term_code": teach_hainanu.term.code,
        "own_student": own.id, "other_student": other.id, "foreign_student": outsider.id,
        "graduate": graduate_record.student_id, "professor_other": teach_other.professor_id,
        "roster_student": other.id, "user_id": user_id,
        "tokens": {name: t.secret for name, t in tokens.items()},
        "students": {s.id: of_student(s) for s in every_student},
        "diplomas": {r.serial: r.student_id for r in every_record},
        "token_ids": {name: t.token.id for name, t in tokens.items()},
        "users": {name: (users[email].role.value, users[email].institution_id)
                  for name, email in ROLES.items() if email},
    }
    return ids, sets


def _actors(app: Any, ids: dict[str, Any]) -> list[Actor]:
    """One session cookie (logged in through /login, with its CSRF token) per role."""
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    actors = []
    for name, email in ROLES.items():
        client = app.test_client()
        if email is None:
            csrf = csrf_token(client, "/login")
            actor = Actor(name)
        else:
            response = login(client, email, DEMO_PASSWORD)
            assert response.status_code == 302, f"{email} logs in"
            csrf = csrf_token(client, "/profile")
            role, institution_id = ids["users"][name]
            actor = Actor(name, role, ids["user_id"][name], institution_id,
                          has_student=name == "student", token=ids["tokens"][name])
        cookie = client.get_cookie(cookie_name)
        assert cookie is not None
        actor.cookie, actor.csrf = cookie.value, csrf
        actors.append(actor)
    return actors
