"""Institutions, programmes, terms and partnerships: validation, permissions, audit, notices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.audit.services import history
from jointdegree.auth.models import Role
from jointdegree.auth.policy import NotAllowed
from jointdegree.catalog import services
from jointdegree.db import session
from jointdegree.errors import ValidationFailed
from jointdegree.notifications.models import Notification
from tests.factories import (
    make_cn_institution,
    make_institution,
    make_programme,
    make_user,
)
from tests.support import csrf_token, login


def test_institution_validation_reports_every_field_at_once(ctx) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_institution({"code": "bad code!", "country": "France",
                                     "timezone": "Paris", "credit_system": "ucts",
                                     "grading_scale": ""}, actor=None)
    assert set(caught.value.fields) == {"code", "name_en", "country", "timezone",
                                        "credit_system", "grading_scale"}


def test_institution_codes_are_unique_and_uppercased(ctx) -> None:
    assert make_institution("nice").code == "NICE"
    with pytest.raises(ValidationFailed) as caught:
        make_institution("NICE")
    assert "code" in caught.value.fields


def test_only_admins_create_institutions(ctx) -> None:
    nice = make_institution("NICE")
    registrar = make_user(Role.REGISTRAR, nice)
    with pytest.raises(NotAllowed):
        services.create_institution({"code": "X"}, actor=registrar)


def test_a_registrar_manages_only_their_own_institution(ctx) -> None:
    nice, haikou = make_institution("NICE"), make_cn_institution("HAIKOU")
    registrar = make_user(Role.REGISTRAR, nice)
    data = {"code": "M1", "level": "master", "required_credits": "60",
            "duration_semesters": 2, "name_fr": "Master 1"}
    assert services.create_programme(nice, data, actor=registrar).code == "M1"
    with pytest.raises(NotAllowed):
        services.create_programme(haikou, data, actor=registrar)
    with pytest.raises(NotAllowed):
        services.create_programme(nice, data, actor=make_user(Role.PROFESSOR, nice))


@pytest.mark.parametrize(("credits", "ok"), [("120", True), ("7.5", True), ("0", False),
                                             ("-3", False), ("7.25", False), ("abc", False),
                                             ("NaN", False)])
def test_programme_credits_must_be_positive_with_one_decimal(ctx, credits, ok) -> None:
    nice = make_institution()
    data = {"code": "M", "level": "master", "required_credits": credits,
            "duration_semesters": 4, "name_en": "M"}
    if ok:
        created = services.create_programme(nice, data, None)
        session.expire_all()
        assert session.get(type(created), created.id).required_credits == Decimal(credits)
    else:
        with pytest.raises(ValidationFailed) as caught:
            services.create_programme(nice, data, None)
        assert "required_credits" in caught.value.fields


def test_terms_must_end_after_they_start(ctx) -> None:
    nice = make_institution()
    with pytest.raises(ValidationFailed) as caught:
        services.create_term(nice, {"code": "S1", "academic_year": "2026-2028",
                                    "name_fr": "S1", "starts_on": date(2027, 1, 1),
                                    "ends_on": date(2026, 9, 1)}, None)
    assert set(caught.value.fields) == {"academic_year", "ends_on"}


def test_a_partnership_joins_two_institutions_and_notifies_the_other_side(ctx) -> None:
    nice, haikou = make_institution("NICE"), make_cn_institution("HAIKOU")
    reg_nice = make_user(Role.REGISTRAR, nice)
    reg_haikou = make_user(Role.REGISTRAR, haikou)
    a, b = make_programme(nice), make_programme(haikou)
    partnership = services.create_partnership(a, b, {"code": "DD", "name_en": "DD",
                                                     "first_intake_year": 2026}, reg_nice)
    assert partnership.institution_ids() == {nice.id, haikou.id}
    inbox_haikou = session.scalars(select(Notification).where(
        Notification.user_id == reg_haikou.id)).all()
    inbox_nice = session.scalars(select(Notification).where(
        Notification.user_id == reg_nice.id)).all()
    assert [n.kind for n in inbox_haikou] == ["partnership.created"]
    assert inbox_nice == []  # the proposer is not told about their own action
    [entry] = history("partnerships", partnership.id)
    assert entry.actor_id == reg_nice.id and entry.after["code"] == "DD"


def test_a_partnership_needs_two_institutions_and_a_registrar_of_one_of_them(ctx) -> None:
    nice, haikou, lyon = (make_institution("NICE"), make_cn_institution("HAIKOU"),
                          make_institution("LYON"))
    a1, a2, b = make_programme(nice), make_programme(nice), make_programme(haikou)
    with pytest.raises(ValidationFailed) as caught:
        services.create_partnership(a1, a2, {"code": "X", "name_en": "X",
                                             "first_intake_year": 2026}, None)
    assert "programme_b" in caught.value.fields
    with pytest.raises(NotAllowed):
        services.create_partnership(a1, b, {"code": "X", "name_en": "X",
                                            "first_intake_year": 2026},
                                    make_user(Role.REGISTRAR, lyon))


def test_every_change_is_in_the_audit_log(ctx) -> None:
    nice = make_institution()
    make_programme(nice)
    actions = session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)).all()
    assert actions == ["institution.create", "programme.create"]


# -- pages ----------------------------------------------------------------------------------------

def test_a_registrar_adds_a_programme_through_the_form(client, world) -> None:
    login(client, "reg.nice@example.org")
    token = csrf_token(client, "/institutions/NICE/programmes/new")
    response = client.post("/institutions/NICE/programmes/new", data={
        "csrf_token": token, "code": "M2-IA", "level": "master", "required_credits": "60",
        "duration_semesters": "2", "name_fr": "Master 2 Intelligence artificielle",
        "active": "y"})
    assert response.status_code == 302
    assert "Master 2 Intelligence artificielle" in client.get(
        "/institutions/NICE", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_a_form_with_errors_keeps_what_was_typed(client, world) -> None:
    login(client, "reg.nice@example.org")
    token = csrf_token(client, "/institutions/NICE/programmes/new")
    response = client.post("/institutions/NICE/programmes/new", data={
        "csrf_token": token, "code": "M-INFO", "level": "master", "required_credits": "60",
        "duration_semesters": "2", "name_zh": "人工智能硕士"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="人工智能硕士"' in page
    assert 'id="code-error"' in page and "already used" in page


def test_a_registrar_cannot_open_the_other_institutions_forms(client, world) -> None:
    login(client, "reg.nice@example.org")
    assert client.get("/institutions/HAIKOU/programmes/new").status_code == 403
    token = csrf_token(client, "/institutions/NICE/terms/new")
    response = client.post("/institutions/HAIKOU/terms/new", data={
        "csrf_token": token, "code": "X", "academic_year": "2026-2027", "name_en": "X",
        "starts_on": "2026-09-01", "ends_on": "2027-01-01"})
    assert response.status_code == 403


def test_students_cannot_propose_partnerships(client, world) -> None:
    login(client, "student@example.org")
    assert client.get("/partnerships/new").status_code == 403


def test_unknown_records_are_404_not_500(client, world) -> None:
    login(client, "student@example.org")
    assert client.get("/institutions/NOPE").status_code == 404
    assert client.get("/partnerships/999999").status_code == 404


def test_the_institutions_page_runs_a_fixed_number_of_queries(app, client, world,
                                                              query_counter) -> None:
    login(client, "student@example.org")
    client.get("/institutions")
    before = len(query_counter)
    query_counter.clear()
    client.get("/institutions")
    few = len(query_counter)
    with app.test_request_context():
        for i in range(6):
            institution = make_institution(f"EXTRA{i}")
            make_programme(institution)
            make_programme(institution)
    query_counter.clear()
    client.get("/institutions")
    assert len(query_counter) == few, "queries grow with the number of institutions (N+1)"
    assert before >= few


@pytest.mark.postgres
def test_a_save_racing_another_is_a_conflict_not_an_overwrite(fresh_postgres_url) -> None:
    """Two registrars save the same programme at the same moment: the second one to commit
    gets a conflict, and the first one's change survives (the version column guards it)."""
    from jointdegree import create_app
    from jointdegree.catalog.models import Programme
    from jointdegree.db import database
    from jointdegree.errors import Conflict

    app = create_app({"DATABASE_URL": fresh_postgres_url, "SECRET_KEY": "x"})
    try:
        with app.test_request_context():
            programme_id = make_programme(make_institution()).id
        with app.test_request_context():
            mine = services.get_programme(programme_id)  # registrar A reads
            with database(app).sessionmaker() as other:  # registrar B saves meanwhile
                other.get(Programme, programme_id).name_zh = "信息学硕士"
                other.commit()
            with pytest.raises(Conflict) as caught:
                services.update_programme(mine, {"name_fr": "Master Informatique"}, actor=None)
            assert caught.value.code == "stale_version"
        with database(app).sessionmaker() as check:
            saved = check.get(Programme, programme_id)
            assert saved.name_zh == "信息学硕士" and saved.name_fr is None
    finally:
        database(app).engine.dispose()
