"""Small factories: real rows made through the services, inside the test's transaction."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from jointdegree.auth.models import Role, User
from jointdegree.auth.services import create_user
from jointdegree.auth.tokens import create_token
from jointdegree.catalog import courses
from jointdegree.catalog import services as catalog
from jointdegree.catalog.models import Institution, Partnership, Programme
from jointdegree.catalog.records import COLUMNS
from jointdegree.db import session
from tests.support import PASSWORD

_seq = itertools.count(1)


def make_institution(code: str = "NICE", **overrides: Any) -> Institution:
    data = {"code": code, "country": "FR", "timezone": "Europe/Paris",
            "name_fr": f"Université {code}", "name_en": f"University {code}",
            "credit_system": "ects", "grading_scale": "fr-20"} | overrides
    return catalog.create_institution(data, actor=None)


def make_cn_institution(code: str = "HAIKOU", **overrides: Any) -> Institution:
    return make_institution(code, **({"country": "CN", "timezone": "Asia/Shanghai",
                                      "name_zh": f"{code}大学", "credit_system": "cn",
                                      "grading_scale": "cn-100"} | overrides))


def make_programme(institution: Institution, code: str | None = None,
                   **overrides: Any) -> Programme:
    data = {"code": code or f"P{next(_seq)}", "level": "master", "required_credits": "120",
            "duration_semesters": 4, "name_en": "Master in Testing"} | overrides
    return catalog.create_programme(institution, data, actor=None)


def make_user(role: Role = Role.STUDENT, institution: Institution | None = None,
              email: str | None = None, **kwargs: Any) -> User:
    user = create_user(email or f"user{next(_seq)}@example.org", PASSWORD, role,
                       institution_code=institution.code if institution else None, **kwargs)
    session.commit()
    return user


def make_partnership(a: Programme, b: Programme, code: str | None = None,
                     actor: User | None = None) -> Partnership:
    return catalog.create_partnership(a, b, {
        "code": code or f"DD{next(_seq)}", "name_en": "Double degree",
        "first_intake_year": 2026, "status": "active"}, actor=actor)


@pytest.fixture
def world(app: Any, db: Any) -> dict[str, Any]:
    """Two partner institutions, a programme each, a partnership, and one user per role.

    Made in an application context of its own, popped before the test runs, so that requests
    of the test client do not share it (Flask reuses a pushed context, and its ``g``)."""
    with app.test_request_context():
        return _world()


def _world() -> dict[str, Any]:
    nice = make_institution("NICE")
    haikou = make_cn_institution("HAIKOU")
    p_nice = make_programme(nice, "M-INFO")
    p_haikou = make_programme(haikou, "MS-CST", required_credits="34", duration_semesters=6)
    catalog.create_term(nice, {"code": "2026-S1", "academic_year": "2026-2027",
                               "name_fr": "Semestre 1", "starts_on": date(2026, 9, 7),
                               "ends_on": date(2027, 1, 22)}, actor=None)
    people = {
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
        "registrar_nice": make_user(Role.REGISTRAR, nice, email="reg.nice@example.org"),
        "registrar_haikou": make_user(Role.REGISTRAR, haikou, email="reg.haikou@example.org"),
        "professor": make_user(Role.PROFESSOR, nice, email="prof@example.org"),
        "student": make_user(Role.STUDENT, haikou, email="student@example.org"),
    }
    # Proposed by the Nice registrar: the Haikou registrar has it in their inbox.
    partnership = make_partnership(p_nice, p_haikou, "NH-CS", actor=people["registrar_nice"])
    return {"nice": nice, "haikou": haikou, "p_nice": p_nice, "p_haikou": p_haikou,
            "partnership": partnership, **people}


def course_row(code: str, **values: str) -> dict[str, str]:
    """A valid catalog row with the given overrides."""
    row = dict.fromkeys(COLUMNS, "")
    row.update({"code": code, "title_en": f"Course {code}", "credits": "6", "level": "master",
                "languages": "fr;en", "delivery": "on_campus", "kind": "lecture",
                "status": "active"})
    row.update(values)
    return row


@pytest.fixture
def catalog_world(app: Any, world: dict[str, Any]) -> dict[str, Any]:
    """The world plus a few courses on each side."""
    with app.test_request_context():
        made = {
            "bdd": courses.create_course(world["nice"], course_row(
                "M1-BDA", title_fr="Bases de données avancées", title_en="Advanced databases",
                contact_hours="54", self_study_hours="96", isced="0612", terms="2026-S1"),
                None),
            "ml": courses.create_course(world["nice"], course_row(
                "M1-ML", title_fr="Apprentissage automatique", isced="0613"), None),
            "db_cn": courses.create_course(world["haikou"], course_row(
                "CS5102", title_zh="数据库系统原理", title_en="Database systems",
                credits="2", level="研究生", languages="zh", contact_hours="32",
                self_study_hours="64", isced="0612"), None),
            "ml_cn": courses.create_course(world["haikou"], course_row(
                "CS5201", title_zh="机器学习", title_en="", credits="3", level="研究生",
                languages="zh;en", delivery="remote", isced="0613"), None),
        }
    return world | made


@pytest.fixture
def tokens(app: Any, world: dict[str, Any]) -> dict[str, str]:
    """A token for each user of the world, keyed like the world ('admin', 'student', …)."""
    made = {}
    with app.test_request_context():
        for key in ("admin", "registrar_nice", "registrar_haikou", "professor", "student"):
            made[key] = create_token(world[key], f"{key} token").secret
    return made


@pytest.fixture
def api(client: Any, tokens: dict[str, str]) -> Any:
    """``api("GET", "/me", as_="student", json=...)`` → the test client's response."""

    def call(method: str, path: str, as_: str | None = "registrar_nice", **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            headers.setdefault("Authorization", f"Bearer {tokens[as_]}")
        return client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    return call
