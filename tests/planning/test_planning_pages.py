"""The student, plan, roster, requirements and audit pages, and the students API: who sees what,
forms that keep what was typed, and a constant number of queries per page."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from jointdegree.auth.tokens import create_token
from jointdegree.catalog.models import AcademicTerm, Course, Institution, Programme
from jointdegree.db import session
from jointdegree.demo import DEMO_PASSWORD
from jointdegree.planning import auditing, results
from jointdegree.planning.models import Result, Student
from jointdegree.teaching.models import TeachingAssignment
from tests.support import csrf_token, login

NICE, HAIKOU = "registrar.nice@example.org", "registrar.haikou@example.org"


def _ids(app) -> dict[str, int]:
    with app.test_request_context():
        by_email = {s.email: s.id for s in session.scalars(select(Student))}
        programme = session.scalar(select(Programme).where(Programme.code == "M-INFO"))
        return {"me": by_email["student@example.org"], "other": by_email["student02@example.org"],
                "ready": by_email["student12@example.org"], "programme": programme.id}


def test_each_role_sees_only_the_students_it_should(app, demo, client) -> None:
    ids = _ids(app)
    login(client, "student@example.org", DEMO_PASSWORD)
    assert client.get("/students").headers["Location"].endswith(f"/students/{ids['me']}")
    assert client.get(f"/students/{ids['me']}").status_code == 200
    assert client.get(f"/students/{ids['me']}/audit").status_code == 200
    assert client.get(f"/students/{ids['other']}").status_code == 403
    assert client.get(f"/students/{ids['other']}/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    assert client.get(f"/students/{ids['me']}").status_code == 403
    assert client.get("/students").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, HAIKOU, DEMO_PASSWORD)
    listing = client.get("/students?q=Xu").get_data(as_text=True)
    assert "徐娜" in listing and "张伟" not in listing


def test_the_audit_page_shows_both_degrees_and_costs_the_same_queries(app, demo, client,
                                                                      query_counter) -> None:
    ids = _ids(app)
    login(client, NICE, DEMO_PASSWORD)
    counts = []
    for key in ("other", "ready"):  # a first-semester student, and one with two years of results
        query_counter.clear()
        page = client.get(f"/students/{ids[key]}/audit")
        assert page.status_code == 200
        counts.append(len(query_counter))
    body = page.get_data(as_text=True)
    # The Nice registrar reads French: both programmes' names, the path chart, rule statuses.
    assert "Master mention Informatique" in body
    assert "Master en sciences et technologies informatiques" in body
    assert "<svg" in body and 'class="tag status-satisfied"' in body
    assert counts[0] == counts[1], counts


def test_what_if_on_the_page_saves_nothing(app, demo, client) -> None:
    ids = _ids(app)
    with app.test_request_context():
        plan = auditing.default_plan(session.get(Student, ids["other"]))
        learning = session.scalar(select(Course).where(Course.code == "M1-INF-03"))
        plan_id, revision, course_id = plan.id, plan.revision, learning.id
    login(client, NICE, DEMO_PASSWORD)
    page = client.get(f"/students/{ids['other']}/audit?plan={plan_id}&remove={course_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'class="tag status-impossible"' in text and "M1-INF-03" in text
    assert client.get(f"/students/{ids['other']}/audit?plan={plan_id}&add=x").status_code == 400
    with app.test_request_context():
        assert auditing.default_plan(session.get(Student, ids["other"])).revision == revision


def test_a_registrar_records_a_result_and_a_bad_grade_is_shown_beside_the_field(
        app, demo, client) -> None:
    ids = _ids(app)
    with app.test_request_context():
        course = session.scalar(select(Course).where(Course.code == "M1-INF-05"))
        term = session.scalar(select(AcademicTerm).where(AcademicTerm.code == "2025-S1"))
        course_id, term_id = course.id, term.id
    login(client, NICE, DEMO_PASSWORD)
    url = f"/students/{ids['other']}/results/new"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "course": str(course_id), "term": str(term_id),
            "attempt": "first", "grade": "23", "status": "", "credits_earned": ""}
    page = client.post(url, data=data)
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'value="23"' in body and "fr-20" in body
    assert client.post(url, data=data | {"grade": "12"}).status_code == 302


def test_a_professor_sees_the_roster_of_a_course_they_teach_only(app, demo, client) -> None:
    with app.test_request_context():
        course = session.scalar(select(Course).where(Course.code == "M1-INF-05"))
        term = session.scalar(select(AcademicTerm).where(AcademicTerm.code == "2026-S1"))
        url = f"/courses/{course.id}/roster/{term.id}"
        course_id, term_id = course.id, term.id
    login(client, "professor.nice@example.org", DEMO_PASSWORD)
    assert client.get(url).status_code == 403
    with app.test_request_context():
        from jointdegree.auth.models import User

        professor = session.scalar(select(User).where(User.email == "professor.nice@example.org"))
        session.add(TeachingAssignment(course_id=course_id, term_id=term_id,
                                       professor_id=professor.id))
        session.commit()
    page = client.get(url)
    assert page.status_code == 200
    assert "张伟" in page.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)  # the home page lists the professor's rosters
    assert url in home
    assert 'name="grade-' not in page.get_data(as_text=True)  # reading, not grading


def test_a_roster_with_a_wrong_grade_keeps_what_was_typed(app, demo, client) -> None:
    with app.test_request_context():
        course = session.scalar(select(Course).where(Course.code == "M1-INF-02"))
        term = session.scalar(select(AcademicTerm).where(AcademicTerm.code == "2026-S1"))
        url = f"/courses/{course.id}/roster/{term.id}"
        lines = [line.student.id for line in results.roster(course, term)]
    login(client, NICE, DEMO_PASSWORD)
    token = csrf_token(client, url)
    data = {"csrf_token": token, **{f"grade-{sid}": "14" for sid in lines}}
    data[f"grade-{lines[0]}"] = "quatorze"
    page = client.post(url, data=data)
    assert page.status_code == 400
    assert 'value="quatorze"' in page.get_data(as_text=True)
    with app.test_request_context():
        graded = session.scalars(select(Result.grade).where(Result.student_id.in_(lines),
                                                            Result.term_id == term.id,
                                                            Result.course_id == course.id))
        assert set(graded) == {None}


def test_the_results_import_page_previews_then_imports(app, demo, client) -> None:
    login(client, NICE, DEMO_PASSWORD)
    url = "/institutions/UCA/results/import"
    token = csrf_token(client, url)
    bad = b"student_number,course,term,grade\nnobody,M1-INF-05,2025-S1,12\n"
    page = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(bad), "r.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400 and "student_number" in page.get_data(as_text=True)
    with app.test_request_context():
        uca = session.scalar(select(Institution).where(Institution.code == "UCA"))
        number = session.scalar(select(Student).where(
            Student.email == "student02@example.org")).number_at(uca.id)
    good = f"student_number,course,term,grade\n{number},M1-INF-05,2025-S1,12\n".encode()
    page = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(good), "r.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    upload = re.search(r'name="upload_id" type="hidden" value="(\d+)"',
                       page.get_data(as_text=True)).group(1)
    done = client.post(url, data={"csrf_token": token, "upload_id": upload})
    assert done.status_code == 302


def test_requirements_are_edited_as_yaml_and_errors_name_the_path(app, demo, client) -> None:
    ids = _ids(app)
    url = f"/programmes/{ids['programme']}/requirements"
    login(client, HAIKOU, DEMO_PASSWORD)
    assert "<textarea" not in client.get(url).get_data(as_text=True)  # read-only for Haikou
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, NICE, DEMO_PASSWORD)
    token = csrf_token(client, url)
    broken = "rules:\n- id: total\n  type: total_credits\n  label: {en: T}\n  min: -3\n"
    page = client.post(url, data={"csrf_token": token, "format": "yaml", "document": broken})
    assert page.status_code == 400
    assert "rules[0].min" in page.get_data(as_text=True)
    exported = client.get(f"/programmes/{ids['programme']}/requirements.json")
    assert exported.status_code == 200 and exported.json["rules"][0]["id"] == "total"


def test_the_students_api_follows_the_same_permissions(app, demo, client) -> None:
    ids = _ids(app)
    with app.test_request_context():
        from jointdegree.auth.models import User

        def token(email: str) -> str:
            return create_token(session.scalar(select(User).where(User.email == email)),
                                "test").secret

        mine, nice = token("student@example.org"), token(NICE)

    def get(path: str, secret: str, language: str = "en"):
        return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {secret}",
                                                      "Accept-Language": language})

    listed = get("/students", mine).json
    assert [s["id"] for s in listed["items"]] == [ids["me"]]
    assert get(f"/students/{ids['other']}", mine).status_code == 403
    assert get("/students?per_page=5", nice).json["total"] == 20
    audit = get(f"/students/{ids['ready']}/audit", nice)
    assert audit.status_code == 200
    statuses = {d["institution"]: d["audit"]["status"] for d in audit.json["degrees"]}
    assert statuses == {"UCA": "satisfied", "HAINANU": "satisfied"}
    french = get(f"/students/{ids['ready']}/audit", nice, "fr").json
    nice_rules = next(d for d in french["degrees"] if d["institution"] == "UCA")["audit"]
    assert nice_rules["rules"][0]["label_text"] == "120 crédits ECTS"
    plans = get(f"/students/{ids['ready']}/plans", nice).json
    assert plans["items"][0]["status"] == "approved"
    requirements = get(f"/programmes/{ids['programme']}/requirements", nice)
    assert requirements.status_code == 200 and requirements.headers["ETag"]
    put = client.put(f"/api/v1/programmes/{ids['programme']}/requirements",
                     json={"document": requirements.json["document"]},
                     headers={"Authorization": f"Bearer {nice}"})
    assert put.status_code == 428  # If-Match required once requirements exist
    put = client.put(f"/api/v1/programmes/{ids['programme']}/requirements",
                     json={"document": {"rules": [{"id": "x", "type": "average"}]}},
                     headers={"Authorization": f"Bearer {nice}",
                              "If-Match": requirements.headers["ETag"]})
    assert put.status_code == 400
    assert "rules[0].label" in put.json["error"]["fields"]


def test_the_plan_page_costs_the_same_queries_with_more_courses(app, demo, client,
                                                                query_counter) -> None:
    from jointdegree.planning import plans as plan_service

    with app.test_request_context():
        plan = auditing.default_plan(session.scalar(select(Student).where(
            Student.email == "student02@example.org")))
        plan_id = plan.id
    login(client, NICE, DEMO_PASSWORD)
    client.get(f"/plans/{plan_id}")
    query_counter.clear()
    assert client.get(f"/plans/{plan_id}").status_code == 200
    before = len(query_counter)
    with app.test_request_context():
        from jointdegree.auth.models import User

        plan = plan_service.get_plan(plan_id)
        first = plan.semesters[0]
        registrar = session.scalar(select(User).where(User.email == NICE))
        for code in ("M1-INF-06", "M1-INF-12", "M1-INF-15"):  # offered in S1, with prerequisites
            course = session.scalar(select(Course).where(Course.code == code))
            plan_service.add_course(plan, first.id, course, registrar)
    query_counter.clear()
    assert client.get(f"/plans/{plan_id}").status_code == 200
    assert len(query_counter) == before, (before, len(query_counter))
