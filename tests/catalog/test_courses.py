"""Courses: validation, permissions, search in any language, editing without losing work."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.auth.policy import NotAllowed
from jointdegree.catalog import courses
from jointdegree.catalog.models import Course, CourseStatus
from jointdegree.errors import Conflict, ValidationFailed
from tests.factories import course_row
from tests.support import csrf_token, login


def test_a_course_keeps_its_own_credit_system(app, catalog_world) -> None:
    with app.test_request_context():
        cn = courses.get_course(catalog_world["db_cn"].id)
        assert cn.credits == Decimal(2) and cn.institution.credit_system.value == "cn"
        assert cn.cycle.value == "master" and cn.national_level == "研究生"
        assert cn.languages == ["zh"]


@pytest.mark.parametrize(("values", "field"), [
    ({"credits": "-1"}, "credits"), ({"credits": "2.25"}, "credits"),
    ({"level": "collège"}, "level"), ({"terms": "2031-S9"}, "terms"),
    ({"title_en": ""}, "title_en"), ({"languages": "klingon"}, "languages"),
    ({"prerequisites": "NOPE"}, "prerequisites"), ({"isced": "61"}, "isced")])
def test_bad_values_are_refused_by_field(app, catalog_world, values, field) -> None:
    with app.test_request_context(), pytest.raises(ValidationFailed) as caught:
        courses.create_course(catalog_world["nice"], course_row("NEW", **values), None)
    assert field in caught.value.fields


def test_codes_are_unique_per_institution_only(app, catalog_world) -> None:
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            courses.create_course(catalog_world["nice"], course_row("M1-BDA"), None)
        assert "code" in caught.value.fields
        # the same code at the partner is another course
        courses.create_course(catalog_world["haikou"], course_row("M1-BDA", level="研究生"),
                              None)


def test_only_the_institutions_registrars_change_its_courses(app, catalog_world) -> None:
    with app.test_request_context():
        course = courses.get_course(catalog_world["bdd"].id)
        with pytest.raises(NotAllowed):
            courses.update_course(course, {"credits": "3"}, catalog_world["registrar_haikou"])
        with pytest.raises(NotAllowed):
            courses.update_course(course, {"credits": "3"}, catalog_world["professor"])
        courses.update_course(course, {"credits": "3"}, catalog_world["registrar_nice"])
        assert course.credits == Decimal(3)


def test_retiring_keeps_the_course_and_is_audited(app, db, catalog_world) -> None:
    with app.test_request_context():
        course = courses.get_course(catalog_world["ml"].id)
        courses.retire_course(course, catalog_world["registrar_nice"])
    retired = db.get(Course, catalog_world["ml"].id)
    assert retired is not None and retired.status is CourseStatus.RETIRED
    entry = db.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "course.update",
                                                   AuditLogEntry.entity_id == str(retired.id))
                       ).one()
    assert entry.before["status"] == "active" and entry.after["status"] == "retired"


def test_saving_without_changes_makes_no_new_version(app, catalog_world) -> None:
    with app.test_request_context():
        course = courses.get_course(catalog_world["bdd"].id)
        version = course.version
        courses.update_course(course, {"title_en": "Advanced databases"}, None)
        assert course.version == version


def test_a_stale_edit_is_refused(app, catalog_world) -> None:
    with app.test_request_context():
        course = courses.get_course(catalog_world["bdd"].id)
        old = course.version
        courses.update_course(course, {"credits": "3"}, None, expected_version=old)
        with pytest.raises(Conflict):
            courses.update_course(course, {"credits": "9"}, None, expected_version=old)


# -- search ---------------------------------------------------------------------------------------

def _codes(app, **filters) -> list[str]:
    with app.test_request_context():
        result = courses.search(courses.CourseFilters(**filters))
        assert result.total == len(result.courses) and not result.capped
        return sorted(c.code for c in result.courses)


@pytest.mark.parametrize(("q", "expected"), [
    ("数据", ["CS5102"]),  # a Chinese substring
    ("donnees", ["M1-BDA"]),  # accents optional
    ("DONNÉES avancées", ["M1-BDA"]),  # case and accents, several words
    ("database", ["CS5102", "M1-BDA"]),  # English titles of both catalogs
    ("m1-ml", ["M1-ML"]),  # code
    ("学习", ["CS5201"]),
    ("nothing-like-this", []),
    ("100%", []),  # LIKE wildcards are literal
])
def test_text_search_across_languages(app, catalog_world, q, expected) -> None:
    assert _codes(app, q=q) == expected


def test_filters_combine(app, catalog_world) -> None:
    assert _codes(app, institution="HAIKOU") == ["CS5102", "CS5201"]
    assert _codes(app, isced="0612") == ["CS5102", "M1-BDA"]
    assert _codes(app, isced="061") == ["CS5102", "CS5201", "M1-BDA", "M1-ML"]
    assert _codes(app, credits_min=Decimal(3), credits_max=Decimal(3)) == ["CS5201"]
    assert _codes(app, language="en") == ["CS5201", "M1-BDA", "M1-ML"]
    assert _codes(app, delivery="remote") == ["CS5201"]
    assert _codes(app, term="2026-s1") == ["M1-BDA"]
    assert _codes(app, institution="NICE", q="données") == ["M1-BDA"]


def test_retired_courses_are_hidden_unless_asked(app, catalog_world) -> None:
    with app.test_request_context():
        courses.retire_course(courses.get_course(catalog_world["ml"].id), None)
    assert "M1-ML" not in _codes(app)
    assert _codes(app, status="retired") == ["M1-ML"]
    assert "M1-ML" in _codes(app, status=None)


def test_search_page_keeps_filters_in_the_url(client, catalog_world) -> None:
    login(client, "student@example.org")
    page = client.get("/courses?q=数据&institution=HAIKOU").get_data(as_text=True)
    assert "1 course found" in page and "CS5102" in page
    assert 'value="数据"' in page


def test_very_common_searches_say_more_than_the_cap(app, client, catalog_world,
                                                    monkeypatch) -> None:
    monkeypatch.setattr(courses, "COUNT_CAP", 3)
    with app.test_request_context():
        page = courses.search(courses.CourseFilters(), page=1, per_page=2)
        assert page.capped and page.total == 3
        assert [c.code for c in page.courses] == ["M1-BDA", "M1-ML"]  # still in code order
        second = courses.search(courses.CourseFilters(), page=2, per_page=2)
        assert [c.code for c in second.courses] == ["CS5102", "CS5201"]
    login(client, "student@example.org")
    assert "More than 3 courses found" in client.get("/courses").get_data(as_text=True)


def test_search_page_paginates_with_a_fixed_number_of_queries(app, client, catalog_world,
                                                             query_counter) -> None:
    login(client, "student@example.org")
    client.get("/courses")
    query_counter.clear()
    client.get("/courses")
    few = len(query_counter)
    with app.test_request_context():
        for i in range(30):
            courses.create_course(catalog_world["nice"], course_row(f"X{i:02d}"), None)
    query_counter.clear()
    page = client.get("/courses?institution=NICE").get_data(as_text=True)
    assert len(query_counter) == few
    assert "32 courses found" in page and "page=2" in page


# -- pages ----------------------------------------------------------------------------------------

def test_a_registrar_creates_a_course_with_the_form(client, catalog_world) -> None:
    login(client, "reg.haikou@example.org")
    token = csrf_token(client, "/institutions/HAIKOU/courses/new")
    response = client.post("/institutions/HAIKOU/courses/new", data={
        "csrf_token": token, "code": "CS5301", "title_zh": "分布式系统", "credits": "2",
        "contact_hours": "32", "level": "研究生", "languages": ["zh", "en"],
        "delivery": "hybrid", "kind": "lecture", "status": "active", "isced": "0612"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "分布式系统" in page and "0612" in page


def test_the_form_shows_errors_beside_fields_and_keeps_input(client, catalog_world) -> None:
    login(client, "reg.haikou@example.org")
    token = csrf_token(client, "/institutions/HAIKOU/courses/new")
    response = client.post("/institutions/HAIKOU/courses/new", data={
        "csrf_token": token, "code": "CS5301", "title_zh": "分布式系统", "credits": "2.25",
        "level": "研究生", "delivery": "on_campus", "kind": "lecture", "status": "active"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="credits-error"' in page and 'value="分布式系统"' in page


def test_a_stale_form_says_who_changed_it_and_when(app, client, catalog_world) -> None:
    login(client, "reg.nice@example.org")
    edit = client.get(f"/courses/{catalog_world['bdd'].id}/edit").get_data(as_text=True)
    assert 'name="version"' in edit
    with app.test_request_context():  # meanwhile, the other registrar of Nice saves
        courses.update_course(courses.get_course(catalog_world["bdd"].id), {"credits": "9"},
                              catalog_world["admin"])
    response = client.post(f"/courses/{catalog_world['bdd'].id}/edit", data={
        "csrf_token": csrf_token(client, "/"), "code": "M1-BDA", "title_en": "Databases",
        "credits": "6", "level": "master", "delivery": "on_campus", "kind": "lecture",
        "status": "active", "version": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{catalog_world['admin'].display_name} changed this course at" in page
    assert "changed this course at" in page
    with app.test_request_context():
        assert courses.get_course(catalog_world["bdd"].id).credits == Decimal(9)


def test_students_and_professors_cannot_edit_courses(client, catalog_world) -> None:
    login(client, "prof@example.org")
    assert client.get(f"/courses/{catalog_world['bdd'].id}/edit").status_code == 403
    assert client.get(f"/courses/{catalog_world['bdd'].id}").status_code == 200
