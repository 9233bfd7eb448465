"""Institutions, programmes, partnerships over the API, for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jointdegree.audit.models import AuditLogEntry
from jointdegree.notifications.models import Notification

ROLES = ("admin", "registrar_nice", "registrar_haikou", "professor", "student")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/institutions", "/institutions/HAIKOU", "/programmes",
                                  "/partnerships"])
def test_every_role_reads_the_catalog_of_partners(api, role, path) -> None:
    assert api("GET", path, as_=role).status_code == 200


def test_institution_shape(api) -> None:
    body = api("GET", "/institutions/HAIKOU").get_json()
    assert body["code"] == "HAIKOU" and body["timezone"] == "Asia/Shanghai"
    assert body["credit_system"] == "cn" and body["names"]["zh"] == "HAIKOU大学"


def test_programme_credits_are_exact_strings(api, world) -> None:
    body = api("GET", f"/programmes/{world['p_haikou'].id}").get_json()
    assert body["required_credits"] == "34.0"
    assert body["credit_system"] == "cn" and body["institution"] == "HAIKOU"


NEW_INSTITUTION = {"code": "LYON", "names": {"fr": "Université de Lyon"}, "country": "FR",
                   "timezone": "Europe/Paris", "credit_system": "ects", "grading_scale": "fr-20"}


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("registrar_nice", 403),
                                              ("registrar_haikou", 403), ("professor", 403),
                                              ("student", 403)])
def test_only_admins_create_institutions(api, role, status) -> None:
    response = api("POST", "/institutions", as_=role, json=NEW_INSTITUTION)
    assert response.status_code == status
    if status == 201:
        assert response.headers["Location"] == "/api/v1/institutions/LYON"


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("registrar_nice", 200),
                                              ("registrar_haikou", 403), ("professor", 403),
                                              ("student", 403)])
def test_institution_changes_by_own_registrar_or_admin(api, role, status) -> None:
    etag = api("GET", "/institutions/NICE").headers["ETag"]
    response = api("PATCH", "/institutions/NICE", as_=role,
                   json={"city": {"fr": "Nice", "zh": "尼斯"}}, headers={"If-Match": etag})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "institution", "status"), [
    ("admin", "HAIKOU", 201), ("registrar_haikou", "HAIKOU", 201),
    ("registrar_nice", "HAIKOU", 403), ("professor", "NICE", 403), ("student", "HAIKOU", 403)])
def test_programmes_are_created_by_their_institution(api, role, institution, status) -> None:
    response = api("POST", "/programmes", as_=role, json={
        "institution": institution, "code": "NEW", "names": {"zh": "软件工程硕士"},
        "level": "master", "required_credits": "32.5", "duration_semesters": 5})
    assert response.status_code == status, response.get_json()
    if status == 201:
        assert response.get_json()["required_credits"] == "32.5"


def test_programme_patch_keeps_what_was_not_sent(api, world, db) -> None:
    path = f"/programmes/{world['p_nice'].id}"
    etag = api("GET", path).headers["ETag"]
    changed = api("PATCH", path, json={"required_credits": "90", "names": {"zh": "信息学硕士"}},
                  headers={"If-Match": etag}).get_json()
    assert changed["required_credits"] == "90.0"
    assert changed["names"] == {"fr": None, "zh": "信息学硕士", "en": "Master in Testing"}
    assert changed["level"] == "master"
    entry = db.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "programme.update")
                       ).one()
    assert entry.before["required_credits"] == "120.0" and entry.after["required_credits"] == (
        "90.0")
    assert entry.channel == "api"


def test_a_patch_cannot_remove_the_last_name(api, world) -> None:
    path = f"/programmes/{world['p_nice'].id}"
    etag = api("GET", path).headers["ETag"]
    response = api("PATCH", path, json={"names": {"en": None}}, headers={"If-Match": etag})
    assert response.status_code == 400
    assert "name_en" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("registrar_nice", 200),
                                              ("registrar_haikou", 200), ("professor", 403),
                                              ("student", 403)])
def test_either_partner_changes_a_partnership(api, world, role, status) -> None:
    path = f"/partnerships/{world['partnership'].id}"
    etag = api("GET", path).headers["ETag"]
    response = api("PATCH", path, as_=role, json={"status": "closed"},
                   headers={"If-Match": etag})
    assert response.status_code == status


def test_a_registrar_proposes_a_partnership_and_the_partner_is_notified(api, app, world,
                                                                      db) -> None:
    from tests.factories import make_programme

    with app.test_request_context():
        a = make_programme(world["nice"], "L-INFO", level="bachelor", required_credits="180")
        b = make_programme(world["haikou"], "BS-CST", level="bachelor", required_credits="160")
    response = api("POST", "/partnerships", as_="registrar_haikou", json={
        "code": "NH-BSC", "names": {"zh": "本科双学位"}, "programme_a": b.id,
        "programme_b": a.id, "first_intake_year": 2027})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {p["institution"] for p in body["programmes"]} == {"NICE", "HAIKOU"}
    assert body["status"] == "draft"
    kinds = db.scalars(select(Notification.kind).where(
        Notification.user_id == world["registrar_nice"].id)).all()
    assert "partnership.created" in kinds


@pytest.mark.parametrize("role", ["professor", "student"])
def test_only_registrars_propose_partnerships(api, world, role) -> None:
    response = api("POST", "/partnerships", as_=role, json={
        "code": "X", "names": {"en": "X"}, "programme_a": world["p_nice"].id,
        "programme_b": world["p_haikou"].id, "first_intake_year": 2027})
    assert response.status_code == 403


def test_a_duplicate_partnership_is_refused_with_the_field(api, world) -> None:
    response = api("POST", "/partnerships", json={
        "code": "NH-CS", "names": {"en": "again"}, "programme_a": world["p_nice"].id,
        "programme_b": world["p_haikou"].id, "first_intake_year": 2027})
    assert response.status_code == 400
    assert {"code", "programme_b"} <= set(response.get_json()["error"]["fields"])


def test_unknown_programme_ids_are_named(api, world) -> None:
    response = api("POST", "/partnerships", json={
        "code": "ZZ", "names": {"en": "x"}, "programme_a": world["p_nice"].id,
        "programme_b": 987654, "first_intake_year": 2027})
    assert response.status_code == 400
    assert "programme_b" in response.get_json()["error"]["fields"]
